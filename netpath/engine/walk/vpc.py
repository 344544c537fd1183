"""Inside a VPC: an interface sends, a subnet's route table decides, the local route delivers to
an interface, the interface's security groups admit the packet to its owner, and an appliance
forwards what a route sends through it.
"""

from __future__ import annotations

from netpath.engine import fixes
from netpath.engine.hops import Choice, ChoiceRule, Packet, RuleRef
from netpath.engine.walk.filters import (
    cross_subnets,
    egress_allowed,
    ingress_allowed,
)
from netpath.engine.walk.position import (
    STOP,
    Arrived,
    At,
    Leaving,
    Next,
    PodAt,
    RouteTo,
    Sender,
    Walk,
    Where,
)
from netpath.model.addr import Prefix
from netpath.model.resources import Route, Subnet
from netpath.model.vocabulary import Action, Code, Component, EniOwner, RouteTarget

# Where each kind of route target takes the packet.
_TARGETS: dict[RouteTarget, Where] = {
    RouteTarget.INTERNET_GATEWAY: Where.INTERNET_GATEWAY,
    RouteTarget.NAT_GATEWAY: Where.NAT_GATEWAY,
    RouteTarget.VPC_PEERING: Where.VPC_PEERING,
    RouteTarget.TRANSIT_GATEWAY: Where.TRANSIT_GATEWAY,
    RouteTarget.VPC_ENDPOINT: Where.GATEWAY_ENDPOINT,
    RouteTarget.NETWORK_INTERFACE: Where.MIDDLEBOX,
}


def interface_sends(w: Walk, at: At[Sender]) -> Next:
    """An instance, database or other owner sends from its interface."""
    eni = w.net.enis[at.subject.eni]
    packet = at.packet
    if at.reply:
        detail = f"{at.subject.label} replies to {packet.dst_ip}"
    else:
        detail = f"{at.subject.label} ({eni.private_ip}) opens {packet.service} to {packet.dst_ip}"
        if packet.src_port is not None:
            detail += f" from port {packet.src_port}"
    w.hop(EniOwner(eni.owner_kind).component, at.subject.label, Action.SEND, detail, packet)
    if eni.name in w.net.kube.node_of_eni:  # kube-proxy on the node, local pods
        return at.to(Where.NODE_HOST_SENDS, eni.name)
    if not egress_allowed(w, eni, packet, at.flow):
        return STOP
    return at.to(Where.ROUTE_TABLE, Leaving(eni.subnet))


def route_table(w: Walk, at: At[Leaving]) -> Next:
    """Route a packet out of a subnet with the subnet's route table."""
    subnet = w.model.subnets[at.subject.subnet]
    packet = at.packet
    relay = at.flow.return_via
    if at.reply and relay is not None and relay.where is Where.NLB_RELAY \
            and packet.dst_ip == relay.client:
        assert isinstance(relay.subject, str)
        return at.to(Where.NLB_RELAY, RouteTo(subnet.name, relay.subject))
    table = w.net.route_table_of(subnet)
    key = (table.name, int(packet.dst_ip))
    if key in w.visited:
        reason = (f"{packet.dst_ip} comes back to {table.name}, which it already crossed: "
                  "a routing loop")
        return w.block(Code.ROUTING_LOOP, Component.ROUTE_TABLE, table.name, reason,
                       fixes.routing_loop(table.name, packet), packet)
    w.visited.add(key)
    match = w.net.route_lookup(table.name, packet.dst_ip)
    if match is None:
        reason = f"no route in {table.name} matches {packet.dst_ip}"
        if at.reply:
            reason += ": the request arrived, but the reply has no way back"
        return w.block(Code.NO_RETURN_ROUTE if at.reply else Code.NO_ROUTE,
                       Component.ROUTE_TABLE, table.name, reason,
                       fixes.no_route(w.net, table, packet), packet)
    route = match.route
    tied = tuple(str(c.route) for c in match.tied)
    w.hop(Component.ROUTE_TABLE, table.name, Action.FORWARD,
          _route_detail(packet, match.best.prefix, route, table.name, subnet,
                        is_main=subnet.route_table_is_main), packet,
          rule=RuleRef(str(route), route.path, route.destination_text),
          candidates=tuple(RuleRef(str(c.route), c.route.path, c.route.destination_text)
                           for c in match.others),
          note=_route_note(w, bool(match.others), match.ambiguous),
          choice=Choice(str(route), tied, ChoiceRule.AT_RANDOM) if tied else None)
    if route.target_kind == RouteTarget.LOCAL:
        return at.to(Where.LOCAL_ROUTE, at.subject)
    where = _TARGETS.get(route.target_kind)
    if where is not None:
        return at.to(where, RouteTo(subnet.name, route.target))
    reason = f"{route} is a blackhole route: the packet is dropped"
    return w.block(Code.BLACKHOLE_ROUTE, Component.ROUTE_TABLE, subnet.route_table, reason,
                   fixes.blackhole(subnet.route_table, route), packet,
                   rule=RuleRef(str(route), route.path))


def _route_note(w: Walk, others: bool, ambiguous: bool) -> str | None:
    if ambiguous:
        return ("two routes of the same length and priority point to different targets: "
                "AWS picks one at random and keeps it; netpath followed the first")
    if others:
        return w.note_once("lpm", "the most specific matching route wins, whatever the "
                           "order the routes are written in")
    return None


def local_route(w: Walk, at: At[Leaving]) -> Next:
    """The local route: the packet goes to the interface that owns its destination. From a
    transit gateway attachment in the same subnet no NACL applies either (AWS's TGW NACL
    rules)."""
    subnet = w.model.subnets[at.subject.subnet]
    packet = at.packet
    eni = w.net.eni_at(subnet.vpc, packet.dst_ip)
    if eni is None:
        inside = w.net.subnet_containing(subnet.vpc, packet.dst_ip)
        where = f"subnet {inside.name}" if inside else f"VPC {subnet.vpc}"
        reason = f"no network interface in {where} has the address {packet.dst_ip}"
        return w.block(Code.UNKNOWN_ENDPOINT, Component.SUBNET,
                       inside.name if inside else subnet.vpc, reason,
                       "check the destination address, or add the resource that owns it "
                       "to the spec", packet)
    if not cross_subnets(w, subnet, w.model.subnets[eni.subnet], packet, at.flow):
        return STOP
    return at.to(Where.INTERFACE, eni.name)


def interface(w: Walk, at: At[str]) -> Next:
    """A packet reaches an interface: its security groups, then whatever owns it."""
    eni = w.net.enis[at.subject]
    packet = at.packet
    if eni.owner_kind == EniOwner.NAT_GATEWAY:
        return at.to(Where.NAT_GATEWAY_INBOUND, eni.owner)
    if not ingress_allowed(w, eni, packet, at.flow):
        return STOP
    if eni.owner_kind == EniOwner.LOAD_BALANCER:
        return at.to(Where.LOAD_BALANCER, eni.name)
    if eni.owner_kind == EniOwner.POD:
        ref = w.net.kube.pod_of_eni[eni.name]
        pod = ref.pod
        if not at.reply:  # the node's interface took it in; the node hands it to the pod
            node = w.model.clusters[ref.cluster].nodes[pod.node]
            w.hop(Component.NODE, node.name, Action.FORWARD,
                  f"{node.name} hands the packet to {pod.key}", packet)
        return at.to(Where.POD_RECEIVES, PodAt(ref.cluster, pod.key))
    if eni.name in w.net.kube.node_of_eni:  # a tunnel to open, a NAT to undo, or a NodePort
        return at.to(Where.NODE_RECEIVES, eni.name)
    return at.to(Where.INTERFACE_OWNER, eni.name)


def interface_owner(w: Walk, at: At[str]) -> Next:
    """The instance, database or other owner behind an interface takes the packet."""
    eni = w.net.enis[at.subject]
    packet = at.packet
    name = w.net.display_name(eni)
    if not at.reply and eni.owner_kind == EniOwner.DATABASE and packet.dst_port is not None:
        database = w.model.databases[eni.owner]
        if packet.dst_port != database.port:
            reason = f"{name} listens on {database.port} only, not {packet.dst_port}"
            return w.block(Code.NO_LISTENER, Component.DATABASE, name, reason,
                           f"connect to port {database.port}", packet)
    if at.reply:
        detail = f"{name} receives the reply"
    else:
        detail = f"{name} ({eni.private_ip}) accepts {packet.flow_words}"
    w.hop(EniOwner(eni.owner_kind).component, name, Action.DELIVER, detail, packet)
    return w.arrive(Arrived.INTERFACE, name, at, eni=eni.name)


def middlebox(w: Walk, at: At[RouteTo]) -> Next:
    """A route through an appliance's interface: it must not check source and destination."""
    subnet = w.model.subnets[at.subject.subnet]
    eni = w.net.enis[at.subject.target]
    packet = at.packet
    box_subnet = w.model.subnets[eni.subnet]
    if not cross_subnets(w, subnet, box_subnet, packet, at.flow):
        return STOP
    if not ingress_allowed(w, eni, packet, at.flow):
        return STOP
    name = w.net.display_name(eni)
    if eni.source_dest_check:
        return w.block(Code.SOURCE_DEST_CHECK, Component.ENI, name,
                       f"{name} has source/destination check enabled, so it drops traffic for "
                       f"{packet.dst_ip}, which is not its own address",
                       f"disable source/destination check on {name}", packet)
    w.hop(Component.ENI, name, Action.FORWARD,
          f"{name} forwards the packet (source/destination check disabled)", packet)
    if not egress_allowed(w, eni, packet, at.flow):
        return STOP
    return at.to(Where.ROUTE_TABLE, Leaving(box_subnet.name))


def _route_detail(packet: Packet, prefix: Prefix, route: Route, table: str, subnet: Subnet,
                  *, is_main: bool) -> str:
    how = f"{table} (the VPC's main route table)" if is_main else table
    via = f", prefix list {route.prefix_list} entry {prefix}" if route.prefix_list else ""
    length = prefix.prefixlen
    target = "the local VPC network" if route.target_kind == RouteTarget.LOCAL else route.target
    return (f"{packet.dst_ip} leaves {subnet.name}: {how} sends it to {target} "
            f"(longest matching prefix /{length}{via})")
