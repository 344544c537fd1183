"""Concrete fixes for blocked traces: the smallest change that would let the packet through.

A fix names the component to change, the rule to add and its peer, the way a colleague would
say it: "add an inbound rule to sg-db allowing tcp/5432 from sg-node".
"""

from __future__ import annotations

from netpath.engine.hops import Packet
from netpath.engine.network import Network
from netpath.model.addr import Address, PortRange, is_public
from netpath.model.resources import (
    Eni,
    LoadBalancer,
    NaclRule,
    NetworkAcl,
    Route,
    RouteTable,
    Subnet,
)
from netpath.model.vocabulary import EniOwner


def security_group(net: Network, eni: Eni, direction: str, packet: Packet) -> str:
    group = eni.security_groups[0]
    database = net.model.databases.get(eni.owner) if eni.owner_kind == EniOwner.DATABASE else None
    if direction == "ingress" and database is not None and packet.dst_port is not None \
            and packet.dst_port != database.port:
        # Opening the port would only trade this denial for NO_LISTENER.
        return (f"connect to port {database.port}: {database.name} listens on nothing else, so "
                f"a rule for {packet.service} would not help")
    balancer = net.model.load_balancers.get(eni.owner) \
        if eni.owner_kind == EniOwner.LOAD_BALANCER else None
    if direction == "ingress" and balancer is not None:
        return _balancer_ingress(net, eni, balancer, group, packet)
    if direction == "ingress":
        peer = _sg_peer(net, eni, packet.src_ip)
        return f"add an inbound rule to {group} allowing {packet.service} from {peer}"
    peer = _sg_peer(net, eni, packet.dst_ip, "egress")
    return f"add an outbound rule to {group} allowing {packet.service} to {peer}"


def _balancer_ingress(net: Network, eni: Eni, balancer: LoadBalancer, group: str,
                      packet: Packet) -> str:
    """An internet-facing balancer serves everyone (0.0.0.0/0, not one client's /32), and a
    port without a listener needs the listener first: the rule alone would not answer."""
    public = balancer.scheme == "internet-facing" and is_public(packet.src_ip)
    peer = "0.0.0.0/0" if public else _sg_peer(net, eni, packet.src_ip)
    rule = f"an inbound rule to {group} allowing {packet.service} from {peer}"
    if packet.dst_port is not None and all(x.port != packet.dst_port for x in balancer.listeners):
        ports = ", ".join(str(x.port) for x in balancer.listeners) or "none"
        return (f"{balancer.name} has no listener on {packet.dst_port} (listeners: {ports}): "
                f"add one, and {rule}; or connect to a port it listens on")
    return f"add {rule}"


def _sg_peer(net: Network, eni: Eni, address: Address, direction: str = "ingress") -> str:
    """Prefer the other side's security group where a reference would match it (same VPC, or
    a peering or transit gateway that carries references), else its subnet's CIDR (another
    VPC: across Regions a reference never matches), else its /32."""
    other = net.eni_at(eni.vpc, address)
    if other is not None and other.security_groups:
        return other.security_groups[0]
    holders = [net.enis[name] for name in net.enis_by_address.get(int(address), ())]
    for far in holders:
        usable = [g for g in far.security_groups
                  if net.sg_reference_matches(eni.vpc, g, address, direction)]
        if usable:
            return usable[0]
        subnet = net.subnet_containing(far.vpc, address)
        if subnet is not None:
            return f"{subnet.cidr} ({subnet.name} of VPC {far.vpc})"
    return f"{address}/32"


def nacl(acl: NetworkAcl, direction: str, packet: Packet, rule: NaclRule | None,
         subnet: Subnet) -> str:
    if acl.implicit:
        return f"associate {subnet.name} with a network ACL that allows {packet.service}"
    peer = packet.src_ip if direction == "inbound" else packet.dst_ip
    word = "from" if direction == "inbound" else "to"
    where = f" numbered below #{rule.number} (which denies it)" if rule is not None else ""
    return (f"add an {direction} rule to {acl.name}{where} allowing {packet.service} "
            f"{word} {peer}/32 or its subnet's CIDR")


def nacl_return(acl: NetworkAcl, direction: str, packet: Packet, ports: PortRange,
                subnet: Subnet) -> str:
    peer = packet.dst_ip if direction == "outbound" else packet.src_ip
    word = "to" if direction == "outbound" else "from"
    cidr = "0.0.0.0/0" if is_public(peer) else f"{peer}/32 (or its subnet's CIDR)"
    return (f"add an {direction} rule to {acl.name} allowing {packet.protocol}/{ports} {word} "
            f"{cidr}: the replies to the client's ephemeral ports (1024-65535 covers every "
            "client)")


def routing_loop(table: str, packet: Packet) -> str:
    return (f"make one route table on the way deliver {packet.dst_ip} (check the routes for it "
            f"in {table} and the tables it points to)")


def blackhole(table: str, route: Route) -> str:
    return (f"point {route.destination_text} in {table} at a live target, or delete the "
            "blackhole route")


def cluster_ip(net: Network, address: Address) -> str | None:
    """The fix when `address` is a Service's ClusterIP seen from outside its cluster: no route
    can help, ClusterIPs are virtual (only kube-proxy's rules on the cluster's nodes translate
    them; the VPC does not know the service CIDR). None for any other address."""
    for cluster in net.model.clusters.values():
        service = net.kube.services_by_ip.get((cluster.name, int(address)))
        if service is not None:
            return (f"{address} is the ClusterIP of {service.key} (cluster {cluster.name}): a "
                    "virtual address that only kube-proxy on the cluster's nodes translates, "
                    "so no route reaches it; expose the Service as a NodePort, a LoadBalancer "
                    f"or an Ingress, or trace from a pod or node of {cluster.name}")
    return None


def no_route(net: Network, table: RouteTable, packet: Packet) -> str:
    model = net.model
    virtual = cluster_ip(net, packet.dst_ip)
    if virtual is not None:
        return virtual
    vpc = model.vpcs[table.vpc]
    if is_public(packet.dst_ip):
        nats = [n.name for n in model.nat_gateways.values() if n.vpc == vpc.name]
        if nats:
            return f"add 0.0.0.0/0 -> {nats[0]} to {table.name}"
        if vpc.internet_gateway:
            return f"add 0.0.0.0/0 -> {vpc.internet_gateway} to {table.name}"
        # No way out to build on: a host route would not help; the VPC needs an exit first.
        return (f"{vpc.name} has no internet or NAT gateway: to reach the internet from a "
                "private subnet, attach an internet gateway, put a NAT gateway in a public "
                f"subnet and add 0.0.0.0/0 -> that NAT gateway to {table.name}")
    for peering in model.peerings.values():
        other = peering.other(vpc.name)
        if other and net.vpc_contains(model.vpcs[other], packet.dst_ip):
            cidr = next(c for c in model.vpcs[other].cidrs if packet.dst_ip in c)
            return f"add {cidr} -> {peering.name} to {table.name}"
    return f"add a route for {packet.dst_ip} to {table.name}"


def not_transitive(vpc: str, packet: Packet) -> str:
    return (f"connect {vpc} directly to the network of {packet.dst_ip} (its own peering, or a "
            "transit gateway, which does route transitively)")
