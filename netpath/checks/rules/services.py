"""Kubernetes Services and Ingresses that point at nothing.

https://kubernetes.io/docs/concepts/services-networking/service/
"""

from __future__ import annotations

from collections.abc import Iterator

from netpath.checks.lint import Hit, rule
from netpath.checks.rules.context import LintContext, listing
from netpath.engine.coredns import lookup_name
from netpath.engine.services import REFUSED, has_selector, ports_text, stopped_fix, stopped_text
from netpath.model.kubernetes import Cluster, Ingress, IngressBackend
from netpath.model.vocabulary import Severity

_SERVICE = "https://kubernetes.io/docs/concepts/services-networking/service/"


def _selector_text(selector: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in selector.items())


@rule("SVC001", "service.selector-matches-nothing", Severity.ERROR,
      summary="A Service whose selector matches no pod of its namespace.",
      fix="Label the pods with the selector, or fix the selector.",
      source=_SERVICE + "#defining-a-service")
def selector_matches_nothing(ctx: LintContext) -> Iterator[Hit]:
    """A Service only selects pods of its own namespace whose labels hold *every* pair of its
    selector. When none matches, its EndpointSlice is empty and kube-proxy rejects every
    connection to its ClusterIP: a typo in a label, a pod in another namespace, or a selector
    copied from another app. When only pods that do not run match (a Job's pods that finished,
    in a dump), the labels are right and the finding says so. (Services without a selector take
    their endpoints from EndpointSlices and are not judged here.)

    Anti-pattern:

        kind: Service
        spec: {selector: {app: backend}}    # the pods are labelled app: api

    Best practice:

        kind: Service
        spec: {selector: {app: api}}
    """
    # netpath's stand-in CoreDNS Service is no file of the user's: nothing there to fix.
    for cluster in ctx.model.clusters.values():
        for service in cluster.services.values():
            if service.implicit or service.type == "ExternalName" or not has_selector(service):
                continue
            selector = dict(service.selector or {})
            if ctx.selected_pods(cluster, service.namespace, selector):
                continue
            text = _selector_text(selector)
            stopped = cluster.stopped_matching(service.namespace, selector)
            if stopped:  # the labels are right: the pods finished, or have not started
                yield Hit(f"Service {service.key} selects {text}, which matches no running pod "
                          f"in namespace {service.namespace}: only {stopped_text(stopped)}, "
                          f"which hold no IP and are no endpoint: {REFUSED}",
                          stopped_fix(stopped), (*service.path, "spec", "selector"))
                continue
            elsewhere = [p.key for p in ctx.pods_matching_elsewhere(cluster, service.namespace,
                                                                     selector)]
            hint = (f" (pods in other namespaces match: {listing(elsewhere)}; a Service "
                    "selects only its own namespace)" if elsewhere else "")
            yield Hit(f"Service {service.key} selects {text}, which matches no pod in namespace "
                      f"{service.namespace}{hint}: {REFUSED}",
                      f"label the pods {text} in namespace {service.namespace}, or fix the "
                      "Service's selector", (*service.path, "spec", "selector"))


@rule("SVC002", "service.target-port-not-exposed", Severity.ERROR,
      summary="A Service targetPort name that none of its selected pods declares.",
      fix="Name the container port like the targetPort, or use the port number.",
      source=_SERVICE + "#defining-a-service")
def target_port_not_exposed(ctx: LintContext) -> Iterator[Hit]:
    """A targetPort may be a container port *name*, resolved in each pod. A pod that declares
    no port of that name (and protocol) is left out of that port's endpoints; when no
    selected pod declares it, the port has no endpoint and connections to it are refused.
    Numeric targetPorts are not judged: Kubernetes does not check them against the pods'
    declared ports.

    Anti-pattern:

        kind: Service
        spec: {ports: [{port: 80, targetPort: http}]}
        # the pods: ports: [{name: web, containerPort: 8080}]

    Best practice:

        kind: Service
        spec: {ports: [{port: 80, targetPort: http}]}
        # the pods: ports: [{name: http, containerPort: 8080}]
    """
    # netpath's stand-in CoreDNS Service is no file of the user's: nothing there to fix.
    for cluster in ctx.model.clusters.values():
        for service in cluster.services.values():
            if service.implicit or service.type == "ExternalName" or not has_selector(service):
                continue
            named = [p for p in service.ports if isinstance(p.target_port, str)]
            if not named:
                continue
            pods = ctx.selected_pods(cluster, service.namespace, dict(service.selector or {}))
            if not pods:
                continue  # SVC001 says it
            for port in named:
                name = str(port.target_port)
                if any(p.port_named(name, port.protocol) is not None for p in pods):
                    continue
                declared = sorted({f"{c.name} ({c.port}/{c.protocol})" for p in pods
                                   for c in p.ports if c.name})
                one = len(pods) == 1
                who = "its only pod does not declare" if one else \
                    f"none of its {len(pods)} pods declares"
                they = "it names" if one else "they name"
                has = f"{they} {listing(declared)}" if declared else f"{they} no port"
                yield Hit(f"Service {service.key} port {port.port}/{port.protocol} targets "
                          f"container port {name!r}, which {who} ({has}): {REFUSED}",
                          f"name a {port.protocol} container port {name!r} in the pods, or set "
                          "targetPort to the port number", (*port.path, "targetPort"))


def _backends(ingress: Ingress) -> Iterator[IngressBackend]:
    if ingress.default_backend is not None:
        yield ingress.default_backend
    for entry in ingress.rules:
        for item in entry.paths:
            yield item.backend


def _backend_problem(cluster: Cluster, ingress: Ingress,
                     backend: IngressBackend) -> tuple[str, str, tuple[str, ...]] | None:
    """(fact, fix, key under the backend) when the backend's Service or port is missing."""
    service = cluster.services.get(f"{ingress.namespace}/{backend.service}")
    if service is None:
        others = sorted(s.key for s in cluster.services.values() if s.name == backend.service)
        hint = f" (there is {listing(others)}: an Ingress reaches only its own namespace)" \
            if others else ""
        return (f"Service {backend.service!r} does not exist in namespace "
                f"{ingress.namespace}{hint}",
                f"create Service {backend.service} in {ingress.namespace}, or name an existing "
                "one", ("service", "name"))
    if any(backend.port in (p.port, p.name) for p in service.ports):
        return None
    return (f"Service {service.key} has no port {backend.port!r} (ports: "
            f"{ports_text(service)})",
            "use one of the Service's ports (number or name), or add the port to the Service",
            ("service", "port"))


@rule("ING001", "ingress.missing-backend", Severity.ERROR,
      summary="An Ingress backend whose Service, or Service port, does not exist.",
      fix="Point the backend at an existing Service of the Ingress's namespace and one of its "
          "ports.",
      source="https://kubernetes.io/docs/concepts/services-networking/ingress/"
             "#the-ingress-resource")
def missing_backend(ctx: LintContext) -> Iterator[Hit]:
    """An Ingress backend names a Service of the Ingress's own namespace and one of its ports
    (number or name). When either is missing the controller has nowhere to send the
    request: ingress-nginx answers 503, the ALB controller refuses to reconcile the group.
    Reported at the backend's `service.name` or `service.port`.

    Anti-pattern:

        backend:
          service: {name: frontend, port: {number: 8080}}   # the Service exposes port 80

    Best practice:

        backend:
          service: {name: frontend, port: {number: 80}}
    """
    for cluster in ctx.model.clusters.values():
        for ingress in cluster.ingresses.values():
            for backend in _backends(ingress):
                problem = _backend_problem(cluster, ingress, backend)
                if problem is None:
                    continue
                fact, fix, key = problem
                yield Hit(f"Ingress {ingress.key} sends to {backend.service}:{backend.port}, but "
                          f"{fact}: requests to it fail (503)", fix, (*backend.path, *key))


@rule("SVC003", "service.external-name-loop", Severity.ERROR,
      summary="An ExternalName Service whose CNAME chain loops back into itself.",
      fix="Point externalName at a name that resolves, outside the loop.",
      source=_SERVICE + "#externalname")
def external_name_loop(ctx: LintContext) -> Iterator[Hit]:
    """An ExternalName Service is a CNAME. When its externalName is another ExternalName
    Service's name, CoreDNS follows it; a chain that comes back to a name already followed
    (or is more than 8 deep) never ends, and every lookup of it fails (SERVFAIL). The API
    server accepts such Services: nothing stops the loop but this rule. Reported at each
    Service on the loop.

    Anti-pattern:

        kind: Service
        metadata: {name: db}
        spec: {type: ExternalName, externalName: db.default.svc.cluster.local}

    Best practice:

        kind: Service
        metadata: {name: db}
        spec: {type: ExternalName, externalName: db.prod.example.com}
    """
    for cluster in ctx.model.clusters.values():
        for service in cluster.services.values():
            if service.type != "ExternalName" or not service.external_name:
                continue
            own = f"{service.name}.{service.namespace}.svc.{cluster.dns_domain}"
            lookup = lookup_name(cluster, own)
            if lookup.outcome == "SERVFAIL":
                yield Hit(f"{lookup.detail}: a lookup of Service {service.key} never ends",
                          f"point {service.key}'s externalName at a name that resolves, "
                          "outside the loop", (*service.path, "spec", "externalName"))
