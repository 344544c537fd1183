"""Pods on the path: leaving a pod, crossing its node, and arriving at a pod.

Where the packet goes after the pod depends on the CNI:
- same node: the node delivers it locally, no VPC hop at all;
- VPC CNI: pods have VPC addresses; traffic to the VPC keeps the pod IP, traffic leaving the
  VPC is SNATed to the node's primary IP (unless external SNAT or an excluded CIDR);
- overlay CNIs (Calico, Flannel, Cilium): pod to pod across nodes is encapsulated node to node;
  traffic leaving the cluster is SNATed to the node's IP;
- no VPC in the spec: a flat pod network.
"""

from __future__ import annotations

from netpath.engine import kube_proxy, policy
from netpath.engine.ports import Ephemeral, pick_port
from netpath.engine.trace import Packet
from netpath.engine.walk import Session, Walker, flow_words
from netpath.model.addr import Address, PortRange
from netpath.model.kubernetes import Cluster, Node, Pod
from netpath.model.resources import Eni

# Encapsulation between nodes, as the VPC sees it (security groups must allow it).
TUNNELS = {
    "calico": ("4", None, "IP-in-IP"),  # IP protocol 4
    "flannel": ("udp", 8472, "VXLAN"),
    "cilium": ("udp", 8472, "VXLAN"),
}
# The VPC CNI randomises SNAT source ports over the whole range, beyond the node's local range.
VPC_CNI_SNAT = Ephemeral("VPC CNI SNAT (random ports)", PortRange(1024, 65535))


def send_from_pod(w: Walker, cluster: Cluster, pod: Pod, packet: Packet) -> None:
    node = cluster.nodes[pod.node]
    if w.reply:
        w.hop("pod", pod.key, "send", f"{pod.key} replies to {packet.dst_ip}", packet)
        if not policy.reply_passes(w, cluster, pod, packet):
            return
        route_from_pod(w, cluster, pod, packet)
        return
    w.hop("pod", pod.key, "send",
          f"{pod.key} ({pod.ip}) on {node.name} opens {_service(packet)} to {packet.dst_ip}"
          + (f" from port {packet.src_port}" if packet.src_port is not None else ""), packet)
    translated = kube_proxy.cluster_ip(w, cluster, node, packet)
    if translated is None:
        return
    destination = w.net.kube.pods_by_ip.get((cluster.name, int(translated.dst_ip)))
    if not policy.egress_allowed(w, cluster, pod, translated, destination):
        return
    route_from_pod(w, cluster, pod, translated)


def route_from_pod(w: Walker, cluster: Cluster, pod: Pod, packet: Packet) -> None:
    node = cluster.nodes[pod.node]
    if w.reply and kube_proxy.undo_dnat_at_backend(w, cluster, node, packet) is not None:
        return  # the reply went back through the node that translated the request
    if packet.dst_ip == node.ip:
        _to_own_node(w, cluster, node, packet)
        return
    destination = w.net.kube.pods_by_ip.get((cluster.name, int(packet.dst_ip)))
    if destination is not None and destination.node == pod.node:
        note = w.note_once("same-node", "pods on the same node talk through the node's own "
                           "network stack: no VPC route table, NACL or security group")
        w.hop("node", node.name, "forward",
              f"{node.name} delivers locally: {destination.key} is on the same node", packet,
              note=note)
        arrive_at_pod(w, cluster, destination, packet)
        return
    if cluster.vpc is None:
        _flat_network(w, cluster, node, destination, packet)
    elif cluster.overlay:
        _overlay(w, cluster, node, destination, packet)
    else:
        _vpc_cni(w, cluster, pod, node, packet)


def _to_own_node(w: Walker, cluster: Cluster, node: Node, packet: Packet) -> None:
    """A pod talking to its own node's address never leaves the node."""
    w.hop("node", node.name, "forward",
          f"{packet.dst_ip} is {node.name}'s own address: the packet stays on the node", packet)
    if w.reply:
        _undo_node_snat(w, cluster, node, packet)
        return
    if kube_proxy.node_port(w, cluster, node, packet):
        return
    eni = _node_eni(w, node)
    if eni is not None:
        w.deliver_to_owner(eni, packet)
        return
    w.hop("node", node.name, "deliver", f"{node.name} accepts {flow_words(packet)}", packet)
    w.arrive("node", node.name, packet)


def _vpc_cni(w: Walker, cluster: Cluster, pod: Pod, node: Node, packet: Packet) -> None:
    vpc = w.model.vpcs[cluster.vpc or ""]
    outside = not w.net.vpc_contains(vpc, packet.dst_ip)
    excluded = any(packet.dst_ip in c for c in cluster.exclude_snat_cidrs)
    if outside and not excluded and not cluster.external_snat and not w.reply:
        snat_to_node(w, cluster, node, packet, "the VPC CNI SNATs pod traffic that leaves the "
                     "VPC to the node's primary IP (AWS_VPC_K8S_CNI_EXTERNALSNAT=false)")
        return
    eni = w.net.kube.pod_eni(cluster.name, pod)
    if eni is None:
        w.block("UNKNOWN_ENDPOINT", "pod", pod.key,
                f"{pod.key}'s node {node.name} is not an EC2 instance of the spec",
                f"map node {node.name} to an instance in the cluster's `nodes:`", packet)
        return
    if not w.egress_allowed(eni, packet):
        return
    w.leave_subnet(w.model.subnets[eni.subnet], packet)


def snat_to_node(w: Walker, cluster: Cluster, node: Node, packet: Packet, why: str) -> None:
    """Masquerade to the node's IP, then continue from the node's own interface."""
    port = pick_port(VPC_CNI_SNAT.ports, node.name, packet) \
        if packet.src_port is not None else None
    translated = packet.with_source(node.ip, port)
    w.ctx.sessions[(f"node:{node.name}", int(node.ip), port)] = Session(
        f"node:{node.name}", packet, translated, w.ephemeral)
    w.ephemeral = VPC_CNI_SNAT
    w.hop("node", node.name, "translate",
          f"source {packet.src_ip}:{packet.src_port} -> {node.ip}:{port} (SNAT to the node)",
          translated, note=w.note_once("node-snat", why))
    send_from_node(w, cluster, node, translated)


def send_from_node(w: Walker, cluster: Cluster, node: Node, packet: Packet) -> None:
    eni = _node_eni(w, node)
    if eni is None:  # a Kubernetes-only spec: the packet leaves the cluster
        _leave_flat_cluster(w, node, packet)
        return
    if not w.egress_allowed(eni, packet):
        return
    w.leave_subnet(w.model.subnets[eni.subnet], packet)


def _overlay(w: Walker, cluster: Cluster, node: Node, destination: Pod | None,
             packet: Packet) -> None:
    if destination is None:
        if w.reply:
            send_from_node(w, cluster, node, packet)
        else:
            snat_to_node(w, cluster, node, packet, f"{cluster.cni} SNATs (masquerades) pod "
                         "traffic that leaves the cluster to the node's IP")
        return
    encapsulate(w, cluster, node, destination, packet)


def encapsulate(w: Walker, cluster: Cluster, node: Node, destination: Pod,
                packet: Packet) -> None:
    """Overlay: carry the pod's packet inside a node-to-node packet."""
    other = cluster.nodes[destination.node]
    protocol, port, word = TUNNELS.get(cluster.cni, ("udp", 8472, "VXLAN"))
    outer = Packet(protocol, node.ip, port, other.ip, port)
    w.tunnel = (packet, destination)
    w.hop("node", node.name, "translate",
          f"{node.name} encapsulates the packet ({word}) to {other.name} ({other.ip})", outer,
          note=w.note_once("overlay", f"with {cluster.cni} the VPC only sees node addresses: "
                           f"security groups and NACLs must allow {word} between the nodes"))
    send_from_node(w, cluster, node, outer)


def _flat_network(w: Walker, cluster: Cluster, node: Node, destination: Pod | None,
                  packet: Packet) -> None:
    if destination is not None:
        w.hop("node", node.name, "forward",
              f"{node.name} sends it over the pod network to {destination.node}", packet)
        arrive_at_pod(w, cluster, destination, packet)
        return
    if w.reply:
        _leave_flat_cluster(w, node, packet)
        return
    snat_to_node(w, cluster, node, packet, f"{cluster.cni} SNATs (masquerades) pod traffic "
                 "that leaves the cluster to the node's IP")


def _leave_flat_cluster(w: Walker, node: Node, packet: Packet) -> None:
    from netpath.engine.gateways import on_internet

    w.hop("node", node.name, "forward", f"{packet.dst_ip} is outside the cluster: the packet "
          "leaves through the node's network", packet)
    on_internet(w, packet)


def node_receives(w: Walker, eni: Eni, packet: Packet) -> bool:
    """A packet addressed to a node: a tunnel to open, a SNAT to undo, or a NodePort.
    Returns False when it is none of these (the node itself is the destination)."""
    ref = w.net.kube.node_of_eni.get(eni.name)
    if ref is None:
        return False
    cluster = w.model.clusters[ref.cluster]
    node = ref.node
    if w.tunnel is not None:
        inner, pod = w.tunnel
        w.tunnel = None
        w.hop("node", node.name, "translate",
              f"{node.name} decapsulates the packet for {pod.key}", inner)
        arrive_at_pod(w, cluster, pod, inner)
        return True
    if w.reply:
        return _undo_node_snat(w, cluster, node, packet)
    return kube_proxy.node_port(w, cluster, node, packet)


def _undo_node_snat(w: Walker, cluster: Cluster, node: Node, packet: Packet) -> bool:
    session = w.ctx.sessions.get((f"node:{node.name}", int(packet.dst_ip), packet.dst_port))
    if session is None:
        return kube_proxy.undo_node_port(w, cluster, node, packet)
    original = session.original
    restored = packet.with_destination(original.src_ip, original.src_port)
    w.ephemeral = session.client
    w.hop("node", node.name, "translate",
          f"destination {packet.dst_ip}:{packet.dst_port} -> {original.src_ip}:"
          f"{original.src_port} (the node undoes its SNAT)", restored)
    pod = w.net.kube.pods_by_ip.get((cluster.name, int(original.src_ip)))
    if pod is not None:
        arrive_at_pod(w, cluster, pod, restored)
    return True


def arrive_at_pod(w: Walker, cluster: Cluster, pod: Pod, packet: Packet) -> None:
    if w.reply:
        restored = kube_proxy.undo_dnat_at_client(w, cluster, pod, packet)
        w.hop("pod", pod.key, "deliver", f"{pod.key} receives the reply", restored)
        w.arrive("pod", pod.key, restored, cluster=cluster.name)
        return
    source = w.net.kube.pods_by_ip.get((cluster.name, int(packet.src_ip)))
    if not policy.ingress_allowed(w, cluster, pod, packet, source):
        return
    note = None
    if packet.dst_port is not None and pod.ports and not any(
        p.port == packet.dst_port for p in pod.ports
    ):
        note = (f"{pod.key} declares no containerPort {packet.dst_port}; containerPort is "
                "informational, so the trace assumes something listens")
    w.hop("pod", pod.key, "deliver", f"{pod.key} ({pod.ip}) accepts {flow_words(packet)}",
          packet, note=note)
    w.arrive("pod", pod.key, packet, cluster=cluster.name)


def node_forwards_to_pod(w: Walker, cluster: Cluster, pod: Pod, packet: Packet) -> None:
    """A packet reached a pod's VPC address: the node's interface took it in, the node hands
    it to the pod."""
    node = cluster.nodes[pod.node]
    if w.reply:
        arrive_at_pod(w, cluster, pod, packet)
        return
    w.hop("node", node.name, "forward", f"{node.name} hands the packet to {pod.key}", packet)
    arrive_at_pod(w, cluster, pod, packet)


def pod_of_address(w: Walker, cluster: str, address: Address) -> Pod | None:
    return w.net.kube.pods_by_ip.get((cluster, int(address)))


def _node_eni(w: Walker, node: Node) -> Eni | None:
    if node.instance is None or node.instance not in w.model.instances:
        return None
    return w.model.enis[w.model.instances[node.instance].enis[0]]


def _service(packet: Packet) -> str:
    return packet.protocol if packet.dst_port is None else f"{packet.protocol}/{packet.dst_port}"
