"""Routes that drop traffic, and NAT gateways with no way to the internet.

https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html
"""

from __future__ import annotations

from collections.abc import Iterator

from netpath.checks.lint import Hit, rule
from netpath.checks.rules.context import LintContext, listing
from netpath.model.resources import Route
from netpath.model.vocabulary import RouteOrigin, RouteTarget, Severity


def _dead(ctx: LintContext, route: Route) -> tuple[str, str] | None:
    """Why packets matching `route` are dropped, and the fix; None when its target lives."""
    if route.target_kind == RouteTarget.BLACKHOLE:
        if route.target != "blackhole":
            return (f"targets {route.target}, which was deleted (state blackhole)",
                    f"point the route at a target that exists (what replaced {route.target}), "
                    "or delete it")
        return ("is a blackhole", "point the route at a target that exists, or delete it")
    if route.target_kind == RouteTarget.VPC_PEERING:
        peering = ctx.model.peerings.get(route.target)
        if peering is not None and peering.status != "active":
            fix = ("have the accepter VPC's owner accept the peering" if
                   peering.status == "pending-acceptance" else
                   "create a new peering and point the route at it, or delete the route")
            return f"targets peering {peering.name}, which is {peering.status}", fix
    return None


@rule("RT001", "route.dead-target", Severity.ERROR,
      summary="A route to a deleted or blackhole target, or to a peering that is not active.",
      fix="Point the route at a target that exists, or delete it.",
      source="https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Route.html")
def dead_target(ctx: LintContext) -> Iterator[Hit]:
    """A route whose target was deleted stays in the table with the state `blackhole`, and
    longest-prefix match still picks it: matching packets are dropped, silently, even when a
    less specific route would have carried them. A route to a peering that is pending
    acceptance or deleted drops traffic the same way.

    Anti-pattern:

        routes:
          0.0.0.0/0: {target: nat-old, state: blackhole}   # the NAT gateway was deleted

    Best practice:

        routes:
          0.0.0.0/0: nat-a
    """
    for table in ctx.model.route_tables.values():
        for route in table.routes:
            dead = _dead(ctx, route)
            if dead is None:
                continue
            what, fix = dead
            users = ctx.table_subnets.get(table.name, [])
            used = f" (used by {listing(users)})" if users else " (used by no subnet)"
            yield Hit(f"route {route.destination_text} in {table.name}{used} {what}: packets "
                      f"to {route.destination_text} are dropped", fix, route.path)


@rule("RT002", "route.tgw-blackhole", Severity.INFO,
      summary="A transit gateway blackhole route (traffic to it is dropped on purpose).",
      fix="Nothing, if the drop is intended; else route the CIDR to an attachment.",
      source="https://docs.aws.amazon.com/vpc/latest/tgw/tgw-route-tables.html")
def tgw_blackhole(ctx: LintContext) -> Iterator[Hit]:
    """Transit gateway route tables may hold blackhole routes on purpose, to drop traffic to
    a range (an isolated environment, a CIDR being retired). Listed so that a drop nobody
    remembers is found before a trace ends in it.

    Anti-pattern:

        route_tables:
          tgw-rt-main:
            routes: {10.50.0.0/16: blackhole}   # written long ago, the VPC now lives there

    Best practice:

        route_tables:
          tgw-rt-main:
            routes: {10.50.0.0/16: att-shared}
    """
    for table in ctx.model.tgw_route_tables.values():
        for route in table.routes:
            if route.target == "blackhole" and route.origin == RouteOrigin.STATIC:
                yield Hit(f"transit gateway route table {table.name} ({table.transit_gateway}) "
                          f"drops traffic to {route.destination} (a blackhole route)",
                          "nothing, if the drop is intended; else route it to an attachment",
                          route.path)


@rule("NAT001", "nat-gateway.no-internet-route", Severity.ERROR,
      summary="A public NAT gateway in a subnet with no route to an internet gateway.",
      fix="Put the NAT gateway in a public subnet (0.0.0.0/0 -> the internet gateway).",
      source="https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-scenarios.html")
def nat_without_internet_route(ctx: LintContext) -> Iterator[Hit]:
    """A public NAT gateway translates private addresses to its own, then sends the packet by
    its *own* subnet's route table: that table needs a route to the internet gateway, or
    everything the private subnets send to the internet through it is dropped.

    Anti-pattern:

        nat_gateways:
          nat-a: {subnet: private-a, elastic_ip: 198.51.100.10}   # rt-private: 0.0.0.0/0 -> nat-a

    Best practice:

        nat_gateways:
          nat-a: {subnet: public-a, elastic_ip: 198.51.100.10}    # rt-public: 0.0.0.0/0 -> igw
    """
    for nat in ctx.model.nat_gateways.values():
        subnet = ctx.model.subnets.get(nat.subnet)
        if nat.connectivity != "public" or subnet is None or ctx.model.internet_route(subnet):
            continue
        vpc = ctx.model.vpcs.get(nat.vpc)
        igw = vpc.internet_gateway if vpc is not None else None
        fix = (f"place {nat.name} in a public subnet, or add 0.0.0.0/0 -> {igw} to "
               f"{subnet.route_table}" if igw else
               f"give VPC {nat.vpc} an internet gateway and route 0.0.0.0/0 to it from "
               f"{subnet.route_table}")
        missing = "" if igw else f"; VPC {nat.vpc} has no internet gateway"
        yield Hit(f"public NAT gateway {nat.name} is in subnet {subnet.name}, whose route table "
                  f"{subnet.route_table} has no route to an internet gateway{missing}: what it "
                  "translates never reaches the internet", fix, (*nat.path, "subnet"))
