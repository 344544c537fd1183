"""The internet and its gateways: a client on the internet sends, the internet carries a packet
to a public address, and an internet gateway translates between a private address and its
public or Elastic IP, both ways.
"""

from __future__ import annotations

from netpath.engine import fixes
from netpath.engine.walk.filters import nacl_allows
from netpath.engine.walk.position import (
    STOP,
    Arrived,
    At,
    Next,
    NodeAt,
    RouteTo,
    ServiceAt,
    Walk,
    Where,
)
from netpath.model.addr import Address, is_public
from netpath.model.resources import Vpc
from netpath.model.vocabulary import Action, Code, Component, EniOwner


def internet_client(w: Walk, at: At[str]) -> Next:
    """A client on the internet (or an internet host) sends: a request, or the reply."""
    packet = at.packet
    name = at.subject
    if at.reply:
        detail = f"{name} replies to {packet.dst_ip}"
    else:
        who = "a client on the internet" if name == "internet" else name
        detail = (f"{who} ({packet.src_ip}) opens {packet.service} to {packet.dst_ip} from port "
                  f"{packet.src_port}" if packet.src_port is not None else
                  f"{who} ({packet.src_ip}) sends {packet.service} to {packet.dst_ip}")
    w.hop(Component.INTERNET, name, Action.SEND, detail, packet)
    return at.to(Where.INTERNET, None)


def internet(w: Walk, at: At[None]) -> Next:
    """The packet crosses the internet to a public address."""
    packet = at.packet
    if not is_public(packet.dst_ip):
        if at.reply:
            back = _reply_to_flat_node(w, at)
            if back is not None:
                return back
        return _private_from_internet(w, at)
    w.hop(Component.INTERNET, "internet", Action.FORWARD,
          f"across the internet to {packet.dst_ip}", packet)
    # A NAT gateway's Elastic IP is its interface's public address: it arrives the same way.
    eni = w.net.eni_with_public_ip(packet.dst_ip)
    if eni is not None:
        return at.to(Where.INTERNET_GATEWAY_INBOUND, eni.name)
    cloud_lb = w.net.kube.cloud_lbs_by_ip.get(int(packet.dst_ip))
    if cloud_lb is not None and not at.reply:
        cluster, service = cloud_lb
        return at.to(Where.CLOUD_LOAD_BALANCER, ServiceAt(cluster, service.key))
    host_name = w.net.hosts_by_ip.get(int(packet.dst_ip))
    if host_name is not None:
        return _deliver_to_host(w, at, host_name)
    if at.reply:
        w.hop(Component.INTERNET, "client", Action.DELIVER,
              f"the reply reaches {packet.dst_ip}", packet)
        return w.arrive(Arrived.INTERNET, str(packet.dst_ip), at)
    w.hop(Component.INTERNET, str(packet.dst_ip), Action.DELIVER,
          f"{packet.dst_ip} is not in the spec: assumed to accept {packet.flow_words}", packet)
    return w.arrive(Arrived.INTERNET, str(packet.dst_ip), at)


def _reply_to_flat_node(w: Walk, at: At[None]) -> At[NodeAt] | None:
    """A reply from outside to a node of a Kubernetes-only cluster: the unmodelled network
    between the nodes and the internet brings it back. None for any other address."""
    packet = at.packet
    for cluster in w.model.clusters.values():
        node = w.net.kube.nodes_by_ip.get((cluster.name, int(packet.dst_ip)))
        if cluster.vpc is None and node is not None:
            w.hop(Component.NODE, node.name, Action.FORWARD,
                  f"the reply comes back to {node.name} ({packet.dst_ip})", packet)
            return at.to(Where.NODE_LOCAL, NodeAt(cluster.name, node.name))
    return None


def _private_from_internet(w: Walk, at: At[None]) -> Next:
    packet = at.packet
    holders = w.net.enis_by_address.get(int(packet.dst_ip), ())
    if holders:
        eni = w.net.enis[holders[0]]
        owner = w.net.display_name(eni)
        # A pod's address is a secondary IP of its node: it cannot carry a public IP of its own.
        fix = (f"expose {owner} through an internet-facing LoadBalancer Service (an NLB; an "
               "Ingress, for HTTP), only if it should face the internet"
               if eni.owner_kind == EniOwner.POD else
               f"put {owner} behind an internet-facing load balancer, or give it a public IP "
               "(only if it should face the internet)")
        return w.block(Code.NO_PUBLIC_IP, Component.INTERNET, "internet",
                       f"{owner} ({packet.dst_ip}) has no public IP: from the internet only "
                       "public addresses are reachable", fix,
                       packet, aws_code="IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS")
    return w.block(Code.PRIVATE_ADDRESS_ON_INTERNET, Component.INTERNET, "internet",
                   f"{packet.dst_ip} is a private address: the internet does not route it",
                   "use the destination's public address", packet)


def _deliver_to_host(w: Walk, at: At[None], name: str) -> Next:
    packet = at.packet
    host = w.model.internet_hosts[name]
    if at.reply:
        w.hop(Component.INTERNET, name, Action.DELIVER, f"{name} receives the reply", packet)
        return w.arrive(Arrived.HOST, name, at)
    if host.ports and packet.dst_port is not None and not any(
        packet.dst_port in p for p in host.ports
    ):
        listening = ", ".join(str(p) for p in host.ports)
        return w.block(Code.NO_LISTENER, Component.INTERNET, name,
                       f"{name} does not listen on {packet.dst_port} (it listens on "
                       f"{listening})", f"connect to one of {listening}", packet)
    w.hop(Component.INTERNET, name, Action.DELIVER,
          f"{name} ({host.ip}) accepts {packet.flow_words}", packet)
    return w.arrive(Arrived.HOST, name, at)


def internet_gateway(w: Walk, at: At[RouteTo]) -> Next:
    """Out through the internet gateway: the private source becomes its public address."""
    subnet = w.model.subnets[at.subject.subnet]
    igw = at.subject.target
    packet = at.packet
    vpc = w.model.vpcs[subnet.vpc]
    if not is_public(packet.dst_ip):
        reason = (f"{igw} drops the packet: {packet.dst_ip} is a private address, not "
                  "routable on the internet")
        return w.block(Code.PRIVATE_ADDRESS_ON_INTERNET, Component.INTERNET_GATEWAY, igw,
                       reason, fixes.cluster_ip(w.net, packet.dst_ip)
                       or f"route {packet.dst_ip} over a peering, transit gateway or VPN "
                       "instead", packet)
    public, owner = _public_address(w, vpc, packet.src_ip)
    if public is None:
        reason = (f"{owner} ({packet.src_ip}) has no public or Elastic IP, so {igw} cannot "
                  "translate it: no internet path, even with a route to the internet gateway")
        return w.block(Code.NO_PUBLIC_IP, Component.INTERNET_GATEWAY, igw, reason,
                       f"give {owner} a public IP (an Elastic IP), or route its subnet's "
                       "0.0.0.0/0 through a NAT gateway", packet)
    if not nacl_allows(w, subnet, "outbound", packet, at.flow):
        return STOP
    translated = packet.with_source(public, packet.src_port)
    note = w.note_once("igw-nat", "the internet gateway does one-to-one NAT between a private "
                       "IP and its public or Elastic IP; it does not hand out addresses")
    w.hop(Component.INTERNET_GATEWAY, igw, Action.TRANSLATE,
          f"source {packet.src_ip} -> {public} ({owner}'s public address)", translated,
          note=note, before=packet)
    return at.to(Where.INTERNET, None, translated)


def _public_address(w: Walk, vpc: Vpc, source: Address) -> tuple[Address | None, str]:
    eni = w.net.eni_at(vpc.name, source)
    if eni is None:
        return None, str(source)
    if eni.owner_kind == EniOwner.NAT_GATEWAY:
        nat = w.model.nat_gateways[eni.owner]
        return nat.elastic_ip, nat.name
    return eni.public_ip, w.net.display_name(eni)


def internet_gateway_inbound(w: Walk, at: At[str]) -> Next:
    """In through the internet gateway: a public address becomes its interface's private one."""
    eni = w.net.enis[at.subject]
    packet = at.packet
    vpc = w.model.vpcs[eni.vpc]
    owner = w.net.display_name(eni)
    if vpc.internet_gateway is None:
        return w.block(Code.NO_ROUTE, Component.INTERNET, "internet",
                       f"{packet.dst_ip} belongs to {owner}, but VPC {vpc.name} has no "
                       "internet gateway", f"attach an internet gateway to {vpc.name}", packet)
    translated = packet.with_destination(eni.private_ip, packet.dst_port)
    w.hop(Component.INTERNET_GATEWAY, vpc.internet_gateway, Action.TRANSLATE,
          f"destination {packet.dst_ip} -> {eni.private_ip} ({owner})", translated,
          before=packet)
    if not nacl_allows(w, w.model.subnets[eni.subnet], "inbound", translated, at.flow):
        return STOP
    return at.to(Where.INTERFACE, eni.name, translated)
