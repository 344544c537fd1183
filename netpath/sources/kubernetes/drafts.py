"""What the manifest parsers produce: each object's metadata and the drafts of the objects
that are finished later (pods before placement, Services before their ClusterIP, nodes before
their addresses), gathered per cluster in `Objects`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field

from netpath.model.addr import Address, Prefix
from netpath.model.kubernetes import (
    ContainerPort,
    Ingress,
    Namespace,
    NetworkPolicy,
    SecurityGroupPolicy,
    Service,
    ServiceEndpoint,
)
from netpath.model.paths import SpecPath, format_path
from netpath.model.record import record
from netpath.sources.building import Ctx
from netpath.sources.kubernetes.fields import Reader
from netpath.sources.kubernetes.manifests import ManifestDoc
from netpath.sources.kubernetes.scheduling import NodeTerm


@record
class Meta:
    """What every object has: kind, namespace, name, labels, and where it was written."""

    kind: str
    namespace: str  # "" for cluster-scoped kinds
    name: str
    labels: dict[str, str]
    annotations: dict[str, str]
    path: SpecPath  # the object's spec path
    doc: ManifestDoc
    inner: SpecPath  # the object's path inside its document
    controller: tuple[str, str] | None = None  # (kind, name) of its controlling owner

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    def where(self, inner: SpecPath = (), line_only: bool = False) -> str:
        """`k8s/web.yaml:3:1` (or `:3` with `line_only`), else the spec path."""
        found = self.doc.position((*self.inner, *inner))
        if found is None:
            return format_path((*self.path, *inner))
        return f"{found.file}:{found.line}" if line_only else str(found)


@record
class PodTemplate:
    labels: dict[str, str]
    node_name: str | None
    host_network: bool
    ports: tuple[ContainerPort, ...]
    node_selector: dict[str, str]
    spec_path: SpecPath  # the pod spec, where nodeName and nodeSelector are
    # requiredDuringSchedulingIgnoredDuringExecution: any term, each all of its requirements
    node_affinity: tuple[NodeTerm, ...] = ()
    dns_policy: str = "ClusterFirst"  # spec.dnsPolicy (which resolv.conf kubelet writes)


@record
class Workload:
    """A bare Pod (kind Pod, one replica) or a controller whose pods netpath expands."""

    meta: Meta
    replicas: int
    template: PodTemplate
    ip: Address | None  # status.podIP of a bare Pod
    ready: bool
    host_ip: Address | None = None  # status.hostIP of a bare Pod: its node's address
    implicit: bool = False  # not in the files: the standard CoreDNS netpath adds


@record
class ServiceDraft:
    service: Service  # cluster_ip as written; node ports as written
    assign_ip: bool  # no clusterIP written (and not headless, not ExternalName)
    node_ports: bool  # NodePort, or LoadBalancer unless allocateLoadBalancerNodePorts: false
    meta: Meta


@record
class EndpointsDraft:
    """The endpoints an EndpointSlice or an Endpoints object gives a Service."""

    service: str
    endpoints: tuple[ServiceEndpoint, ...]
    meta: Meta
    computed: bool = False  # a controller computed it from the Service's selector (a dump)
    zones: tuple[tuple[str, str], ...] = ()  # (nodeName, zone) of its endpoints


@record
class NodeDraft:
    name: str
    ip: Address | None
    pod_cidr: Prefix | None
    labels: dict[str, str]
    path: SpecPath


@record
class Objects:
    """Everything one cluster's manifests declare, parsed."""

    namespaces: dict[str, Namespace] = field(default_factory=dict)
    nodes: dict[str, NodeDraft] = field(default_factory=dict)
    workloads: list[Workload] = field(default_factory=list)
    services: list[ServiceDraft] = field(default_factory=list)
    slices: list[EndpointsDraft] = field(default_factory=list)
    endpoints: list[EndpointsDraft] = field(default_factory=list)
    policies: dict[str, NetworkPolicy] = field(default_factory=dict)
    ingresses: list[tuple[Ingress, Meta]] = field(default_factory=list)
    # IngressClass name -> (its controller, whether it is marked the default class)
    ingress_classes: dict[str, tuple[str, bool]] = field(default_factory=dict)
    sgps: dict[str, SecurityGroupPolicy] = field(default_factory=dict)
    sgps_without_pod_selector: list[Meta] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    used_namespaces: dict[str, SpecPath] = field(default_factory=dict)  # -> first user
    # Pods of a dump that do not run: (meta, phase); they hold no IP and serve nothing.
    not_running: list[tuple[Meta, str]] = field(default_factory=list)


Parser = Callable[[Ctx, Reader, Meta, Objects], None]
