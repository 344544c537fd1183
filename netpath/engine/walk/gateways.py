"""Where a route leads besides the internet: NAT gateways, VPC peering, transit gateways and
gateway endpoints. The AWS rules they follow are cited in docs/research/aws-semantics.md.
"""

from __future__ import annotations

from dataclasses import replace

from netpath.engine import fixes
from netpath.engine.hops import RuleRef
from netpath.engine.ports import EPHEMERAL, pick_port
from netpath.engine.walk.filters import cross_subnets, nacl_allows
from netpath.engine.walk.position import (
    STOP,
    Arrived,
    At,
    Leaving,
    Next,
    RouteTo,
    Session,
    TgwLookup,
    Walk,
    Where,
)
from netpath.model.addr import is_public
from netpath.model.resources import NatGateway, Subnet
from netpath.model.vocabulary import Action, Code, Component, RouteTarget

# --- NAT gateway -----------------------------------------------------------------------------


def nat_gateway(w: Walk, at: At[RouteTo]) -> Next:
    """A route to a NAT gateway: the source becomes the gateway's private IP and a port of its
    own, and the packet leaves through the gateway's subnet."""
    subnet = w.model.subnets[at.subject.subnet]
    nat = w.model.nat_gateways[at.subject.target]
    packet = at.packet
    if at.reply:
        reason = (f"the reply to {packet.dst_ip} leaves by {nat.name}, not the way the request "
                  f"came in: the client would see it from another address and drop it")
        return w.block(Code.NO_RETURN_ROUTE, Component.NAT_GATEWAY, nat.name, reason,
                       f"route {packet.dst_ip} back the way the request came in "
                       f"(in {subnet.route_table})", packet)
    nat_subnet = w.model.subnets[nat.subnet]
    if not cross_subnets(w, subnet, nat_subnet, packet, at.flow):
        return STOP
    if _nat_has_no_way_out(w, nat, nat_subnet, at):
        return STOP
    ephemeral = EPHEMERAL["nat-gateway"]
    port = pick_port(ephemeral.ports, nat.name, packet) if packet.src_port is not None else None
    translated = packet.with_source(nat.private_ip, port)
    w.ctx.sessions[(nat.name, int(nat.private_ip), port)] = Session(
        nat.name, packet, translated, at.flow.ephemeral)
    eip = f"; the internet gateway then maps it to the Elastic IP {nat.elastic_ip}" \
        if nat.elastic_ip else ""
    note = w.note_once("nat", f"a NAT gateway translates the source to its own private IP{eip}; "
                       "it never accepts connections initiated from outside")
    w.hop(Component.NAT_GATEWAY, nat.name, Action.TRANSLATE,
          f"source {packet.src_ip}:{packet.src_port} -> {nat.private_ip}:{port} "
          f"(port from the NAT gateway's range {ephemeral.ports})", translated, note=note,
          before=packet)
    return at.to(Where.ROUTE_TABLE, Leaving(nat_subnet.name), translated,
                 replace(at.flow, ephemeral=ephemeral))


def _nat_has_no_way_out(w: Walk, nat: NatGateway, nat_subnet: Subnet, at: At[RouteTo]) -> bool:
    packet = at.packet
    table = nat_subnet.route_table
    match = w.net.route_lookup(table, packet.dst_ip)
    problem = None
    if match is None and is_public(packet.dst_ip):
        problem = (f"{nat.name}'s own subnet {nat_subnet.name} has no route for "
                   f"{packet.dst_ip} in {table}")
    elif match is not None and match.route.target_kind == RouteTarget.NAT_GATEWAY:
        problem = (f"{nat.name}'s own subnet {nat_subnet.name} routes {packet.dst_ip} to "
                   f"{match.route.target} ({table}), not to an internet gateway: the NAT "
                   "gateway sits in a private subnet")
    elif (match is not None and match.route.target_kind == RouteTarget.INTERNET_GATEWAY
          and nat.connectivity == "private"):
        problem = (f"{nat.name} is a private NAT gateway: the internet gateway drops its "
                   "traffic")
    if problem is None:
        return False
    w.block(Code.NAT_NO_INTERNET_ROUTE, Component.NAT_GATEWAY, nat.name, problem,
            _nat_fix(w, nat, table, match is not None), packet)
    return True


def _nat_fix(w: Walk, nat: NatGateway, table: str, table_routes_elsewhere: bool) -> str:
    if nat.connectivity == "private":
        return "use a public NAT gateway with an Elastic IP"
    vpc = w.model.vpcs[nat.vpc]
    igw = vpc.internet_gateway or "an internet gateway"
    if table_routes_elsewhere:
        # The table sends the internet to a NAT gateway: it serves private subnets, and giving
        # it a route to the internet gateway would make those public. Move the NAT instead.
        public = sorted(s.name for s in w.model.subnets.values()
                        if s.vpc == vpc.name and w.model.is_public(s))
        where = f" such as {public[0]}" if public else f" (route 0.0.0.0/0 -> {igw})"
        return f"move {nat.name} to a public subnet{where}: a NAT gateway must sit in one"
    return f"add 0.0.0.0/0 -> {igw} to {table} (a NAT gateway must sit in a public subnet)"


def nat_gateway_inbound(w: Walk, at: At[str]) -> Next:
    """A packet addressed to the NAT gateway itself: only replies to its sessions pass."""
    nat = w.model.nat_gateways[at.subject]
    packet = at.packet
    session = w.ctx.sessions.get((nat.name, int(packet.dst_ip), packet.dst_port))
    if not at.reply or session is None:
        reason = (f"{nat.name} never accepts connections initiated from outside: it only "
                  "translates connections its VPC opened")
        return w.block(Code.NAT_INBOUND_REFUSED, Component.NAT_GATEWAY, nat.name, reason,
                       "expose the service through a load balancer or a public IP instead",
                       packet)
    original = session.original
    restored = packet.with_destination(original.src_ip, original.src_port)
    w.hop(Component.NAT_GATEWAY, nat.name, Action.TRANSLATE,
          f"destination {packet.dst_ip}:{packet.dst_port} -> {original.src_ip}:"
          f"{original.src_port} (connection tracking)", restored, before=packet)
    return at.to(Where.ROUTE_TABLE, Leaving(nat.subnet), restored,
                 replace(at.flow, ephemeral=session.client))


# --- peering, transit gateway, endpoints -------------------------------------------------------


def vpc_peering(w: Walk, at: At[RouteTo]) -> Next:
    subnet = w.model.subnets[at.subject.subnet]
    name = at.subject.target
    packet = at.packet
    peering = w.model.peerings[name]
    if peering.status != "active":
        return w.block(Code.PEERING_INACTIVE, Component.VPC_PEERING, name,
                       f"{name} is {peering.status}, not active",
                       f"accept or re-create {name}", packet)
    peer = w.model.vpcs[peering.other(subnet.vpc) or peering.accepter]
    if not w.net.vpc_contains(peer, packet.dst_ip):
        cidrs = ", ".join(str(c) for c in peer.cidrs)
        reason = (f"{name} only carries traffic to {peer.name}'s CIDRs ({cidrs}); "
                  f"{packet.dst_ip} is outside them: peering is not transitive, and gives no "
                  f"edge-to-edge routing through {peer.name}'s gateways or endpoints")
        return w.block(Code.PEERING_NOT_TRANSITIVE, Component.VPC_PEERING, name, reason,
                       fixes.not_transitive(subnet.vpc, packet), packet)
    if not nacl_allows(w, subnet, "outbound", packet, at.flow):
        return STOP
    w.hop(Component.VPC_PEERING, name, Action.FORWARD,
          f"{name} carries the packet from {subnet.vpc} to {peer.name}", packet)
    eni = w.net.eni_at(peer.name, packet.dst_ip)
    if eni is None:
        return w.block(Code.UNKNOWN_ENDPOINT, Component.VPC_PEERING, name,
                       f"no network interface in {peer.name} has the address {packet.dst_ip}",
                       "check the destination address", packet)
    if not nacl_allows(w, w.model.subnets[eni.subnet], "inbound", packet, at.flow):
        return STOP
    return at.to(Where.INTERFACE, eni.name)


def transit_gateway(w: Walk, at: At[RouteTo]) -> Next:
    """Into a transit gateway through the VPC's attachment in the packet's Availability Zone."""
    subnet = w.model.subnets[at.subject.subnet]
    tgw = at.subject.target
    packet = at.packet
    attachments = list(w.net.attachments_of(tgw, subnet.vpc))
    if not attachments:
        return w.block(Code.TGW_NO_ATTACHMENT, Component.TRANSIT_GATEWAY, tgw,
                       f"{subnet.vpc} has no attachment to {tgw}",
                       f"attach {subnet.vpc} to {tgw}", packet)
    attachment = attachments[0]
    entry = _subnet_in_az(w, attachment.subnets, subnet.az)
    if entry is None:
        return w.block(Code.TGW_NO_ATTACHMENT, Component.TRANSIT_GATEWAY, tgw,
                       f"{attachment.name} has no subnet in {subnet.az}: {tgw} only takes "
                       "traffic from Availability Zones where the attachment has a subnet",
                       f"add a subnet in {subnet.az} to {attachment.name}", packet)
    # Instance -> TGW: the source subnet's outbound rules, then the attachment subnet's inbound.
    if not nacl_allows(w, subnet, "outbound", packet, at.flow):
        return STOP
    if not nacl_allows(w, entry, "inbound", packet, at.flow):
        return STOP
    table = w.net.tgw_association.get(attachment.name)
    if table is None:
        return w.block(Code.NO_ROUTE, Component.TRANSIT_GATEWAY, tgw,
                       f"{attachment.name} is not associated with a route table of {tgw}",
                       f"associate {attachment.name} with a route table of {tgw}", packet,
                       aws_code="TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION")
    return at.to(Where.TGW_ROUTE_TABLE, TgwLookup(tgw, table, subnet.az))


def tgw_route_table(w: Walk, at: At[TgwLookup]) -> Next:
    """The transit gateway's route table picks the attachment the packet leaves by."""
    tgw, table, az = at.subject.tgw, at.subject.table, at.subject.az
    packet = at.packet
    key = (table, int(packet.dst_ip))
    if key in w.visited:
        return w.block(Code.ROUTING_LOOP, Component.TRANSIT_GATEWAY, tgw,
                       f"{packet.dst_ip} comes back to {tgw} ({table}), which it already "
                       "crossed: a routing loop", fixes.routing_loop(table, packet), packet)
    w.visited.add(key)
    match = w.net.tgw_lookup(table, packet.dst_ip)
    if match is None:
        return w.block(Code.NO_RETURN_ROUTE if at.reply else Code.NO_ROUTE,
                       Component.TRANSIT_GATEWAY, tgw,
                       f"no route in {tgw}'s route table {table} matches {packet.dst_ip}",
                       f"add a static route or a propagation for {packet.dst_ip} to {table}",
                       packet)
    route = match.route
    rule = RuleRef(f"{route} ({route.origin})", route.path)
    if route.target == "blackhole":
        return w.block(Code.BLACKHOLE_ROUTE, Component.TRANSIT_GATEWAY, tgw,
                       f"{table} blackholes {route.destination}: the packet is dropped",
                       f"remove the blackhole route {route.destination} from {table}", packet,
                       rule=rule, aws_code="TGW_RTB_BAD_STATE_ROUTE")
    attachment = w.model.tgw_attachments[route.target]
    w.hop(Component.TRANSIT_GATEWAY, tgw, Action.FORWARD,
          f"{tgw} route table {table}: {packet.dst_ip} matches {route} ({route.origin}), "
          f"into {attachment.vpc}", packet, rule=rule,
          candidates=tuple(RuleRef(str(c.route), c.route.path) for c in match.others))
    exit_subnet = _subnet_in_az(w, attachment.subnets, az) or w.model.subnets[
        attachment.subnets[0]]
    # TGW -> instance: the attachment subnet's route table and outbound rules, then inbound.
    return at.to(Where.ROUTE_TABLE, Leaving(exit_subnet.name, via_tgw=True))


def _subnet_in_az(w: Walk, subnets: tuple[str, ...], az: str) -> Subnet | None:
    for name in subnets:
        if w.model.subnets[name].az == az:
            return w.model.subnets[name]
    return None


def gateway_endpoint(w: Walk, at: At[RouteTo]) -> Next:
    subnet = w.model.subnets[at.subject.subnet]
    name = at.subject.target
    packet = at.packet
    endpoint = w.model.endpoints[name]
    if not nacl_allows(w, subnet, "outbound", packet, at.flow):
        return STOP
    if endpoint.policy == "deny":
        return w.block(Code.ENDPOINT_POLICY_DENIED, Component.VPC_ENDPOINT, name,
                       f"{name}'s endpoint policy denies the request",
                       f"allow the request in {name}'s policy", packet)
    note = w.note_once("gateway-endpoint", "a gateway endpoint is a route to the service's "
                       "prefix list: no NAT gateway, no internet; NACLs must still allow the "
                       "prefix list's CIDRs both ways")
    w.hop(Component.VPC_ENDPOINT, name, Action.DELIVER,
          f"{name} carries the request to {endpoint.service} inside the AWS network "
          "(gateway endpoint)", packet, note=note)
    return w.arrive(Arrived.SERVICE, endpoint.service, at, subnet=subnet.name)


def service_replies(w: Walk, at: At[RouteTo]) -> Next:
    """An AWS service answers through the gateway endpoint the request left by."""
    subnet = w.model.subnets[at.subject.subnet]
    reply = at.packet
    w.hop(Component.VPC_ENDPOINT, at.subject.target, Action.SEND,
          f"{at.subject.target} replies through the gateway endpoint", reply)
    if not nacl_allows(w, subnet, "inbound", reply, at.flow):
        return STOP
    return at.to(Where.LOCAL_ROUTE, Leaving(subnet.name))
