"""The Kubernetes part of the model: a cluster and the objects its manifests declare.

Built from native manifests (the YAML `kubectl apply` takes) plus the netpath-only facts a
cluster entry adds (CNI, service CIDR, DNS, which EC2 instance each node is). Workloads
(Deployment, StatefulSet, DaemonSet, ReplicaSet) are expanded into their pods here, so the
engine only ever sees pods. Keys: pods, services, policies and ingresses by "namespace/name".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field

from netpath.model.addr import Address, Prefix
from netpath.model.paths import SpecPath
from netpath.model.record import record

Labels = Mapping[str, str]

# CNIs netpath knows, and whether each enforces NetworkPolicy by default. The VPC CNI enforces
# only with its network policy agent enabled (`network_policy_agent: true` on the cluster).
CNI_ENFORCES_NETWORK_POLICY = {
    "aws-vpc-cni": False,
    "calico": True,
    "cilium": True,
    "flannel": False,
}
OVERLAY_CNIS = ("calico", "cilium", "flannel")

# The automatic namespace label (Kubernetes 1.21+), which namespaceSelectors can rely on.
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"


@record
class Requirement:
    """One matchExpressions entry."""

    key: str
    operator: str  # In | NotIn | Exists | DoesNotExist
    values: tuple[str, ...] = ()

    def matches(self, labels: Labels) -> bool:
        if self.operator == "In":
            return labels.get(self.key) in self.values
        if self.operator == "NotIn":
            return self.key not in labels or labels[self.key] not in self.values
        if self.operator == "Exists":
            return self.key in labels
        return self.key not in labels  # DoesNotExist


@record
class LabelSelector:
    """metav1.LabelSelector: every matchLabels pair AND every expression; empty selects all."""

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[Requirement, ...] = ()

    def matches(self, labels: Labels) -> bool:
        return all(labels.get(k) == v for k, v in self.match_labels) and all(
            r.matches(labels) for r in self.match_expressions
        )

    @property
    def is_empty(self) -> bool:
        return not self.match_labels and not self.match_expressions

    def __str__(self) -> str:
        parts = [f"{k}={v}" for k, v in self.match_labels]
        for r in self.match_expressions:
            values = ",".join(r.values)
            parts.append(f"{r.key} {r.operator} ({values})" if r.values
                         else f"{r.operator} {r.key}")
        return ", ".join(parts) if parts else "{} (all)"


@record
class ContainerPort:
    name: str | None
    port: int
    protocol: str  # tcp | udp | sctp


@record
class Namespace:
    name: str
    labels: Labels  # always holds kubernetes.io/metadata.name
    path: SpecPath


@record
class Node:
    name: str
    ip: Address  # the node's InternalIP (its instance's primary private IP on AWS)
    instance: str | None  # the EC2 instance in the AWS part
    pod_cidr: Prefix | None  # overlay CNIs: this node's slice of the cluster's pod CIDR
    labels: Labels
    path: SpecPath


@record
class Pod:
    namespace: str
    name: str
    labels: Labels
    node: str
    ip: Address  # the node's IP for hostNetwork pods
    host_network: bool
    ports: tuple[ContainerPort, ...]
    ready: bool
    owner: str | None  # "Deployment/web", "StatefulSet/db"... None for a bare Pod
    security_groups: tuple[str, ...]  # security groups for pods (a branch ENI); () = the node's
    # what netpath chose because the manifest did not say: "ip", "node"; "implicit" for a pod
    # of no file at all (the standard CoreDNS)
    assigned: tuple[str, ...]
    path: SpecPath
    # spec.dnsPolicy: ClusterFirst (the default), ClusterFirstWithHostNet, Default (the node's
    # resolv.conf) or None (the pod's own dnsConfig)
    dns_policy: str = "ClusterFirst"

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def cluster_dns(self) -> bool:
        """Whether kubelet points the pod's resolv.conf at the cluster DNS: ClusterFirst, except
        on the host network (where it falls back to Default), and ClusterFirstWithHostNet.
        https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-s-dns-policy
        """
        if self.dns_policy == "ClusterFirst":
            return not self.host_network
        return self.dns_policy in ("ClusterFirstWithHostNet", "None")

    @property
    def implicit(self) -> bool:
        """Not in the files: a pod of the standard CoreDNS netpath adds (its node is a guess)."""
        return "implicit" in self.assigned

    def port_named(self, name: str, protocol: str) -> int | None:
        for port in self.ports:
            if port.name == name and port.protocol == protocol:
                return port.port
        return None


@record
class ServicePort:
    name: str | None
    protocol: str  # tcp | udp | sctp
    port: int
    target_port: int | str  # a number, or a container port name resolved per pod
    node_port: int | None
    path: SpecPath


@record
class EndpointPort:
    name: str | None
    port: int
    protocol: str


@record
class ServiceEndpoint:
    """An endpoint written in an EndpointSlice or Endpoints object (Services without selector)."""

    ip: Address
    ready: bool
    node: str | None
    ports: tuple[EndpointPort, ...]
    path: SpecPath


@record
class Service:
    namespace: str
    name: str
    type: str  # ClusterIP | NodePort | LoadBalancer | ExternalName
    cluster_ip: Address | None  # None: headless (clusterIP: None) or ExternalName
    ports: tuple[ServicePort, ...]
    selector: Labels | None  # None: no selector (endpoints come from EndpointSlices)
    endpoints: tuple[ServiceEndpoint, ...]  # explicit ones, for Services without selector
    external_name: str | None
    external_traffic_policy: str  # Cluster | Local
    internal_traffic_policy: str  # Cluster | Local
    annotations: Labels
    load_balancer: str | None  # the AWS load balancer modelled for type LoadBalancer
    assigned: tuple[str, ...]  # "cluster_ip", "node_port" when netpath chose them
    path: SpecPath
    # status.loadBalancer.ingress: the addresses its load balancer answers at (an IP or a DNS
    # name, as the cloud's controller wrote them)
    external_addresses: tuple[str, ...] = ()
    # loadBalancerSourceRanges (or its annotation): the clients its load balancer admits;
    # None: everyone
    source_ranges: tuple[Prefix, ...] | None = None
    # Where its load balancer answers when netpath models it as the cloud's (a cluster without
    # an AWS part): status addresses, or a stand-in for a DNS name
    cloud_addresses: tuple[Address, ...] = ()

    @property
    def implicit(self) -> bool:
        """Not in the files: the standard CoreDNS's Service netpath adds."""
        return "implicit" in self.assigned

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def headless(self) -> bool:
        return self.cluster_ip is None and self.type != "ExternalName"


@record
class IpBlock:
    cidr: Prefix
    except_: tuple[Prefix, ...]

    def contains(self, address: Address) -> bool:
        return address in self.cidr and not any(address in e for e in self.except_)


@record
class NetpolPeer:
    """One `from`/`to` entry. podSelector and namespaceSelector together mean AND; a
    podSelector alone means the policy's own namespace; an empty namespaceSelector means all."""

    pod_selector: LabelSelector | None
    namespace_selector: LabelSelector | None
    ip_block: IpBlock | None
    path: SpecPath


@record
class NetpolPort:
    protocol: str  # tcp | udp | sctp (default tcp)
    port: int | str | None  # None: every port; a name: the destination pod's named port
    end_port: int | None
    path: SpecPath


@record
class NetpolRule:
    peers: tuple[NetpolPeer, ...]  # empty (`from` omitted or []): every source/destination
    ports: tuple[NetpolPort, ...]  # empty: every port
    path: SpecPath


@record
class NetworkPolicy:
    namespace: str
    name: str
    pod_selector: LabelSelector
    policy_types: tuple[str, ...]  # effective: Ingress always unless only Egress was written
    ingress: tuple[NetpolRule, ...]
    egress: tuple[NetpolRule, ...]
    path: SpecPath

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@record
class IngressBackend:
    service: str  # a Service name in the Ingress's namespace
    port: int | str  # number or Service port name
    path: SpecPath


@record
class IngressPath:
    path: str  # "/" when left out
    path_type: str  # Exact | Prefix | ImplementationSpecific
    backend: IngressBackend
    spec_path: SpecPath


@record
class IngressRule:
    host: str | None  # None: every host; may start with "*."
    paths: tuple[IngressPath, ...]
    path: SpecPath


@record
class Ingress:
    namespace: str
    name: str
    ingress_class: str | None  # spec.ingressClassName (or the deprecated annotation)
    controller: str | None  # the IngressClass's controller, e.g. ingress.k8s.aws/alb
    rules: tuple[IngressRule, ...]
    default_backend: IngressBackend | None
    tls_hosts: tuple[str, ...]
    annotations: Labels
    load_balancer: str | None  # the AWS load balancer modelled for it (ALB controller)
    path: SpecPath
    external_addresses: tuple[str, ...] = ()  # status.loadBalancer.ingress (IP or DNS name)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@record
class SecurityGroupPolicy:
    """vpcresources.k8s.aws/v1beta1 SecurityGroupPolicy: security groups for selected pods."""

    namespace: str
    name: str
    pod_selector: LabelSelector
    security_groups: tuple[str, ...]
    path: SpecPath


# The subject of an inference that any lookup through a cluster's DNS depends on.
CLUSTER_DNS = "dns:cluster"


@record
class Inference:
    """Something netpath took from what the objects imply, because no netpath spec says it: a
    range from the addresses in use, the cluster DNS from the kube-dns Service, a node from the
    pods that name it, the standard CoreDNS when the files have none. `netpath show` lists them;
    a trace that crosses one of its `subjects` says so in a note."""

    what: str  # "service CIDR", "cluster DNS IP", "node ip-10-0-1-23.ec2.internal", "CoreDNS"
    value: str  # what was inferred: "172.20.0.0/16"
    source: str  # from what, in words: "the ClusterIP 172.20.0.1 of Service default/kubernetes"
    # What a trace depends on it through, as "<component>:<name>" of its hops ("node:n1",
    # "service:kube-system/kube-dns"), or CLUSTER_DNS for any lookup through the cluster DNS
    subjects: tuple[str, ...]
    path: SpecPath

    def __str__(self) -> str:
        return f"{self.what} {self.value}: {self.source}" if self.value else (
            f"{self.what}: {self.source}")


@record
class StoppedPod:
    """A Pod of the files that does not run (finished: Succeeded or Failed; or pending without
    an address): it holds no IP, is no endpoint and no trace reaches it. Kept only to explain a
    selector that matches nothing running (a Service of a Job's pods that finished)."""

    namespace: str
    name: str
    labels: Labels
    phase: str  # as the status says; "" when it says none

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def __str__(self) -> str:
        return f"{self.key} ({self.phase or 'not running'})"


@record
class Cluster:
    name: str
    vpc: str | None  # None: a Kubernetes-only spec, a flat pod network
    cni: str  # aws-vpc-cni | calico | cilium | flannel
    enforces_network_policy: bool
    pod_cidr: Prefix | None  # overlay CNIs
    service_cidr: Prefix
    dns_ip: Address
    dns_domain: str
    external_snat: bool  # AWS_VPC_K8S_CNI_EXTERNALSNAT
    exclude_snat_cidrs: tuple[Prefix, ...]  # AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS
    kube_proxy_mode: str  # iptables | ipvs
    pod_security_group_mode: str  # strict | standard (security groups for pods)
    nodes: dict[str, Node] = field(default_factory=dict)
    namespaces: dict[str, Namespace] = field(default_factory=dict)
    pods: dict[str, Pod] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    network_policies: dict[str, NetworkPolicy] = field(default_factory=dict)
    ingresses: dict[str, Ingress] = field(default_factory=dict)
    ingress_classes: dict[str, str] = field(default_factory=dict)  # name -> controller
    security_group_policies: dict[str, SecurityGroupPolicy] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()  # manifests of kinds netpath does not model, for the record
    path: SpecPath = ()
    inferences: tuple[Inference, ...] = ()  # what the objects implied (no netpath spec said it)
    stopped_pods: tuple[StoppedPod, ...] = ()  # Pods of the files that do not run (no IP)

    @property
    def overlay(self) -> bool:
        return self.cni in OVERLAY_CNIS

    def stopped_matching(self, namespace: str, selector: Labels) -> list[StoppedPod]:
        """The pods of `namespace` that do not run and whose labels hold every pair of
        `selector` (a Service's): why a selector that matches no running pod is not a typo."""
        if not selector:
            return []
        return [p for p in self.stopped_pods if p.namespace == namespace
                and all(p.labels.get(k) == v for k, v in selector.items())]
