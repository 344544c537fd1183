"""Which endpoint of a Service kube-proxy sends a connection to: the traffic policies
(internalTrafficPolicy for traffic from inside the cluster, externalTrafficPolicy for NodePorts
and load balancers), `--endpoint`, and how kube-proxy picks in words. The endpoints themselves
are `services.backends_for`.
https://kubernetes.io/docs/reference/networking/virtual-ips/#traffic-policies
"""

from __future__ import annotations

from collections.abc import Sequence

from netpath.engine.errors import QueryError
from netpath.engine.services import Backend, Backends, Problem
from netpath.model.addr import Address
from netpath.model.kubernetes import Cluster, Service
from netpath.model.names import did_you_mean
from netpath.model.record import record
from netpath.model.vocabulary import Code


@record
class Choice:
    """The endpoint kube-proxy sends one connection to, after the traffic policy."""

    backend: Backend | None  # None: the connection fails (see problem)
    pool: tuple[Backend, ...]  # the endpoints the traffic policy leaves
    policy: str  # "internalTrafficPolicy: Cluster", "externalTrafficPolicy: Local"...
    snat_to_node: bool  # external traffic with policy Cluster: the pod never sees the client
    problem: Problem | None
    notes: tuple[str, ...] = ()


# --- traffic policies and the choice ------------------------------------------------------------


def eligible(backends: Sequence[Backend], cluster: Cluster | None, service: Service,
             node: str | None, *, external: bool) -> tuple[Backend, ...]:
    """The endpoints kube-proxy on `node` may use. internalTrafficPolicy applies to traffic
    from inside the cluster (pods and nodes to the ClusterIP), externalTrafficPolicy to
    traffic arriving at a NodePort or load balancer. Local: only endpoints on `node`."""
    del cluster  # the policy is the Service's; kept so every caller passes the same context
    policy = service.external_traffic_policy if external else service.internal_traffic_policy
    if policy != "Local":
        return tuple(backends)
    return tuple(b for b in backends if node is not None and b.node == node)


def node_has_local_backend(found: Backends, node: str) -> bool:
    """With externalTrafficPolicy Local, the load balancer's health check (healthCheckNodePort)
    passes only on nodes that run an endpoint; the others drop NodePort traffic."""
    return any(b.node == node for b in found.backends)


def choose(pool: Sequence[Backend], preference: str | None,
           everyone: Sequence[Backend] = ()) -> Backend:
    """The endpoint the trace follows: the first in the stable order, or the one `--endpoint`
    names (an IP, `ns/name` or a pod name). `everyone`: all endpoints, for a better message
    when the preference is an endpoint the traffic policy left out."""
    if not pool:
        raise ValueError("choose() needs at least one endpoint")
    if preference is None:
        return pool[0]
    for backend in pool:
        if matches(backend, preference):
            return backend
    labels = ", ".join(b.label for b in pool)
    if any(matches(b, preference) for b in everyone):
        raise QueryError(f"--endpoint {preference!r} is an endpoint of the Service, but its "
                         f"traffic policy (Local) leaves only {labels} on this node",
                         "pick one of those, or trace from a client on its node")
    near = did_you_mean(preference, [b.label for b in pool])
    raise QueryError(f"--endpoint {preference!r} is not an endpoint of the Service "
                     f"(endpoints: {labels})", near or "give one of those pod names or IPs")


def matches(backend: Backend, preference: str) -> bool:
    """Whether `--endpoint`'s text names this endpoint (its IP, `ns/name` or pod name)."""
    if preference == str(backend.ip):
        return True
    return backend.pod is not None and preference in (backend.pod, backend.pod.split("/", 1)[1])


def choose_backend(found: Backends, client_node: str | None, preference: str | None, *,
                   external: bool = False, cluster: Cluster | None = None,
                   short_circuit: bool = False) -> Choice:
    """All of it at once: the traffic policy on `client_node` (for external traffic: the node
    the packet arrived at), then the endpoint. Raises QueryError for a bad `--endpoint`.

    `short_circuit`: traffic from inside the cluster to the Service's load balancer IP, which
    kube-proxy sends to any endpoint (its KUBE-EXT chain jumps to the cluster-wide one), and
    masquerades unless externalTrafficPolicy is Local."""
    service = found.service
    name = "externalTrafficPolicy" if external else "internalTrafficPolicy"
    value = service.external_traffic_policy if external else service.internal_traffic_policy
    policy = f"{name}: {value}"
    snat = external and value != "Local"
    if short_circuit:
        policy = ("the load balancer's IP, from inside the cluster: every endpoint "
                  f"(externalTrafficPolicy: {service.external_traffic_policy})")
        snat = service.external_traffic_policy != "Local"
    if found.problem is not None:
        return Choice(None, (), policy, snat, found.problem, found.notes)
    pool = found.backends if short_circuit else eligible(
        found.backends, cluster, service, client_node, external=external)
    if not pool:
        where = client_node or "the client's node"
        consequence = (f"{where} drops NodePort traffic for it and fails the load balancer's "
                       "health check" if external else "kube-proxy does not forward the traffic")
        listing = ", ".join(str(b) for b in found.backends)
        problem = Problem(Code.SERVICE_NO_ENDPOINTS,
                          f"{service.key} has endpoints ({listing}) but none on {where}, and "
                          f"its {policy}: {consequence}",
                          f"run a {service.key} pod on {where}, or set {name}: Cluster")
        return Choice(None, (), policy, snat, problem, found.notes)
    backend = choose(pool, preference, found.backends)
    notes = list(found.notes)
    if short_circuit:
        notes.append("kube-proxy short-circuits a load balancer's IP for traffic from inside "
                     "the cluster: the packet never reaches the load balancer"
                     + ("; with externalTrafficPolicy Cluster it masquerades to the node's IP"
                        if snat else "; with Local the source is kept, and any endpoint is "
                        "used all the same"))
    elif snat:
        notes.append("externalTrafficPolicy Cluster: the node SNATs to its own IP (the pod "
                     "never sees the client IP) and may forward to a pod on another node")
    elif external:
        notes.append("externalTrafficPolicy Local: the client IP is kept, and only pods on "
                     "this node are used")
    return Choice(backend, pool, policy, snat, None, tuple(notes))


# --- words for the trace ------------------------------------------------------------------------


def kube_proxy_words(mode: str, pool: Sequence[Backend], chosen: Backend) -> str:
    """How kube-proxy picks among the endpoints, for the trace's hop."""
    if len(pool) == 1:
        return f"kube-proxy sends to the only endpoint, {chosen.label}"
    if mode == "ipvs":
        how = (f"kube-proxy (IPVS) takes the {len(pool)} endpoints in turn (round-robin, the "
               "default rr scheduler)")
    else:
        how = (f"kube-proxy (iptables) picks one of the {len(pool)} endpoints at random, each "
               "equally likely")
    return f"{how}; the trace follows {chosen.label} (--endpoint picks another)"


def reply_words(node: str, service_ip: Address, service_port: int, chosen: Backend) -> str:
    """The reply's un-DNAT: conntrack on the client's node, not a second trip through the
    Service (the guide's "return traffic bypasses the service" is misleading)."""
    return (f"conntrack on {node} rewrites the reply's source {chosen.ip}:{chosen.port} back to "
            f"{service_ip}:{service_port}, so the client sees the ClusterIP answer")
