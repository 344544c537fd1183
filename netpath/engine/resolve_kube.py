"""Resolving Kubernetes names: pods (`NAMESPACE/NAME`, or NAME when unique) and Services
(`NAMESPACE/NAME`, NAME, or their ClusterIP), for the source and destination of a trace."""

from __future__ import annotations

from netpath.engine.coredns import ClusterDnsAnswer, resolve_in_cluster, upstream_for
from netpath.engine.endpoints import Endpoint, endpoint_at, load_balancer_endpoint
from netpath.engine.errors import QueryError
from netpath.engine.kube_index import PodRef
from netpath.engine.network import Network
from netpath.model.kubernetes import Service


def find_pod(net: Network, text: str) -> PodRef | None:
    refs = net.kube.pods_by_key.get(text)
    if not refs:
        return None
    if len(refs) > 1:
        names = ", ".join(sorted(f"{r.cluster}:{r.pod.key}" for r in refs))
        raise QueryError(f"{text!r} names several pods ({names})",
                         "write NAMESPACE/NAME to say which")
    return refs[0]


def find_service(net: Network, text: str) -> tuple[str, Service] | None:
    found = net.kube.services_by_key.get(text)
    if not found:
        return None
    if len(found) > 1:
        names = ", ".join(sorted(f"{c}:{s.key}" for c, s in found))
        raise QueryError(f"{text!r} names several Services ({names})",
                         "write NAMESPACE/NAME to say which")
    return found[0]


def pod_endpoint(net: Network, text: str) -> Endpoint | None:
    ref = find_pod(net, text)
    if ref is None:
        return None
    pod = ref.pod
    eni = net.kube.pod_eni(ref.cluster, pod)
    ports = [p for p in pod.ports]
    default = (ports[0].port, f"{pod.key}'s only container port") if len(ports) == 1 else None
    return Endpoint(pod.key, pod.ip, eni, "linux", default, pod=pod, cluster=ref.cluster)


def service_endpoint(net: Network, text: str, source: Endpoint) -> Endpoint | None:
    """A Service typed by name: its ClusterIP inside the cluster; from outside, a LoadBalancer
    Service is reached at its load balancer, anything else at its ClusterIP (which only exists
    inside the cluster: the trace will show that)."""
    found = find_service(net, text)
    if found is None:
        return None
    cluster, service = found
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
        found = pod_endpoint(net, pod.key)
        if found is not None:
            return found
    vpc = source.eni.vpc if source.eni else None
    return endpoint_at(net, address, answer.asked, source=False, vpc=vpc)
