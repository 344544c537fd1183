"""Where a route leads: internet and NAT gateways, the internet itself, VPC peering, transit
gateways, gateway endpoints and middlebox interfaces.

Each function continues the walk of `w` (a Walker) from the route that chose it. The AWS rules
they follow are cited in docs/research/aws-semantics.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netpath.engine import fixes
from netpath.engine.ports import EPHEMERAL, pick_port
from netpath.engine.trace import Packet, RuleRef
from netpath.engine.walk import Session, flow_words
from netpath.model.addr import Address, is_public
from netpath.model.resources import Eni, NatGateway, Route, Subnet, Vpc

if TYPE_CHECKING:
    from netpath.engine.walk import Walker


def follow_route(w: Walker, subnet: Subnet, route: Route, packet: Packet, *,
                 via_tgw: bool) -> None:
    kind = route.target_kind
    if kind == "local":
        w.deliver_local(subnet.vpc, subnet, packet, via_tgw=via_tgw)
    elif kind == "internet-gateway":
        to_internet_gateway(w, subnet, route.target, packet)
    elif kind == "nat-gateway":
        to_nat_gateway(w, subnet, w.model.nat_gateways[route.target], packet)
    elif kind == "vpc-peering":
        to_peering(w, subnet, route.target, packet)
    elif kind == "transit-gateway":
        to_transit_gateway(w, subnet, route.target, packet)
    elif kind == "vpc-endpoint":
        to_gateway_endpoint(w, subnet, route.target, packet)
    elif kind == "network-interface":
        to_middlebox(w, subnet, w.model.enis[route.target], packet)
    else:
        reason = f"{route} is a blackhole route: the packet is dropped"
        w.block("BLACKHOLE_ROUTE", "route-table", subnet.route_table, reason,
                fixes.blackhole(subnet.route_table, route), packet,
                rule=RuleRef(str(route), route.path))


# --- internet gateway and the internet -------------------------------------------------------


def to_internet_gateway(w: Walker, subnet: Subnet, igw: str, packet: Packet) -> None:
    vpc = w.model.vpcs[subnet.vpc]
    if not is_public(packet.dst_ip):
        reason = (f"{igw} drops the packet: {packet.dst_ip} is a private address, not "
                  "routable on the internet")
        w.block("PRIVATE_ADDRESS_ON_INTERNET", "internet-gateway", igw, reason,
                fixes.cluster_ip(w.net, packet.dst_ip)
                or f"route {packet.dst_ip} over a peering, transit gateway or VPN instead", packet)
        return
    public, owner = _public_address(w, vpc, packet.src_ip)
    if public is None:
        _no_public_ip(w, igw, owner, packet)
        return
    if not w.nacl_allows(subnet, "outbound", packet):
        return
    translated = packet.with_source(public, packet.src_port)
    note = w.note_once("igw-nat", "the internet gateway does one-to-one NAT between a private "
                       "IP and its public or Elastic IP; it does not hand out addresses")
    w.hop("internet-gateway", igw, "translate",
          f"source {packet.src_ip} -> {public} ({owner}'s public address)", translated,
          note=note)
    on_internet(w, translated)


def _public_address(w: Walker, vpc: Vpc, source: Address) -> tuple[Address | None, str]:
    eni = w.net.eni_at(vpc.name, source)
    if eni is None:
        return None, str(source)
    if eni.owner_kind == "nat-gateway":
        nat = w.model.nat_gateways[eni.owner]
        return nat.elastic_ip, nat.name
    return eni.public_ip, w.net.display_name(eni)


def _no_public_ip(w: Walker, igw: str, owner: str, packet: Packet) -> None:
    reason = (f"{owner} ({packet.src_ip}) has no public or Elastic IP, so {igw} cannot "
              "translate it: no internet path, even with a route to the internet gateway")
    w.block("NO_PUBLIC_IP", "internet-gateway", igw, reason,
            f"give {owner} a public IP (an Elastic IP), or route its subnet's 0.0.0.0/0 "
            "through a NAT gateway", packet)


def on_internet(w: Walker, packet: Packet) -> None:
    """The packet crosses the internet to a public address."""
    if not is_public(packet.dst_ip):
        if w.reply and w.model.clusters:
            from netpath.engine.pods import reply_to_flat_node

            if reply_to_flat_node(w, packet):
                return
        _private_from_internet(w, packet)
        return
    w.hop("internet", "internet", "forward", f"across the internet to {packet.dst_ip}", packet)
    eni = w.net.eni_with_public_ip(packet.dst_ip)
    if eni is not None:
        enter_through_internet_gateway(w, eni, packet)
        return
    nat_name = w.net.nat_by_elastic_ip.get(int(packet.dst_ip))
    if nat_name is not None:
        _enter_nat_from_internet(w, w.model.nat_gateways[nat_name], packet)
        return
    host_name = w.net.hosts_by_ip.get(int(packet.dst_ip))
    if host_name is not None:
        _deliver_to_host(w, host_name, packet)
        return
    if w.reply:
        w.hop("internet", "client", "deliver", f"the reply reaches {packet.dst_ip}", packet)
        w.arrive("internet", str(packet.dst_ip), packet)
        return
    w.hop("internet", str(packet.dst_ip), "deliver",
          f"{packet.dst_ip} is not in the spec: assumed to accept {flow_words(packet)}", packet)
    w.arrive("internet", str(packet.dst_ip), packet)


def _private_from_internet(w: Walker, packet: Packet) -> None:
    holders = w.net.enis_by_address.get(int(packet.dst_ip), ())
    if holders:
        eni = w.net.enis[holders[0]]
        owner = w.net.display_name(eni)
        # A pod's address is a secondary IP of its node: it cannot carry a public IP of its own.
        fix = (f"expose {owner} through an internet-facing LoadBalancer Service (an NLB; an "
               "Ingress, for HTTP), only if it should face the internet"
               if eni.owner_kind == "pod" else
               f"put {owner} behind an internet-facing load balancer, or give it a public IP "
               "(only if it should face the internet)")
        w.block("NO_PUBLIC_IP", "internet", "internet",
                f"{owner} ({packet.dst_ip}) has no public IP: from the internet only public "
                "addresses are reachable", fix,
                packet, aws_code="IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS")
        return
    w.block("PRIVATE_ADDRESS_ON_INTERNET", "internet", "internet",
            f"{packet.dst_ip} is a private address: the internet does not route it",
            "use the destination's public address", packet)


def _deliver_to_host(w: Walker, name: str, packet: Packet) -> None:
    host = w.model.internet_hosts[name]
    if w.reply:
        w.hop("internet", name, "deliver", f"{name} receives the reply", packet)
        w.arrive("host", name, packet)
        return
    if host.ports and packet.dst_port is not None and not any(
        packet.dst_port in p for p in host.ports
    ):
        listening = ", ".join(str(p) for p in host.ports)
        w.block("NO_LISTENER", "internet", name,
                f"{name} does not listen on {packet.dst_port} (it listens on {listening})",
                f"connect to one of {listening}", packet)
        return
    w.hop("internet", name, "deliver", f"{name} ({host.ip}) accepts {flow_words(packet)}",
          packet)
    w.arrive("host", name, packet)


def enter_through_internet_gateway(w: Walker, eni: Eni, packet: Packet) -> None:
    vpc = w.model.vpcs[eni.vpc]
    owner = w.net.display_name(eni)
    if vpc.internet_gateway is None:
        w.block("NO_ROUTE", "internet", "internet",
                f"{packet.dst_ip} belongs to {owner}, but VPC {vpc.name} has no internet "
                "gateway", f"attach an internet gateway to {vpc.name}", packet)
        return
    translated = packet.with_destination(eni.private_ip, packet.dst_port)
    w.hop("internet-gateway", vpc.internet_gateway, "translate",
          f"destination {packet.dst_ip} -> {eni.private_ip} ({owner})", translated)
    if not w.nacl_allows(w.model.subnets[eni.subnet], "inbound", translated):
        return
    w.arrive_at_eni(eni, translated)


def _enter_nat_from_internet(w: Walker, nat: NatGateway, packet: Packet) -> None:
    vpc = w.model.vpcs[nat.vpc]
    translated = packet.with_destination(nat.private_ip, packet.dst_port)
    w.hop("internet-gateway", vpc.internet_gateway or "internet-gateway", "translate",
          f"destination {packet.dst_ip} -> {nat.private_ip} ({nat.name}'s private IP)",
          translated)
    if not w.nacl_allows(w.model.subnets[nat.subnet], "inbound", translated):
        return
    nat_receives(w, nat, translated)


# --- NAT gateway -----------------------------------------------------------------------------


def to_nat_gateway(w: Walker, subnet: Subnet, nat: NatGateway, packet: Packet) -> None:
    if w.reply:
        reason = (f"the reply to {packet.dst_ip} leaves by {nat.name}, not the way the request "
                  f"came in: the client would see it from another address and drop it")
        w.block("NO_RETURN_ROUTE", "nat-gateway", nat.name, reason,
                f"route {packet.dst_ip} back the way the request came in "
                f"(in {subnet.route_table})", packet)
        return
    nat_subnet = w.model.subnets[nat.subnet]
    if not w.cross_subnets(subnet, nat_subnet, packet):
        return
    if _nat_has_no_way_out(w, nat, nat_subnet, packet):
        return
    ephemeral = EPHEMERAL["nat-gateway"]
    port = pick_port(ephemeral.ports, nat.name, packet) if packet.src_port is not None else None
    translated = packet.with_source(nat.private_ip, port)
    w.ctx.sessions[(nat.name, int(nat.private_ip), port)] = Session(
        nat.name, packet, translated, w.ephemeral)
    w.ephemeral = ephemeral
    eip = f"; the internet gateway then maps it to the Elastic IP {nat.elastic_ip}" \
        if nat.elastic_ip else ""
    note = w.note_once("nat", f"a NAT gateway translates the source to its own private IP{eip}; "
                       "it never accepts connections initiated from outside")
    w.hop("nat-gateway", nat.name, "translate",
          f"source {packet.src_ip}:{packet.src_port} -> {nat.private_ip}:{port} "
          f"(port from the NAT gateway's range {ephemeral.ports})", translated, note=note)
    w.leave_subnet(nat_subnet, translated)


def _nat_has_no_way_out(w: Walker, nat: NatGateway, nat_subnet: Subnet, packet: Packet) -> bool:
    table = nat_subnet.route_table
    match = w.net.route_lookup(table, packet.dst_ip)
    problem = None
    if match is None and is_public(packet.dst_ip):
        problem = (f"{nat.name}'s own subnet {nat_subnet.name} has no route for "
                   f"{packet.dst_ip} in {table}")
    elif match is not None and match.route.target_kind == "nat-gateway":
        problem = (f"{nat.name}'s own subnet {nat_subnet.name} routes {packet.dst_ip} to "
                   f"{match.route.target} ({table}), not to an internet gateway: the NAT "
                   "gateway sits in a private subnet")
    elif (match is not None and match.route.target_kind == "internet-gateway"
          and nat.connectivity == "private"):
        problem = (f"{nat.name} is a private NAT gateway: the internet gateway drops its "
                   "traffic")
    if problem is None:
        return False
    w.block("NAT_NO_INTERNET_ROUTE", "nat-gateway", nat.name, problem,
            _nat_fix(w, nat, table, match is not None), packet)
    return True


def _nat_fix(w: Walker, nat: NatGateway, table: str, table_routes_elsewhere: bool) -> str:
    if nat.connectivity == "private":
        return "use a public NAT gateway with an Elastic IP"
    vpc = w.model.vpcs[nat.vpc]
    igw = vpc.internet_gateway or "an internet gateway"
    if table_routes_elsewhere:
        # The table sends the internet to a NAT gateway: it serves private subnets, and giving
        # it a route to the internet gateway would make those public. Move the NAT instead.
        public = sorted(s.name for s in w.model.subnets.values() if s.vpc == vpc.name and any(
            r.target_kind == "internet-gateway"
            for r in w.model.route_tables[s.route_table].routes))
        where = f" such as {public[0]}" if public else f" (route 0.0.0.0/0 -> {igw})"
        return f"move {nat.name} to a public subnet{where}: a NAT gateway must sit in one"
    return f"add 0.0.0.0/0 -> {igw} to {table} (a NAT gateway must sit in a public subnet)"


def nat_receives(w: Walker, nat: NatGateway, packet: Packet) -> None:
    """A packet addressed to the NAT gateway itself: only replies to its sessions pass."""
    session = w.ctx.sessions.get((nat.name, int(packet.dst_ip), packet.dst_port))
    if not w.reply or session is None:
        reason = (f"{nat.name} never accepts connections initiated from outside: it only "
                  "translates connections its VPC opened")
        w.block("NAT_INBOUND_REFUSED", "nat-gateway", nat.name, reason,
                "expose the service through a load balancer or a public IP instead", packet)
        return
    original = session.original
    restored = packet.with_destination(original.src_ip, original.src_port)
    w.ephemeral = session.client
    w.hop("nat-gateway", nat.name, "translate",
          f"destination {packet.dst_ip}:{packet.dst_port} -> {original.src_ip}:"
          f"{original.src_port} (connection tracking)", restored)
    w.leave_subnet(w.model.subnets[nat.subnet], restored)


# --- peering, transit gateway, endpoints, middleboxes -----------------------------------------


def to_peering(w: Walker, subnet: Subnet, name: str, packet: Packet) -> None:
    peering = w.model.peerings[name]
    if peering.status != "active":
        w.block("PEERING_INACTIVE", "vpc-peering", name,
                f"{name} is {peering.status}, not active", f"accept or re-create {name}",
                packet)
        return
    peer = w.model.vpcs[peering.other(subnet.vpc) or peering.accepter]
    if not w.net.vpc_contains(peer, packet.dst_ip):
        cidrs = ", ".join(str(c) for c in peer.cidrs)
        reason = (f"{name} only carries traffic to {peer.name}'s CIDRs ({cidrs}); "
                  f"{packet.dst_ip} is outside them: peering is not transitive, and gives no "
                  f"edge-to-edge routing through {peer.name}'s gateways or endpoints")
        w.block("PEERING_NOT_TRANSITIVE", "vpc-peering", name, reason,
                fixes.not_transitive(subnet.vpc, packet), packet)
        return
    if not w.nacl_allows(subnet, "outbound", packet):
        return
    w.hop("vpc-peering", name, "forward",
          f"{name} carries the packet from {subnet.vpc} to {peer.name}", packet)
    eni = w.net.eni_at(peer.name, packet.dst_ip)
    if eni is None:
        w.block("UNKNOWN_ENDPOINT", "vpc-peering", name,
                f"no network interface in {peer.name} has the address {packet.dst_ip}",
                "check the destination address", packet)
        return
    if not w.nacl_allows(w.model.subnets[eni.subnet], "inbound", packet):
        return
    w.arrive_at_eni(eni, packet)


def to_transit_gateway(w: Walker, subnet: Subnet, tgw: str, packet: Packet) -> None:
    attachments = list(w.net.attachments_of(tgw, subnet.vpc))
    if not attachments:
        w.block("TGW_NO_ATTACHMENT", "transit-gateway", tgw,
                f"{subnet.vpc} has no attachment to {tgw}",
                f"attach {subnet.vpc} to {tgw}", packet)
        return
    attachment = attachments[0]
    entry = _subnet_in_az(w, attachment.subnets, subnet.az)
    if entry is None:
        w.block("TGW_NO_ATTACHMENT", "transit-gateway", tgw,
                f"{attachment.name} has no subnet in {subnet.az}: {tgw} only takes traffic "
                "from Availability Zones where the attachment has a subnet",
                f"add a subnet in {subnet.az} to {attachment.name}", packet)
        return
    # Instance -> TGW: the source subnet's outbound rules, then the attachment subnet's inbound.
    if not w.nacl_allows(subnet, "outbound", packet):
        return
    if not w.nacl_allows(entry, "inbound", packet):
        return
    table = w.net.tgw_association.get(attachment.name)
    if table is None:
        w.block("NO_ROUTE", "transit-gateway", tgw,
                f"{attachment.name} is not associated with a route table of {tgw}",
                f"associate {attachment.name} with a route table of {tgw}", packet,
                aws_code="TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION")
        return
    _route_in_transit_gateway(w, tgw, table, subnet.az, packet)


def _route_in_transit_gateway(w: Walker, tgw: str, table: str, az: str, packet: Packet) -> None:
    key = (table, int(packet.dst_ip))
    if key in w.visited:
        w.block("ROUTING_LOOP", "transit-gateway", tgw,
                f"{packet.dst_ip} comes back to {tgw} ({table}), which it already crossed: "
                "a routing loop", fixes.routing_loop(table, packet), packet)
        return
    w.visited.add(key)
    match = w.net.tgw_lookup(table, packet.dst_ip)
    if match is None:
        w.block("NO_RETURN_ROUTE" if w.reply else "NO_ROUTE", "transit-gateway", tgw,
                f"no route in {tgw}'s route table {table} matches {packet.dst_ip}",
                f"add a static route or a propagation for {packet.dst_ip} to {table}", packet)
        return
    route = match.route
    rule = RuleRef(f"{route} ({route.origin})", route.path)
    if route.target == "blackhole":
        w.block("BLACKHOLE_ROUTE", "transit-gateway", tgw,
                f"{table} blackholes {route.destination}: the packet is dropped",
                f"remove the blackhole route {route.destination} from {table}", packet,
                rule=rule, aws_code="TGW_RTB_BAD_STATE_ROUTE")
        return
    attachment = w.model.tgw_attachments[route.target]
    w.hop("transit-gateway", tgw, "forward",
          f"{tgw} route table {table}: {packet.dst_ip} matches {route} ({route.origin}), "
          f"into {attachment.vpc}", packet, rule=rule,
          candidates=tuple(RuleRef(str(c.route), c.route.path) for c in match.others))
    exit_subnet = _subnet_in_az(w, attachment.subnets, az) or w.model.subnets[
        attachment.subnets[0]]
    # TGW -> instance: the attachment subnet's route table and outbound rules, then inbound.
    w.leave_subnet(exit_subnet, packet, via_tgw=True)


def _subnet_in_az(w: Walker, subnets: tuple[str, ...], az: str) -> Subnet | None:
    for name in subnets:
        if w.model.subnets[name].az == az:
            return w.model.subnets[name]
    return None


def to_gateway_endpoint(w: Walker, subnet: Subnet, name: str, packet: Packet) -> None:
    endpoint = w.model.endpoints[name]
    if not w.nacl_allows(subnet, "outbound", packet):
        return
    if endpoint.policy == "deny":
        w.block("ENDPOINT_POLICY_DENIED", "vpc-endpoint", name,
                f"{name}'s endpoint policy denies the request",
                f"allow the request in {name}'s policy", packet)
        return
    note = w.note_once("gateway-endpoint", "a gateway endpoint is a route to the service's "
                       "prefix list: no NAT gateway, no internet; NACLs must still allow the "
                       "prefix list's CIDRs both ways")
    w.hop("vpc-endpoint", name, "deliver",
          f"{name} carries the request to {endpoint.service} inside the AWS network "
          "(gateway endpoint)", packet, note=note)
    w.arrive("service", endpoint.service, packet, subnet=subnet)


def to_middlebox(w: Walker, subnet: Subnet, eni: Eni, packet: Packet) -> None:
    box_subnet = w.model.subnets[eni.subnet]
    if not w.cross_subnets(subnet, box_subnet, packet):
        return
    if not w.ingress_allowed(eni, packet):
        return
    name = w.net.display_name(eni)
    if eni.source_dest_check:
        w.block("SOURCE_DEST_CHECK", "eni", name,
                f"{name} has source/destination check enabled, so it drops traffic for "
                f"{packet.dst_ip}, which is not its own address",
                f"disable source/destination check on {name}", packet)
        return
    w.hop("eni", name, "forward",
          f"{name} forwards the packet (source/destination check disabled)", packet)
    if not w.egress_allowed(eni, packet):
        return
    w.leave_subnet(box_subnet, packet)
