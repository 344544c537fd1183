"""kube-proxy on the path: ClusterIP and NodePort DNAT, and undoing it for the reply.

A ClusterIP is virtual: kube-proxy (iptables or IPVS) on the *client's* node rewrites the
destination to one endpoint, and conntrack on that node rewrites the reply's source back, so
the client sees the ClusterIP answer (the guide's "return traffic bypasses the service" is
misleading). A NodePort opens on every node; with externalTrafficPolicy Cluster the node also
SNATs to itself (the client IP is lost) and may forward to another node; with Local it only
uses pods on that node and keeps the client IP.

These are steps at a node, not positions: the NodePort functions return where the packet goes
next, or None when the packet is no NodePort's (or no translation of theirs).
"""

from __future__ import annotations

from dataclasses import replace

from netpath.engine import service_choice, services
from netpath.engine.hops import Choice, ChoiceRule, Packet, RuleRef
from netpath.engine.ports import EPHEMERAL, pick_port
from netpath.engine.walk.node_paths import across_nodes, deliver_to_node
from netpath.engine.walk.position import (
    STOP,
    At,
    Flow,
    Next,
    NodeAt,
    PodAt,
    Session,
    Walk,
    Where,
    dnat_key,
)
from netpath.model.addr import Address
from netpath.model.kubernetes import Cluster, Node, Service
from netpath.model.vocabulary import Action, Component, EniOwner


def cluster_ip(w: Walk, cluster: Cluster, node: Node, packet: Packet,
               flow: Flow) -> Packet | None:
    """DNAT a packet sent to a ClusterIP; the packet itself when it is not one; None when
    the Service cannot take it (the walk was blocked)."""
    key = (cluster.name, int(packet.dst_ip))
    service = w.net.kube.services_by_ip.get(key)
    short_circuit = False
    if service is None:
        service = w.net.kube.load_balancer_ips.get(key)
        short_circuit = service is not None and packet.dst_ip != node.ip
    if service is None:
        return packet
    choice = _choose(w, cluster, service, packet, node, external=False,
                     short_circuit=short_circuit)
    if choice is None:
        return None
    backend, port_words, picked = choice
    translated = packet.with_destination(backend.ip, backend.port)
    w.ctx.sessions[dnat_key(translated)] = Session(f"kube-proxy:{node.name}", packet, translated,
                                                   flow.ephemeral)
    words = f"destination {packet.dst_ip}:{packet.dst_port} -> {backend.ip}:{backend.port}"
    sent = translated
    if short_circuit and service.external_traffic_policy != "Local":
        sent = _masquerade(w, cluster, node, translated, flow)
        words += f", source {translated.src_ip} -> {sent.src_ip}:{sent.src_port}"
    lesson = ("a ClusterIP is virtual: kube-proxy on the client's node DNATs to an endpoint, "
              "and conntrack there turns the reply back into the ClusterIP") \
        if not short_circuit else None
    w.hop(Component.KUBE_PROXY, node.name, Action.TRANSLATE,
          f"{words} ({backend.label}); {port_words}", sent,
          note=w.note_once("clusterip", lesson) if lesson else None, before=packet,
          choice=picked)
    return sent


def _masquerade(w: Walk, cluster: Cluster, node: Node, packet: Packet, flow: Flow) -> Packet:
    """The SNAT of kube-proxy's masquerade mark, kept as the node's own so that the reply
    comes back to the node, which undoes it (then conntrack undoes the DNAT)."""
    port = pick_port(EPHEMERAL["linux"].ports, node.name, packet) \
        if packet.src_port is not None else None
    source = _masquerade_address(w, cluster, node, packet.dst_ip)
    translated = packet.with_source(source, port)
    w.ctx.sessions[(f"node:{node.name}", int(source), port)] = Session(
        f"node:{node.name}", packet, translated, flow.ephemeral)
    return translated


def undo_dnat(w: Walk, client: str, packet: Packet) -> Packet | None:
    """The reply of a ClusterIP connection, back at the client's node: conntrack restores the
    ClusterIP as its source. None when no ClusterIP DNAT is behind this reply."""
    session = w.ctx.sessions.get(dnat_key(packet, reply=True))
    if session is None or not session.translator.startswith("kube-proxy:"):
        return None
    original = session.original
    restored = packet.with_source(original.dst_ip, original.dst_port)
    what = "the load balancer's IP" if any(
        (c, int(original.dst_ip)) in w.net.kube.load_balancer_ips for c in w.model.clusters
    ) else "the ClusterIP"
    w.hop(Component.KUBE_PROXY, session.translator.split(":", 1)[1], Action.TRANSLATE,
          f"source {packet.src_ip}:{packet.src_port} -> {original.dst_ip}:{original.dst_port} "
          f"(conntrack): {client} sees the reply come from {what}", restored,
          before=packet)
    return restored


def node_port(w: Walk, at: At[object], cluster: Cluster, node: Node,
              packet: Packet) -> Next | None:
    """A packet to <node IP>:<NodePort>: kube-proxy forwards it to an endpoint. None when the
    port is no NodePort."""
    if packet.dst_port is None:
        return None
    service = w.net.kube.services_by_node_port.get((cluster.name, packet.dst_port))
    if service is None:
        return None
    choice = _choose(w, cluster, service, packet, node, external=True)
    if choice is None:
        return STOP
    backend, port_words, picked = choice
    local = service.external_traffic_policy == "Local"
    translated = packet.with_destination(backend.ip, backend.port)
    words = f"destination {packet.dst_ip}:{packet.dst_port} -> {backend.ip}:{backend.port}"
    if not local:
        port = pick_port(EPHEMERAL["linux"].ports, node.name, packet) \
            if packet.src_port is not None else None
        source = _masquerade_address(w, cluster, node, backend.ip)
        translated = translated.with_source(source, port)
        words += f", source {packet.src_ip} -> {source}:{port}"
        if source != node.ip:
            words += " (masquerade takes the address of the overlay device it leaves by)"
    key = ("nodeport", int(translated.src_ip), translated.src_port)
    w.ctx.sessions[key] = Session(f"kube-proxy:{node.name}", packet, translated,
                                  at.flow.ephemeral)
    flow = at.flow if local else replace(at.flow, ephemeral=EPHEMERAL["linux"])
    lesson = ("externalTrafficPolicy Local keeps the client IP and only uses pods on this node"
              if local else "externalTrafficPolicy Cluster SNATs to the node (the pod never "
              "sees the client IP) and may forward to a pod on another node")
    w.hop(Component.KUBE_PROXY, node.name, Action.TRANSLATE,
          f"NodePort {packet.dst_port} of {service.key}: {words} ({backend.label}); "
          f"{port_words}", translated, note=w.note_once(f"etp-{local}", lesson), before=packet,
          choice=picked)
    return _forward_from_node(w, at.to(at.where, at.subject, translated, flow), cluster, node,
                              translated)


def _masquerade_address(w: Walk, cluster: Cluster, node: Node, backend: Address) -> Address:
    """Masquerade picks the address of the interface the packet leaves by: to a pod on
    another node of an overlay, the tunnel device's."""
    pod = w.net.kube.pods_by_ip.get((cluster.name, int(backend)))
    if pod is None or pod.node == node.name:
        return node.ip
    return w.net.kube.tunnel_ips.get((cluster.name, node.name), node.ip)


def _forward_from_node(w: Walk, at: At[object], cluster: Cluster, node: Node,
                       packet: Packet) -> Next:
    if packet.dst_ip == node.ip:  # a hostNetwork endpoint on this very node
        w.hop(Component.NODE, node.name, Action.FORWARD, f"the endpoint runs on {node.name} "
              "itself (hostNetwork): the packet stays on the node", packet)
        return deliver_to_node(w, at, cluster, node, packet)
    backend = w.net.kube.pods_by_ip.get((cluster.name, int(packet.dst_ip)))
    if backend is not None and backend.node == node.name:
        return at.to(Where.POD_RECEIVES, PodAt(cluster.name, backend.key), packet)
    if backend is not None and (cluster.overlay or cluster.vpc is None):
        return across_nodes(w, at, cluster, node, backend, packet)
    return at.to(Where.NODE_SENDS, NodeAt(cluster.name, node.name), packet)


def undo_node_port(w: Walk, at: At[object], cluster: Cluster, node: Node,
                   packet: Packet) -> Next | None:
    """The reply of a NodePort connection comes back to the node that translated it. None
    when no NodePort connection is behind this reply."""
    session = w.ctx.sessions.get(("nodeport", int(packet.dst_ip), packet.dst_port))
    if session is None:
        return None
    original = session.original
    restored = Packet(packet.protocol, original.dst_ip, original.dst_port, original.src_ip,
                      original.src_port)
    w.hop(Component.KUBE_PROXY, node.name, Action.TRANSLATE,
          f"the reply becomes {original.dst_ip}:{original.dst_port} -> {original.src_ip}:"
          f"{original.src_port} again (conntrack)", restored, before=packet)
    back = at.to(at.where, at.subject, restored, replace(at.flow, ephemeral=session.client))
    if restored.dst_ip == node.ip:  # the node called its own NodePort: the reply is home
        return deliver_to_node(w, back, cluster, node, restored)
    return back.to(Where.NODE_SENDS, NodeAt(cluster.name, node.name))


def undo_dnat_at_backend(w: Walk, at: At[object], cluster: Cluster, node: Node,
                         packet: Packet) -> Next | None:
    """externalTrafficPolicy Local: the reply leaves the backend's node, which translated the
    request, so conntrack there restores the NodePort address before it leaves."""
    session = w.ctx.sessions.get(("nodeport", int(packet.dst_ip), packet.dst_port))
    if session is None or session.translator != f"kube-proxy:{node.name}":
        return None
    if session.translated.src_ip != session.original.src_ip:
        return None  # Cluster policy: the reply goes to the node's own address instead
    return undo_node_port(w, at, cluster, node, packet)


def _balancer_in_front(w: Walk, packet: Packet) -> str | None:
    """The type of the load balancer whose node sent the packet (an ALB, a CLB, an NLB without
    client IP preservation): a refusal then reaches the balancer, not the client."""
    lb = None
    for name in w.net.enis_by_address.get(int(packet.src_ip), ()):
        eni = w.net.enis[name]
        if eni.owner_kind == EniOwner.LOAD_BALANCER:
            lb = w.model.load_balancers.get(eni.owner)
    return lb.type if lb is not None else None


def _choose(w: Walk, cluster: Cluster, service: Service, packet: Packet, node: Node, *,
            external: bool, short_circuit: bool = False
            ) -> tuple[services.Backend, str, Choice | None] | None:
    """The endpoint kube-proxy on `node` sends the packet to, the words for how it picked,
    and the choice among several (None with one endpoint); None when the Service cannot
    take the packet (the walk was blocked)."""
    found = services.backends_for(cluster, service, packet.protocol, packet.dst_port,
                                  node_port=external)
    choice = service_choice.choose_backend(found, node.name, w.ctx.endpoint_preference,
                                           external=external, cluster=cluster,
                                           short_circuit=short_circuit)
    if choice.problem is not None or choice.backend is None:
        problem = choice.problem or found.problem
        assert problem is not None
        w.block(problem.code, Component.SERVICE, service.key,
                problem.seen_behind(_balancer_in_front(w, packet)),
                problem.fix, packet,
                rule=RuleRef(problem.rule or f"service {service.key}",
                             problem.path or service.path))
        return None
    sport = found.service_port
    assert sport is not None
    listing = ", ".join(str(b) for b in found.backends)
    notes = "; ".join(choice.notes) or None
    w.hop(Component.SERVICE, service.key, Action.FORWARD,
          f"{service.key} port {sport.port} -> targetPort {sport.target_port} "
          f"({choice.policy}); endpoints: {listing}", packet,
          rule=RuleRef(f"port {sport.port} -> {sport.target_port}", sport.path), note=notes)
    words = service_choice.kube_proxy_words(cluster.kube_proxy_mode, choice.pool, choice.backend)
    others = tuple(b.label for b in choice.pool if b != choice.backend)
    how = ChoiceRule.ROUND_ROBIN if cluster.kube_proxy_mode == "ipvs" else ChoiceRule.AT_RANDOM
    picked = Choice(choice.backend.label, others, how) if others else None
    return choice.backend, words, picked
