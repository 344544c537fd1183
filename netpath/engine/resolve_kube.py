"""Resolving Kubernetes names: pods and Services, for the source and destination of a trace.

A pod or a Service is named `NAME` (when no other has that name), `NAMESPACE/NAME`,
`CLUSTER/NAMESPACE/NAME` or `CLUSTER:NAMESPACE/NAME` (when several clusters have it); a kind
in front, `pod/...` or `service/...` (`svc/...`), says which of a pod and a Service of the same
name is meant (`kubectl run --expose` makes both). Every name netpath prints for a pod or a
Service (in an ambiguity, a did-you-mean, a check group) is one these functions take back.
"""

from __future__ import annotations

from typing import TypeVar

from netpath.engine.coredns import ClusterDnsAnswer, resolve_in_cluster, upstream_for
from netpath.engine.endpoints import Endpoint, endpoint_at, load_balancer_endpoint
from netpath.engine.errors import QueryError
from netpath.engine.kube_index import PodRef
from netpath.engine.network import Network
from netpath.engine.services import selected_pods
from netpath.model.kubernetes import Pod, Service
from netpath.model.record import record

T = TypeVar("T")
POD_KINDS = ("pod",)
SERVICE_KINDS = ("service", "svc")


@record
class KubeNames:
    """What a typed name can mean among the clusters' pods and Services."""

    pods: tuple[PodRef, ...]
    services: tuple[tuple[str, Service], ...]  # (cluster, Service)

    @property
    def count(self) -> int:
        return len(self.pods) + len(self.services)


def kube_names(net: Network, text: str) -> KubeNames:
    kube = net.kube
    pods = list(kube.pods_by_key.get(text, ()))
    services = list(kube.services_by_key.get(text, ()))
    kind, slash, rest = text.partition("/")
    if slash and rest:
        if kind in POD_KINDS:
            pods += kube.pods_by_key.get(rest, ())
        elif kind in SERVICE_KINDS:
            services += kube.services_by_key.get(rest, ())
    return KubeNames(_distinct(pods), _distinct(services))


def _distinct(items: list[T]) -> tuple[T, ...]:
    # By identity: the index holds one object per pod and per Service (and pods, holding
    # their labels in a dict, do not hash).
    return tuple({id(item): item for item in items}.values())


def pod_name(net: Network, cluster: str, pod: Pod) -> str:
    """The shortest name that means this pod and nothing else: NAMESPACE/NAME, with its
    cluster when another cluster has it, with `pod/` when a Service has the same name."""
    forms = (pod.key, f"{cluster}/{pod.key}", f"pod/{pod.key}", f"pod/{cluster}/{pod.key}")
    for form in forms:
        found = kube_names(net, form)
        if found.count == 1 and found.pods and found.pods[0].cluster == cluster \
                and found.pods[0].pod.key == pod.key:
            return form
    return forms[-1]


def service_name(net: Network, cluster: str, service: Service) -> str:
    """The shortest name that means this Service and nothing else (as `pod_name`)."""
    key = service.key
    forms = (key, f"{cluster}/{key}", f"service/{key}", f"service/{cluster}/{key}")
    for form in forms:
        found = kube_names(net, form)
        if found.count == 1 and found.services and found.services[0][0] == cluster \
                and found.services[0][1].key == key:
            return form
    return forms[-1]


def unique_kube_names(net: Network) -> list[str]:
    """Names that each mean one pod or one Service, for did-you-mean: every NAMESPACE/NAME form
    (or the form `pod_name`/`service_name` gives), and bare names that are unique."""
    names: list[str] = []
    kube = net.kube
    for key, refs in kube.pods_by_key.items():
        if len(refs) == 1 and "/" not in key and key not in kube.services_by_key:
            names.append(key)
    for key, found in kube.services_by_key.items():
        if len(found) == 1 and "/" not in key and key not in kube.pods_by_key:
            names.append(key)
    for cluster in net.model.clusters.values():
        names.extend(pod_name(net, cluster.name, p) for p in cluster.pods.values())
        names.extend(service_name(net, cluster.name, s) for s in cluster.services.values())
    return names


def _several(net: Network, text: str, found: KubeNames) -> QueryError:
    """`'web' names a pod and a Service (pod shop/web, Service shop/web)`, and the names that
    say which (each one means that one alone)."""
    several = len(net.model.clusters) > 1
    listing: list[str] = []
    names: list[str] = []
    for ref in sorted(found.pods, key=lambda r: (r.cluster, r.pod.key)):
        listing.append(f"pod {ref.cluster + '/' if several else ''}{ref.pod.key}")
        names.append(pod_name(net, ref.cluster, ref.pod))
    for cluster, service in sorted(found.services, key=lambda f: (f[0], f[1].key)):
        listing.append(f"Service {cluster + '/' if several else ''}{service.key}")
        names.append(service_name(net, cluster, service))
    pods, services = len(found.pods), len(found.services)
    what = (f"{'a pod' if pods == 1 else 'pods'} and {'a Service' if services == 1 else 'Services'}"
            if pods and services else "several pods" if pods else "several Services")
    return QueryError(f"{text!r} names {what} ({', '.join(listing)})",
                      f"say which: {', '.join(names[:-1])} or {names[-1]}")


def find_pod(net: Network, text: str) -> PodRef | None:
    """The pod `text` names (a Service of the same name does not count: as a source, only a
    pod can be meant). Raises QueryError when it names several pods."""
    found = kube_names(net, text)
    if not found.pods:
        return None
    if len(found.pods) > 1:
        raise _several(net, text, KubeNames(found.pods, ()))
    return found.pods[0]


def service_source_error(net: Network, text: str) -> QueryError | None:
    """A Service given as a source: it opens no connections, its pods do."""
    found = kube_names(net, text)
    if not found.services:
        return None
    cluster, service = found.services[0]
    pods = [pod_name(net, cluster, p) for p in
            selected_pods(net.model.clusters[cluster], service)][:3]
    hint = f"trace from one of its pods: {', '.join(pods)}" if pods else "trace from a pod"
    return QueryError(f"{text!r} is a Service ({service.key}): a Service opens no connections, "
                      "its pods do", hint)


def pod_endpoint(net: Network, text: str) -> Endpoint | None:
    ref = find_pod(net, text)
    return None if ref is None else endpoint_of_pod(net, ref)


def endpoint_of_pod(net: Network, ref: PodRef) -> Endpoint:
    pod = ref.pod
    eni = net.kube.pod_eni(ref.cluster, pod)
    ports = [p for p in pod.ports]
    default = (ports[0].port, f"{pod.key}'s only container port") if len(ports) == 1 else None
    return Endpoint(pod.key, pod.ip, eni, "linux", default, pod=pod, cluster=ref.cluster)


def kube_destination(net: Network, text: str, source: Endpoint) -> Endpoint | None:
    """The pod or Service `text` names as a destination; None when it names neither. Raises
    QueryError when it names several (a pod and a Service of the same name included)."""
    found = kube_names(net, text)
    if found.count == 0:
        return None
    if found.count > 1:
        raise _several(net, text, found)
    if found.pods:
        return endpoint_of_pod(net, found.pods[0])
    return service_endpoint(net, *found.services[0], source)


def service_endpoint(net: Network, cluster: str, service: Service,
                     source: Endpoint) -> Endpoint:
    """A Service typed by name: its ClusterIP inside the cluster; from outside, a LoadBalancer
    Service is reached at its load balancer, anything else at its ClusterIP (which only exists
    inside the cluster: the trace will show that)."""
    default = None
    if len(service.ports) == 1:
        default = (service.ports[0].port, f"{service.key}'s only port")
    inside = source.cluster == cluster or _is_node_of(net, source, cluster)
    if not inside and service.load_balancer and service.load_balancer in net.model.load_balancers:
        endpoint = load_balancer_endpoint(net, net.model.load_balancers[service.load_balancer],
                                          source)
        return Endpoint(service.key, endpoint.address, endpoint.eni, endpoint.client_os,
                        default or endpoint.default_port, cluster=cluster)
    if source.cluster is not None and source.cluster != cluster:
        # Its ClusterIP means nothing in the source's cluster (and may be one of its own).
        raise QueryError(f"{service.key} is a Service of cluster {cluster}, and {source.label} "
                         f"runs in cluster {source.cluster}: a ClusterIP only exists inside "
                         "its own cluster", "trace to its load balancer, or to one of its pods")
    if service.cluster_ip is None:
        raise QueryError(f"{service.key} has no ClusterIP ({service.type}"
                         f"{', headless' if service.headless else ''})",
                         "trace to one of its pods, or to its DNS name from a pod")
    return Endpoint(service.key, service.cluster_ip, None, "linux", default, cluster=cluster)


def _is_node_of(net: Network, source: Endpoint, cluster: str) -> bool:
    if source.eni is None:
        return False
    ref = net.kube.node_of_eni.get(source.eni.name)
    return ref is not None and ref.cluster == cluster


def ask_cluster_dns(net: Network, source: Endpoint, name: str) -> ClusterDnsAnswer:
    """A name a pod connects to goes through its resolver: the search list, then CoreDNS,
    which forwards what is not the cluster's to the VPC resolver."""
    assert source.pod is not None and source.cluster is not None
    cluster = net.model.clusters[source.cluster]
    return resolve_in_cluster(cluster, source.pod, name, upstream_for(net, cluster))


def dns_endpoint(net: Network, source: Endpoint, answer: ClusterDnsAnswer) -> Endpoint:
    """Where the first address of an in-cluster DNS answer leads."""
    address = answer.addresses[0]
    cluster = source.cluster or ""
    service = net.kube.services_by_ip.get((cluster, int(address)))
    if service is not None:
        default = (service.ports[0].port, f"{service.key}'s only port") \
            if len(service.ports) == 1 else None
        return Endpoint(answer.asked, address, None, "linux", default, cluster=cluster)
    pod = net.kube.pods_by_ip.get((cluster, int(address)))
    if pod is not None:
        return endpoint_of_pod(net, PodRef(cluster, pod))
    vpc = source.eni.vpc if source.eni else None
    return endpoint_at(net, address, answer.asked, source=False, vpc=vpc)
