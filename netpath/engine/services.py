"""Kubernetes Services: which endpoints a Service sends to, and which one kube-proxy picks.

Pure functions over the model. The endpoints are what the EndpointSlice controller would
publish: for a Service with a selector, the READY pods of the Service's own namespace whose
labels match, each at the targetPort (a number, or a container port *name* resolved per pod:
a pod without that name is left out for that port); for a Service without selector, the
endpoints its EndpointSlice/Endpoints objects list. kube-proxy then DNATs each connection to
one of them: at random in iptables mode, round-robin in IPVS mode.
https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/
https://kubernetes.io/docs/reference/networking/virtual-ips/
"""

from __future__ import annotations

from netpath.engine.errors import QueryError
from netpath.model.addr import Address
from netpath.model.kubernetes import (
    Cluster,
    Pod,
    Service,
    ServiceEndpoint,
    ServicePort,
    StoppedPod,
)
from netpath.model.paths import SpecPath
from netpath.model.record import record
from netpath.model.vocabulary import Code

REFUSED = "kube-proxy rejects connections to it (the client sees 'connection refused')"


@record
class Backend:
    """One endpoint of one Service port: where kube-proxy may send the connection."""

    ip: Address
    port: int
    node: str | None  # None: an explicit endpoint whose node nobody wrote
    pod: str | None  # "namespace/name"; None: an explicit endpoint no pod of the spec has
    path: SpecPath  # the pod, or the endpoint entry

    @property
    def label(self) -> str:
        return self.pod if self.pod is not None else str(self.ip)

    def __str__(self) -> str:
        where = f" on {self.node}" if self.node else ""
        name = f"{self.pod} " if self.pod else ""
        return f"{name}{self.ip}:{self.port}{where}"


# What the client of a refused connection sees behind a load balancer of each type (the
# balancer's own connection to the node is the one refused).
BEHIND = {
    "application": "(the ALB's connection is refused: it answers the client 502 Bad Gateway)",
    "network": "(the NLB passes the refusal on: the client's connection is reset)",
    "classic": "(the CLB's connection is refused: the client gets an error or a closed "
               "connection)",
}


@record
class Problem:
    code: Code  # SERVICE_NO_ENDPOINTS | TARGET_PORT_NOT_EXPOSED | NO_LISTENER
    cause: str  # what is wrong with the Service
    fix: str
    rule: str | None = None  # the part of the Service at fault, e.g. "selector app=orders"
    path: SpecPath | None = None  # where that part is written
    refused: bool = False  # kube-proxy rejects the connection (rather than dropping it)

    @property
    def reason(self) -> str:
        """The cause, and for a refused connection what its client sees."""
        return self.seen_behind(None)

    def seen_behind(self, balancer: str | None) -> str:
        """The reason as it reaches the client: directly, or behind a load balancer of type
        `balancer` (application, network, classic), whose connection is the one refused."""
        if not self.refused:
            return self.cause
        if balancer is None:
            return f"{self.cause}: {REFUSED}"
        return f"{self.cause}: kube-proxy rejects connections to it {BEHIND[balancer]}"


@record
class Backends:
    service: Service
    service_port: ServicePort | None  # None: the Service has no such port (see problem)
    backends: tuple[Backend, ...]  # stable order: pods by key, then bare endpoints by IP
    excluded: tuple[tuple[str, str], ...]  # (pod key or IP, why it is no backend)
    problem: Problem | None
    notes: tuple[str, ...] = ()


@record
class ServiceHit:
    service: Service
    port: ServicePort | None  # None: the address is the Service's, the port is not


# --- finding Services ------------------------------------------------------------------------


def find_port(service: Service, port: int | None, protocol: str = "tcp", *,
              node_port: bool = False) -> ServicePort | None:
    for candidate in service.ports:
        number = candidate.node_port if node_port else candidate.port
        if number == port and candidate.protocol == protocol:
            return candidate
    return None


def service_at(cluster: Cluster, ip: Address, port: int | None,
               protocol: str = "tcp") -> ServiceHit | None:
    """The Service whose ClusterIP is `ip` (a client sending to ClusterIP:port)."""
    for service in cluster.services.values():
        if service.cluster_ip == ip:
            return ServiceHit(service, find_port(service, port, protocol))
    return None


def service_by_node_port(cluster: Cluster, node_port: int,
                         protocol: str = "tcp") -> ServiceHit | None:
    """The Service that opened `node_port` on every node (NodePort and LoadBalancer types)."""
    for service in cluster.services.values():
        port = find_port(service, node_port, protocol, node_port=True)
        if port is not None:
            return ServiceHit(service, port)
    return None


def find_service(cluster: Cluster, text: str, namespace: str = "default") -> Service | None:
    """`ns/name`, `name.ns.svc.<domain>`, `name.ns.svc`, `name.ns`, or `name` (in
    `namespace`, else unique across namespaces). None when nothing matches."""
    if "/" in text:
        return cluster.services.get(text)
    name = text.lower().rstrip(".")
    for suffix in (f".svc.{cluster.dns_domain}", ".svc"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    parts = name.split(".")
    if len(parts) == 2:
        return cluster.services.get(f"{parts[1]}/{parts[0]}")
    if len(parts) != 1:
        return None
    if f"{namespace}/{name}" in cluster.services:
        return cluster.services[f"{namespace}/{name}"]
    found = [s for s in cluster.services.values() if s.name == name]
    if len(found) > 1:
        keys = ", ".join(sorted(s.key for s in found))
        raise QueryError(f"{text!r} names several Services ({keys})",
                         "write NAMESPACE/NAME to say which")
    return found[0] if found else None


def ports_text(service: Service) -> str:
    """`80/tcp -> http, 443/tcp -> 8443`: a Service's ports as messages list them."""
    return ", ".join(f"{p.port}/{p.protocol} -> {p.target_port}" for p in service.ports) or \
        "none"


# --- endpoints ---------------------------------------------------------------------------------


def has_selector(service: Service) -> bool:
    # The API: "If empty or not present, the service is assumed to have an external process
    # managing its endpoints" -- `selector: {}` selects nothing, unlike a NetworkPolicy's {}.
    return bool(service.selector)


def selected_pods(cluster: Cluster, service: Service) -> list[Pod]:
    """Pods of the Service's namespace whose labels match its selector, ready or not."""
    selector = service.selector or {}
    if not selector:
        return []
    return sorted((p for p in cluster.pods.values() if p.namespace == service.namespace
                   and all(p.labels.get(k) == v for k, v in selector.items())),
                  key=lambda p: p.key)


def ready_addresses(cluster: Cluster, service: Service) -> tuple[tuple[Address, str | None], ...]:
    """(address, pod key) of every ready endpoint, whatever the ports: what a headless
    Service's DNS name answers."""
    if has_selector(service):
        return tuple((p.ip, p.key) for p in selected_pods(cluster, service) if p.ready)
    pods_by_ip = _pods_by_ip(cluster)
    return tuple((e.ip, pods_by_ip[e.ip].key if e.ip in pods_by_ip else None)
                 for e in sorted(service.endpoints, key=lambda e: e.ip) if e.ready)


def backends_for(cluster: Cluster, service: Service, protocol: str, port: int | None, *,
                 node_port: bool = False) -> Backends:
    """The endpoints of the Service port a packet to ClusterIP:`port` (or to NodePort
    `port` when `node_port`) uses, with the problem when there are none."""
    if service.type == "ExternalName":
        return Backends(service, None, (), (), Problem(
            Code.SERVICE_NO_ENDPOINTS,
            f"{service.key} is an ExternalName Service: only a DNS CNAME to "
            f"{service.external_name}, with no ClusterIP, no ports and no proxying",
            f"connect to its DNS name, which resolves to {service.external_name}"))
    sport = find_port(service, port, protocol, node_port=node_port)
    if sport is None:
        kind = "nodePort" if node_port else "port"
        return Backends(service, None, (), (), Problem(
            Code.NO_LISTENER,
            f"{service.key} has no {protocol} {kind} {port} (ports: {ports_text(service)})",
            f"use one of its ports, or add {port}/{protocol} to the Service",
            f"ports {ports_text(service)}", (*service.path, "spec", "ports")))
    if has_selector(service):
        return _from_selector(cluster, service, sport)
    return _from_endpoints(cluster, service, sport)


def _from_selector(cluster: Cluster, service: Service, sport: ServicePort) -> Backends:
    selector = ", ".join(f"{k}={v}" for k, v in (service.selector or {}).items())
    matching = selected_pods(cluster, service)
    backends: list[Backend] = []
    excluded: list[tuple[str, str]] = []
    notes: list[str] = []
    lacks_name = 0
    for pod in matching:
        if not pod.ready:
            excluded.append((pod.key, "not ready"))
            continue
        number = _target_port(pod, sport, notes)
        if number is None:
            lacks_name += 1
            excluded.append((pod.key, f"declares no {sport.protocol} container port named "
                                      f"{sport.target_port!r}"))
            continue
        backends.append(Backend(pod.ip, number, pod.node, pod.key, pod.path))
    problem = None
    stopped = cluster.stopped_matching(service.namespace, service.selector or {})
    if not matching and stopped:
        # The labels are right: the pods ran and finished (a Job's), or have not started.
        problem = Problem(Code.SERVICE_NO_ENDPOINTS,
                          f"the selector {selector} of {service.key} matches no running pod in "
                          f"namespace {service.namespace!r}: only {stopped_text(stopped)}, "
                          "which hold no IP and are no endpoint",
                          stopped_fix(stopped), f"selector {selector}",
                          (*service.path, "spec", "selector"), refused=True)
    elif not matching:
        elsewhere = [p.key for p in cluster.pods.values() if p.namespace != service.namespace
                     and all(p.labels.get(k) == v for k, v in (service.selector or {}).items())]
        hint = (f"; pods in other namespaces match ({', '.join(sorted(elsewhere)[:3])}) but a "
                "Service only selects pods of its own namespace") if elsewhere else ""
        problem = Problem(Code.SERVICE_NO_ENDPOINTS,
                          f"the selector {selector} of {service.key} matches no pod in namespace "
                          f"{service.namespace!r}{hint}",
                          f"label the pods {selector} in {service.namespace!r}, or fix the "
                          "Service's selector", f"selector {selector}",
                          (*service.path, "spec", "selector"), refused=True)
    elif not backends and lacks_name:
        problem = Problem(Code.TARGET_PORT_NOT_EXPOSED,
                          f"{len(matching)} pod(s) match {service.key}, but no ready one declares "
                          f"a {sport.protocol} container port named {sport.target_port!r} (the "
                          f"targetPort of port {sport.port}), so the EndpointSlice lists no "
                          f"endpoint for it",
                          f"name a container port {sport.target_port!r} in the pods, or set "
                          "targetPort to the port number", refused=True)
    elif not backends:
        problem = Problem(Code.SERVICE_NO_ENDPOINTS,
                          f"{len(matching)} pod(s) match {service.key} but none is ready "
                          f"({', '.join(p.key for p in matching[:3])})",
                          "fix the pods' readiness (a failing readiness probe keeps them out of "
                          "the endpoints)", refused=True)
    return Backends(service, sport, tuple(backends), tuple(excluded), problem, tuple(notes))


def stopped_text(stopped: list[StoppedPod]) -> str:
    """'2 pods that do not run match (a (Succeeded), b (Succeeded))', the first three named."""
    shown = ", ".join(str(p) for p in stopped[:3]) + (
        f" and {len(stopped) - 3} more" if len(stopped) > 3 else "")
    one = len(stopped) == 1
    return (f"{len(stopped)} pod{'' if one else 's'} that do{'es' if one else ''} not run "
            f"match{'es' if one else ''} ({shown})")


def stopped_fix(stopped: list[StoppedPod]) -> str:
    """The fix when only pods that do not run match: not the labels."""
    if all(p.phase in ("Succeeded", "Failed") for p in stopped):
        return ("nothing to relabel: the pods finished (a Job's run?); start the pods the "
                "Service should send to, or delete the Service if they are gone for good")
    return "find why the pods are not running (kubectl describe pod); their labels are right"


def _target_port(pod: Pod, sport: ServicePort, notes: list[str]) -> int | None:
    target = sport.target_port
    if isinstance(target, str):
        return pod.port_named(target, sport.protocol)
    declared = [p for p in pod.ports if p.protocol == sport.protocol]
    if declared and all(p.port != target for p in declared):
        # containerPort is informational: Kubernetes does not check a numeric targetPort.
        notes.append(f"{pod.key} declares no container port {target}: Kubernetes does not "
                     f"check numeric targetPorts; the connection is refused only if nothing "
                     f"listens on {target} in the pod (netpath cannot tell)")
    return target


def _from_endpoints(cluster: Cluster, service: Service, sport: ServicePort) -> Backends:
    pods_by_ip = _pods_by_ip(cluster)
    backends: list[Backend] = []
    excluded: list[tuple[str, str]] = []
    notes: list[str] = []
    if service.selector is not None and not service.selector:
        notes.append(f"{service.key} has `selector: {{}}`, which the API treats as no selector: "
                     "its endpoints come from EndpointSlices, not from pods")
    for endpoint in sorted(service.endpoints, key=lambda e: e.ip):
        if not endpoint.ready:
            excluded.append((str(endpoint.ip), "not ready"))
            continue
        number = _endpoint_port(endpoint, sport, notes)
        if number is None:
            excluded.append((str(endpoint.ip), f"its EndpointSlice lists no {sport.protocol} "
                                               f"port named {sport.name or ''!r}"))
            continue
        pod = pods_by_ip.get(endpoint.ip)
        node = endpoint.node or (pod.node if pod else None)
        backends.append(Backend(endpoint.ip, number, node, pod.key if pod else None,
                                endpoint.path))
    problem = None
    if not service.endpoints:
        problem = Problem(Code.SERVICE_NO_ENDPOINTS,
                          f"{service.key} has no selector and the spec gives it no endpoints "
                          f"(EndpointSlice or Endpoints)",
                          f"add an EndpointSlice for {service.key} (label kubernetes.io/"
                          "service-name) or an Endpoints object of the same name, or give the "
                          "Service a selector", refused=True)
    elif not backends and any("port" in why for _, why in excluded):
        problem = Problem(Code.TARGET_PORT_NOT_EXPOSED,
                          f"no endpoint of {service.key} lists a {sport.protocol} port named "
                          f"{sport.name or ''!r} (the name of Service port {sport.port})",
                          "name the EndpointSlice's port like the Service's port", refused=True)
    elif not backends:
        problem = Problem(Code.SERVICE_NO_ENDPOINTS,
                          f"no endpoint of {service.key} is ready",
                          "mark the endpoints ready, or fix what they point to", refused=True)
    return Backends(service, sport, tuple(sorted(backends, key=_backend_order)), tuple(excluded),
                    problem, tuple(notes))


def _endpoint_port(endpoint: ServiceEndpoint, sport: ServicePort, notes: list[str]) -> int | None:
    if not endpoint.ports:
        # Leniency: an endpoint written without ports carries the Service's targetPort.
        if isinstance(sport.target_port, int):
            notes.append(f"endpoint {endpoint.ip} lists no ports: netpath assumes the targetPort "
                         f"{sport.target_port}")
            return sport.target_port
        return None
    for port in endpoint.ports:
        # kube-proxy pairs EndpointSlice ports with Service ports by name ("" when unnamed).
        if (port.name or "") == (sport.name or "") and port.protocol == sport.protocol:
            return port.port
    return None


def _backend_order(backend: Backend) -> tuple[int, str, int]:
    return (0, backend.pod, 0) if backend.pod is not None else (1, "", int(backend.ip))


def _pods_by_ip(cluster: Cluster) -> dict[Address, Pod]:
    return {p.ip: p for p in cluster.pods.values() if not p.host_network}
