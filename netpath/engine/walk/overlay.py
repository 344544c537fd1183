"""Overlay CNIs (Calico IP-in-IP, Flannel and Cilium VXLAN): the tunnel as the VPC sees it, and
the address a node's own packets take when they leave by the tunnel device.

A node's route to another node's pod CIDR goes through the overlay device (tunl0, flannel.1,
cilium_host), so the kernel picks that device's address as the source of the node's own packets
(and masquerade picks it for NodePort traffic forwarded there): a pod on another node sees the
tunnel address, never the node's VPC address.
"""

from __future__ import annotations

from netpath.engine.hops import Packet
from netpath.engine.walk.position import Flow, Session, Walk
from netpath.model.kubernetes import Cluster, Node
from netpath.model.vocabulary import Action, Component

# Encapsulation between nodes, as the VPC sees it (security groups must allow it).
TUNNELS = {
    "calico": ("4", None, "IP-in-IP"),  # IP protocol 4
    "flannel": ("udp", 8472, "VXLAN"),
    "cilium": ("udp", 8472, "VXLAN"),
}
# The device whose address a node's own packets to pods on other nodes carry as their source.
TUNNEL_DEVICES = {"calico": "tunl0", "flannel": "flannel.1", "cilium": "cilium_host"}


def from_tunnel_device(w: Walk, cluster: Cluster, node: Node, packet: Packet,
                       flow: Flow) -> Packet:
    """A node's own packet to a pod on another node leaves by the overlay device, so the
    kernel gives it that device's address as its source (not the node's VPC address)."""
    tunnel = w.net.kube.tunnel_ips.get((cluster.name, node.name))
    if flow.reply or tunnel is None or packet.src_ip != node.ip:
        return packet
    moved = packet.with_source(tunnel, packet.src_port)
    w.ctx.sessions[(f"tunnel:{node.name}", int(tunnel), packet.src_port)] = Session(
        f"tunnel:{node.name}", packet, moved, flow.ephemeral)
    device = TUNNEL_DEVICES.get(cluster.cni, "the overlay device")
    w.hop(Component.NODE, node.name, Action.TRANSLATE,
          f"source {node.ip} -> {tunnel}, the address of {device}: the route to pods on other "
          "nodes leaves by the overlay device, so the kernel picks its address", moved,
          note=w.note_once("tunnel-source", f"pods on other nodes see {node.name}'s own "
                           f"traffic from {tunnel}, not {node.ip}: a NetworkPolicy ipBlock "
                           "must cover the pod CIDR to admit it"), before=packet)
    return moved


def back_from_tunnel_device(w: Walk, cluster: Cluster, node: Node, packet: Packet) -> Packet:
    """The reply to a tunnel address is the node's own: back to the address and port the
    node's connection started from (so a ClusterIP's un-DNAT then finds its session)."""
    session = w.ctx.sessions.get((f"tunnel:{node.name}", int(packet.dst_ip), packet.dst_port))
    if session is None:
        return packet
    original = session.original
    restored = packet.with_destination(original.src_ip, original.src_port)
    w.hop(Component.NODE, node.name, Action.FORWARD,
          f"{packet.dst_ip} is {node.name}'s {TUNNEL_DEVICES.get(cluster.cni, 'overlay')} "
          "address: the reply is the node's own", restored, before=packet)
    return restored
