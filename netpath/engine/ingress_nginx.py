"""An in-cluster Ingress controller (ingress-nginx): a pod that terminates the client's
connection and opens a new one to a backend pod.

ingress-nginx sends to the Service's endpoints directly (it reads EndpointSlices; the
ClusterIP and kube-proxy are not on the path unless `service-upstream` is set), so the backend
sees the controller pod's IP and the client IP travels in X-Forwarded-For. Its rules are the
Ingress's: host (exact or `*.` wildcard), then path by pathType: Exact, or Prefix matched by
path element (`/api` matches `/api` and `/api/v1`, not `/apiv1`)
(https://kubernetes.io/docs/concepts/services-networking/ingress/#examples).
"""

from __future__ import annotations

from netpath.engine import services
from netpath.engine.listener_rules import HttpRequest
from netpath.engine.ports import EPHEMERAL, pick_port
from netpath.engine.trace import Packet, RuleRef
from netpath.engine.walk import Context, Walker
from netpath.model.kubernetes import Cluster, Ingress, IngressBackend, Pod, Service
from netpath.model.record import record

NGINX_CONTROLLERS = ("k8s.io/ingress-nginx",)
NGINX_CLASSES = ("nginx",)
# The labels the ingress-nginx Helm chart and manifests put on the controller pods.
CONTROLLER_LABELS = (("app.kubernetes.io/name", "ingress-nginx"),)


def is_controller(pod: Pod) -> bool:
    return any(pod.labels.get(k) == v for k, v in CONTROLLER_LABELS)


def _served(cluster: Cluster) -> list[Ingress]:
    return sorted((i for i in cluster.ingresses.values()
                   if i.controller in NGINX_CONTROLLERS or i.ingress_class in NGINX_CLASSES),
                  key=lambda i: i.key)


@record
class Route:
    ingress: Ingress
    backend: IngressBackend
    why: str


def match(cluster: Cluster, request: HttpRequest) -> Route | None:
    """The Ingress path that serves the request: the longest matching path of a rule whose host
    matches; Exact beats Prefix at equal length; then the default backend."""
    best: tuple[int, int, Route] | None = None
    for ingress in _served(cluster):
        for rule in ingress.rules:
            if not _host_matches(rule.host, request.host_key):
                continue
            for entry in rule.paths:
                if not _path_matches(entry.path, entry.path_type, request.path):
                    continue
                rank = (len(entry.path), 1 if entry.path_type == "Exact" else 0)
                why = (f"{ingress.key}: host {rule.host or '*'}, path {entry.path} "
                       f"({entry.path_type})")
                if best is None or rank > best[:2]:
                    best = (*rank, Route(ingress, entry.backend, why))
    if best is not None:
        return best[2]
    for ingress in _served(cluster):
        if ingress.default_backend is not None:
            return Route(ingress, ingress.default_backend, f"{ingress.key}: default backend")
    return None


def _host_matches(host: str | None, asked: str | None) -> bool:
    if host is None:
        return True
    if asked is None:
        return False
    if host.startswith("*."):
        # A wildcard covers exactly one DNS label (Kubernetes Ingress host rules).
        suffix = host[1:]
        return asked.endswith(suffix) and "." not in asked[: -len(suffix)]
    return host == asked


def _path_matches(path: str, path_type: str, asked: str) -> bool:
    if path_type == "Exact":
        return asked == path
    prefix = path.rstrip("/")
    if not prefix:
        return True
    return asked == prefix or asked.startswith(prefix + "/")


def open_backend_connection(ctx: Context, cluster: Cluster, controller: Pod, client: Packet,
                            connection: int, request: HttpRequest) -> Walker:
    """The controller's side: pick the backend per the Ingress rules and connect to a pod."""
    from netpath.engine.pods import send_from_pod

    w = Walker(ctx, connection=connection, reply=False, ephemeral=EPHEMERAL["linux"])
    route = match(cluster, request)
    if route is None:
        w.block("NO_TARGETS", "ingress", controller.key,
                f"no Ingress served by {controller.key} matches host {request.host}, path "
                f"{request.path}: ingress-nginx answers 404",
                "add a rule for that host and path, or a defaultBackend", client)
        return w
    service = cluster.services.get(f"{route.ingress.namespace}/{route.backend.service}")
    if service is None:
        w.block("SERVICE_NO_ENDPOINTS", "ingress", route.ingress.key,
                f"{route.ingress.key} sends to Service {route.backend.service}, which does "
                "not exist: ingress-nginx answers 503", f"create the Service "
                f"{route.backend.service} in {route.ingress.namespace}", client)
        return w
    port = _service_port(service, route.backend.port)
    found = services.backends_for(cluster, service, "tcp", port)
    choice = services.choose_backend(found, controller.node, ctx.endpoint_preference,
                                     cluster=cluster)
    if choice.backend is None:
        problem = choice.problem or found.problem
        assert problem is not None
        w.block(problem.code, "ingress", route.ingress.key, problem.reason, problem.fix, client)
        return w
    backend = choice.backend
    source_port = pick_port(EPHEMERAL["linux"].ports, controller.key, client) \
        if client.src_port is not None else None
    packet = Packet("tcp", controller.ip, source_port, backend.ip, backend.port)
    w.hop("ingress", route.ingress.key, "forward",
          f"{route.why} -> Service {service.key}: ingress-nginx opens a new connection from "
          f"{controller.key} straight to the endpoint {backend} (no ClusterIP, no kube-proxy); "
          "the backend sees the controller's IP, the client's travels in X-Forwarded-For",
          packet, rule=RuleRef(route.why, route.backend.path))
    send_from_pod(w, cluster, controller, packet)
    return w


def _service_port(service: Service, port: int | str) -> int | None:
    if isinstance(port, int):
        return port
    for entry in service.ports:
        if entry.name == port:
            return entry.port
    return None
