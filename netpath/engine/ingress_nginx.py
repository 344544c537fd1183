"""An in-cluster Ingress controller (ingress-nginx): a pod that terminates the client's
connection and opens a new one to a backend pod (`netpath.engine.walk.ingress_controller`).

ingress-nginx sends to the Service's endpoints directly (it reads EndpointSlices; the
ClusterIP and kube-proxy are not on the path unless `service-upstream` is set), so the backend
sees the controller pod's IP and the client IP travels in X-Forwarded-For. Its rules are the
Ingress's: host (exact or `*.` wildcard), then path by pathType: Exact, or Prefix matched by
path element (`/api` matches `/api` and `/api/v1`, not `/apiv1`)
(https://kubernetes.io/docs/concepts/services-networking/ingress/#examples).
"""

from __future__ import annotations

from netpath.engine.listener_rules import HttpRequest
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


def service_port(service: Service, port: int | str) -> int | None:
    if isinstance(port, int):
        return port
    for entry in service.ports:
        if entry.name == port:
            return entry.port
    return None
