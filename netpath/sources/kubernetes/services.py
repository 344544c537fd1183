"""Services and Ingresses, finished: ClusterIPs, NodePorts, explicit endpoints, controllers.

- ClusterIPs left out come from the service CIDR in order of namespace/name, skipping its
  network address, its first address (the `kubernetes` Service), the cluster DNS IP and every
  ClusterIP written; NodePorts left out (type NodePort or LoadBalancer) from 30000-32767 the
  same way.
- A Service without selector takes its endpoints from the EndpointSlices labelled with its
  name (what kube-proxy reads), else from its Endpoints object. A Service with a selector
  ignores written endpoints: the endpoint controllers would overwrite them.
- An Ingress's class is spec.ingressClassName, else the deprecated annotation, else the one
  IngressClass marked default; its controller is the IngressClass's, and class `alb` without
  an IngressClass object is the AWS Load Balancer Controller's (as EKS sets it up).
"""

from __future__ import annotations

from dataclasses import replace

from netpath.model.addr import Address
from netpath.model.kubernetes import Ingress, Service, ServiceEndpoint, ServicePort
from netpath.sources.building import Ctx
from netpath.sources.kubernetes.drafts import EndpointsDraft, Objects
from netpath.sources.kubernetes.fields import natural
from netpath.sources.kubernetes.settings import Settings

NODE_PORTS = range(30000, 32768)
ALB_CLASS, ALB_CONTROLLER = "alb", "ingress.k8s.aws/alb"


def finish_services(ctx: Ctx, st: Settings, objects: Objects) -> dict[str, Service]:
    drafts = objects.services
    cidr = st.service_cidr
    used_ips = {int(d.service.cluster_ip) for d in drafts if d.service.cluster_ip is not None}
    used_ips.add(int(st.dns_ip))
    used_ports = {p.node_port for d in drafts for p in d.service.ports if p.node_port}
    next_ip, high_ip = int(cidr.network_address) + 2, int(cidr.broadcast_address) - 1
    next_port = NODE_PORTS.start
    slices = _by_service(objects.slices, "EndpointSlice")
    endpoints = _by_service(objects.endpoints, "Endpoints")
    # What the controllers computed from a selector (a dump has it for every such Service).
    computed = {(d.meta.namespace, d.service) for d in (*objects.slices, *objects.endpoints)
                if d.computed}
    finished: dict[str, Service] = {}
    ips = ports = 0
    for draft in sorted(drafts, key=lambda d: (d.service.namespace, natural(d.service.name))):
        service, assigned = draft.service, []
        cluster_ip = service.cluster_ip
        if draft.assign_ip:
            while next_ip in used_ips:
                next_ip += 1
            if next_ip > high_ip:
                ctx.error(service.path, f"service CIDR {cidr} has no free ClusterIP left for "
                          f"Service {service.key}")
            else:
                cluster_ip, next_ip = Address(next_ip), next_ip + 1
                assigned.append("cluster_ip")
                ips += 1
        service_ports: list[ServicePort] = []
        for port in service.ports:
            if port.node_port is None and draft.node_ports:
                while next_port in used_ports:
                    next_port += 1
                if next_port not in NODE_PORTS:
                    ctx.error(port.path, f"no free NodePort left in 30000-32767 for Service "
                              f"{service.key}")
                else:
                    port = replace(port, node_port=next_port)
                    used_ports.add(next_port)
                    if "node_port" not in assigned:
                        assigned.append("node_port")
                    ports += 1
            service_ports.append(port)
        key = (service.namespace, service.name)
        written = slices.pop(key, None) or endpoints.pop(key, None)
        endpoints.pop(key, None)
        if written and service.selector is not None and key not in computed:
            ctx.notes.append(f"Service {service.key} has a selector: the endpoints written "
                             "for it are ignored (Kubernetes computes them from the selector)")
        finished[service.key] = replace(
            service, cluster_ip=cluster_ip, ports=tuple(service_ports),
            endpoints=written if written and service.selector is None else (),
            assigned=(*service.assigned, *assigned))
    for namespace, name in [*slices, *endpoints]:
        ctx.notes.append(f"endpoints written for Service {namespace}/{name}, which does not "
                         "exist")
    chosen = [f"{n} {what}{'s' if n > 1 else ''} from {pool}" for n, what, pool in (
        (ips, "ClusterIP", cidr), (ports, "NodePort", "30000-32767")) if n]
    if chosen:
        ctx.notes.append(f"cluster {st.name}: assigned {' and '.join(chosen)} (left out of the "
                         "manifests)")
    # In the order the manifests declare them, as `kubectl get` would list them by name.
    return {d.service.key: finished[d.service.key] for d in drafts}


def _by_service(drafts: list[EndpointsDraft], kind: str
                ) -> dict[tuple[str, str], tuple[ServiceEndpoint, ...]]:
    out: dict[tuple[str, str], tuple[ServiceEndpoint, ...]] = {}
    for draft in sorted(drafts, key=lambda d: d.meta.name):
        key = (draft.meta.namespace, draft.service)
        out[key] = out.get(key, ()) + draft.endpoints
    return out


def finish_ingresses(ctx: Ctx, st: Settings, objects: Objects) -> dict[str, Ingress]:
    classes = objects.ingress_classes
    defaults = sorted(name for name, (_, default) in classes.items() if default)
    out: dict[str, Ingress] = {}
    for ingress, _meta in objects.ingresses:
        name = ingress.ingress_class
        if name is None and len(defaults) == 1:
            name = defaults[0]
            ctx.notes.append(f"Ingress {ingress.key} names no class: it takes the default "
                             f"IngressClass {name}")
        elif name is None and defaults:
            ctx.notes.append(f"Ingress {ingress.key} names no class and several IngressClasses "
                             f"are marked default ({', '.join(defaults)}): no controller serves "
                             "it")
        controller = None
        if name in classes:
            controller = classes[name][0]
        elif name == ALB_CLASS:
            controller = ALB_CONTROLLER
        elif name is not None:
            ctx.notes.append(f"Ingress {ingress.key}: IngressClass {name!r} is not among the "
                             "manifests, so its controller is unknown")
        out[ingress.key] = replace(ingress, ingress_class=name, controller=controller)
    return out
