"""Indexes over the Kubernetes part, built once in `prepare`.

With the VPC CNI a pod's IP is a secondary IP of its node's ENI (or, with security groups for
pods, of a branch ENI carrying the pod's own groups). netpath gives each such pod a synthetic
interface in the VPC, so the AWS walker routes to and from pods with no special case, and a
security group rule that references the node's group matches pod IPs, exactly as on EKS.
"""

from __future__ import annotations

from netpath.engine.capacity import PodProblem, pods_without_ip
from netpath.engine.network_policy import PolicyIndex, build_policy_index
from netpath.model.addr import Address, ipv4_or_none
from netpath.model.kubernetes import Cluster, Node, Pod, Service
from netpath.model.record import record
from netpath.model.resources import Eni, Model
from netpath.model.vocabulary import EniOwner


@record
class PodRef:
    cluster: str
    pod: Pod


@record
class NodeRef:
    cluster: str
    node: Node


@record
class KubeIndex:
    pod_enis: dict[str, Eni]  # synthetic interfaces of VPC CNI pods, by ENI name
    pod_of_eni: dict[str, PodRef]
    pods_by_ip: dict[tuple[str, int], Pod]  # (cluster, address) -> pod (not hostNetwork)
    # "ns/name", "name", "cluster/ns/name" (as `netpath matrix` names pods when a spec has
    # several clusters) and "cluster:ns/name" -> pods
    pods_by_key: dict[str, list[PodRef]]
    node_of_eni: dict[str, NodeRef]  # a node's primary ENI -> the node
    nodes_by_ip: dict[tuple[str, int], Node]
    services_by_ip: dict[tuple[str, int], Service]  # (cluster, ClusterIP)
    services_by_node_port: dict[tuple[str, int], Service]
    # "ns/name", "name", "cluster/ns/name" and "cluster:ns/name" -> Services
    services_by_key: dict[str, list[tuple[str, Service]]]
    cluster_of_vpc: dict[str, str]
    policy_indexes: dict[str, PolicyIndex]  # per cluster
    # Pods the VPC CNI cannot give an address (node or subnet exhausted): why, by (cluster, key)
    pods_without_ip: dict[tuple[str, str], PodProblem]
    # Overlay CNIs: the address of each node's tunnel device (cluster, node) -> address
    tunnel_ips: dict[tuple[str, str], Address]
    # The cloud's load balancer of a LoadBalancer Service of a cluster without an AWS part:
    # address -> (cluster, Service)
    cloud_lbs_by_ip: dict[int, tuple[str, Service]]
    # A LoadBalancer Service's status IPs, which kube-proxy short-circuits for traffic from
    # inside the cluster: (cluster, address) -> Service
    load_balancer_ips: dict[tuple[str, int], Service]

    def pod_eni(self, cluster: str, pod: Pod) -> Eni | None:
        return self.pod_enis.get(pod_eni_name(cluster, pod))


def kube_keys(cluster: str, namespace: str, name: str) -> tuple[str, ...]:
    """Every way a pod or a Service can be named: NAME, NAMESPACE/NAME, CLUSTER/NAMESPACE/NAME
    and CLUSTER:NAMESPACE/NAME."""
    key = f"{namespace}/{name}"
    return (key, name, f"{cluster}/{key}", f"{cluster}:{key}")


def pod_eni_name(cluster: str, pod: Pod) -> str:
    return f"pod:{cluster}/{pod.namespace}/{pod.name}"


def build_kube_index(model: Model) -> KubeIndex:
    index = KubeIndex({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})
    for cluster in model.clusters.values():
        index.policy_indexes[cluster.name] = build_policy_index(cluster)
        if cluster.vpc is not None:
            index.cluster_of_vpc.setdefault(cluster.vpc, cluster.name)
        _index_nodes(model, cluster, index)
        _index_pods(model, cluster, index)
        _index_services(cluster, index)
    if any(c.vpc is not None and not c.overlay for c in model.clusters.values()):
        # the VPC CNI gives pods VPC addresses: some may find none (the guide's IP exhaustion)
        index.pods_without_ip.update(pods_without_ip(model))
    return index


def tunnel_address(cluster: Cluster, node: Node) -> Address | None:
    """The address of a node's overlay device, which the kernel picks as the source of the
    node's own packets to pods on other nodes: Flannel's flannel.1 and Calico's tunl0 take the
    first address of the node's pod CIDR (block); Cilium's cilium_host takes a router address
    from it, which netpath places at the second (pods start at the third)."""
    if not cluster.overlay or cluster.vpc is None or node.pod_cidr is None:
        return None
    return node.pod_cidr.network_address + (1 if cluster.cni == "cilium" else 0)


def _index_nodes(model: Model, cluster: Cluster, index: KubeIndex) -> None:
    for node in cluster.nodes.values():
        index.nodes_by_ip[(cluster.name, int(node.ip))] = node
        tunnel = tunnel_address(cluster, node)
        if tunnel is not None:
            index.tunnel_ips[(cluster.name, node.name)] = tunnel
            index.nodes_by_ip[(cluster.name, int(tunnel))] = node
        if node.instance is not None and node.instance in model.instances:
            primary = model.instances[node.instance].enis[0]
            index.node_of_eni[primary] = NodeRef(cluster.name, node)


def _index_pods(model: Model, cluster: Cluster, index: KubeIndex) -> None:
    vpc_cni = cluster.vpc is not None and not cluster.overlay
    for pod in cluster.pods.values():
        ref = PodRef(cluster.name, pod)
        for key in kube_keys(cluster.name, pod.namespace, pod.name):
            index.pods_by_key.setdefault(key, []).append(ref)
        if pod.host_network:
            continue
        index.pods_by_ip[(cluster.name, int(pod.ip))] = pod
        if vpc_cni:
            eni = _pod_eni(model, cluster, pod)
            if eni is not None:
                index.pod_enis[eni.name] = eni
                index.pod_of_eni[eni.name] = ref


def _pod_eni(model: Model, cluster: Cluster, pod: Pod) -> Eni | None:
    node = cluster.nodes.get(pod.node)
    if node is None or node.instance is None or node.instance not in model.instances:
        return None
    node_eni = model.enis[model.instances[node.instance].enis[0]]
    groups = pod.security_groups or node_eni.security_groups
    return Eni(
        name=pod_eni_name(cluster.name, pod), vpc=node_eni.vpc, subnet=node_eni.subnet,
        private_ip=pod.ip, public_ip=None, security_groups=groups, owner_kind=EniOwner.POD,
        owner=pod.key, source_dest_check=True, client_os="linux", path=pod.path,
    )


def _index_services(cluster: Cluster, index: KubeIndex) -> None:
    for service in cluster.services.values():
        entry = (cluster.name, service)  # one object under every key (see resolve_kube)
        for key in kube_keys(cluster.name, service.namespace, service.name):
            index.services_by_key.setdefault(key, []).append(entry)
        if service.cluster_ip is not None:
            index.services_by_ip[(cluster.name, int(service.cluster_ip))] = service
        for port in service.ports:
            if port.node_port is not None:
                index.services_by_node_port[(cluster.name, port.node_port)] = service
        for address in service.cloud_addresses:
            index.cloud_lbs_by_ip.setdefault(int(address), (cluster.name, service))
        for written in service.external_addresses if service.type == "LoadBalancer" else ():
            status_ip = ipv4_or_none(written)  # a DNS name is nothing kube-proxy matches
            if status_ip is not None:
                index.load_balancer_ips.setdefault((cluster.name, int(status_ip)), service)
