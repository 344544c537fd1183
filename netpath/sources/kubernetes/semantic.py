"""Semantic checks of the Kubernetes part: facts that need the whole model.

Nodes in their cluster's VPC, pod addresses where their CNI would give them and unique (with
the VPC CNI, unique among the VPC's interfaces too), ClusterIPs inside the service CIDR and
unique, NodePorts in 30000-32767 and unique, security groups of SecurityGroupPolicies that
exist in the cluster's VPC. A Service whose selector matches no pod is *not* an error: that is
what a trace reports (SERVICE_NO_ENDPOINTS), and a spec may well be written to show it.

Only addresses and ports the manifests wrote are checked: what netpath assigned is right by
construction. Paths point at the written value (`status.podIP`, `spec.clusterIP`...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from netpath.load.errors import SpecError
from netpath.model.addr import Address
from netpath.model.kubernetes import Cluster, Node, Pod
from netpath.model.names import did_you_mean
from netpath.model.resources import Model, Subnet

Check = Callable[[Model], Iterator[SpecError]]
NODE_PORT_RANGE = range(30000, 32768)


def node_subnet(model: Model, cluster: Cluster, node: Node) -> Subnet | None:
    """The subnet a VPC CNI node gives its pods addresses from."""
    instance = model.instances.get(node.instance or "")
    if instance is not None:
        eni = model.enis.get(instance.enis[0])
        return model.subnets.get(eni.subnet) if eni is not None else None
    return next((s for s in model.subnets.values()
                 if s.vpc == cluster.vpc and node.ip in s.cidr), None)


def nodes_in_vpc(model: Model) -> Iterator[SpecError]:
    """A node's instance belongs to the cluster's VPC; a node written by IP sits inside it."""
    for cluster in model.clusters.values():
        vpc = model.vpcs.get(cluster.vpc or "")
        seen: dict[Address, Node] = {}
        for node in cluster.nodes.values():
            instance = model.instances.get(node.instance or "")
            if instance is not None and instance.vpc != cluster.vpc:
                where = f"VPC {cluster.vpc!r}" if cluster.vpc else "no VPC"
                yield SpecError(f"node {node.name!r} is instance {instance.name!r} of VPC "
                                f"{instance.vpc!r}, but cluster {cluster.name!r} has {where}",
                                (*node.path, "instance"))
            elif instance is None and vpc is not None and not any(
                    node.ip in cidr for cidr in vpc.cidrs):
                yield SpecError(f"node {node.name!r} ({node.ip}) is outside VPC {vpc.name!r} "
                                f"of cluster {cluster.name!r}", node.path)
            first = seen.setdefault(node.ip, node)
            if first is not node:
                yield SpecError(f"node {node.name!r} has the address {node.ip} of node "
                                f"{first.name!r}", node.path)


def _written_ip(pod: Pod) -> bool:
    return "ip" not in pod.assigned and not pod.host_network


def pod_addresses(model: Model) -> Iterator[SpecError]:
    """A written pod IP lies where its CNI hands out addresses: the node's subnet (VPC CNI, off
    AWS's reserved addresses), else the cluster's pod CIDR."""
    for cluster in model.clusters.values():
        subnets: dict[str, Subnet | None] = {}
        for pod in cluster.pods.values():
            node = cluster.nodes.get(pod.node)
            if not _written_ip(pod) or node is None:
                continue
            path = (*pod.path, "status", "podIP")
            if cluster.overlay:
                if cluster.pod_cidr is not None and pod.ip not in cluster.pod_cidr:
                    yield SpecError(f"pod IP {pod.ip} of {pod.key} is outside the pod CIDR "
                                    f"{cluster.pod_cidr} of cluster {cluster.name!r}", path)
                continue
            if node.name not in subnets:
                subnets[node.name] = node_subnet(model, cluster, node)
            subnet = subnets[node.name]
            if subnet is None:
                continue
            where = f"subnet {subnet.name!r} ({subnet.cidr}) of node {node.name!r}"
            offset = int(pod.ip) - int(subnet.cidr.network_address)
            if pod.ip not in subnet.cidr:
                yield SpecError(f"pod IP {pod.ip} of {pod.key} is outside the {where}: the VPC "
                                "CNI gives pods addresses of their node's subnet", path)
            elif offset < 4 or pod.ip == subnet.cidr.broadcast_address:
                yield SpecError(f"pod IP {pod.ip} of {pod.key} is reserved by AWS in the "
                                f"{where}", path)


def unique_pod_addresses(model: Model) -> Iterator[SpecError]:
    """Pod IPs are unique in their network: the VPC (with its interfaces) for the VPC CNI, the
    cluster for an overlay."""
    owners: dict[tuple[str, Address], str] = {
        (eni.vpc, eni.private_ip): f"interface {eni.name!r}" for eni in model.enis.values()}
    for cluster in model.clusters.values():
        network = cluster.vpc if cluster.vpc and not cluster.overlay else f"cluster {cluster.name}"
        for node in cluster.nodes.values():
            owners.setdefault((network, node.ip), f"node {node.name!r}")
        # Written addresses first, so that a clash is reported at a written one.
        for pod in sorted(cluster.pods.values(), key=lambda p: not _written_ip(p)):
            if pod.host_network:
                continue
            first = owners.setdefault((network, pod.ip), f"pod {pod.key}")
            if first != f"pod {pod.key}":
                path = (*pod.path, "status", "podIP") if _written_ip(pod) else pod.path
                yield SpecError(f"pod IP {pod.ip} of {pod.key} is already used by {first}", path)


def service_addresses(model: Model) -> Iterator[SpecError]:
    """ClusterIPs inside the service CIDR (not its network, first or last address) and unique;
    the cluster DNS IP inside it; the service CIDR apart from the VPC and the pod CIDR."""
    for cluster in model.clusters.values():
        cidr = cluster.service_cidr
        if cluster.dns_ip not in cidr:
            yield SpecError(f"cluster DNS IP {cluster.dns_ip} is outside the service CIDR "
                            f"{cidr}", (*cluster.path, "dns", "ip"))
        vpc = model.vpcs.get(cluster.vpc or "")
        others = [(f"VPC {vpc.name!r}", c) for c in vpc.cidrs] if vpc is not None else []
        if cluster.pod_cidr is not None:
            others.append(("pod CIDR", cluster.pod_cidr))
        for what, other in others:
            if other.overlaps(cidr):
                yield SpecError(f"service CIDR {cidr} overlaps the {what} ({other})",
                                (*cluster.path, "service_cidr"))
        seen: dict[Address, str] = {}
        for service in cluster.services.values():
            ip = service.cluster_ip
            # Assigned, or the implicit kube-dns at the DNS IP (checked above): right already.
            if ip is None or "cluster_ip" in service.assigned or "implicit" in service.assigned:
                continue
            path = (*service.path, "spec", "clusterIP")
            if ip not in cidr:
                yield SpecError(f"ClusterIP {ip} of Service {service.key} is outside the service "
                                f"CIDR {cidr} of cluster {cluster.name!r}", path)
                continue
            if ip in (cidr.network_address, cidr.broadcast_address):
                yield SpecError(f"ClusterIP {ip} of Service {service.key} is the "
                                f"{'network' if ip == cidr.network_address else 'broadcast'} "
                                f"address of the service CIDR {cidr}", path)
            elif ip == cidr[1] and service.key != "default/kubernetes":
                yield SpecError(f"ClusterIP {ip} of Service {service.key} is the service CIDR's "
                                "first address, which the `kubernetes` Service holds", path)
            first = seen.setdefault(ip, service.key)
            if first != service.key:
                yield SpecError(f"ClusterIP {ip} of Service {service.key} is already used by "
                                f"Service {first}", path)


def node_ports(model: Model) -> Iterator[SpecError]:
    """Written NodePorts are in 30000-32767 and unique in the cluster (one Service may use a
    port for TCP and UDP)."""
    for cluster in model.clusters.values():
        seen: dict[int, str] = {}  # node port -> the Service holding it
        protocols: set[tuple[int, str]] = set()
        for service in cluster.services.values():
            for port in service.ports:
                if port.node_port is None:
                    continue
                path = (*port.path, "nodePort")
                if port.node_port not in NODE_PORT_RANGE:
                    yield SpecError(f"nodePort {port.node_port} of Service {service.key} is "
                                    "outside the NodePort range 30000-32767", path)
                    continue
                first = seen.setdefault(port.node_port, service.key)
                if first != service.key:
                    yield SpecError(f"nodePort {port.node_port} of Service {service.key} is "
                                    f"already used by Service {first}", path)
                elif (port.node_port, port.protocol) in protocols:
                    yield SpecError(f"nodePort {port.node_port} is used twice for "
                                    f"{port.protocol} in Service {service.key}", path)
                protocols.add((port.node_port, port.protocol))


def security_group_policies(model: Model) -> Iterator[SpecError]:
    """The groups of a SecurityGroupPolicy exist, in the cluster's VPC."""
    for cluster in model.clusters.values():
        for policy in cluster.security_group_policies.values():
            for index, name in enumerate(policy.security_groups):
                path = (*policy.path, "spec", "securityGroups", "groupIds", index)
                group = model.security_groups.get(name)
                if group is None:
                    yield SpecError(f"security group {name!r} does not exist", path,
                                    hint=did_you_mean(name, model.security_groups))
                elif group.vpc != cluster.vpc:
                    yield SpecError(f"security group {name!r} is of VPC {group.vpc!r}, not of "
                                    f"cluster {cluster.name!r}'s VPC {cluster.vpc!r}", path)


KUBE_CHECKS: tuple[Check, ...] = (
    nodes_in_vpc,
    pod_addresses,
    unique_pod_addresses,
    service_addresses,
    node_ports,
    security_group_policies,
)
