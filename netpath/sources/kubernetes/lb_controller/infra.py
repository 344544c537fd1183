"""The AWS side of load balancers made from Kubernetes objects: names, node addresses, subnets,
security groups and target groups. `synthesize` decides *which* load balancers exist; this
module builds their parts the way the AWS Load Balancer Controller (and, for Classic Load
Balancers, Kubernetes' in-tree AWS cloud provider) would.

Everything is deterministic: objects are visited in sorted order, addresses are the highest
free ones of each subnet (private) and of 198.51.100.0/24 (public, counting down), names follow
fixed patterns, and every choice is recorded in `notes`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import field, replace

from netpath.load.errors import SpecError
from netpath.model.addr import ANY_PREFIX, Address, PortRange, Prefix
from netpath.model.kubernetes import Cluster, Ingress, Node, Service, ServicePort
from netpath.model.paths import SpecPath
from netpath.model.record import record
from netpath.model.resources import (
    Eni,
    LoadBalancer,
    Model,
    SecurityGroup,
    SgRule,
    Subnet,
    Target,
    TargetGroup,
)
from netpath.model.vocabulary import EniOwner

# What the controller writes on the rules it adds to node and pod groups; the engine's trace
# recognises it (netpath.engine.balancers.CONTROLLER_RULE_DESCRIPTION, kept equal by a test).
CONTROLLER_RULE_DESCRIPTION = "elbv2.k8s.aws/targetGroupBinding=shared"
PUBLIC_POOL = Prefix("198.51.100.0/24")  # TEST-NET-2, as the AWS builder uses
MAX_LB_NAME = 32  # AWS's limit for load balancer names


@record
class Synth:
    """The synthesis under way: the input model, what is added or changed, errors and notes.
    Its collections fill as it goes (`start` makes one for a model)."""

    model: Model
    lb_subnets: Mapping[str, Mapping[str, Sequence[str]]]
    load_balancers: dict[str, LoadBalancer] = field(default_factory=dict)
    target_groups: dict[str, TargetGroup] = field(default_factory=dict)
    enis: dict[str, Eni] = field(default_factory=dict)
    security_groups: dict[str, SecurityGroup] = field(default_factory=dict)
    errors: list[SpecError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)
    private_taken: dict[str, set[int]] = field(default_factory=dict)  # vpc -> addresses
    public_taken: set[int] = field(default_factory=set)
    tg_keys: dict[str, tuple[object, ...]] = field(default_factory=dict)

    @classmethod
    def start(cls, model: Model, lb_subnets: Mapping[str, Mapping[str, Sequence[str]]]
              ) -> Synth:
        """The synthesis of `model`'s load balancers, before any: the names and addresses the
        model takes already."""
        s = cls(model, lb_subnets, security_groups=dict(model.security_groups))
        s.taken.update(model.resource_names())
        for eni in model.enis.values():
            s.private_taken.setdefault(eni.vpc, set()).add(int(eni.private_ip))
            if eni.public_ip is not None:
                s.public_taken.add(int(eni.public_ip))
        for host in model.internet_hosts.values():
            s.public_taken.add(int(host.ip))
        for cluster in model.clusters.values():
            # VPC CNI pods hold addresses of the nodes' subnets: never hand those out again.
            if cluster.vpc is not None:
                used = s.private_taken.setdefault(cluster.vpc, set())
                used.update(int(p.ip) for p in cluster.pods.values())
                used.update(int(n.ip) for n in cluster.nodes.values())
        return s

    def error(self, path: SpecPath, message: str, hint: str | None = None) -> None:
        self.errors.append(SpecError(message, path, hint=hint))

    def claim(self, name: str, what: str, path: SpecPath, hint: str) -> bool:
        """Reserve a name netpath makes up; a clash with a name of the spec is an error."""
        if name in self.taken:
            self.error(path, f"the {what} netpath would create is named {name!r}, which the "
                       "spec already uses", hint)
            return False
        self.taken.add(name)
        return True


def annotation_path(obj: Ingress | Service, key: str) -> SpecPath:
    """Where an annotation is written in the object's manifest."""
    return (*obj.path, "metadata", "annotations", key)


# --- names ---------------------------------------------------------------------------------


def _clean(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")


def load_balancer_name(parts: Sequence[str], suffix: str = "") -> str:
    """`k8s-<parts>[suffix]`, as the controller names what it creates, cut to AWS's 32
    characters when needed; a cut name ends in a hash of the full one, so two long names that
    share a beginning stay distinct (the controller's own scheme: k8s-%.8s-%.8s-<hash>)."""
    cleaned = [_clean(p) for p in parts]
    full = "k8s-" + "-".join(cleaned) + suffix
    if len(full) <= MAX_LB_NAME:
        return full
    import hashlib  # only for a long name: hashlib's import (OpenSSL) costs every start

    digest = hashlib.sha256(full.encode()).hexdigest()[:6]
    width = 17 if len(cleaned) == 1 else 8
    cut = "-".join(p[:width].strip("-") for p in cleaned)
    return f"k8s-{cut}-{digest}{suffix}"


def target_group_name(service: Service, port: ServicePort, target_type: str,
                      layer4: bool, cluster: str | None = None) -> str:
    """One target group per Service port (and target type and protocol); `cluster` when the
    spec has several clusters, whose Services may share a namespace and name."""
    scope = f"{cluster}-" if cluster else ""
    name = f"k8s-{scope}{service.namespace}-{service.name}-{port.port}"
    if target_type == "ip":
        name += "-ip"
    return name + (f"-{port.protocol}" if layer4 else "")


# --- subnets and addresses -----------------------------------------------------------------


def placement(s: Synth, cluster: Cluster, scheme: str, written: Sequence[str] | None,
              path: SpecPath, owner: str) -> list[Subnet]:
    """The subnets of a new load balancer: written (annotation, then the cluster's
    `load_balancer_subnets`), else discovered as the controller does without tags: one subnet
    per Availability Zone, public ones for internet-facing, private ones for internal (in an
    AZ, a subnet holding the cluster's nodes first, then by name)."""
    model = s.model
    listed = s.lb_subnets.get(cluster.name, {}).get(scheme)
    chosen = written or listed
    if chosen:
        subnets = []
        for index, name in enumerate(chosen):
            subnet = model.subnets.get(name)
            if subnet is None or subnet.vpc != cluster.vpc:
                where = path if written else \
                    (*cluster.path, "load_balancer_subnets", scheme, index)
                s.error(where, f"subnet {name!r} for {owner} is not a subnet of VPC "
                        f"{cluster.vpc!r}")
                continue
            subnets.append(subnet)
        return subnets
    wanted = scheme == "internet-facing"
    with_nodes = {_node_subnet(model, n) for n in cluster.nodes.values()}
    per_az: dict[str, Subnet] = {}
    for subnet in sorted(model.subnets.values(),
                         key=lambda x: (x.az, x.name not in with_nodes, x.name)):
        if subnet.vpc == cluster.vpc and model.is_public(subnet) == wanted:
            per_az.setdefault(subnet.az, subnet)
    found = list(per_az.values())
    if found:
        s.notes.append(f"{owner}: subnets {', '.join(x.name for x in found)} (discovered: one "
                       f"{'public' if wanted else 'private'} subnet per AZ of VPC "
                       f"{cluster.vpc}; `load_balancer_subnets` on the cluster chooses)")
    return found


def _node_subnet(model: Model, node: Node) -> str | None:
    instance = model.instances.get(node.instance or "")
    return model.enis[instance.enis[0]].subnet if instance is not None else None


def _highest_free(candidates: range, taken: set[int]) -> Address | None:
    for value in candidates:
        if value not in taken:
            return Address(value)
    return None


def node_enis(s: Synth, lb: str, vpc: str, subnets: Sequence[Subnet], scheme: str,
              groups: tuple[str, ...], path: SpecPath) -> list[Eni]:
    """One node (ENI) per subnet, at the highest free private address (AWS reserves the first
    four and the last address of a subnet), with a public IP when internet-facing."""
    enis = []
    used = s.private_taken.setdefault(vpc, set())
    for subnet in subnets:
        name = f"{lb}.{subnet.name}"
        cidr = subnet.cidr
        private = _highest_free(range(int(cidr.broadcast_address) - 1,
                                      int(cidr.network_address) + 3, -1), used)
        if private is None:
            s.error(path, f"subnet {subnet.name!r} ({cidr}) has no free address left for "
                    f"{lb!r}")
            continue
        public: Address | None = None
        if scheme == "internet-facing":
            public = _highest_free(range(int(PUBLIC_POOL.broadcast_address) - 1,
                                         int(PUBLIC_POOL.network_address), -1), s.public_taken)
            if public is None:
                s.error(path, f"no public address left in {PUBLIC_POOL} for {lb!r}")
                continue
            s.public_taken.add(int(public))
        used.add(int(private))
        if not s.claim(name, "load balancer node", path, "rename the spec's object"):
            continue
        eni = Eni(name, vpc, subnet.name, private, public, groups, EniOwner.LOAD_BALANCER, lb, True,
                  "elb", path)
        s.enis[name] = eni
        enis.append(eni)
        s.notes.append(f"assigned {private}" + (f" (public {public})" if public else "") +
                       f" to {name}, a node of {lb}")
    return enis


# --- security groups -----------------------------------------------------------------------


def rule(protocol: str, port: int | None, *, cidr: Prefix | None = None,
         group: str | None = None, description: str = "", path: SpecPath = ()) -> SgRule:
    ports = None if port is None else PortRange(port, port)
    return SgRule("ingress", protocol, ports, cidr, group, None, description, path)


def new_group(s: Synth, name: str, vpc: str, ingress: Sequence[SgRule], description: str,
              path: SpecPath) -> str | None:
    """A group the controller creates: the given inbound rules, AWS's default outbound."""
    if name in s.security_groups and name not in s.model.security_groups:
        return name  # made earlier in this synthesis (the cluster's shared backend group)
    if not s.claim(name, "security group", path, "rename the spec's security group"):
        return None
    egress = (SgRule("egress", "all", None, ANY_PREFIX, None, None, "", path),)
    s.security_groups[name] = SecurityGroup(name, vpc, tuple(ingress), egress, True,
                                            description, path)
    return name


def open_on_target(s: Synth, group: str, added: SgRule, why: str,
                   who: str = "the AWS Load Balancer Controller") -> None:
    """Add an inbound rule to a node's or pod's security group, once."""
    current = s.security_groups[group]
    same = (added.protocol, added.ports, added.cidr, added.security_group)
    if any((r.protocol, r.ports, r.cidr, r.security_group) == same for r in current.ingress):
        return
    s.security_groups[group] = replace(current, ingress=(*current.ingress, added))
    s.notes.append(f"{who} added '{added}' to {group} ({why})")


def node_group(model: Model, node: Node) -> str | None:
    """The group the controller writes node rules into: the one on the node's primary ENI
    (it picks the group tagged for the cluster, or the only one; netpath takes the first)."""
    instance = model.instances.get(node.instance or "")
    if instance is None:
        return None
    groups = model.enis[instance.enis[0]].security_groups
    return groups[0] if groups else None


# --- backends and target groups ------------------------------------------------------------


@record
class Backend:
    """A ready endpoint of a Service port: where kube-proxy (or an ip target) sends."""

    ip: Address
    port: int
    node: str | None
    pod_groups: tuple[str, ...]  # security groups for pods; () = the node's
    path: SpecPath


def backends(cluster: Cluster, service: Service, port: ServicePort) -> list[Backend]:
    """Ready endpoints, with a named targetPort resolved per pod (a pod without that port is
    no endpoint of this port, as in an EndpointSlice)."""
    found: list[Backend] = []
    if service.selector is not None:
        wanted = service.selector
        for pod in sorted(cluster.pods.values(), key=lambda p: p.key):
            if pod.namespace != service.namespace or not pod.ready:
                continue
            if any(pod.labels.get(k) != v for k, v in wanted.items()):
                continue
            number = port.target_port if isinstance(port.target_port, int) else \
                pod.port_named(port.target_port, port.protocol)
            if number is not None:
                found.append(Backend(pod.ip, number, pod.node, pod.security_groups, pod.path))
        return found
    for endpoint in service.endpoints:
        if not endpoint.ready:
            continue
        ports = [p for p in endpoint.ports if p.name == port.name or len(endpoint.ports) == 1]
        if ports:
            found.append(Backend(endpoint.ip, ports[0].port, endpoint.node, (), endpoint.path))
    return found


def instance_targets(s: Synth, cluster: Cluster, service: Service, port: ServicePort,
                     ready: list[Backend]) -> list[Target]:
    """Every node on the NodePort. Health as the load balancer's check sees it: with
    externalTrafficPolicy Local only nodes with a ready local endpoint pass; with Cluster every
    node passes while the Service has a ready endpoint anywhere (kube-proxy forwards)."""
    assert port.node_port is not None
    local = service.external_traffic_policy == "Local"
    targets = []
    for node in sorted(cluster.nodes.values(), key=lambda n: n.name):
        if node.instance is None or node.instance not in s.model.instances:
            s.notes.append(f"node {node.name} of cluster {cluster.name} is no EC2 instance of "
                           f"the spec: no target of {service.key}")
            continue
        healthy = any(b.node == node.name for b in ready) if local else bool(ready)
        targets.append(Target(node.instance, port.node_port, healthy, node.path))
    return targets


def make_target_group(s: Synth, cluster: Cluster, service: Service, port: ServicePort,
                      target_type: str, protocol: str, preserve: bool,
                      path: SpecPath) -> TargetGroup | None:
    """The target group of a Service port, made once and shared by every load balancer that
    forwards to it with the same settings."""
    assert cluster.vpc is not None
    several = len(s.model.clusters) > 1
    name = target_group_name(service, port, target_type, protocol in ("TCP", "UDP", "TLS"),
                             cluster.name if several else None)
    key = (cluster.name, service.key, port.port, target_type, protocol, preserve)
    if name in s.target_groups:
        if s.tg_keys[name] == key:
            return s.target_groups[name]
        s.error(path, f"target group {name!r} is wanted with two different settings")
        return None
    if not s.claim(name, "target group", path, "rename the spec's object"):
        return None
    ready = backends(cluster, service, port)
    if target_type == "instance":
        targets = instance_targets(s, cluster, service, port, ready)
        group_port = port.node_port or 0
    else:
        targets = [Target(str(b.ip), b.port, True, b.path) for b in ready]
        group_port = targets[0].port if targets else \
            port.target_port if isinstance(port.target_port, int) else port.port
    group = TargetGroup(name, cluster.vpc, protocol, group_port, target_type, tuple(targets),
                        preserve, path)
    s.target_groups[name] = group
    s.tg_keys[name] = key
    unhealthy = [t.target for t in targets if not t.healthy]
    health = f" (unhealthy: {', '.join(unhealthy)})" if unhealthy else ""
    s.notes.append(f"target group {name}: {target_type} targets of {service.key} port "
                   f"{port.port}: {', '.join(t.target for t in targets) or 'none'}{health}")
    return group


def target_enis_groups(s: Synth, cluster: Cluster, group: TargetGroup) -> list[tuple[str, int]]:
    """(security group, port) pairs the controller opens for a target group's targets: node
    groups for instance targets, the pod's own groups (security groups for pods) or its node's
    for ip targets."""
    out: list[tuple[str, int]] = []
    nodes_by_instance = {n.instance: n for n in cluster.nodes.values() if n.instance}
    pods_by_ip = {str(p.ip): p for p in cluster.pods.values() if not p.host_network}
    for target in group.targets:
        found: str | None = None
        if group.target_type == "instance":
            node = nodes_by_instance.get(target.target)
            found = node_group(s.model, node) if node else None
        else:
            pod = pods_by_ip.get(target.target)
            if pod is not None and pod.security_groups:
                found = pod.security_groups[0]
            elif pod is not None and pod.node in cluster.nodes:
                found = node_group(s.model, cluster.nodes[pod.node])
        if found is not None and found in s.security_groups and (found, target.port) not in out:
            out.append((found, target.port))
    return out
