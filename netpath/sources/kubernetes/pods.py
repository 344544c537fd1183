"""Pods: workloads expanded into pods, placed on nodes, given addresses, given security groups.

Everything netpath chooses is deterministic (same spec, same result) and recorded in the pod's
`assigned` and in the model's notes:

- placement: `spec.nodeName` when written; else pod i of a workload runs on node
  `(crc32("namespace/workload") + i) mod N` of the eligible nodes (nodeSelector and required
  node affinity, `scheduling`; for a pod whose IP is written, the nodes whose subnet or pod CIDR
  holds it) sorted by name, and on assumed nodes the next one when that one runs the kubelet's
  110 pods; a DaemonSet runs one pod per eligible node, named `<daemonset>-<node>`. No eligible
  node: an error when the entry lists its `nodes:`, else a warning (the pods would stay
  Pending, and are left out);
- addresses: `status.podIP` when written; hostNetwork pods have their node's IP; else, with the
  VPC CNI, the lowest free address of the node's subnet (after AWS's four reserved low
  addresses, skipping every address the spec uses in the VPC); with an overlay CNI the lowest
  free address of the node's pod CIDR from .2 up (.1 is the node's bridge). Pods are served in
  order of namespace/name (web-2 before web-10), the implicit CoreDNS last.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from functools import cached_property

from netpath.model.addr import Address, Prefix
from netpath.model.kubernetes import Node, Pod
from netpath.model.names import did_you_mean
from netpath.model.resources import Subnet
from netpath.sources.building import Ctx, Parts
from netpath.sources.kubernetes.drafts import Objects, Workload
from netpath.sources.kubernetes.fields import natural
from netpath.sources.kubernetes.nodes import ClusterNodes
from netpath.sources.kubernetes.scheduling import constraint_words
from netpath.sources.kubernetes.scheduling import eligible as eligible_nodes
from netpath.sources.kubernetes.settings import Settings


class PodDraft:
    """A pod before every pod of the VPC or cluster is placed: `assign_pod_ips` then gives
    addresses to those without one. (Mutable, so a plain class: a dataclass would compile its
    methods at every start of the CLI.)"""

    __slots__ = ("namespace", "name", "node", "ip", "workload", "assigned")

    def __init__(self, namespace: str, name: str, node: str, ip: Address | None,
                 workload: Workload, assigned: list[str]) -> None:
        self.namespace = namespace
        self.name = name
        self.node = node
        self.ip = ip  # None until assigned (or when no address was left)
        self.workload = workload
        self.assigned = assigned  # what netpath chose for it: "node", "ip"

    @property
    def owner(self) -> str | None:
        meta = self.workload.meta
        if meta.kind == "Pod":  # a Pod of the files: its controller, if any (ReplicaSet/web-5d9c)
            return None if meta.controller is None else "/".join(meta.controller)
        return f"{meta.kind}/{meta.name}"


class VpcAddresses:
    """Addresses in use, as ints: per VPC (ENIs, nodes, written pod IPs of every cluster in it)
    and per overlay cluster (written pod IPs, node IPs). Built once; assignment adds to them."""

    def __init__(self, parts: Parts) -> None:
        self.parts = parts
        self.vpcs: dict[str, set[int]] = {}
        self.overlay: dict[str, set[int]] = defaultdict(set)

    def in_vpc(self, vpc: str) -> set[int]:
        found = self.vpcs.get(vpc)
        if found is None:
            found = self.vpcs[vpc] = {int(e.private_ip) for e in self.parts.enis.values()
                                      if e.vpc == vpc}
        return found

    def reserve(self, st: Settings, nodes: dict[str, Node], pods: list[PodDraft]) -> None:
        used = self.in_vpc(st.vpc) if st.cni == "aws-vpc-cni" and st.vpc else self.overlay[st.name]
        used.update(int(n.ip) for n in nodes.values())
        used.update(int(p.ip) for p in pods if p.ip is not None)


# --- expansion and placement ------------------------------------------------------------------


def expand_pods(ctx: Ctx, parts: Parts, st: Settings, cn: ClusterNodes,
                workloads: list[Workload]) -> list[PodDraft]:
    nodes = cn.nodes
    ordered = sorted(nodes)
    homes = _homes(parts, st, nodes)
    if any(not w.implicit for w in workloads) and not cn.declared:
        ctx.error(st.path, f"cluster {st.name!r} has no nodes to run its pods on",
                  "list them under `nodes:` or as Node manifests")
        return []
    pods: list[PodDraft] = []
    seen: dict[tuple[str, str], PodDraft] = {}
    place = _Placement(ctx, st, cn, ordered, homes)
    for workload in workloads:
        for draft in place(workload):
            first = seen.setdefault((draft.namespace, draft.name), draft)
            if first is draft:
                pods.append(draft)
                continue
            meta, other = workload.meta, first.workload.meta
            ctx.error(meta.path, f"pod {draft.namespace}/{draft.name} of {meta.kind} "
                      f"{meta.key} has the name of the pod of {other.kind} {other.key} "
                      f"({other.where()})")
    return pods


def _homes(parts: Parts, st: Settings, nodes: dict[str, Node]) -> dict[str, Prefix]:
    """Per node, the network its pods' addresses come from: its subnet (VPC CNI) or its pod
    CIDR (overlay)."""
    if st.cni != "aws-vpc-cni":
        return {n: node.pod_cidr for n, node in nodes.items() if node.pod_cidr is not None}
    subnets = {n: _node_subnet(parts, st, node) for n, node in nodes.items()}
    return {n: subnet.cidr for n, subnet in subnets.items() if subnet is not None}


def _node_subnet(parts: Parts, st: Settings, node: Node) -> Subnet | None:
    instance = parts.instances.get(node.instance or "")
    if instance is not None:
        return parts.subnets.get(parts.enis[instance.enis[0]].subnet)
    return next((s for s in parts.subnets.values() if s.vpc == st.vpc and node.ip in s.cidr),
                None)


class _Placement:
    """Where each workload's pods run; with assumed nodes, at most `per_node` pods a node (the
    next node takes the rest, as the scheduler would)."""

    def __init__(self, ctx: Ctx, st: Settings, cn: ClusterNodes, ordered: list[str],
                 homes: dict[str, Prefix]) -> None:
        self.ctx = ctx
        self.st = st
        self.cn = cn
        self.ordered = ordered
        self.homes = homes
        self.load: dict[str, int] = defaultdict(int)  # pods placed per node
        # (nodeSelector, node affinity) -> the eligible nodes: workloads mostly share one (none
        # at all), and 100,000 bare pods each matched against every node was quadratic.
        self._eligible: dict[tuple[object, ...], list[str]] = {}

    @cached_property
    def node_labels(self) -> dict[str, dict[str, str]]:
        nodes = self.cn.nodes
        return {name: dict(nodes[name].labels) for name in self.ordered}

    def __call__(self, workload: Workload) -> list[PodDraft]:
        ctx, st, nodes = self.ctx, self.st, self.cn.nodes
        meta, template = workload.meta, workload.template
        fixed = template.node_name
        if fixed is not None and fixed not in nodes:
            if fixed not in self.cn.declared:  # a declared but broken node was reported already
                ctx.error((*template.spec_path, "nodeName"), f"node {fixed!r} is not a node of "
                          f"cluster {st.name!r}", did_you_mean(fixed, self.ordered))
            return []
        names = [meta.name] if meta.kind == "Pod" else [
            f"{meta.name}-{i}" for i in range(workload.replicas)]
        if fixed is not None:  # every pod of a dump: no placement to work out
            if meta.kind == "DaemonSet":
                names = [f"{meta.name}-{fixed}"]
            return [_draft(name, fixed, False, nodes, workload) for name in names]
        constraints = (tuple(template.node_selector.items()), template.node_affinity)
        eligible = self._eligible.get(constraints)  # never changed below: shared
        if eligible is None:
            eligible = self._eligible[constraints] = eligible_nodes(
                self.node_labels, template.node_selector, template.node_affinity)
        if workload.ip is not None:
            # A written pod IP says where the pod runs: on a node whose network holds it.
            ip, homes = workload.ip, self.homes
            eligible = [n for n in eligible if n in homes and ip in homes[n]] or eligible
        if meta.kind == "DaemonSet":
            return [_draft(f"{meta.name}-{node}", node, False, nodes, workload)
                    for node in eligible]
        if not eligible:
            if names and self.ordered and not workload.implicit:
                self._unschedulable(workload)
            return []
        start = zlib.crc32(f"{meta.namespace}/{meta.name}".encode())
        return [_draft(name, self._node(eligible, start + i), True, nodes, workload)
                for i, name in enumerate(names)]

    def _node(self, eligible: list[str], at: int) -> str:
        node = eligible[at % len(eligible)]
        limit = self.cn.per_node
        if limit is not None:
            for step in range(len(eligible)):
                candidate = eligible[(at + step) % len(eligible)]
                if self.load[candidate] < limit:
                    node = candidate
                    break
            self.load[node] += 1
        return node

    def _unschedulable(self, workload: Workload) -> None:
        template, st = workload.template, self.st
        words = constraint_words(template.node_selector, template.node_affinity)
        key = "nodeSelector" if template.node_selector else "affinity"
        if self.cn.listed:
            self.ctx.error((*template.spec_path, key), f"{words} matches no node of cluster "
                           f"{st.name!r}")
            return
        # The nodes are inferred: a real cluster may well have the node this wants.
        meta = workload.meta
        self.ctx.notes.append(f"warning: the pods of {meta.kind} {meta.key} would stay "
                              f"Pending: {words} matches no node of cluster {st.name} (its "
                              f"nodes are inferred; {meta.where(line_only=True)})")


def _draft(name: str, node: str, chosen: bool, nodes: dict[str, Node],
           workload: Workload) -> PodDraft:
    ip = nodes[node].ip if workload.template.host_network else workload.ip
    return PodDraft(workload.meta.namespace, name, node, ip, workload,
                    ["node"] if chosen else [])


# --- addresses ---------------------------------------------------------------------------------


def assign_pod_ips(ctx: Ctx, parts: Parts, st: Settings, nodes: dict[str, Node],
                   pods: list[PodDraft], addresses: VpcAddresses, many: bool) -> None:
    vpc_cni = st.cni == "aws-vpc-cni" and st.vpc is not None
    used = addresses.in_vpc(st.vpc) if vpc_cni and st.vpc else addresses.overlay[st.name]
    # The implicit CoreDNS last: adding it changes no address of the files' pods.
    waiting = sorted((p for p in pods if p.ip is None), key=lambda p: (
        p.workload.implicit, p.namespace, natural(p.name)))
    # Only nodes that run pods of the files needing an address must have somewhere to take it
    # from; the implicit CoreDNS takes what there is, silently.
    needed = {name: nodes[name] for name in sorted({p.node for p in waiting
                                                    if not p.workload.implicit})}
    pools = _node_pools(ctx, parts, st, needed, vpc_cni)
    others = {name: nodes[name] for name in sorted({p.node for p in waiting} - set(needed))}
    pools.update(_node_pools(Ctx(), parts, st, others, vpc_cni))
    cursor: dict[str, int] = {}  # per pool, the lowest address that may still be free
    full: set[tuple[str, str]] = set()  # (workload, pool) told that the pool is exhausted
    for pod in waiting:
        pool = pools.get(pod.node)
        if pool is None:
            continue  # reported once for the node
        label, _, low, high = pool
        value = cursor.get(label, low)
        while value <= high and value in used:
            value += 1
        cursor[label] = value + 1
        if value > high:
            if (pod.workload.meta.key, label) in full:
                continue
            full.add((pod.workload.meta.key, label))
            if pod.workload.implicit:
                ctx.notes.append(f"cluster {st.name}: no address left in {label} for the "
                                 f"implicit CoreDNS pod {pod.namespace}/{pod.name}")
                continue
            ctx.error(pod.workload.meta.path, f"no free address left in {label} for pod "
                      f"{pod.namespace}/{pod.name}", "write status.podIP, or give the node a "
                      "larger subnet or pod CIDR")
            continue
        used.add(value)
        pod.ip = Address(value)
        pod.assigned.append("ip")
    _notes(ctx, st, pods, pools, many)


def _node_pools(ctx: Ctx, parts: Parts, st: Settings, nodes: dict[str, Node],
                vpc_cni: bool) -> dict[str, tuple[str, str, int, int]]:
    """Per node: where its pods' addresses come from (words for messages, the CIDR, lowest and
    highest address)."""
    pools = {}
    for node in nodes.values():
        if not vpc_cni:
            if node.pod_cidr is not None:
                cidr = node.pod_cidr
                pools[node.name] = (f"pod CIDR {cidr} of node {node.name!r}", str(cidr),
                                    int(cidr.network_address) + 2,
                                    int(cidr.broadcast_address) - 1)
            continue
        subnet = _node_subnet(parts, st, node)
        if subnet is None:
            ctx.error(node.path, f"node {node.name!r} ({node.ip}) is in no subnet of VPC "
                      f"{st.vpc!r}: the VPC CNI cannot give its pods addresses")
            continue
        cidr = subnet.cidr
        # AWS reserves the network address, +1, +2, +3 and the broadcast address.
        pools[node.name] = (f"subnet {subnet.name!r} ({cidr})", str(cidr),
                            int(cidr.network_address) + 4, int(cidr.broadcast_address) - 1)
    return pools


def _notes(ctx: Ctx, st: Settings, pods: list[PodDraft],
           pools: dict[str, tuple[str, str, int, int]], many: bool) -> None:
    """One line per workload (or bare pod) of what netpath chose for it."""
    chosen: dict[tuple[str, str, str], list[PodDraft]] = {}
    for pod in pods:
        if pod.assigned and not pod.workload.implicit:  # the implicit CoreDNS is an inference
            meta = pod.workload.meta
            chosen.setdefault((meta.kind, meta.namespace, meta.name), []).append(pod)
    prefix = f"cluster {st.name}: " if many else ""
    for (kind, namespace, name), group in chosen.items():
        with_ip = [p for p in group if "ip" in p.assigned]
        placed = sorted({p.node for p in group if "node" in p.assigned})
        what = f"{namespace}/{name}" + ("" if kind == "Pod" else f" ({kind})")
        parts = []
        if with_ip:
            ranges = sorted({pools[p.node][1] for p in with_ip})
            count = len(with_ip)
            parts.append(f"assigned {count} pod IP{'s' if count > 1 else ''} to {what} in "
                         f"{', '.join(ranges)}")
        if placed:
            parts.append(("placed on" if parts else f"placed {what} on") + f" {', '.join(placed)}")
        ctx.notes.append(prefix + "; ".join(parts))


# --- the pods, finished ------------------------------------------------------------------------


def finish_pods(ctx: Ctx, st: Settings, pods: list[PodDraft], objects: Objects
                ) -> dict[str, Pod]:
    groups = _security_groups(ctx, st, pods, objects)
    out: dict[str, Pod] = {}
    for pod in sorted(pods, key=lambda p: (p.namespace, natural(p.name))):
        if pod.ip is None:
            continue  # no address could be given: reported
        template = pod.workload.template
        key = f"{pod.namespace}/{pod.name}"
        out[key] = Pod(
            namespace=pod.namespace,
            name=pod.name,
            labels=template.labels,
            node=pod.node,
            ip=pod.ip,
            host_network=template.host_network,
            ports=template.ports,
            ready=pod.workload.ready,
            owner=pod.owner,
            security_groups=groups.get(key, ()),
            assigned=("implicit", *pod.assigned) if pod.workload.implicit else tuple(
                pod.assigned),
            path=pod.workload.meta.path,
            dns_policy=template.dns_policy,
        )
    return out


def not_running(ctx: Ctx, st: Settings, objects: Objects, many: bool) -> None:
    """One note for the pods of a dump that do not run (finished, or pending without an
    address): they are left out, as they hold no IP and serve nothing."""
    if not objects.not_running:
        return
    phases = sorted({phase or "unknown" for _, phase in objects.not_running})
    names = [meta.key for meta, _ in objects.not_running]
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    count = len(names)
    prefix = f"cluster {st.name}: " if many else ""
    ctx.notes.append(f"{prefix}{count} pod{'s' if count > 1 else ''} not running "
                     f"({', '.join(phases)}): no IP, no Service endpoint, not reachable "
                     f"({shown})")


def _security_groups(ctx: Ctx, st: Settings, pods: list[PodDraft], objects: Objects
                     ) -> dict[str, tuple[str, ...]]:
    """Security groups for pods: every SecurityGroupPolicy selecting a pod adds its groups
    (hostNetwork pods use the node's interface and get none). Needs the VPC CNI."""
    for meta in objects.sgps_without_pod_selector:
        ctx.notes.append(f"SecurityGroupPolicy {meta.key} selects by service account, which "
                         "netpath does not model: it applies to no pod")
    if not objects.sgps:
        return {}
    if st.cni != "aws-vpc-cni":
        ctx.notes.append(f"cluster {st.name}: SecurityGroupPolicies need the VPC CNI (security "
                         f"groups for pods); with {st.cni} they have no effect")
        return {}
    by_namespace: dict[str, list[PodDraft]] = defaultdict(list)
    for pod in pods:
        if not pod.workload.template.host_network:
            by_namespace[pod.namespace].append(pod)
    out: dict[str, dict[str, None]] = {}
    for key in sorted(objects.sgps):
        policy = objects.sgps[key]
        for pod in by_namespace.get(policy.namespace, ()):
            if policy.pod_selector.matches(pod.workload.template.labels):
                groups = out.setdefault(f"{pod.namespace}/{pod.name}", {})
                groups.update(dict.fromkeys(policy.security_groups))
    return {key: tuple(groups) for key, groups in out.items()}

