"""The ways a packet leaves or reaches a Kubernetes node, shared by the pod, node and kube-proxy
handlers: masquerade to the node, an overlay's tunnel, the flat pod network of a
Kubernetes-only cluster, and the node itself taking the packet.

Each function records its hops and returns the position the packet moves to; none is a
position of its own.
"""

from __future__ import annotations

from dataclasses import replace

from netpath.engine.hops import Packet
from netpath.engine.ports import EPHEMERAL, Ephemeral, pick_port
from netpath.engine.walk.overlay import TUNNELS
from netpath.engine.walk.position import (
    Arrived,
    At,
    Next,
    NodeAt,
    PodAt,
    Session,
    Tunnel,
    Walk,
    Where,
)
from netpath.model.addr import PortRange
from netpath.model.kubernetes import Cluster, Node, Pod
from netpath.model.resources import Eni
from netpath.model.vocabulary import Action, Component

# The VPC CNI randomises SNAT source ports over the whole range, beyond the node's local range.
VPC_CNI_SNAT = Ephemeral("VPC CNI SNAT (random ports)", PortRange(1024, 65535))


def node_eni(w: Walk, node: Node) -> Eni | None:
    """The node's primary interface; None for a node that is no EC2 instance of the spec."""
    if node.instance is None or node.instance not in w.model.instances:
        return None
    return w.model.enis[w.model.instances[node.instance].enis[0]]


def strict_branch(cluster: Cluster, pod: Pod) -> bool:
    """A pod with its own security groups (a branch ENI) in POD_SECURITY_GROUP_ENFORCING_MODE
    strict: its groups judge all of its traffic, same-node traffic included, and it is never
    SNATed to the node; standard mode leaves same-node traffic alone and SNATs traffic leaving
    the VPC to the node (whose groups then apply).
    https://github.com/aws/amazon-vpc-cni-k8s#pod_security_group_enforcing_mode-v1110"""
    return (bool(pod.security_groups) and cluster.pod_security_group_mode == "strict"
            and cluster.vpc is not None and not cluster.overlay)


def deliver_to_node(w: Walk, at: At[object], cluster: Cluster, node: Node,
                    packet: Packet) -> Next:
    """The node itself (or a hostNetwork pod, which shares its address) takes the packet."""
    eni = node_eni(w, node)
    if eni is not None:
        return at.to(Where.INTERFACE_OWNER, eni.name, packet)
    detail = "receives the reply" if at.reply else f"accepts {packet.flow_words}"
    w.hop(Component.NODE, node.name, Action.DELIVER, f"{node.name} {detail}", packet)
    return w.arrive(Arrived.NODE, node.name, at, packet, cluster=cluster.name)


def snat_to_node(w: Walk, at: At[object], cluster: Cluster, node: Node, packet: Packet,
                 why: str) -> Next:
    """Masquerade to the node's IP, then continue from the node's own interface."""
    port = pick_port(VPC_CNI_SNAT.ports, node.name, packet) \
        if packet.src_port is not None else None
    translated = packet.with_source(node.ip, port)
    w.ctx.sessions[(f"node:{node.name}", int(node.ip), port)] = Session(
        f"node:{node.name}", packet, translated, at.flow.ephemeral)
    w.hop(Component.NODE, node.name, Action.TRANSLATE,
          f"source {packet.src_ip}:{packet.src_port} -> {node.ip}:{port} (SNAT to the node)",
          translated, note=w.note_once("node-snat", why), before=packet)
    return at.to(Where.NODE_SENDS, NodeAt(cluster.name, node.name), translated,
                 replace(at.flow, ephemeral=VPC_CNI_SNAT))


def across_nodes(w: Walk, at: At[object], cluster: Cluster, node: Node, destination: Pod,
                 packet: Packet) -> Next:
    """To a pod on another node where the VPC does not route pod IPs: the flat pod network of
    a Kubernetes-only cluster, or an overlay's tunnel."""
    if cluster.vpc is None:
        w.hop(Component.NODE, node.name, Action.FORWARD,
              f"{node.name} sends it over the pod network to {destination.node}", packet)
        return at.to(Where.POD_RECEIVES, PodAt(cluster.name, destination.key), packet)
    return encapsulate(w, at, cluster, node, destination, packet)


def encapsulate(w: Walk, at: At[object], cluster: Cluster, node: Node,
                destination: Pod | Node, packet: Packet) -> Next:
    """Overlay: carry a packet for a pod (or a node's reply) inside a node-to-node packet."""
    other = cluster.nodes[destination.node] if isinstance(destination, Pod) else destination
    protocol, port, word = TUNNELS.get(cluster.cni, ("udp", 8472, "VXLAN"))
    # The kernel picks a VXLAN packet's source port from the local port range by a hash of
    # the inner flow (udp_flow_src_port); the destination port is the tunnel's.
    sport = pick_port(EPHEMERAL["linux"].ports, node.name, packet) if port else None
    outer = Packet(protocol, node.ip, sport, other.ip, port)
    # A VXLAN packet carrying a reply is a new UDP flow to the other node's port 8472, not the
    # reverse of the request's tunnel flow: security groups and NACLs judge it as new traffic.
    # IP-in-IP has no ports, and security groups track such protocols by IP pair and protocol
    # only, so the tunnel back passes as response traffic there ("For protocols other than
    # TCP, UDP, or ICMP, only the IP address and protocol number is tracked":
    # https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html).
    to = PodAt(cluster.name, destination.key) if isinstance(destination, Pod) \
        else NodeAt(cluster.name, destination.name)
    flow = replace(at.flow, reply=at.reply and port is None,
                   tunnel=Tunnel(packet, to, at.reply))
    w.hop(Component.NODE, node.name, Action.TRANSLATE,
          f"{node.name} encapsulates the packet ({word}) to {other.name} ({other.ip})", outer,
          note=w.note_once("overlay", f"with {cluster.cni} the VPC only sees node addresses: "
                           f"security groups and NACLs must allow {word} between the nodes"),
          before=packet)
    return at.to(Where.NODE_SENDS, NodeAt(cluster.name, node.name), outer, flow)


def send_flat(w: Walk, at: At[object], cluster: Cluster, node: Node, packet: Packet) -> Next:
    """A node of a Kubernetes-only cluster sends: to a node or a pod over the cluster's own
    network, anything else out of the cluster."""
    target = w.net.kube.nodes_by_ip.get((cluster.name, int(packet.dst_ip)))
    destination = w.net.kube.pods_by_ip.get((cluster.name, int(packet.dst_ip)))
    if target is not None:
        w.hop(Component.NODE, node.name, Action.FORWARD,
              f"{node.name} sends it over the cluster network to {target.name}", packet)
        return at.to(Where.NODE_LOCAL, NodeAt(cluster.name, target.name), packet)
    if destination is not None:
        return across_nodes(w, at, cluster, node, destination, packet)
    relay = at.flow.return_via
    if at.reply and relay is not None and relay.where is Where.CLOUD_LOAD_BALANCER \
            and packet.dst_ip == relay.client:
        w.hop(Component.NODE, node.name, Action.FORWARD, f"the reply goes back to the load "
              f"balancer of Service {relay.subject}, which sent the connection", packet)
        return at.to(Where.CLOUD_LOAD_BALANCER, relay.subject, packet)
    w.hop(Component.NODE, node.name, Action.FORWARD, f"{packet.dst_ip} is outside the "
          "cluster: the packet leaves through the node's network", packet,
          note=w.note_once("flat-uplink", "the spec does not model the network between the "
                           "nodes and the internet: netpath assumes it carries the nodes' "
                           "traffic (and brings the replies back to the node)"))
    return at.to(Where.INTERNET, None, packet)
