"""Pods on the path: a pod sends, and a pod receives.

Where the packet goes after the pod depends on the CNI:
- same node: the node delivers it locally, no VPC hop at all;
- VPC CNI: pods have VPC addresses; traffic to the VPC keeps the pod IP, traffic leaving the
  VPC is SNATed to the node's primary IP (unless external SNAT or an excluded CIDR);
- overlay CNIs (Calico, Flannel, Cilium): pod to pod across nodes is encapsulated node to node;
  traffic leaving the cluster is SNATed to the node's IP;
- no VPC in the spec: a flat pod network, where nodes and pods reach each other directly;
- a hostNetwork pod's traffic is its node's own (node IP and security groups, no SNAT).
"""

from __future__ import annotations

from netpath.engine.hops import Packet
from netpath.engine.walk import kube_proxy
from netpath.engine.walk import network_policy_hops as policy
from netpath.engine.walk.filters import egress_allowed
from netpath.engine.walk.node_paths import (
    across_nodes,
    encapsulate,
    send_flat,
    snat_to_node,
    strict_branch,
)
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
    dnat_key,
)
from netpath.model.kubernetes import Cluster, Node, Pod
from netpath.model.vocabulary import Action, Code, Component


def _pod(w: Walk, at: At[PodAt]) -> tuple[Cluster, Pod]:
    cluster = w.model.clusters[at.subject.cluster]
    return cluster, cluster.pods[at.subject.pod]


def pod_sends(w: Walk, at: At[PodAt]) -> Next:
    """A pod opens a connection (kube-proxy on its node translates a ClusterIP first, then its
    egress NetworkPolicies judge the real destination), or sends a reply."""
    cluster, pod = _pod(w, at)
    node = cluster.nodes[pod.node]
    packet = at.packet
    if at.reply:
        w.hop(Component.POD, pod.key, Action.SEND, f"{pod.key} replies to {packet.dst_ip}",
              packet)
        if not policy.reply_passes(w, cluster, pod, packet):
            return STOP
        return _route_from_pod(w, at, cluster, pod, packet)
    w.hop(Component.POD, pod.key, Action.SEND,
          f"{pod.key} ({pod.ip}) on {node.name} opens {packet.service} to {packet.dst_ip}"
          + (f" from port {packet.src_port}" if packet.src_port is not None else ""), packet)
    translated = kube_proxy.cluster_ip(w, cluster, node, packet, at.flow)
    if translated is None:
        return STOP
    destination = w.net.kube.pods_by_ip.get((cluster.name, int(translated.dst_ip)))
    if not policy.egress_allowed(w, cluster, pod, translated, destination):
        return STOP
    return _route_from_pod(w, at, cluster, pod, translated)


def _route_from_pod(w: Walk, at: At[PodAt], cluster: Cluster, pod: Pod, packet: Packet) -> Next:
    node = cluster.nodes[pod.node]
    if at.reply:
        back = kube_proxy.undo_dnat_at_backend(w, at, cluster, node, packet)
        if back is not None:
            return back  # the reply went back through the node that translated the request
    if packet.dst_ip == pod.ip and not pod.host_network:
        return _to_itself(w, at, cluster, pod, packet)
    if packet.dst_ip == node.ip:  # a pod talking to its own node never leaves the node
        w.hop(Component.NODE, node.name, Action.FORWARD,
              f"{packet.dst_ip} is {node.name}'s own address: the packet stays on the node",
              packet)
        return at.to(Where.NODE_LOCAL, NodeAt(cluster.name, node.name), packet)
    destination = w.net.kube.pods_by_ip.get((cluster.name, int(packet.dst_ip)))
    if destination is not None and destination.node == pod.node and not (
            strict_branch(cluster, pod) or strict_branch(cluster, destination)):
        note = w.note_once("same-node", "pods on the same node talk through the node's own "
                           "network stack: no VPC route table, NACL or security group")
        w.hop(Component.NODE, node.name, Action.FORWARD,
              f"{node.name} delivers locally: {destination.key} is on the same node", packet,
              note=note)
        return at.to(Where.POD_RECEIVES, PodAt(cluster.name, destination.key), packet)
    if pod.host_network and (destination is None or (cluster.vpc and not cluster.overlay)):
        # A hostNetwork pod's traffic is the node's own: the node's IP and security groups, no
        # SNAT (pods on other nodes are still reached through the overlay or pod network).
        return at.to(Where.NODE_SENDS, NodeAt(cluster.name, node.name), packet)
    if cluster.vpc is None:
        return _flat_network(w, at, cluster, node, destination, packet)
    if cluster.overlay:
        return _overlay(w, at, cluster, node, destination, packet)
    return _vpc_cni(w, at, cluster, pod, node, packet)


def _to_itself(w: Walk, at: At[PodAt], cluster: Cluster, pod: Pod, packet: Packet) -> Next:
    """A pod's packet to its own address: straight back in over its loopback, unless it went
    through a Service whose endpoint is the pod itself, which the node sends back (hairpin)."""
    if dnat_key(packet, reply=at.reply) in w.ctx.sessions:
        node = cluster.nodes[pod.node]
        w.hop(Component.NODE, node.name, Action.FORWARD,
              f"{node.name} sends it back to {pod.key}: the Service's endpoint is the client "
              "itself (hairpin)", packet)
    else:
        w.hop(Component.POD, pod.key, Action.FORWARD,
              f"{packet.dst_ip} is {pod.key}'s own address: the packet goes over its loopback "
              "and never leaves the pod", packet)
    return at.to(Where.POD_RECEIVES, PodAt(cluster.name, pod.key), packet)


def _vpc_cni(w: Walk, at: At[PodAt], cluster: Cluster, pod: Pod, node: Node,
             packet: Packet) -> Next:
    vpc = w.model.vpcs[cluster.vpc or ""]
    outside = not w.net.vpc_contains(vpc, packet.dst_ip)
    excluded = any(packet.dst_ip in c for c in cluster.exclude_snat_cidrs)
    strict = strict_branch(cluster, pod)
    if outside and not excluded and not cluster.external_snat and not strict and not at.reply:
        return snat_to_node(w, at, cluster, node, packet, "the VPC CNI SNATs pod traffic that "
                            "leaves the VPC to the node's primary IP "
                            "(AWS_VPC_K8S_CNI_EXTERNALSNAT=false)")
    if strict and outside and not at.reply:
        w.hop(Component.POD, pod.key, Action.FORWARD, f"{pod.key} sends through its branch ENI "
              "with its own security groups: no SNAT to the node", packet,
              note=w.note_once("sgp-strict", "security groups for pods in strict mode (the VPC "
                               "CNI's default): no SNAT, the pod's security groups apply to all "
                               "its traffic, so reaching the internet needs a NAT gateway"))
    eni = w.net.kube.pod_eni(cluster.name, pod)
    if eni is None:
        return w.block(Code.UNKNOWN_ENDPOINT, Component.POD, pod.key,
                       f"{pod.key}'s node {node.name} is not an EC2 instance of the spec",
                       f"map node {node.name} to an instance in the cluster's `nodes:`", packet)
    if not egress_allowed(w, eni, packet, at.flow):
        return STOP
    return at.to(Where.ROUTE_TABLE, Leaving(eni.subnet), packet)


def _overlay(w: Walk, at: At[PodAt], cluster: Cluster, node: Node, destination: Pod | None,
             packet: Packet) -> Next:
    if destination is not None:
        return encapsulate(w, at, cluster, node, destination, packet)
    target = w.net.kube.nodes_by_ip.get((cluster.name, int(packet.dst_ip)))
    if at.reply and target is not None:
        # the reply to a node that reached the pod through the tunnel goes back through it
        return encapsulate(w, at, cluster, node, target, packet)
    if at.reply:
        return at.to(Where.NODE_SENDS, NodeAt(cluster.name, node.name), packet)
    return snat_to_node(w, at, cluster, node, packet, f"{cluster.cni} SNATs (masquerades) pod "
                        "traffic that leaves the cluster to the node's IP")


def _flat_network(w: Walk, at: At[PodAt], cluster: Cluster, node: Node,
                  destination: Pod | None, packet: Packet) -> Next:
    if destination is not None:
        return across_nodes(w, at, cluster, node, destination, packet)
    if at.reply:
        return send_flat(w, at, cluster, node, packet)
    # Node addresses are outside the pod CIDR too: Calico's natOutgoing and Flannel's
    # masquerade rule SNAT pod traffic to them as to anything outside the pod network.
    return snat_to_node(w, at, cluster, node, packet, f"{cluster.cni} SNATs (masquerades) pod "
                        "traffic that leaves the pod network to the node's IP")


def pod_receives(w: Walk, at: At[PodAt]) -> Next:
    """A pod takes the packet: its ingress NetworkPolicies judge a request; a reply is
    un-DNATed by conntrack on the client's node first."""
    cluster, pod = _pod(w, at)
    packet = at.packet
    if at.reply:
        restored = kube_proxy.undo_dnat(w, pod.key, packet) or packet
        w.hop(Component.POD, pod.key, Action.DELIVER, f"{pod.key} receives the reply", restored)
        return w.arrive(Arrived.POD, pod.key, at, restored, cluster=cluster.name)
    source = w.net.kube.pods_by_ip.get((cluster.name, int(packet.src_ip)))
    if not policy.ingress_allowed(w, cluster, pod, packet, source):
        return STOP
    note = None
    if packet.dst_port is not None and pod.ports and not any(
        p.port == packet.dst_port for p in pod.ports
    ):
        note = (f"{pod.key} declares no containerPort {packet.dst_port}; containerPort is "
                "informational, so the trace assumes something listens")
    w.hop(Component.POD, pod.key, Action.DELIVER,
          f"{pod.key} ({pod.ip}) accepts {packet.flow_words}", packet, note=note)
    return w.arrive(Arrived.POD, pod.key, at, cluster=cluster.name)
