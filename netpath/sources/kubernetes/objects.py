"""Manifest objects to drafts: one small parser per kind (workloads, Services, endpoints, nodes).

`collect` reads every object of a cluster's documents: it checks `apiVersion`, `kind` and
`metadata`, reports duplicates (naming both places), records kinds netpath does not model as
ignored, and hands each object to its kind's parser. Parsers turn what can be built at once
into model objects and the rest (pods before placement, Services before their ClusterIP) into
drafts that `clusters` finishes. NetworkPolicy, Ingress and friends live in `policies`.

What only some input holds is read by modules imported when an object needs them, so that the
hand-written manifests of most specs never load them (every start of the CLI pays for what it
imports): `status` for a dump's `status` and `ownerReferences` and for Endpoints and
EndpointSlices, `batch` for Jobs and CronJobs, `helm` for an object with a Helm hook
annotation, `duplicates` when two objects have the same kind and name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netpath.model.kubernetes import (
    NAMESPACE_NAME_LABEL,
    ContainerPort,
    EndpointPort,
    Namespace,
    Service,
    ServiceEndpoint,
    ServicePort,
)
from netpath.model.paths import SpecPath
from netpath.sources.building import Ctx, parse_ip
from netpath.sources.kubernetes.apiserver import (
    check_metadata,
    container_port_names,
    container_rules,
    pod_spec_rules,
    service_rules,
    workload_selector_rules,
)
from netpath.sources.kubernetes.drafts import (
    EndpointsDraft,
    Meta,
    NodeDraft,
    Objects,
    Parser,
    PodTemplate,
    ServiceDraft,
    Workload,
)
from netpath.sources.kubernetes.fields import Reader, selector, show
from netpath.sources.kubernetes.manifests import ManifestDoc, objects
from netpath.sources.kubernetes.policies import POLICY_PARSERS
from netpath.sources.kubernetes.scheduling import node_affinity
from netpath.sources.kubernetes.source_ranges import source_ranges

if TYPE_CHECKING:
    from netpath.sources.kubernetes.status import PodStatus

SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
TRAFFIC_POLICIES = ("Cluster", "Local")
WORKLOAD_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet")
BATCH_KINDS = ("Job", "CronJob")  # read by `batch`
HELM_HOOK = "helm.sh/hook"  # the annotation `helm` reads (its HOOK_ANNOTATION)
SERVICE_NAME_LABEL = "kubernetes.io/service-name"  # ties an EndpointSlice to its Service
_SERVICE_PORT_KEYS = ("name", "protocol", "port", "targetPort", "nodePort", "appProtocol")
# Kinds without a namespace, so that the list of ignored objects does not invent one for them;
# any other kind is listed in its namespace (default when left out).
_CLUSTER_SCOPED = frozenset({
    "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume",
    "StorageClass", "PriorityClass", "RuntimeClass", "APIService", "CSIDriver", "CSINode",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "ClusterIssuer",
    "VolumeSnapshotClass", "IngressClass", "Namespace", "Node", "GatewayClass",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "ENIConfig",
})



def collect(ctx: Ctx, docs: list[ManifestDoc], namespace: str = "default") -> Objects:
    """Every object of `docs`; `namespace` is where an object without one goes (`-n`)."""
    parsers: dict[str, tuple[tuple[str, ...], bool, Parser]] = {**_PARSERS, **POLICY_PARSERS}
    out = Objects()
    found = [(doc, data, inner) for doc in docs for data, inner in objects(doc)]
    last: set[int] | range = range(len(found))
    if _may_repeat([data for _, data, _ in found]):
        from netpath.sources.kubernetes.duplicates import last_definitions

        last = last_definitions(ctx, [(data, doc, inner) for doc, data, inner in found],
                                parsers, namespace)
    for index, (doc, data, inner) in enumerate(found):
        path = (*doc.path, *inner)
        if not isinstance(data, dict):
            ctx.error(path, "expected a Kubernetes object (a mapping with apiVersion, kind "
                      f"and metadata), got {show(data)}")
            continue
        if index in last:
            _collect_one(ctx, Reader(ctx, data, path), doc, inner, parsers, out, namespace)
    return out


def _may_repeat(found: list[Any]) -> bool:
    """Whether two of the objects may be one (the same kind and name; `duplicates` tells):
    never, in most files."""
    seen: set[tuple[str, str]] = set()
    for data in found:
        meta = data.get("metadata") if isinstance(data, dict) else None
        if not isinstance(meta, dict):
            continue
        kind, name = data.get("kind"), meta.get("name")
        if not isinstance(kind, str) or not isinstance(name, str):
            continue
        if (kind, name) in seen:
            return True
        seen.add((kind, name))
    return False


def _helm_test_hook(metadata: dict[Any, Any]) -> str | None:
    """`helm.helm_test_hook`, read only for an object with a Helm hook annotation."""
    annotations = metadata.get("annotations")
    if not isinstance(annotations, dict) or HELM_HOOK not in annotations:
        return None
    from netpath.sources.kubernetes.helm import helm_test_hook

    return helm_test_hook(metadata)


def _collect_one(ctx: Ctx, r: Reader, doc: ManifestDoc, inner: SpecPath,
                 parsers: dict[str, tuple[tuple[str, ...], bool, Parser]], out: Objects,
                 default_namespace: str) -> None:
    kind = r.string("kind", required=True)
    api_version = r.string("apiVersion", required=True)
    if kind is None or api_version is None:
        return
    group = api_version.rpartition("/")[0] if "/" in api_version else ""
    known = parsers.get(kind)
    meta_r = r.sub("metadata")
    modelled = known is not None and group in known[0]
    scoped = kind in _CLUSTER_SCOPED or (modelled and known is not None and not known[1])
    hook = _helm_test_hook(meta_r.data)
    if hook is not None or known is None or not modelled:
        # Not modelled, or a Helm test hook: listed, never an error (the name is for the list).
        name = meta_r.data.get("name") or meta_r.data.get("generateName") or "(unnamed)"
        namespace = meta_r.data.get("namespace") or default_namespace
        meta = Meta(kind, "", str(name), {}, {}, r.path, doc, inner)
        shown = str(name) if scoped else f"{namespace}/{name}"
        version = f" ({api_version})" if known is not None and not modelled else ""
        out.ignored.append(f"{kind}{version} {shown} ({meta.where(line_only=True)})"
                           + (f": {hook}" if hook is not None else ""))
        return
    groups, namespaced, parse = known
    name = meta_r.string("name", required=True)
    if name is None:
        if meta_r.has("generateName"):
            meta_r.error("generateName", "netpath needs a fixed `name`, not a generateName")
        return
    check_metadata(meta_r, kind, name, namespaced)
    namespace = (meta_r.string("namespace") or default_namespace) if namespaced else ""
    meta = Meta(kind, namespace, name, meta_r.labels("labels"), meta_r.annotations(), r.path,
                doc, inner, _controller(meta_r))
    if namespaced:
        out.used_namespaces.setdefault(namespace, r.path)
    parse(ctx, r, meta, out)


# --- what the API server adds (`status`): only a dump has it ------------------------------------


def _controller(meta: Reader) -> tuple[str, str] | None:
    """`status.controller_of`: the owner a dump's object names."""
    if not meta.has("ownerReferences"):
        return None
    from netpath.sources.kubernetes.status import controller_of

    return controller_of(meta)


def _pod_status(r: Reader) -> PodStatus | None:
    """`status.pod_status` of a Pod read back from the API server; None for a hand-written
    Pod, which runs and is ready at the address netpath gives it."""
    if not r.has("status"):
        return None
    from netpath.sources.kubernetes.status import pod_status

    return pod_status(r.sub("status"))


def _external_addresses(r: Reader) -> tuple[str, ...]:
    """`status.load_balancer_ingress` of a Service read back from the API server."""
    if not r.has("status"):
        return ()
    from netpath.sources.kubernetes.status import load_balancer_ingress

    return load_balancer_ingress(r.sub("status"))


def _computed(meta: Meta) -> bool:
    """`status.computed_endpoints`, for an Endpoints object or an EndpointSlice."""
    from netpath.sources.kubernetes.status import computed_endpoints

    return computed_endpoints(meta.kind, meta.labels, meta.annotations)


# --- namespaces and nodes --------------------------------------------------------------------


def _namespace(ctx: Ctx, r: Reader, meta: Meta, out: Objects) -> None:
    # Kubernetes 1.21+ sets this label on every namespace, whatever the manifest says.
    labels = {**meta.labels, NAMESPACE_NAME_LABEL: meta.name}
    out.namespaces[meta.name] = Namespace(meta.name, labels, meta.path)


def _node(ctx: Ctx, r: Reader, meta: Meta, out: Objects) -> None:
    ip = None
    for address in r.sub("status").maps("addresses"):
        if address.string("type") == "InternalIP" and ip is None:
            ip = address.ip("address")
    pod_cidr = r.sub("spec").cidr("podCIDR")
    out.nodes[meta.name] = NodeDraft(meta.name, ip, pod_cidr, meta.labels, meta.path)


# --- pods and workloads ------------------------------------------------------------------------


def pod_template(spec: Reader, labels: dict[str, str], kind: str,
                 template_written: bool = True) -> PodTemplate:
    """The pod spec `spec` of a Pod, or of the template of a workload of `kind`; without
    `template_written` the template itself is missing (reported): nothing more is said of it."""
    containers = list(spec.maps("containers"))  # maps() is an iterator: read it once
    if template_written:
        pod_spec_rules(spec, kind)
    container_rules(containers, list(spec.maps("initContainers")), kind)
    ports: list[ContainerPort] = []
    for container in containers:
        readers = list(container.maps("ports"))  # maps() reports a wrong item: read once
        container_port_names(readers)
        for port in readers:
            number = port.port("containerPort", required=True)
            name = port.port_name("name")
            protocol = port.protocol()
            if number is not None and protocol is not None:
                ports.append(ContainerPort(name, number, protocol))
    return PodTemplate(
        labels=labels,
        node_name=spec.string("nodeName"),
        host_network=spec.boolean("hostNetwork") is True,
        ports=tuple(ports),
        node_selector=spec.labels("nodeSelector"),
        spec_path=spec.path,
        node_affinity=node_affinity(spec),
        dns_policy=_dns_policy(spec),
    )


# `core.DNSPolicy` values (pkg/apis/core/validation `validDNSPolicies`); ClusterFirst is the
# default. https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")


def _dns_policy(spec: Reader) -> str:
    """spec.dnsPolicy, refused as the API server refuses it: another value, or None without a
    dnsConfig naming a nameserver (`validateDNSPolicy`, `validatePodDNSConfig`)."""
    policy = spec.word("dnsPolicy", DNS_POLICIES, "ClusterFirst") or "ClusterFirst"
    if policy == "None":
        config = spec.sub("dnsConfig")
        if not spec.has("dnsConfig"):
            spec.error("dnsConfig", "Required value: must provide `dnsConfig` when `dnsPolicy` "
                       "is None")
        elif not config.data.get("nameservers"):
            spec.error("dnsConfig", "Required value: must provide at least one DNS nameserver "
                       "when `dnsPolicy` is None")
    return policy


def _pod(ctx: Ctx, r: Reader, meta: Meta, out: Objects) -> None:
    status = _pod_status(r)
    template = pod_template(r.sub("spec"), meta.labels, meta.kind)
    if status is None:
        out.workloads.append(Workload(meta, 1, template, None, True))
        return
    if status.finished or status.pending:
        # A finished pod's IP is free again (a running pod may hold it now); a pending one has
        # none yet. Neither is an endpoint, nor reachable.
        out.not_running.append((meta, status.phase or ""))
        return
    out.workloads.append(Workload(meta, 1, template, status.ip, status.ready, status.host_ip))


def _workload(ctx: Ctx, r: Reader, meta: Meta, out: Objects) -> None:
    spec = r.sub("spec")
    replicas = 1
    if meta.kind != "DaemonSet":  # a DaemonSet runs one pod per node, whatever it says
        written = spec.integer("replicas", low=0, what="a replica count, 0 or more")
        replicas = 1 if written is None else written
    template = spec.sub("template", required=True)
    labels = template.sub("metadata").labels("labels")
    workload_selector_rules(spec, meta.kind, r.string("apiVersion") or "", labels)
    wanted = selector(spec, "selector")
    if wanted is not None and wanted.is_empty and isinstance(spec.data.get("selector"), dict):
        # ValidateDeploymentSpec (and ReplicaSet's, in the same words), StatefulSet's, DaemonSet's
        what = "deployment" if meta.kind in ("Deployment", "ReplicaSet") else meta.kind.lower()
        spec.error("selector", f"empty selector is invalid for {what}: it would select every "
                   "pod of the namespace")
    elif wanted is not None and not wanted.matches(labels):
        spec.error("selector", f"selector {wanted} does not match the template's labels "
                   f"({_labels(labels)}); Kubernetes refuses such a {meta.kind}")
    written = isinstance(spec.data.get("template"), dict)  # else reported: missing, or a type
    pod = pod_template(template.sub("spec"), labels, meta.kind, written)
    out.workloads.append(Workload(meta, replicas, pod, None, True))


def _batch(ctx: Ctx, r: Reader, meta: Meta, out: Objects) -> None:
    """A Job or a CronJob: the pods of one run, read by `batch`."""
    from netpath.sources.kubernetes.batch import job_run

    run = job_run(r, meta)
    if run is not None:
        template, count, labels, written = run
        out.workloads.append(Workload(meta, count, pod_template(template, labels, meta.kind,
                                                                written), None, True))


def _labels(labels: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in labels.items()) or "none"


# --- Services and their endpoints -------------------------------------------------------------


def _service(ctx: Ctx, r: Reader, meta: Meta, out: Objects) -> None:
    spec = r.sub("spec")
    written_type = spec.word("type", SERVICE_TYPES, "ClusterIP")
    kind = written_type or "ClusterIP"  # a misspelt type was reported
    written, where = spec.string("clusterIP"), spec.at("clusterIP")
    if written is None and spec.has("clusterIPs"):  # dual-stack form: the first is the primary
        written, where = next(iter(spec.strings("clusterIPs")), None), spec.at("clusterIPs", 0)
    headless = written == "None"
    cluster_ip = None
    if written not in (None, "", "None") and kind != "ExternalName":
        cluster_ip = parse_ip(spec.ctx, written, where)
    if headless and kind in ("NodePort", "LoadBalancer"):
        spec.error("clusterIP", f"a {kind} Service cannot be headless (clusterIP: None)")
    external_name = spec.string("externalName", required=kind == "ExternalName")
    readers = list(spec.maps("ports"))  # maps() reports a wrong item: read once
    service_rules(spec, readers, kind, headless)
    ports = _service_ports(readers, written_type)
    selector_labels = spec.labels("selector")
    service = Service(
        namespace=meta.namespace,
        name=meta.name,
        type=kind,
        cluster_ip=cluster_ip,
        ports=ports,
        # `selector: {}` is no selector: the API server drops an empty map, and the endpoint
        # controllers then leave the Service alone.
        selector=selector_labels or None,
        endpoints=(),
        external_name=external_name if kind == "ExternalName" else None,
        external_traffic_policy=spec.word("externalTrafficPolicy", TRAFFIC_POLICIES,
                                          "Cluster") or "Cluster",
        internal_traffic_policy=spec.word("internalTrafficPolicy", TRAFFIC_POLICIES,
                                          "Cluster") or "Cluster",
        annotations=meta.annotations,
        load_balancer=None,
        assigned=(),
        path=meta.path,
        external_addresses=_external_addresses(r),
        source_ranges=source_ranges(r, kind),
    )
    assign = not headless and kind != "ExternalName" and written in (None, "")
    node_ports = kind == "NodePort" or (
        kind == "LoadBalancer" and spec.boolean("allocateLoadBalancerNodePorts") is not False)
    out.services.append(ServiceDraft(service, assign, node_ports, meta))


def _service_ports(readers: list[Reader], kind: str | None) -> tuple[ServicePort, ...]:
    ports: list[ServicePort] = []
    names: dict[str, int] = {}
    for index, port in enumerate(readers):
        port.known_keys(_SERVICE_PORT_KEYS, "a Service port")
        name = port.dns_label("name", "port name")
        if name is None and not port.has("name") and len(readers) > 1:
            port.missing("name")  # Kubernetes names every port of a multi-port Service
        elif name is not None and names.setdefault(name, index) != index:
            port.error("name", f"port name {name!r} is used twice (ports[{names[name]}] too)")
        number = port.port("port", required=True)
        protocol = port.protocol()
        target = port.port_or_name("targetPort")
        node_port = port.integer("nodePort", low=1, high=65535, what="a port number 1-65535")
        if node_port is not None and kind not in ("NodePort", "LoadBalancer", None):
            port.error("nodePort", f"a {kind} Service has no node ports (type NodePort or "
                       "LoadBalancer has)")
            node_port = None
        if number is None or protocol is None:
            continue
        ports.append(ServicePort(name, protocol, number, number if target is None else target,
                                 node_port, port.path))
    return tuple(ports)


def _endpoint_ports(r: Reader) -> tuple[EndpointPort, ...]:
    out = []
    for port in r.maps("ports"):
        number = port.port("port")
        protocol = port.protocol()
        if number is not None and protocol is not None:
            out.append(EndpointPort(port.string("name"), number, protocol))
    return tuple(out)


def _endpoint_slice(ctx: Ctx, r: Reader, meta: Meta, out: Objects) -> None:
    service = meta.labels.get(SERVICE_NAME_LABEL)
    if service is None:
        ctx.notes.append(f"EndpointSlice {meta.key} has no {SERVICE_NAME_LABEL} label: it "
                         "belongs to no Service")
        return
    address_type = r.word("addressType", ("IPv4", "IPv6", "FQDN"), "IPv4")
    if address_type != "IPv4":
        ctx.notes.append(f"EndpointSlice {meta.key} is {address_type}: netpath models IPv4")
        return
    ports = _endpoint_ports(r)
    endpoints, zones = [], []
    for endpoint in r.maps("endpoints"):
        addresses = endpoint.strings("addresses")
        if not addresses:
            endpoint.missing("addresses")
            continue
        # kube-proxy uses an endpoint's first address (the others are fungible).
        ip = parse_ip(endpoint.ctx, addresses[0], endpoint.at("addresses", 0))
        ready = endpoint.sub("conditions").boolean("ready")
        node, zone = endpoint.string("nodeName"), endpoint.string("zone")
        if node and zone:
            zones.append((node, zone))
        if ip is not None:
            # `ready` unset means unknown, which consumers must read as ready (API reference).
            endpoints.append(ServiceEndpoint(ip, ready is not False, node, ports,
                                             endpoint.path))
    out.slices.append(EndpointsDraft(service, tuple(endpoints), meta, _computed(meta),
                                     tuple(zones)))


def _endpoints(ctx: Ctx, r: Reader, meta: Meta, out: Objects) -> None:
    endpoints = []
    for subset in r.maps("subsets"):
        ports = _endpoint_ports(subset)
        for key, ready in (("addresses", True), ("notReadyAddresses", False)):
            for address in subset.maps(key):
                ip = address.ip("ip")
                if ip is None and not address.has("ip"):
                    address.missing("ip")
                if ip is not None:
                    endpoints.append(ServiceEndpoint(ip, ready, address.string("nodeName"),
                                                     ports, address.path))
    out.endpoints.append(EndpointsDraft(meta.name, tuple(endpoints), meta, _computed(meta)))


# kind -> (API groups it is read from, namespaced, parser). A kind from another group (a Knative
# `Service`, serving.knative.dev) is someone else's object: ignored, not misread.
_PARSERS: dict[str, tuple[tuple[str, ...], bool, Parser]] = {
    "Namespace": (("",), False, _namespace),
    "Node": (("",), False, _node),
    "Pod": (("",), True, _pod),
    "Service": (("",), True, _service),
    "Endpoints": (("",), True, _endpoints),
    "EndpointSlice": (("discovery.k8s.io",), True, _endpoint_slice),
    **{kind: (("apps", "extensions"), True, _workload) for kind in WORKLOAD_KINDS},
    **{kind: (("batch",), True, _batch) for kind in BATCH_KINDS},
}
