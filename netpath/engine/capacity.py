"""IP planning for the VPC CNI: free addresses per subnet, max pods per node, and which pods
cannot get an IP (the guide's IP exhaustion case).

With the VPC CNI every pod that is not on the host network takes an address of its node's
subnet, as a secondary IP of one of the node's ENIs (or, with prefix delegation, from a /28
prefix on an ENI). So a node holds at most ENIs x (IPv4 per ENI - 1) pod IPs (the first
address of each ENI is the ENI's own), and kubelet's max pods is that + 2 for the host-network
pods aws-node and kube-proxy. On top of the pods, ipamd keeps a warm pool of idle addresses
(WARM_ENI_TARGET, WARM_IP_TARGET, MINIMUM_IP_TARGET, WARM_PREFIX_TARGET), taken from the
subnet too: warm pools, not pods, are what usually exhausts a small subnet.
https://docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses.html
https://github.com/aws/amazon-vpc-cni-k8s/blob/master/docs/eni-and-ip-target.md
https://github.com/aws/amazon-vpc-cni-k8s/blob/master/docs/prefix-and-ip-target.md

The model: per subnet, pods get their addresses first (nodes by name, pods by key), then each
node's warm pool takes what it wants from what is left; a pod beyond its node's limit or
beyond the subnet's free addresses is NO_POD_IP. Real clusters race: which pod loses depends
on timing, so netpath's choice is only the deterministic stand-in for "one of these". The pods
of the implicit CoreDNS (no file has them, `Pod.implicit`) are not counted: their node is a
guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from netpath.engine.cni_settings import CniSettings
from netpath.engine.instance_types import InstanceType, instance_type
from netpath.engine.subnet_space import PREFIX_SIZE, SubnetSpace, subnet_space
from netpath.model.addr import Prefix
from netpath.model.kubernetes import Cluster, Node, Pod
from netpath.model.record import record
from netpath.model.resources import Model
from netpath.model.vocabulary import Code

RESERVED_PER_SUBNET = 5  # network, VPC router, DNS, future use, broadcast
HOST_NETWORK_PODS = 2  # aws-node and kube-proxy: the "+ 2" of the max-pods formula
CEILING_SMALL, CEILING_LARGE, LARGE_FROM_VCPUS = 110, 250, 31  # max-pods-calculator.sh

@record
class MaxPods:
    pod_ips: int  # addresses for pods: ENIs x (IPs per ENI - 1), x 16 with prefixes
    max_pods: int  # kubelet's maxPods for the node
    formula: str  # "3 ENIs x (10 - 1) + 2 = 29"
    prefix_delegation: bool  # in effect (asked for, and the instance is Nitro)


@record
class WarmPool:
    enis: int  # ENIs attached, the primary included
    addresses: int  # addresses held for pods: secondary IPs, or 16 x prefixes
    prefixes: int  # 0 without prefix delegation


@record
class NodeCapacity:
    cluster: str
    node: str
    instance: str | None
    instance_type: str | None
    subnet: str | None
    limits: MaxPods | None  # None: instance type unknown
    pods: int  # every pod placed on the node
    host_network_pods: int
    pods_with_ip: int
    pool: WarmPool | None  # what ipamd wants for the pods that got an IP
    subnet_addresses: int  # what the node took from its subnet beyond its primary address
    short: int  # warm addresses it wanted but the subnet did not have
    notes: tuple[str, ...] = ()


@record
class SubnetCapacity:
    vpc: str
    name: str
    cidr: Prefix
    az: str
    size: int
    reserved: int
    interfaces: int  # the spec's interfaces: instances, load balancer nodes, NAT, endpoints...
    cni_addresses: int  # what the VPC CNI took for nodes: extra ENIs, pod IPs, warm pools
    pod_ips: int
    free: int
    short: int  # addresses wanted (warm pools) beyond what was free
    free_prefixes: int | None = None  # whole free /28s, with prefix delegation

    @property
    def idle(self) -> int:
        return self.cni_addresses - self.pod_ips


@record
class PodProblem:
    cluster: str
    pod: str
    node: str
    code: Code  # NO_POD_IP
    reason: str
    fix: str
    # max-pods (never started: Pending) | node-ips | subnet | prefix (started, no address)
    cause: str = "subnet"


@record
class CapacityReport:
    settings: CniSettings
    subnets: tuple[SubnetCapacity, ...]
    nodes: tuple[NodeCapacity, ...]
    problems: tuple[PodProblem, ...]
    notes: tuple[str, ...]


def _ceil(a: int, b: int) -> int:
    return -(-a // b)


def max_pods(itype: InstanceType, prefix_delegation: bool = False) -> MaxPods:
    """The EKS formula: ENIs x (IPv4 per ENI - 1) + 2, or with prefix delegation
    ENIs x (IPv4 per ENI - 1) x 16 + 2 capped at 110 (<= 30 vCPUs) or 250."""
    pd = prefix_delegation and itype.nitro
    slots = itype.max_enis * (itype.ipv4_per_eni - 1)
    base = f"{itype.max_enis} ENIs x ({itype.ipv4_per_eni} - 1)"
    if not pd:
        value = slots + HOST_NETWORK_PODS
        return MaxPods(slots, value, f"{base} + 2 = {value}", False)
    pod_ips = slots * PREFIX_SIZE
    value = pod_ips + HOST_NETWORK_PODS
    ceiling = CEILING_LARGE if itype.vcpus >= LARGE_FROM_VCPUS else CEILING_SMALL
    formula = f"{base} x 16 + 2 = {value}"
    if value > ceiling:
        formula += f", capped at {ceiling} ({itype.vcpus} vCPUs)"
    return MaxPods(pod_ips, min(value, ceiling), formula, True)


def warm_pool(itype: InstanceType, pods: int, settings: CniSettings) -> WarmPool:
    """The ENIs and addresses ipamd keeps for `pods` pods (the worked examples of the
    amazon-vpc-cni-k8s docs: t3.small, p3dn.24xlarge)."""
    per_eni = itype.ipv4_per_eni - 1
    wanted = max(pods + (settings.warm_ip_target or 0), settings.minimum_ip_target or 0)
    if settings.prefix_delegation and itype.nitro:
        if settings.ip_targets:
            prefixes = _ceil(wanted, PREFIX_SIZE)
        else:
            prefixes = _ceil(pods, PREFIX_SIZE) + settings.warm_prefix_target
        prefixes = max(1, min(prefixes, itype.max_enis * per_eni))
        return WarmPool(max(1, _ceil(prefixes, per_eni)), prefixes * PREFIX_SIZE, prefixes)
    if settings.ip_targets:
        addresses = min(itype.max_enis * per_eni, wanted)
        return WarmPool(max(1, _ceil(addresses, per_eni)), addresses, 0)
    enis = max(1, min(itype.max_enis, _ceil(pods, per_eni) + settings.warm_eni_target))
    return WarmPool(enis, enis * per_eni, 0)


def _pod_ips_formula(itype: InstanceType, settings: CniSettings) -> str:
    prefixes = " x 16" if settings.prefix_delegation and itype.nitro else ""
    return f"{itype.max_enis} ENIs x ({itype.ipv4_per_eni} - 1){prefixes}"


def _pods_cost(itype: InstanceType | None, pods: int, settings: CniSettings) -> tuple[int, int]:
    """(/28 prefixes, single addresses) `pods` pods need from the subnet with no warm pool:
    their IPs (whole prefixes with prefix delegation) and the primary address of every ENI
    beyond the node's own."""
    if itype is None:
        return 0, pods
    per_eni = itype.ipv4_per_eni - 1
    if settings.prefix_delegation and itype.nitro:
        prefixes = _ceil(pods, PREFIX_SIZE)
        return prefixes, max(0, _ceil(prefixes, per_eni) - 1)
    return 0, pods + max(0, _ceil(pods, per_eni) - 1)


def _pool_wants(pool: WarmPool) -> tuple[int, int]:
    """(/28 prefixes, single addresses) a warm pool holds in all: its prefixes, or its
    secondary IPs, and the primary address of every ENI beyond the node's own."""
    if pool.prefixes:
        return pool.prefixes, pool.enis - 1
    return 0, pool.addresses + pool.enis - 1


@dataclass
class _Node:
    cluster: Cluster
    node: Node
    instance: str | None
    itype: InstanceType | None
    subnet: str | None
    pods: list[Pod]
    notes: list[str] = field(default_factory=list)
    got: int = 0
    held: tuple[int, int] = (0, 0)  # what it took from its subnet: (/28 prefixes, addresses)
    pool: WarmPool | None = None
    short: int = 0

    @property
    def taken(self) -> int:
        """Subnet addresses it holds, a prefix counted as 16."""
        return self.held[0] * PREFIX_SIZE + self.held[1]

    def take(self, space: SubnetSpace | None, prefixes: int, addresses: int) -> bool:
        if space is not None and not space.take(prefixes, addresses):
            return False
        self.held = (self.held[0] + prefixes, self.held[1] + addresses)
        return True


def pods_without_ip(model: Model) -> dict[tuple[str, str], PodProblem]:
    """(cluster, pod key) -> why the VPC CNI cannot give that pod an address; empty when no
    cluster hands out VPC addresses (overlays and flat networks never run out here)."""
    if not any(c.vpc is not None and not c.overlay for c in model.clusters.values()):
        return {}
    return {(p.cluster, p.pod): p for p in capacity(model).problems}


def capacity(model: Model, settings: CniSettings | None = None) -> CapacityReport:
    settings = settings or CniSettings()
    nodes, notes = _vpc_cni_nodes(model)
    problems: list[PodProblem] = []
    interfaces = dict.fromkeys(model.subnets, 0)
    in_use: dict[str, list[int]] = {name: [] for name in model.subnets}
    for eni in model.enis.values():
        if eni.subnet in interfaces:
            interfaces[eni.subnet] += 1
            in_use[eni.subnet].append(int(eni.private_ip))
    spaces = {name: subnet_space(s.cidr, in_use[name]) for name, s in model.subnets.items()}
    for n in nodes:  # pods first, nodes by name, pods by key
        _give_pod_ips(n, settings, spaces, problems)
    for n in nodes:  # then the warm pools, from what is left
        if n.itype is None or n.subnet is None:
            continue
        n.pool = warm_pool(n.itype, n.got, settings)
        _fill_warm_pool(n, n.pool, spaces[n.subnet])
    subnets = tuple(_subnet_report(model, name, interfaces[name], spaces[name], nodes,
                                   settings) for name in model.subnets)
    return CapacityReport(settings, subnets, tuple(_node_report(n, settings) for n in nodes),
                          tuple(problems), tuple(notes))


def _fill_warm_pool(n: _Node, pool: WarmPool, space: SubnetSpace) -> None:
    """Take what the warm pool wants beyond what the node's pods hold, as far as the subnet
    allows (prefixes first: they need whole free /28s)."""
    want = _pool_wants(pool)
    prefixes = max(0, want[0] - n.held[0])
    addresses = max(0, want[1] - n.held[1])
    got_prefixes = min(prefixes, space.blocks)
    n.take(space, got_prefixes, 0)
    got_addresses = min(addresses, space.free)
    n.take(space, 0, got_addresses)
    n.short = (prefixes - got_prefixes) * PREFIX_SIZE + addresses - got_addresses


def _give_pod_ips(n: _Node, settings: CniSettings, spaces: dict[str, SubnetSpace],
                  problems: list[PodProblem]) -> None:
    limits = max_pods(n.itype, settings.prefix_delegation) if n.itype else None
    limit = limits.pod_ips if limits else None
    # Host-network pods (aws-node, kube-proxy: DaemonSets, scheduled first) take max-pods slots
    # but no address; a pod beyond max pods is never started, so it never asks for an IP.
    slots = sum(1 for pod in n.pods if pod.host_network)
    for pod in n.pods:
        if pod.host_network:
            continue
        slots += 1
        if limits is not None and slots > limits.max_pods:
            problems.append(_beyond_max_pods(n, pod, limits))
            continue
        if limit is not None and n.got >= limit:
            assert n.itype is not None
            problems.append(PodProblem(
                n.cluster.name, pod.key, n.node.name, Code.NO_POD_IP,
                f"{n.node.name} ({n.itype.name}) has {limit} pod IPs "
                f"({_pod_ips_formula(n.itype, settings)}), all taken: new pods stay in "
                "ContainerCreating",
                "use a larger instance type, enable prefix delegation (Nitro instances), or "
                "spread the pods over more nodes", "node-ips"))
            continue
        after = _pods_cost(n.itype, n.got + 1, settings)
        before = _pods_cost(n.itype, n.got, settings)
        space = spaces[n.subnet] if n.subnet is not None else None
        if not n.take(space, after[0] - before[0], after[1] - before[1]):
            assert space is not None
            problems.append(_subnet_full(n, pod, space, after[0] > before[0]))
            continue
        n.got += 1


def _beyond_max_pods(n: _Node, pod: Pod, limits: MaxPods) -> PodProblem:
    return PodProblem(
        n.cluster.name, pod.key, n.node.name, Code.NO_POD_IP,
        f"{n.node.name} already runs its max pods ({limits.max_pods}: {limits.formula}), host "
        "network pods included: the scheduler finds no room for it, so it stays Pending ('Too "
        "many pods') and never asks for an IP",
        "spread the pods over more nodes (or use a larger instance type, or prefix "
        "delegation on Nitro instances)", "max-pods")


def _subnet_full(n: _Node, pod: Pod, space: SubnetSpace, wanted_prefix: bool) -> PodProblem:
    if wanted_prefix and space.free >= PREFIX_SIZE:
        return PodProblem(
            n.cluster.name, pod.key, n.node.name, Code.NO_POD_IP,
            f"subnet {n.subnet} has {space.free} free addresses but no free /28: a prefix "
            "needs 16 contiguous, aligned addresses, and the interfaces' addresses have broken "
            "up the rest: new pods stay in ContainerCreating",
            "use a subnet with room for whole /28s (or reserve /28s for prefixes with a "
            "subnet CIDR reservation), or turn prefix delegation off", "prefix")
    return PodProblem(
        n.cluster.name, pod.key, n.node.name, Code.NO_POD_IP,
        f"subnet {n.subnet} has no free address left (AWS reserves "
        f"{RESERVED_PER_SUBNET}; interfaces, pods and the VPC CNI's warm pools hold the "
        "rest): new pods stay in ContainerCreating",
        "use a larger subnet or add one (custom networking, a secondary VPC CIDR), or "
        "shrink the warm pools (WARM_IP_TARGET and MINIMUM_IP_TARGET)")


def _vpc_cni_nodes(model: Model) -> tuple[list[_Node], list[str]]:
    nodes: list[_Node] = []
    notes: list[str] = []
    for cluster in model.clusters.values():
        if cluster.overlay or cluster.vpc is None:
            notes.append(f"cluster {cluster.name} uses {cluster.cni}: pod IPs come from its pod "
                         "CIDR, not from VPC subnets (kubelet's default max pods: 110)")
            continue
        if any(p.security_groups for p in cluster.pods.values()):
            notes.append(f"cluster {cluster.name}: pods with security groups use branch ENIs "
                         "of the node's trunk ENI, with their own per-instance limit (not "
                         "counted here)")
        by_node: dict[str, list[Pod]] = {}
        for pod in sorted(cluster.pods.values(), key=lambda p: _natural(p.key)):
            if not pod.implicit:  # the implicit CoreDNS's node is netpath's guess: not counted
                by_node.setdefault(pod.node, []).append(pod)
        for node in sorted(cluster.nodes.values(), key=lambda n: n.name):
            nodes.append(_place(model, cluster, node, by_node.get(node.name, [])))
    nodes.sort(key=lambda n: (n.subnet or "", n.cluster.name, n.node.name))
    return nodes, notes


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """web-2 before web-10, as a person reads replica numbers."""
    return tuple((0, int(part)) if part.isdigit() else (1, part)
                 for part in re.split(r"(\d+)", text) if part)


def _place(model: Model, cluster: Cluster, node: Node, pods: list[Pod]) -> _Node:
    instance = model.instances.get(node.instance) if node.instance else None
    subnet = None
    if instance is not None and instance.enis:
        subnet = model.enis[instance.enis[0]].subnet
    else:
        subnet = next((e.subnet for e in model.enis.values()
                       if e.vpc == cluster.vpc and e.private_ip == node.ip), None)
    type_name = instance.instance_type if instance else None
    itype = instance_type(type_name) if type_name else None
    n = _Node(cluster, node, instance.name if instance else None, itype, subnet, pods)
    if type_name is None:
        n.notes.append("no instance_type on its instance: netpath counts one address per pod, "
                       "no per-node limit and no warm pool (add instance_type, e.g. m5.large)")
    elif itype is None:
        n.notes.append(f"instance type {type_name!r} is not in netpath's table: no per-node "
                       "limit or warm pool computed")
    if subnet is None:
        n.notes.append("not in any subnet of the spec: its pods' addresses are not counted")
    return n


def _node_report(n: _Node, settings: CniSettings) -> NodeCapacity:
    notes = list(n.notes)
    host = sum(1 for p in n.pods if p.host_network)
    limits = max_pods(n.itype, settings.prefix_delegation) if n.itype else None
    if limits is not None and len(n.pods) > limits.max_pods:
        notes.append(f"{len(n.pods)} pods are placed but max pods is {limits.max_pods}: the "
                     "scheduler finds no room for the rest (Pending, 'Too many pods')")
    if n.itype is not None and settings.prefix_delegation and not n.itype.nitro:
        notes.append(f"{n.itype.name} is not a Nitro instance: no prefix delegation, secondary "
                     "IPs only")
    if n.short:
        notes.append(f"its warm pool wants {n.short} more address(es) than the subnet has: "
                     "new pods will wait for IPs")
    return NodeCapacity(n.cluster.name, n.node.name, n.instance,
                        n.itype.name if n.itype else None, n.subnet, limits, len(n.pods), host,
                        n.got, n.pool, n.taken, n.short, tuple(notes))


def _subnet_report(model: Model, name: str, interfaces: int, space: SubnetSpace,
                   nodes: list[_Node], settings: CniSettings) -> SubnetCapacity:
    subnet = model.subnets[name]
    here = [n for n in nodes if n.subnet == name]
    size = subnet.cidr.num_addresses
    return SubnetCapacity(subnet.vpc, name, subnet.cidr, subnet.az, size, RESERVED_PER_SUBNET,
                          interfaces, sum(n.taken for n in here), sum(n.got for n in here),
                          space.free, sum(n.short for n in here),
                          space.blocks if settings.prefix_delegation else None)
