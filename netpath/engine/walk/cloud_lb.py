"""The cloud's load balancer of a LoadBalancer Service, in a cluster netpath sees without its
cloud (no AWS part): modelled as Kubernetes describes it, not as one provider builds it.

- It listens on the Service's ports (port and protocol).
- It admits the clients in `loadBalancerSourceRanges` (or the annotation), else everyone: the
  provider's firewall enforces them, and so does kube-proxy for traffic to the load balancer's
  address.
- It sends to the Service's NodePort on a node that passes its health check: with
  externalTrafficPolicy Local only nodes that run a ready endpoint pass (the
  healthCheckNodePort answers 200 there only); with Cluster every node does.
- It keeps the client's address, as NLB instance targets and passthrough load balancers do, and
  carries the reply back from the node's address to its own. kube-proxy at the node then does
  what the traffic policy says (Cluster: SNAT, maybe to another node; Local: the pod sees the
  client).
https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer
https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/#preserving-the-client-source-ip
"""

from __future__ import annotations

from dataclasses import replace

from netpath.engine import services
from netpath.engine.hops import Choice, ChoiceRule, Packet, RuleRef
from netpath.engine.service_choice import matches, node_has_local_backend
from netpath.engine.walk.position import (
    At,
    Next,
    NodeAt,
    Relay,
    ServiceAt,
    Session,
    Walk,
    Where,
)
from netpath.model.kubernetes import Cluster, Node, Service, ServicePort
from netpath.model.vocabulary import Action, Code, Component

_LESSON = ("the spec has no cloud part, so netpath models the Service's load balancer as "
           "Kubernetes describes it: to the Service's NodePort on a node that passes its health "
           "check, keeping the client's IP, and back the same way")


def cloud_load_balancer(w: Walk, at: At[ServiceAt]) -> Next:
    """The load balancer takes the client's connection and sends it to a node's NodePort, or
    carries a reply back to the client."""
    cluster = w.model.clusters[at.subject.cluster]
    service = cluster.services[at.subject.service]
    if at.reply:
        return _relay(w, at, service)
    packet = at.packet
    name = service.key
    port = services.find_port(service, packet.dst_port, packet.protocol)
    if port is None:
        ports = ", ".join(f"{p.port}/{p.protocol}" for p in service.ports) or "none"
        return w.block(Code.NO_LISTENER, Component.LOAD_BALANCER, name,
                       f"the load balancer of Service {name} listens on the Service's ports "
                       f"({ports}), not on {packet.flow_words}",
                       f"connect to one of {ports}, or add the port to Service {name}", packet,
                       rule=RuleRef(f"service {name}", service.path))
    ranges = service.source_ranges
    if ranges is not None and not any(packet.src_ip in r for r in ranges):
        listing = ", ".join(str(r) for r in ranges) or "no IPv4 range"
        return w.block(Code.LB_SOURCE_RANGE_DENIED, Component.LOAD_BALANCER, name,
                       f"{packet.src_ip} is outside the source ranges of Service {name} "
                       f"({listing}): its load balancer drops the connection",
                       f"add the client's range to spec.loadBalancerSourceRanges of {name}",
                       packet, rule=RuleRef("loadBalancerSourceRanges", service.path))
    if port.node_port is None:
        return w.block(Code.NO_TARGETS, Component.LOAD_BALANCER, name,
                       f"Service {name} has no NodePort for port {port.port} "
                       "(allocateLoadBalancerNodePorts: false), and a load balancer that sends "
                       "to pod IPs directly is a provider's feature netpath does not model",
                       f"let Kubernetes allocate NodePorts for {name}", packet,
                       rule=RuleRef(f"port {port.port}", port.path))
    return _to_node(w, at, cluster, service, port)


def _to_node(w: Walk, at: At[ServiceAt], cluster: Cluster, service: Service,
             port: ServicePort) -> Next:
    packet = at.packet
    assert port.node_port is not None
    node, others, health = _healthy_node(w, cluster, service, port)
    translated = packet.with_destination(node.ip, port.node_port)
    w.ctx.sessions[_session_key(translated)] = Session(f"cloud-lb:{service.key}", packet,
                                                       translated, at.flow.ephemeral)
    flow = replace(at.flow, return_via=Relay(Where.CLOUD_LOAD_BALANCER, at.subject,
                                             packet.src_ip))
    choice = Choice(node.name, others, ChoiceRule.SPREAD) if others else None
    w.hop(Component.LOAD_BALANCER, service.key, Action.TRANSLATE,
          f"the load balancer of Service {service.key} accepts on port {port.port}/"
          f"{port.protocol} and sends to NodePort {port.node_port} on {node.name} "
          f"({health}): destination {packet.dst_ip}:{packet.dst_port} -> {node.ip}:"
          f"{port.node_port}, the client's address kept", translated,
          rule=RuleRef(f"port {port.port} -> nodePort {port.node_port}", port.path),
          note=w.note_once("cloud-lb", _LESSON), before=packet, choice=choice)
    return at.to(Where.NODE_LOCAL, NodeAt(cluster.name, node.name), translated, flow)


def _healthy_node(w: Walk, cluster: Cluster, service: Service, port: ServicePort
                  ) -> tuple[Node, tuple[str, ...], str]:
    """The node the trace follows (the node of `--endpoint`'s pod, else the first that passes
    the health check), the other healthy nodes, and why it passes, in words."""
    found = services.backends_for(cluster, service, port.protocol, port.port)
    nodes = list(cluster.nodes.values())
    local = service.external_traffic_policy == "Local"
    healthy = [n for n in nodes if not local or node_has_local_backend(found, n.name)]
    health = ("externalTrafficPolicy Local: it runs an endpoint, so its health check passes"
              if local else "externalTrafficPolicy Cluster: every node passes the health check")
    if not healthy:  # no endpoint anywhere: kube-proxy on the node says why
        healthy = nodes
        health = "no node runs an endpoint, so none passes the health check"
    wanted = w.ctx.endpoint_preference
    chosen = healthy[0]
    for backend in found.backends:
        if wanted is not None and matches(backend, wanted):
            chosen = next((n for n in healthy if n.name == backend.node), chosen)
    others = tuple(n.name for n in healthy if n != chosen)
    return chosen, others, health


def _relay(w: Walk, at: At[ServiceAt], service: Service) -> Next:
    """The reply, from the node's address: the load balancer answers from its own."""
    packet = at.packet
    session = w.ctx.sessions.get(_session_key(packet, reply=True))
    if session is None:  # not a reply of a connection it carried: it goes on unchanged
        return at.to(Where.INTERNET, None)
    original = session.original
    restored = packet.with_source(original.dst_ip, original.dst_port)
    w.hop(Component.LOAD_BALANCER, service.key, Action.TRANSLATE,
          f"the load balancer of Service {service.key} carries the reply back: source "
          f"{packet.src_ip}:{packet.src_port} -> {original.dst_ip}:{original.dst_port}",
          restored, before=packet)
    return at.to(Where.INTERNET, None, restored)


def _session_key(packet: Packet, *, reply: bool = False) -> tuple[object, ...]:
    """The connection the load balancer carries, from the request it sent to the node, or
    from the reply, which carries the same addresses the other way round."""
    if reply:
        packet = packet.reply()
    return ("cloud-lb", int(packet.dst_ip), packet.dst_port, int(packet.src_ip),
            packet.src_port)
