"""Kubernetes nodes on the path: a node's own connection, a packet leaving a node, a packet
reaching a node through its interface (a tunnel to open, a translation to undo, a NodePort) or
over the cluster's own network.
"""

from __future__ import annotations

from dataclasses import replace

from netpath.engine.hops import Packet
from netpath.engine.walk import kube_proxy
from netpath.engine.walk.filters import egress_allowed
from netpath.engine.walk.node_paths import (
    across_nodes,
    deliver_to_node,
    node_eni,
    send_flat,
    strict_branch,
)
from netpath.engine.walk.overlay import back_from_tunnel_device, from_tunnel_device
from netpath.engine.walk.position import (
    STOP,
    Arrived,
    At,
    Leaving,
    Next,
    NodeAt,
    PodAt,
    Walk,
    Where,
)
from netpath.model.kubernetes import Cluster, Node
from netpath.model.vocabulary import Action, Component


def _node(w: Walk, at: At[NodeAt]) -> tuple[Cluster, Node]:
    cluster = w.model.clusters[at.subject.cluster]
    return cluster, cluster.nodes[at.subject.node]


def node_host_sends(w: Walk, at: At[str]) -> Next:
    """A node's own connection (kubelet, a process on the host): kube-proxy's rules on the node
    DNAT a ClusterIP before the packet leaves, a pod on the same node is reached without
    leaving the node, and an overlay tunnels to pods on other nodes."""
    ref = w.net.kube.node_of_eni[at.subject]
    cluster, node = w.model.clusters[ref.cluster], ref.node
    here = NodeAt(cluster.name, node.name)
    # A reply (the node answering a pod) has nothing to DNAT, but stays on the node all the same.
    translated = at.packet if at.reply else kube_proxy.cluster_ip(w, cluster, node, at.packet,
                                                                  at.flow)
    if translated is None:
        return STOP
    if translated.dst_ip == node.ip:  # to its own address: the packet never leaves the node
        w.hop(Component.NODE, node.name, Action.FORWARD,
              f"{translated.dst_ip} is {node.name}'s own address: it stays on the node", translated)
        return at.to(Where.NODE_LOCAL, here, translated)
    destination = w.net.kube.pods_by_ip.get((cluster.name, int(translated.dst_ip)))
    if destination is not None and destination.node == node.name and not strict_branch(
            cluster, destination):
        w.hop(Component.NODE, node.name, Action.FORWARD,
              f"{node.name} delivers locally: {destination.key} runs on it", translated)
        return at.to(Where.POD_RECEIVES, PodAt(cluster.name, destination.key), translated)
    if destination is not None and cluster.overlay:
        return across_nodes(w, at, cluster, node, destination,
                            from_tunnel_device(w, cluster, node, translated, at.flow))
    return at.to(Where.NODE_SENDS, here, translated)


def node_sends(w: Walk, at: At[NodeAt]) -> Next:
    """A packet leaves a node: through its EC2 interface (its security groups, then its subnet's
    route table), or for a Kubernetes-only spec over the cluster's own network."""
    cluster, node = _node(w, at)
    eni = node_eni(w, node)
    if eni is None:
        return send_flat(w, at, cluster, node, at.packet)
    if not egress_allowed(w, eni, at.packet, at.flow):
        return STOP
    return at.to(Where.ROUTE_TABLE, Leaving(eni.subnet))


def node_replies(w: Walk, at: At[NodeAt]) -> Next:
    """A node of a Kubernetes-only cluster (no EC2 interface) answers a connection."""
    _, node = _node(w, at)
    w.hop(Component.NODE, node.name, Action.SEND, f"{node.name} replies to {at.packet.dst_ip}",
          at.packet)
    return at.to(Where.NODE_SENDS, at.subject)


def node_receives(w: Walk, at: At[str]) -> Next:
    """A packet through a node's interface: a tunnel to open, a SNAT to undo, or a NodePort;
    else the node itself is the destination."""
    ref = w.net.kube.node_of_eni[at.subject]
    cluster, node = w.model.clusters[ref.cluster], ref.node
    tunnel = at.flow.tunnel
    if tunnel is not None:
        opened = replace(at.flow, reply=tunnel.reply, tunnel=None)
        if isinstance(tunnel.to, NodeAt):
            w.hop(Component.NODE, node.name, Action.TRANSLATE,
                  f"{node.name} decapsulates the packet", tunnel.inner, before=at.packet)
            return at.to(Where.NODE_LOCAL, NodeAt(cluster.name, node.name), tunnel.inner,
                         opened)
        w.hop(Component.NODE, node.name, Action.TRANSLATE,
              f"{node.name} decapsulates the packet for {tunnel.to.pod}", tunnel.inner,
              before=at.packet)
        return at.to(Where.POD_RECEIVES, tunnel.to, tunnel.inner, opened)
    if at.reply:
        back = _undo_node_snat(w, at, cluster, node, at.packet)
    else:
        back = kube_proxy.node_port(w, at, cluster, node, at.packet)
    return back if back is not None else at.to(Where.INTERFACE_OWNER, at.subject)


def node_local(w: Walk, at: At[NodeAt]) -> Next:
    """A packet for a node's own address, without crossing an interface: from one of its pods,
    or over a Kubernetes-only cluster's network. A reply may be a translation to undo."""
    cluster, node = _node(w, at)
    packet = at.packet
    if at.reply:
        packet = back_from_tunnel_device(w, cluster, node, packet)
        back = _undo_node_snat(w, at, cluster, node, packet)
        if back is not None:
            return back
    else:
        forwarded = kube_proxy.node_port(w, at, cluster, node, packet)
        if forwarded is not None:
            return forwarded
    return deliver_to_node(w, at, cluster, node, packet)


def _undo_node_snat(w: Walk, at: At[object], cluster: Cluster, node: Node,
                    packet: Packet) -> Next | None:
    """The reply to a connection the node masqueraded (or translated for a NodePort or a
    ClusterIP of its own) goes back to where it came from. None: no translation of this
    node's is behind the reply."""
    session = w.ctx.sessions.get((f"node:{node.name}", int(packet.dst_ip), packet.dst_port))
    if session is None:
        back = kube_proxy.undo_node_port(w, at, cluster, node, packet)
        if back is not None:
            return back
        restored = kube_proxy.undo_dnat(w, node.name, packet)  # the node's own ClusterIP call
        if restored is None:
            return None
        eni = node_eni(w, node)
        if eni is not None:
            return at.to(Where.INTERFACE_OWNER, eni.name, restored)
        w.hop(Component.NODE, node.name, Action.DELIVER, f"{node.name} receives the reply",
              restored)
        return w.arrive(Arrived.NODE, node.name, at, restored, cluster=cluster.name)
    original = session.original
    restored = packet.with_destination(original.src_ip, original.src_port)
    w.hop(Component.NODE, node.name, Action.TRANSLATE,
          f"destination {packet.dst_ip}:{packet.dst_port} -> {original.src_ip}:"
          f"{original.src_port} (the node undoes its SNAT)", restored, before=packet)
    pod = w.net.kube.pods_by_ip.get((cluster.name, int(original.src_ip)))
    if pod is None:
        return STOP
    return at.to(Where.POD_RECEIVES, PodAt(cluster.name, pod.key), restored,
                 replace(at.flow, ephemeral=session.client))
