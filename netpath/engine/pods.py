"""Pods on the path: leaving a pod, crossing its node, and arriving at a pod.

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

from dataclasses import replace

from netpath.engine import kube_proxy, policy
from netpath.engine.overlay import TUNNELS, back_from_tunnel_device, from_tunnel_device
from netpath.engine.ports import EPHEMERAL, Ephemeral, pick_port
from netpath.engine.trace import Packet
from netpath.engine.walk import Session, Walker, flow_words
from netpath.model.addr import PortRange
from netpath.model.kubernetes import Cluster, Node, Pod
from netpath.model.resources import Eni

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
    if destination is not None and destination.node == pod.node and not (
            _strict_branch(cluster, pod) or _strict_branch(cluster, destination)):
        note = w.note_once("same-node", "pods on the same node talk through the node's own "
                           "network stack: no VPC route table, NACL or security group")
        w.hop("node", node.name, "forward",
              f"{node.name} delivers locally: {destination.key} is on the same node", packet,
              note=note)
        arrive_at_pod(w, cluster, destination, packet)
        return
    if pod.host_network and (destination is None or (cluster.vpc and not cluster.overlay)):
        # A hostNetwork pod's traffic is the node's own: the node's IP and security groups, no
        # SNAT (pods on other nodes are still reached through the overlay or pod network).
        send_from_node(w, cluster, node, packet)
    elif cluster.vpc is None:
        _flat_network(w, cluster, node, destination, packet)
    elif cluster.overlay:
        _overlay(w, cluster, node, destination, packet)
    else:
        _vpc_cni(w, cluster, pod, node, packet)


def _to_own_node(w: Walker, cluster: Cluster, node: Node, packet: Packet) -> None:
    """A pod talking to its own node's address never leaves the node."""
    w.hop("node", node.name, "forward",
          f"{packet.dst_ip} is {node.name}'s own address: the packet stays on the node", packet)
    _at_node(w, cluster, node, packet)


def _at_node(w: Walker, cluster: Cluster, node: Node, packet: Packet) -> None:
    """A packet for a node's own address, without crossing an ENI: from one of its pods, or
    over a Kubernetes-only cluster's network. A reply may be a translation to undo."""
    if w.reply:
        packet = back_from_tunnel_device(w, cluster, node, packet)
    if w.reply and _undo_node_snat(w, cluster, node, packet):
        return
    if not w.reply and kube_proxy.node_port(w, cluster, node, packet):
        return
    deliver_to_node(w, cluster, node, packet)


def deliver_to_node(w: Walker, cluster: Cluster, node: Node, packet: Packet) -> None:
    """The node itself (or a hostNetwork pod, which shares its address) takes the packet."""
    eni = _node_eni(w, node)
    if eni is not None:
        w.deliver_to_owner(eni, packet)
        return
    detail = "receives the reply" if w.reply else f"accepts {flow_words(packet)}"
    w.hop("node", node.name, "deliver", f"{node.name} {detail}", packet)
    w.arrive("node", node.name, packet, cluster=cluster.name)


def _vpc_cni(w: Walker, cluster: Cluster, pod: Pod, node: Node, packet: Packet) -> None:
    vpc = w.model.vpcs[cluster.vpc or ""]
    outside = not w.net.vpc_contains(vpc, packet.dst_ip)
    excluded = any(packet.dst_ip in c for c in cluster.exclude_snat_cidrs)
    strict = _strict_branch(cluster, pod)
    if outside and not excluded and not cluster.external_snat and not strict and not w.reply:
        snat_to_node(w, cluster, node, packet, "the VPC CNI SNATs pod traffic that leaves the "
                     "VPC to the node's primary IP (AWS_VPC_K8S_CNI_EXTERNALSNAT=false)")
        return
    if strict and outside and not w.reply:
        w.hop("pod", pod.key, "forward", f"{pod.key} sends through its branch ENI with its own "
              "security groups: no SNAT to the node", packet,
              note=w.note_once("sgp-strict", "security groups for pods in strict mode (the VPC "
                               "CNI's default): no SNAT, the pod's security groups apply to all "
                               "its traffic, so reaching the internet needs a NAT gateway"))
    eni = w.net.kube.pod_eni(cluster.name, pod)
    if eni is None:
        w.block("UNKNOWN_ENDPOINT", "pod", pod.key,
                f"{pod.key}'s node {node.name} is not an EC2 instance of the spec",
                f"map node {node.name} to an instance in the cluster's `nodes:`", packet)
        return
    if not w.egress_allowed(eni, packet):
        return
    w.leave_subnet(w.model.subnets[eni.subnet], packet)


def _strict_branch(cluster: Cluster, pod: Pod) -> bool:
    """A pod with its own security groups (a branch ENI) in POD_SECURITY_GROUP_ENFORCING_MODE
    strict: its groups judge all of its traffic, same-node traffic included, and it is never
    SNATed to the node; standard mode leaves same-node traffic alone and SNATs traffic leaving
    the VPC to the node (whose groups then apply).
    https://github.com/aws/amazon-vpc-cni-k8s#pod_security_group_enforcing_mode-v1110"""
    return (bool(pod.security_groups) and cluster.pod_security_group_mode == "strict"
            and cluster.vpc is not None and not cluster.overlay)


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
    if eni is None:  # a Kubernetes-only spec: the cluster's own network, or out of it
        _send_flat(w, cluster, node, packet)
        return
    if not w.egress_allowed(eni, packet):
        return
    w.leave_subnet(w.model.subnets[eni.subnet], packet)


def _overlay(w: Walker, cluster: Cluster, node: Node, destination: Pod | None,
             packet: Packet) -> None:
    if destination is None:
        target = w.net.kube.nodes_by_ip.get((cluster.name, int(packet.dst_ip)))
        if w.reply and target is not None:
            # the reply to a node that reached the pod through the tunnel goes back through it
            encapsulate(w, cluster, node, target, packet)
        elif w.reply:
            send_from_node(w, cluster, node, packet)
        else:
            snat_to_node(w, cluster, node, packet, f"{cluster.cni} SNATs (masquerades) pod "
                         "traffic that leaves the cluster to the node's IP")
        return
    encapsulate(w, cluster, node, destination, packet)


def across_nodes(w: Walker, cluster: Cluster, node: Node, destination: Pod,
                 packet: Packet) -> None:
    """To a pod on another node where the VPC does not route pod IPs: the flat pod network of
    a Kubernetes-only cluster, or an overlay's tunnel."""
    if cluster.vpc is None:
        w.hop("node", node.name, "forward",
              f"{node.name} sends it over the pod network to {destination.node}", packet)
        arrive_at_pod(w, cluster, destination, packet)
    else:
        encapsulate(w, cluster, node, destination, packet)


def encapsulate(w: Walker, cluster: Cluster, node: Node, destination: Pod | Node,
                packet: Packet) -> None:
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
    reply = w.reply
    w.reply = reply and port is None
    w.tunnel = (packet, destination, reply)
    w.hop("node", node.name, "translate",
          f"{node.name} encapsulates the packet ({word}) to {other.name} ({other.ip})", outer,
          note=w.note_once("overlay", f"with {cluster.cni} the VPC only sees node addresses: "
                           f"security groups and NACLs must allow {word} between the nodes"))
    send_from_node(w, cluster, node, outer)
    w.reply = reply
    if reply and w.blocked is not None and w.blocked.direction == "forward":
        w.blocked = replace(w.blocked, direction="return")


def _flat_network(w: Walker, cluster: Cluster, node: Node, destination: Pod | None,
                  packet: Packet) -> None:
    if destination is not None:
        across_nodes(w, cluster, node, destination, packet)
        return
    if w.reply:
        _send_flat(w, cluster, node, packet)
        return
    # Node addresses are outside the pod CIDR too: Calico's natOutgoing and Flannel's
    # masquerade rule SNAT pod traffic to them as to anything outside the pod network.
    snat_to_node(w, cluster, node, packet, f"{cluster.cni} SNATs (masquerades) pod traffic "
                 "that leaves the pod network to the node's IP")


def _send_flat(w: Walker, cluster: Cluster, node: Node, packet: Packet) -> None:
    """A node of a Kubernetes-only cluster sends: to a node or a pod over the cluster's own
    network, anything else out of the cluster."""
    target = w.net.kube.nodes_by_ip.get((cluster.name, int(packet.dst_ip)))
    destination = w.net.kube.pods_by_ip.get((cluster.name, int(packet.dst_ip)))
    if target is not None:
        w.hop("node", node.name, "forward",
              f"{node.name} sends it over the cluster network to {target.name}", packet)
        _at_node(w, cluster, target, packet)
    elif destination is not None:
        across_nodes(w, cluster, node, destination, packet)
    else:
        _leave_flat_cluster(w, node, packet)


def node_replies(w: Walker, cluster: Cluster, name: str, packet: Packet) -> None:
    """A node of a Kubernetes-only cluster (no EC2 interface) answers a connection."""
    node = cluster.nodes[name]
    w.hop("node", node.name, "send", f"{node.name} replies to {packet.dst_ip}", packet)
    send_from_node(w, cluster, node, packet)


def _leave_flat_cluster(w: Walker, node: Node, packet: Packet) -> None:
    from netpath.engine.gateways import on_internet

    w.hop("node", node.name, "forward", f"{packet.dst_ip} is outside the cluster: the packet "
          "leaves through the node's network", packet,
          note=w.note_once("flat-uplink", "the spec does not model the network between the "
                           "nodes and the internet: netpath assumes it carries the nodes' "
                           "traffic (and brings the replies back to the node)"))
    on_internet(w, packet)


def reply_to_flat_node(w: Walker, packet: Packet) -> bool:
    """A reply from outside to a node of a Kubernetes-only cluster: the unmodelled network
    between the nodes and the internet brings it back. False for any other address."""
    for cluster in w.model.clusters.values():
        node = w.net.kube.nodes_by_ip.get((cluster.name, int(packet.dst_ip)))
        if cluster.vpc is None and node is not None:
            w.hop("node", node.name, "forward",
                  f"the reply comes back to {node.name} ({packet.dst_ip})", packet)
            _at_node(w, cluster, node, packet)
            return True
    return False


def node_sends(w: Walker, eni: Eni, packet: Packet) -> None:
    """A node's own connection (kubelet, a process on the host): kube-proxy's rules on the node
    DNAT a ClusterIP before the packet leaves, a pod on the same node is reached without
    leaving the node, and an overlay tunnels to pods on other nodes."""
    ref = w.net.kube.node_of_eni[eni.name]
    cluster, node = w.model.clusters[ref.cluster], ref.node
    # A reply (the node answering a pod) has nothing to DNAT, but stays on the node all the same.
    translated = packet if w.reply else kube_proxy.cluster_ip(w, cluster, node, packet)
    if translated is None:
        return
    if translated.dst_ip == node.ip:  # to its own address: the packet never leaves the node
        w.hop("node", node.name, "forward",
              f"{translated.dst_ip} is {node.name}'s own address: it stays on the node", translated)
        _at_node(w, cluster, node, translated)
        return
    destination = w.net.kube.pods_by_ip.get((cluster.name, int(translated.dst_ip)))
    if destination is not None and destination.node == node.name and not _strict_branch(
            cluster, destination):
        w.hop("node", node.name, "forward",
              f"{node.name} delivers locally: {destination.key} runs on it", translated)
        arrive_at_pod(w, cluster, destination, translated)
    elif destination is not None and cluster.overlay:
        across_nodes(w, cluster, node, destination,
                     from_tunnel_device(w, cluster, node, translated))
    else:
        send_from_node(w, cluster, node, translated)


def node_receives(w: Walker, eni: Eni, packet: Packet) -> bool:
    """A packet addressed to a node: a tunnel to open, a SNAT to undo, or a NodePort.
    Returns False when it is none of these (the node itself is the destination)."""
    ref = w.net.kube.node_of_eni.get(eni.name)
    if ref is None:
        return False
    cluster = w.model.clusters[ref.cluster]
    node = ref.node
    if w.tunnel is not None:
        inner, target, w.reply = w.tunnel
        w.tunnel = None
        if isinstance(target, Node):
            w.hop("node", node.name, "translate", f"{node.name} decapsulates the packet", inner)
            _at_node(w, cluster, node, inner)
            return True
        w.hop("node", node.name, "translate",
              f"{node.name} decapsulates the packet for {target.key}", inner)
        arrive_at_pod(w, cluster, target, inner)
        return True
    if w.reply:
        return _undo_node_snat(w, cluster, node, packet)
    return kube_proxy.node_port(w, cluster, node, packet)


def _undo_node_snat(w: Walker, cluster: Cluster, node: Node, packet: Packet) -> bool:
    session = w.ctx.sessions.get((f"node:{node.name}", int(packet.dst_ip), packet.dst_port))
    if session is None:
        if kube_proxy.undo_node_port(w, cluster, node, packet):
            return True
        restored = kube_proxy.undo_dnat(w, node.name, packet)  # the node's own ClusterIP call
        if restored is None:
            return False
        eni = _node_eni(w, node)
        if eni is not None:
            w.deliver_to_owner(eni, restored)
        else:
            w.hop("node", node.name, "deliver", f"{node.name} receives the reply", restored)
            w.arrive("node", node.name, restored, cluster=cluster.name)
        return True
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


def _node_eni(w: Walker, node: Node) -> Eni | None:
    if node.instance is None or node.instance not in w.model.instances:
        return None
    return w.model.enis[w.model.instances[node.instance].enis[0]]


def _service(packet: Packet) -> str:
    return packet.protocol if packet.dst_port is None else f"{packet.protocol}/{packet.dst_port}"
