"""Semantic checks on references: what AWS requires to be in the same VPC, and route targets."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from netpath.load.errors import SpecError
from netpath.model.addr import Prefix
from netpath.model.paths import SpecPath
from netpath.model.resources import Model, Route, RouteTable
from netpath.model.vocabulary import EniOwner, RouteTarget

Check = Callable[[Model], Iterator[SpecError]]


def _vpc_of(model: Model, kind: str, name: str) -> str | None:
    thing = getattr(model, kind).get(name)
    return None if thing is None else str(thing.vpc)


def subnet_associations(model: Model) -> Iterator[SpecError]:
    """A subnet's route table and network ACL belong to the subnet's VPC."""
    for subnet in model.subnets.values():
        for key, kind, what in (("route_table", "route_tables", "route table"),
                                ("network_acl", "network_acls", "network ACL")):
            name = getattr(subnet, key)
            other = _vpc_of(model, kind, name)
            if other is not None and other != subnet.vpc:
                yield SpecError(f"subnet {subnet.name!r} of VPC {subnet.vpc!r} uses {what} "
                                f"{name!r} of VPC {other!r}", (*subnet.path, key))


# Owners of load balancer and endpoint nodes.
_NODE_OWNERS = (EniOwner.LOAD_BALANCER, EniOwner.VPC_ENDPOINT)


def interface_subnets(model: Model) -> Iterator[SpecError]:
    """An interface lives in a subnet of its owner's VPC."""
    for eni in model.enis.values():
        other = _vpc_of(model, "subnets", eni.subnet)
        if other is not None and other != eni.vpc:
            # Load balancer and endpoint nodes are written as `subnets` entries.
            on_node = eni.owner_kind in _NODE_OWNERS
            yield SpecError(f"{eni.owner!r} of VPC {eni.vpc!r} is placed in subnet "
                            f"{eni.subnet!r} of VPC {other!r}",
                            eni.path if on_node else (*eni.path, "subnet"))


def security_group_holders(model: Model) -> Iterator[SpecError]:
    """Security groups on an interface belong to the interface's VPC."""
    holders: list[tuple[str, str, tuple[str, ...], SpecPath]] = [
        (eni.owner, eni.vpc, eni.security_groups, eni.path) for eni in model.enis.values()
        if eni.owner_kind not in _NODE_OWNERS
    ]
    holders += [(lb.name, lb.vpc, lb.security_groups, lb.path)
                for lb in model.load_balancers.values()]
    holders += [(ep.name, ep.vpc, ep.security_groups, ep.path) for ep in model.endpoints.values()]
    for name, vpc, groups, path in holders:
        for index, group in enumerate(groups):
            other = _vpc_of(model, "security_groups", group)
            if other is not None and other != vpc:
                yield SpecError(f"{name!r} of VPC {vpc!r} uses security group {group!r} of VPC "
                                f"{other!r}", (*path, "security_groups", index))


def security_group_rule_peers(model: Model) -> Iterator[SpecError]:
    """A rule may name a group of another VPC only when a peering or a transit gateway joins
    the two VPCs.

    Whether the reference then *works* (an active peering, one Region, a transit gateway with
    referencing on, an inbound rule) is the engine's to explain in a trace, as AWS keeps such
    rules (stale after a peering is deleted)."""
    peered = {frozenset((p.requester, p.accepter)) for p in model.peerings.values()}
    for tgw in model.transit_gateways.values():
        attached = {model.tgw_attachments[a].vpc for a in tgw.attachments}
        peered |= {frozenset((a, b)) for a in attached for b in attached if a != b}
    for group in model.security_groups.values():
        for rule in (*group.ingress, *group.egress):
            other = _vpc_of(model, "security_groups", rule.security_group or "")
            if other is None or other == group.vpc:
                continue
            if frozenset((group.vpc, other)) not in peered:
                yield SpecError(
                    f"a rule of security group {group.name!r} (VPC {group.vpc!r}) references "
                    f"{rule.security_group!r} of VPC {other!r}, which is neither peered with "
                    f"{group.vpc!r} nor attached to a transit gateway with it",
                    (*rule.path, "security_group"),
                    hint="peer the VPCs (or use a transit gateway with security group "
                    "referencing, inbound rules only), or reference a CIDR",
                )


def load_balancer_targets(model: Model) -> Iterator[SpecError]:
    """A load balancer's target groups, and a target group's instances, are in its VPC."""
    for lb in model.load_balancers.values():
        for listener in lb.listeners:
            other = _vpc_of(model, "target_groups", listener.target_group or "")
            if other is not None and other != lb.vpc:
                yield SpecError(f"listener {listener.port} of {lb.name!r} (VPC {lb.vpc!r}) "
                                f"forwards to target group {listener.target_group!r} of VPC "
                                f"{other!r}", (*listener.path, "target_group"))
    for group in model.target_groups.values():
        if group.target_type != "instance":
            continue
        for target in group.targets:
            other = _vpc_of(model, "instances", target.target)
            if other is not None and other != group.vpc:
                yield SpecError(f"target {target.target!r} of {group.name!r} (VPC "
                                f"{group.vpc!r}) is an instance of VPC {other!r}", target.path)


# --- routes --------------------------------------------------------------------------------

# semantics.md: "Routes more specific than `local` are allowed when the destination is exactly a
# subnet's CIDR and the target is a NAT gateway, a network interface or a Gateway Load Balancer
# endpoint (middlebox routing)." The same targets may replace the local route itself:
# https://docs.aws.amazon.com/vpc/latest/userguide/replace-local-route-target.html
_MIDDLEBOX_TARGETS = (RouteTarget.NAT_GATEWAY, RouteTarget.NETWORK_INTERFACE)
_NO_TARGET = (RouteTarget.LOCAL, RouteTarget.BLACKHOLE)  # kinds that name no resource


def routes_within_local(model: Model) -> Iterator[SpecError]:
    subnet_cidrs = {(s.vpc, s.cidr) for s in model.subnets.values()}
    for table in model.route_tables.values():
        vpc = model.vpcs.get(table.vpc)
        if vpc is None:
            continue
        for route in table.routes:
            if route.destination is None or route.target_kind in _NO_TARGET:
                continue
            covering = _covering(route.destination, vpc.cidrs)
            exact = route.destination == covering or (vpc.name, route.destination) in subnet_cidrs
            if covering is None or (exact and route.target_kind in _MIDDLEBOX_TARGETS):
                continue
            if route.destination == covering:
                fact = f"replaces the local route of VPC {vpc.name!r}"
                allowed = "a NAT gateway or a network interface as its target"
            else:
                fact = f"is more specific than the local route {covering}"
                allowed = "for a subnet's exact CIDR, with a NAT gateway or network interface"
            yield SpecError(f"route {route} in {table.name!r} {fact}; AWS allows that only "
                            f"{allowed}", route.path)


def _covering(destination: Prefix, cidrs: tuple[Prefix, ...]) -> Prefix | None:
    """The VPC CIDR that holds `destination` (`subnet_of`, spelled out: it runs per route)."""
    for cidr in cidrs:
        if destination.prefixlen >= cidr.prefixlen and destination.network_address in cidr:
            return cidr
    return None


def route_targets_in_vpc(model: Model) -> Iterator[SpecError]:
    """A route's target must be reachable from the table's own VPC."""
    attached = {(a.transit_gateway, a.vpc) for a in model.tgw_attachments.values()}
    for table in model.route_tables.values():
        for route in table.routes:
            if route.target_kind in _NO_TARGET:
                continue
            problem = _foreign_target(model, table, route, attached)
            if problem is not None:
                yield SpecError(f"route {route} in {table.name!r} (VPC {table.vpc!r}) "
                                f"targets {problem}", route.path)


# Route target kinds that belong to one VPC: the model map holding them, and their words.
_VPC_BOUND_TARGETS = {
    RouteTarget.NAT_GATEWAY: ("nat_gateways", "NAT gateway"),
    RouteTarget.VPC_ENDPOINT: ("endpoints", "endpoint"),
    RouteTarget.NETWORK_INTERFACE: ("enis", "network interface"),
}


def _foreign_target(model: Model, table: RouteTable, route: Route,
                    attached: set[tuple[str, str]]) -> str | None:
    kind, name, vpc = route.target_kind, route.target, table.vpc
    endpoint = model.endpoints.get(name) if kind == RouteTarget.VPC_ENDPOINT else None
    if endpoint is not None and table.name in endpoint.route_tables:
        return None  # the endpoint added this route: gateway_endpoint_tables reports it there
    if kind in _VPC_BOUND_TARGETS:
        where, what = _VPC_BOUND_TARGETS[kind]
        other = _vpc_of(model, where, name)
        return None if other in (None, vpc) else f"{what} {name!r} of VPC {other!r}"
    if kind == RouteTarget.INTERNET_GATEWAY:
        # The VPC's own gateway, even when another VPC named it first (reported on its own).
        own = model.vpcs[vpc].internet_gateway if vpc in model.vpcs else name
        gateway = model.internet_gateways.get(name)
        if own == name or gateway is None:
            return None
        return f"internet gateway {name!r} of VPC {gateway.vpc!r}"
    if kind == RouteTarget.VPC_PEERING:
        peering = model.peerings.get(name)
        if peering is None or peering.other(vpc) is not None:
            return None
        return (f"peering {name!r}, which connects {peering.requester!r} and "
                f"{peering.accepter!r}")
    if kind == RouteTarget.TRANSIT_GATEWAY and (name, vpc) not in attached:
        return f"transit gateway {name!r}, which has no attachment in VPC {vpc!r}"
    return None


def gateway_endpoint_tables(model: Model) -> Iterator[SpecError]:
    for endpoint in model.endpoints.values():
        for index, table in enumerate(endpoint.route_tables):
            other = _vpc_of(model, "route_tables", table)
            if other is not None and other != endpoint.vpc:
                yield SpecError(f"gateway endpoint {endpoint.name!r} of VPC {endpoint.vpc!r} "
                                f"names route table {table!r} of VPC {other!r}",
                                (*endpoint.path, "route_tables", index))


def internet_gateway_owners(model: Model) -> Iterator[SpecError]:
    for vpc in model.vpcs.values():
        gateway = model.internet_gateways.get(vpc.internet_gateway or "")
        if gateway is not None and gateway.vpc != vpc.name:
            yield SpecError(f"internet gateway {gateway.name!r} is already attached to VPC "
                            f"{gateway.vpc!r}; a gateway attaches to one VPC",
                            (*vpc.path, "internet_gateway"))


# --- transit gateways ----------------------------------------------------------------------


def tgw_attachment_subnets(model: Model) -> Iterator[SpecError]:
    """An attachment takes subnets of its VPC, at most one per Availability Zone."""
    for attachment in model.tgw_attachments.values():
        by_az: dict[str, str] = {}
        for index, name in enumerate(attachment.subnets):
            subnet = model.subnets.get(name)
            if subnet is None:
                continue
            path = (*attachment.path, "subnets", index)
            if subnet.vpc != attachment.vpc:
                yield SpecError(f"attachment {attachment.name!r} of VPC {attachment.vpc!r} "
                                f"names subnet {name!r} of VPC {subnet.vpc!r}", path)
                continue
            first = by_az.setdefault(subnet.az, name)
            if first != name:
                yield SpecError(f"attachment {attachment.name!r} has two subnets in "
                                f"{subnet.az}: {first!r} and {name!r}", path)


def tgw_single_association(model: Model) -> Iterator[SpecError]:
    """AWS associates an attachment with exactly one transit gateway route table."""
    seen: dict[str, str] = {}
    for table in model.tgw_route_tables.values():
        for index, attachment in enumerate(table.associations):
            first = seen.setdefault(attachment, table.name)
            if first != table.name:
                yield SpecError(f"attachment {attachment!r} is associated with both "
                                f"{first!r} and {table.name!r}",
                                (*table.path, "associations", index))


REFERENCE_CHECKS: tuple[Check, ...] = (
    subnet_associations,
    interface_subnets,
    security_group_holders,
    security_group_rule_peers,
    load_balancer_targets,
    routes_within_local,
    route_targets_in_vpc,
    gateway_endpoint_tables,
    internet_gateway_owners,
    tgw_attachment_subnets,
    tgw_single_association,
)
