"""A cluster's nodes: from the cluster entry's `nodes:`, from Node objects, from the pods that
name them, or assumed.

- `nodes:` of a netpath spec (an EC2 instance, or an IP) and Node objects (their InternalIP,
  labels and `spec.podCIDR`) merge by name.
- Unless the entry lists its `nodes:`, a node a pod names (`spec.nodeName`) that no Node object
  describes exists all the same (a dump of pods without `nodes`): its address is a pod's
  `status.hostIP`, else the one its EC2 name spells (`ip-10-0-1-23.ec2.internal`), else one
  netpath assigns; its zone, the one its EndpointSlice endpoints give.
- A Kubernetes-only cluster with no node at all gets `node-0`, `node-1`... at 192.168.0.10 up:
  three, or as many as its pods need at the kubelet's default of 110 pods a node, as a real
  cluster's node count grows with its pods.
- Every node carries the labels its kubelet sets (`kubernetes.io/hostname`, `kubernetes.io/os`,
  `kubernetes.io/arch`) and its zone where known; written labels win.

With an overlay CNI each node without a written `podCIDR` takes the next free /24 of the pod
CIDR (when the pod CIDR was inferred from the pods' addresses, not one holding any of them).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import field
from typing import Any

from netpath.model.addr import Address, Prefix
from netpath.model.kubernetes import Inference, Node
from netpath.model.paths import SpecPath
from netpath.model.record import record
from netpath.sources.building import Ctx, Parts
from netpath.sources.kubernetes.drafts import Objects
from netpath.sources.kubernetes.fields import Reader
from netpath.sources.kubernetes.scheduling import ZONE, kubelet_labels
from netpath.sources.kubernetes.settings import Settings

DEFAULT_NODES = ("node-0", "node-1", "node-2")
DEFAULT_NODE_IP = Address("192.168.0.10")
MAX_PODS = 110  # the kubelet's default --max-pods
_EC2_NAME = re.compile(r"^ip-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})(?:\.|$)")

# (name, ip, instance, pod CIDR, labels, path) of a node being assembled
_Found = tuple[str, Address | None, str | None, Prefix | None, dict[str, str], SpecPath]


@record
class ClusterNodes:
    nodes: dict[str, Node]
    declared: set[str]  # every name given, broken ones too (reported once, where written)
    listed: bool  # the entry lists its `nodes:`: a pod naming another node is a mistake
    per_node: int | None = None  # assumed nodes: the pods each may run (None: no limit)
    inferences: list[Inference] = field(default_factory=list)


def build_nodes(ctx: Ctx, parts: Parts, st: Settings, written: Reader,
                objects: Objects) -> ClusterNodes:
    drafts = objects.nodes
    listed = bool(written.data)
    named = {} if listed else _named_by_pods(objects)
    names = sorted({str(n) for n in written.data} | set(drafts) | set(named))
    if not names and st.vpc is None:
        return _assumed(ctx, st, objects)
    found: list[_Found] = []
    zones = {node: zone for s in objects.slices for node, zone in s.zones}
    for name in names:
        spec = written.sub(name) if name in written.data else None
        draft = drafts.get(name)
        path = spec.path if spec is not None else draft.path if draft is not None else (
            named[name][1] if name in named else st.path)
        labels = {**kubelet_labels(name, zones.get(name)), **(draft.labels if draft else {})}
        instance = ip = pod_cidr = None
        if spec is not None:
            labels.update(spec.string_map("labels"))
            instance, ip, pod_cidr = spec.string("instance"), spec.ip("ip"), spec.cidr("pod_cidr")
            if instance is not None and ip is not None:
                spec.error("ip", "give a node either `instance` (its address comes from the "
                           "instance) or `ip`, not both")
        if instance is not None:
            ip = _instance_ip(ctx, parts, instance, (*path, "instance"), labels)
            if ip is None:
                continue
        if draft is not None and draft.ip is not None:
            if ip is not None and ip != draft.ip:
                ctx.error(draft.path, f"Node {name!r} has InternalIP {draft.ip}, but the "
                          f"cluster's nodes give it {ip}")
            ip = ip or draft.ip
        if spec is None and draft is None:
            ip = named[name][0]
        pod_cidr = pod_cidr or (draft.pod_cidr if draft else None)
        found.append((name, ip, instance, pod_cidr, labels, path))
    declared = {str(n) for n in written.data} | set(drafts) | set(named)
    taken = _default_ips(ctx, st, found)
    inferences = [_named_inference(st, name, named[name], name in taken, objects)
                  for name in named if name not in drafts]
    cidrs = _pod_cidrs(ctx, st, [(f[0], f[3]) for f in found], objects)
    nodes = {name: Node(name, ip, instance, cidrs.get(name), labels, path)
             for name, ip, instance, _, labels, path in found if ip is not None}
    return ClusterNodes(nodes, declared, listed, inferences=inferences)


def _named_by_pods(objects: Objects) -> dict[str, tuple[Address | None, SpecPath, str]]:
    """Nodes the pods name that no Node object describes: (address, where named, by whom)."""
    out: dict[str, tuple[Address | None, SpecPath, str]] = {}
    for workload in objects.workloads:
        name = workload.template.node_name
        if name is None or name in objects.nodes:
            continue
        ip = workload.host_ip or _ec2_address(name)
        before = out.get(name)
        if before is None or (before[0] is None and ip is not None):
            out[name] = (ip, (*workload.template.spec_path, "nodeName"), workload.meta.key)
    return out


def _ec2_address(name: str) -> Address | None:
    """The address an EC2 private DNS name spells: ip-10-0-1-23.ec2.internal -> 10.0.1.23."""
    match = _EC2_NAME.match(name)
    if match is None or any(int(part) > 255 for part in match.groups()):
        return None
    return Address(".".join(match.groups()))


def _named_inference(st: Settings, name: str, named: tuple[Address | None, SpecPath, str],
                     assigned: bool, objects: Objects) -> Inference:
    ip, path, pod = named
    if assigned:
        how = "an address netpath assigned (no hostIP, no EC2 name)"
    elif any(w.host_ip == ip and w.template.node_name == name for w in objects.workloads):
        how = "its address from the pods' status.hostIP"
    else:
        how = "its address from its EC2 name"
    return Inference(f"node {name}", "" if assigned else str(ip),
                     f"named by pod {pod} (spec.nodeName), no Node object; {how}",
                     (f"node:{name}",), path)


def _assumed(ctx: Ctx, st: Settings, objects: Objects) -> ClusterNodes:
    """The nodes of a Kubernetes-only cluster that declares none: as many as its pods need."""
    daemons = sum(1 for w in objects.workloads if w.meta.kind == "DaemonSet")
    pods = sum(w.replicas for w in objects.workloads if w.meta.kind != "DaemonSet")
    room = MAX_PODS - daemons
    count = max(len(DEFAULT_NODES), math.ceil(pods / room) if room > 0 else 0)
    names = [f"node-{i}" for i in range(count)]
    last = Address(int(DEFAULT_NODE_IP) + count - 1)
    span = f"{names[0]}..{names[-1]} at {DEFAULT_NODE_IP}-" + (
        str(int(last) % 256) if int(last) >> 8 == int(DEFAULT_NODE_IP) >> 8 else str(last))
    if count == len(DEFAULT_NODES):
        ctx.notes.append(f"cluster {st.name}: no nodes declared; netpath assumes three, {span}")
        why = "no Node objects and no pod names its node: netpath assumes three"
    else:
        ctx.notes.append(f"cluster {st.name}: no nodes declared; netpath assumes {count}, "
                         f"{span}, for its {pods} pods ({MAX_PODS} a node, the kubelet's "
                         "default)")
        why = (f"no Node objects and no pod names its node: netpath assumes {count} for "
               f"{pods} pods, {MAX_PODS} a node (the kubelet's default max-pods)")
    cidrs = _pod_cidrs(ctx, st, [(n, None) for n in names], objects)
    nodes = {name: Node(name, Address(int(DEFAULT_NODE_IP) + i), None, cidrs.get(name),
                        kubelet_labels(name), st.path) for i, name in enumerate(names)}
    inference = Inference(f"{count} nodes", span, why, tuple(f"node:{n}" for n in names),
                          st.path)
    return ClusterNodes(nodes, set(nodes), False, MAX_PODS, [inference])


def _instance_ip(ctx: Ctx, parts: Parts, instance: str, path: SpecPath,
                 labels: dict[str, str]) -> Address | None:
    if ctx.resolve(instance, ("instance",), "instance", path) is None:
        return None
    built = parts.instances.get(instance)
    if built is None:
        return None  # a broken instance: reported where it is written
    eni = parts.enis[built.enis[0]]
    subnet = parts.subnets.get(eni.subnet)
    if subnet is not None:
        labels.setdefault(ZONE, subnet.az)
    return eni.private_ip


def _default_ips(ctx: Ctx, st: Settings, found: list[Any]) -> set[str]:
    """Nodes without an address: assigned in a Kubernetes-only cluster, an error otherwise (a
    node in a VPC is an instance of the AWS part). The names of those assigned."""
    taken = {f[1] for f in found if f[1] is not None}
    candidate = int(DEFAULT_NODE_IP)
    assigned = set()
    for index, (name, ip, instance, cidr, labels, path) in enumerate(found):
        if ip is not None or instance is not None:
            continue
        if st.vpc is not None:
            ctx.error(path, f"node {name!r} has no address", "give it `instance:` (an EC2 "
                      "instance of the AWS part) in the cluster's nodes")
            continue
        while Address(candidate) in taken:
            candidate += 1
        found[index] = (name, Address(candidate), instance, cidr, labels, path)
        taken.add(Address(candidate))
        assigned.add(name)
        ctx.notes.append(f"cluster {st.name}: assigned {Address(candidate)} to node {name} "
                         "(no address in the spec)")
    return assigned


def _pod_cidrs(ctx: Ctx, st: Settings, nodes: list[tuple[str, Prefix | None]],
               objects: Objects) -> dict[str, Prefix]:
    """Overlay CNIs: each node's slice of the pod CIDR, as written; else the /24 that holds its
    pods' addresses when they share one that no other node's pods are in (a dump's pods say
    where their node's range is); else the next free /24, and when the pod CIDR was inferred
    from the pods' addresses, not a /24 that holds one (those belong to nodes the files do not
    say)."""
    if st.pod_cidr is None:
        return {}
    out = {name: cidr for name, cidr in nodes if cidr is not None}
    if st.pod_cidr.prefixlen <= 24:
        out.update(_slices_of_their_pods(st.pod_cidr, [n for n, c in nodes if c is None],
                                         objects, list(out.values())))
    if st.pod_cidr.prefixlen > 24 and len(out) < len(nodes):
        ctx.error((*st.path, "pod_cidr"), f"pod CIDR {st.pod_cidr} is smaller than the /24 "
                  "each node takes")
        return out
    slices = st.pod_cidr.subnets(new_prefix=24) if st.pod_cidr.prefixlen <= 24 else iter(())
    written = list(out.values())  # the /24s handed out here are disjoint by construction
    busy = {int(w.ip) >> 8 for w in objects.workloads
            if w.ip is not None and not w.template.host_network} if (
        "pod_cidr" in st.inferred) else set()
    for name, cidr in nodes:
        if cidr is not None or name in out:
            continue
        free = next((s for s in slices if not any(s.overlaps(c) for c in written)
                     and int(s.network_address) >> 8 not in busy), None)
        if free is None:
            ctx.error((*st.path, "pod_cidr"), f"pod CIDR {st.pod_cidr} has no /24 left for "
                      f"node {name!r}")
            break
        out[name] = free
    return out


def _slices_of_their_pods(pod_cidr: Prefix, unwritten: list[str], objects: Objects,
                          written: list[Prefix]) -> dict[str, Prefix]:
    """Nodes whose pods' addresses all lie in one /24 of the pod CIDR that holds no other
    node's pod and overlaps no written range: that /24."""
    slices: dict[str, set[int]] = defaultdict(set)
    for w in objects.workloads:
        node = w.template.node_name
        if w.ip is not None and node is not None and not w.template.host_network \
                and w.ip in pod_cidr:
            slices[node].add(int(w.ip) >> 8)
    owners: dict[int, list[str]] = defaultdict(list)
    for node, held in slices.items():
        for block in held:
            owners[block].append(node)
    out: dict[str, Prefix] = {}
    for node in unwritten:
        held = slices.get(node, set())
        if len(held) != 1:
            continue
        block = next(iter(held))
        candidate = Prefix((block << 8, 24))
        if owners[block] == [node] and not any(candidate.overlaps(c) for c in written):
            out[node] = candidate
    return out
