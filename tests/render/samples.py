"""Hand-built traces for renderer and CLI tests (no engine involved).

Three shapes that exercise every part of a rendering: a reachable trace through NAT (translate
hops, a changed packet, a return path), a trace blocked by a security group (forward block, route
candidates), and a trace whose reply is partly blocked by a NACL (return-path block, partial).
"""

from __future__ import annotations

from ipaddress import IPv4Address

from netpath.engine.hops import Blocked, Hop, Packet, Query, RuleRef, Trace
from netpath.model.paths import SpecPath

NODE = IPv4Address("10.0.10.100")
NAT_PRIVATE = IPv4Address("10.0.1.20")
NAT_PUBLIC = IPv4Address("198.51.100.10")
API = IPv4Address("192.0.2.80")
DB = IPv4Address("10.0.20.50")

RT_PRIVATE_DEFAULT: SpecPath = ("vpcs", "prod", "route_tables", "rt-private", "routes", "0.0.0.0/0")
RT_PUBLIC_DEFAULT: SpecPath = ("vpcs", "prod", "route_tables", "rt-public", "routes", "0.0.0.0/0")
SG_DB_INGRESS: SpecPath = ("vpcs", "prod", "security_groups", "sg-db", "ingress")
NACL_PRIVATE_IN: SpecPath = ("vpcs", "prod", "network_acls", "nacl-private", "inbound", 0)
NAT_A: SpecPath = ("vpcs", "prod", "nat_gateways", "nat-a")

# What a source map would answer for these paths (the others are unknown to it).
LOCATIONS: dict[SpecPath, str] = {
    RT_PRIVATE_DEFAULT: "scenarios/x.yaml:28:11",
    RT_PUBLIC_DEFAULT: "scenarios/x.yaml:25:11",
    SG_DB_INGRESS: "scenarios/x.yaml:52:9",
    NACL_PRIVATE_IN: "scenarios/x.yaml:40:13",
}


def locate(path: SpecPath) -> str | None:
    return LOCATIONS.get(path)


def _numbered(hops: list[Hop], first: int = 1) -> tuple[Hop, ...]:
    from dataclasses import replace

    return tuple(replace(hop, step=first + i) for i, hop in enumerate(hops))


def nat_trace() -> Trace:
    """node-1 -> api.example.com:443 through nat-a and igw-prod: reachable."""
    flow = Packet("tcp", NODE, 40123, API, 443)
    snat = flow.with_source(NAT_PRIVATE, 40123)
    public = flow.with_source(NAT_PUBLIC, 40123)
    forward = _numbered([
        Hop("instance", "node-1", "send", "node-1 sends from its primary interface", flow),
        Hop("security-group", "sg-node", "allow", "the default outbound rule allows it", flow,
            rule=RuleRef("all to 0.0.0.0/0 (default egress)")),
        Hop("network-acl", "prod-default", "allow", "the implicit default NACL allows all", flow),
        Hop("route-table", "rt-private", "forward", "the packet leaves private-a for nat-a", flow,
            rule=RuleRef("0.0.0.0/0 -> nat-a", RT_PRIVATE_DEFAULT)),
        Hop("nat-gateway", "nat-a", "translate",
            "source NAT to the NAT gateway's private address", snat,
            rule=RuleRef("nat-a 10.0.1.20", NAT_A),
            note="a NAT gateway only translates connections its VPC opened"),
        Hop("route-table", "rt-public", "forward", "public-a routes the internet to igw-prod",
            snat, rule=RuleRef("0.0.0.0/0 -> igw-prod", RT_PUBLIC_DEFAULT)),
        Hop("internet-gateway", "igw-prod", "translate",
            "maps 10.0.1.20 to the Elastic IP 198.51.100.10", public),
        Hop("internet", "api.example.com", "deliver", "api.example.com listens on 443", public),
    ])
    reply = public.reply()
    back = _numbered([
        Hop("internet", "api.example.com", "send", "the reply", reply),
        Hop("internet-gateway", "igw-prod", "translate", "maps the Elastic IP back to 10.0.1.20",
            reply.with_destination(NAT_PRIVATE, 40123)),
        Hop("nat-gateway", "nat-a", "translate", "reverse NAT to node-1",
            reply.with_destination(NODE, 40123)),
        Hop("network-acl", "prod-default", "allow", "the implicit default NACL allows all",
            reply.with_destination(NODE, 40123),
            note="NACLs are stateless: the reply is checked on its own"),
        Hop("instance", "node-1", "deliver", "node-1 receives the reply",
            reply.with_destination(NODE, 40123)),
    ], first=len(forward) + 1)
    return Trace(
        query=Query("node-1", "api.example.com", 443, "tcp"),
        flow=flow,
        hops=forward,
        return_path=back,
        blocked_by=None,
        notes=("api.example.com resolves to 192.0.2.80 (internet host)",
               "node-1 uses ephemeral ports 32768-60999 (linux)"),
    )


def sg_blocked_trace() -> Trace:
    """node-1 -> orders-db:22: blocked by sg-db at step 5."""
    flow = Packet("tcp", NODE, 40123, DB, 22)
    hops = _numbered([
        Hop("instance", "node-1", "send", "node-1 sends from its primary interface", flow),
        Hop("security-group", "sg-node", "allow", "the default outbound rule allows it", flow,
            rule=RuleRef("all to 0.0.0.0/0 (default egress)")),
        Hop("route-table", "rt-private", "forward", "the local route keeps it in the VPC", flow,
            rule=RuleRef("10.0.0.0/16 -> local"),
            candidates=(RuleRef("0.0.0.0/0 -> nat-a", RT_PRIVATE_DEFAULT),)),
        Hop("network-acl", "prod-default", "allow", "the implicit default NACL allows all", flow),
        Hop("security-group", "sg-db", "deny", "no inbound rule of sg-db allows tcp/22", flow,
            rule=RuleRef("no ingress rule matches", SG_DB_INGRESS)),
    ])
    return Trace(
        query=Query("node-1", "orders-db", 22, "tcp"),
        flow=flow,
        hops=hops,
        return_path=(),
        blocked_by=Blocked(5, "security-group", "sg-db", "SG_INGRESS_DENIED",
                           "no inbound rule allows tcp/22 from node-1 (10.0.10.100)",
                           "add an inbound rule to sg-db allowing tcp/22 from sg-node"),
    )


def nacl_return_trace() -> Trace:
    """node-1 -> orders-db:5432: arrives, but nacl-private lets only part of the replies back."""
    flow = Packet("tcp", NODE, 40123, DB, 5432)
    reply = flow.reply()
    forward = _numbered([
        Hop("instance", "node-1", "send", "node-1 sends from its primary interface", flow),
        Hop("security-group", "sg-node", "allow", "the default outbound rule allows it", flow,
            rule=RuleRef("all to 0.0.0.0/0 (default egress)")),
        Hop("route-table", "rt-private", "forward", "the local route keeps it in the VPC", flow,
            rule=RuleRef("10.0.0.0/16 -> local")),
        Hop("security-group", "sg-db", "allow", "PostgreSQL from the nodes", flow,
            rule=RuleRef("tcp/5432 from sg-node", SG_DB_INGRESS + (0,))),
        Hop("database", "orders-db", "deliver", "orders-db listens on 5432", flow),
    ])
    back = _numbered([
        Hop("database", "orders-db", "send", "the reply", reply),
        Hop("route-table", "rt-db", "forward", "the local route", reply,
            rule=RuleRef("10.0.0.0/16 -> local")),
        Hop("network-acl", "nacl-private", "deny",
            "replies to ports 50001-60999 hit the implicit deny", reply,
            rule=RuleRef("#100 allow tcp/32768-50000 10.0.20.0/24", NACL_PRIVATE_IN),
            note="NACLs are stateless: the reply goes to the client's ephemeral port, "
                 "which must be allowed inbound"),
    ], first=len(forward) + 1)
    return Trace(
        query=Query("node-1", "orders-db", None, "tcp"),
        flow=flow,
        hops=forward,
        return_path=back,
        blocked_by=Blocked(8, "network-acl", "nacl-private", "NACL_RETURN_DENIED",
                           "replies reach only ports 32768-50000 of node-1's range "
                           "32768-60999 (about 59%): intermittent failures",
                           "allow tcp/32768-60999 inbound from 10.0.20.0/24 in nacl-private",
                           direction="return", partial=True),
        notes=("port 5432 assumed: orders-db's port",),
    )


ALL = {"nat": nat_trace, "sg-blocked": sg_blocked_trace, "nacl-return": nacl_return_trace}
