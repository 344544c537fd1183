"""An in-cluster Ingress controller (ingress-nginx) opens its own connection to a backend pod.

ingress-nginx sends to the Service's endpoints directly (it reads EndpointSlices; the
ClusterIP and kube-proxy are not on the path unless `service-upstream` is set, nor is the
Service's internalTrafficPolicy: kubernetes/ingress-nginx#9050), so the backend sees the
controller pod's IP and the client IP travels in X-Forwarded-For. Which Ingress rule
serves a request is `netpath.engine.ingress_nginx.match`.
"""

from __future__ import annotations

from netpath.engine import service_choice, services
from netpath.engine.hops import Choice, ChoiceRule, Packet, RuleRef
from netpath.engine.ingress_nginx import match, service_port
from netpath.engine.ports import EPHEMERAL, pick_port
from netpath.engine.walk.position import At, ControllerConnection, Next, PodAt, Walk, Where
from netpath.model.vocabulary import Action, Code, Component


def ingress_controller(w: Walk, at: At[ControllerConnection]) -> Next:
    """The controller's side: pick the backend per the Ingress rules and connect to a pod."""
    cluster = w.model.clusters[at.subject.cluster]
    controller = cluster.pods[at.subject.controller]
    request = at.subject.request
    client = at.packet
    route = match(cluster, request)
    if route is None:
        return w.block(Code.NO_TARGETS, Component.INGRESS, controller.key,
                       f"no Ingress served by {controller.key} matches host {request.host}, "
                       f"path {request.path}: ingress-nginx answers 404",
                       "add a rule for that host and path, or a defaultBackend", client)
    service = cluster.services.get(f"{route.ingress.namespace}/{route.backend.service}")
    if service is None:
        return w.block(Code.SERVICE_NO_ENDPOINTS, Component.INGRESS, route.ingress.key,
                       f"{route.ingress.key} sends to Service {route.backend.service}, which "
                       "does not exist: ingress-nginx answers 503", f"create the Service "
                       f"{route.backend.service} in {route.ingress.namespace}", client)
    port = service_port(service, route.backend.port)
    found = services.backends_for(cluster, service, "tcp", port)
    if found.problem is not None:
        problem = found.problem
        return w.block(problem.code, Component.INGRESS, route.ingress.key,
                       problem.reason, problem.fix, client)
    # Traffic policies are kube-proxy's: ingress-nginx balances over every ready endpoint (its
    # default load-balance is round_robin), whatever the Service's internalTrafficPolicy.
    backend = service_choice.choose(found.backends, w.ctx.endpoint_preference)
    others = tuple(b.label for b in found.backends if b != backend)
    note = (f"{service.key}'s internalTrafficPolicy: Local is kube-proxy's: ingress-nginx reads "
            "the endpoints itself and uses them all" if service.internal_traffic_policy ==
            "Local" else None)
    source_port = pick_port(EPHEMERAL["linux"].ports, controller.key, client) \
        if client.src_port is not None else None
    packet = Packet("tcp", controller.ip, source_port, backend.ip, backend.port)
    w.hop(Component.INGRESS, route.ingress.key, Action.FORWARD,
          f"{route.why} -> Service {service.key}: ingress-nginx opens a new connection from "
          f"{controller.key} straight to the endpoint {backend} (no ClusterIP, no kube-proxy); "
          "the backend sees the controller's IP, the client's travels in X-Forwarded-For",
          packet, rule=RuleRef(route.why, route.backend.path), before=client,
          choice=Choice(backend.label, others, ChoiceRule.ROUND_ROBIN) if others else None,
          note=note)
    return at.to(Where.POD_SENDS, PodAt(cluster.name, controller.key), packet)
