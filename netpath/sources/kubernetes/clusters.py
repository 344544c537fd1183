"""Assemble the `Cluster`s of a spec: settings, nodes, namespaces, pods, Services, policies.

Runs at the end of `build_model`, after the AWS part, because nodes are EC2 instances (their
address and subnet) and VPC CNI pods take free addresses of their node's subnet. The work is in
two phases over all clusters: first every cluster's objects, nodes and pods are known, with the
addresses the spec wrote; then missing addresses are handed out, so that an address written for
one cluster's pod is never given to another's pod in the same VPC.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netpath.model.addr import Address, Prefix
from netpath.model.kubernetes import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    Namespace,
    Node,
)
from netpath.model.paths import SpecPath
from netpath.sources.building import Ctx, Parts, items
from netpath.sources.kubernetes.drafts import NodeDraft, Objects
from netpath.sources.kubernetes.fields import Reader
from netpath.sources.kubernetes.manifests import Manifests, read_manifests
from netpath.sources.kubernetes.objects import collect
from netpath.sources.kubernetes.pods import (
    PodDraft,
    VpcAddresses,
    assign_pod_ips,
    expand_pods,
    finish_pods,
)
from netpath.sources.kubernetes.services import finish_ingresses, finish_services
from netpath.sources.kubernetes.settings import Settings, read_settings

__all__ = ["build_clusters"]

# A Kubernetes-only cluster without nodes gets three, so that its pods have somewhere to run
# (docs/kubernetes.md, "A Kubernetes-only spec").
DEFAULT_NODES = ("node-0", "node-1", "node-2")
DEFAULT_NODE_IP = Address("192.168.0.10")
ALWAYS_THERE = ("default", "kube-system")  # namespaces every cluster has


def build_clusters(ctx: Ctx, parts: Parts, data: Mapping[str, Any],
                   manifests: Manifests | None = None,
                   namespace: str = "default") -> dict[str, Cluster]:
    """The clusters of a spec whose AWS part is in `parts`. Without `manifests` (a spec built
    from data, as tests do), inline manifests are used and files read from the working
    directory, without positions. `namespace` is where objects without one go (`-n`)."""
    if manifests is None:
        manifests, errors = read_manifests(data)
        ctx.errors += errors
    addresses = VpcAddresses(parts)
    work: list[tuple[Settings, Objects, dict[str, Node], list[PodDraft]]] = []
    for name, entry in items(data, "clusters"):
        reader = Reader(ctx, entry, ("clusters", name))
        settings = read_settings(ctx, parts, str(name), reader)
        objects = collect(ctx, manifests.docs.get(str(name), []), namespace)
        if settings is None:
            continue
        written = reader.sub("nodes")
        nodes = _nodes(ctx, parts, settings, written, objects.nodes)
        declared = {str(n) for n in written.data} | set(objects.nodes) | set(nodes)
        pods = expand_pods(ctx, parts, settings, nodes, declared, objects.workloads)
        addresses.reserve(settings, nodes, pods)
        work.append((settings, objects, nodes, pods))
    clusters = {}
    many = len(work) > 1
    for settings, objects, nodes, pods in work:
        assign_pod_ips(ctx, parts, settings, nodes, pods, addresses, many)
        clusters[settings.name] = _cluster(ctx, settings, objects, nodes, pods)
    return clusters


def _cluster(ctx: Ctx, st: Settings, objects: Objects, nodes: dict[str, Node],
             pods: list[PodDraft]) -> Cluster:
    return Cluster(
        name=st.name,
        vpc=st.vpc,
        cni=st.cni,
        enforces_network_policy=st.enforces,
        pod_cidr=st.pod_cidr,
        service_cidr=st.service_cidr,
        dns_ip=st.dns_ip,
        dns_domain=st.dns_domain,
        external_snat=st.external_snat,
        exclude_snat_cidrs=st.exclude_snat_cidrs,
        kube_proxy_mode=st.kube_proxy,
        pod_security_group_mode=st.pod_security_group_mode,
        nodes=nodes,
        namespaces=_namespaces(st, objects),
        pods=finish_pods(ctx, st, pods, objects),
        services=finish_services(ctx, st, objects),
        network_policies=objects.policies,
        ingresses=finish_ingresses(ctx, st, objects),
        ingress_classes={name: c for name, (c, _) in objects.ingress_classes.items()},
        security_group_policies=objects.sgps,
        ignored=tuple(objects.ignored),
        path=st.path,
    )


# --- nodes -----------------------------------------------------------------------------------


def _nodes(ctx: Ctx, parts: Parts, st: Settings, written: Reader,
           drafts: dict[str, NodeDraft]) -> dict[str, Node]:
    """Nodes from the cluster's `nodes:` and from Node manifests, merged by name."""
    names = sorted({str(n) for n in written.data} | set(drafts))
    if not names and st.vpc is None:
        ctx.notes.append(f"cluster {st.name}: no nodes declared; netpath assumes three, "
                         f"{DEFAULT_NODES[0]}..{DEFAULT_NODES[-1]} at {DEFAULT_NODE_IP}-"
                         f"{int(DEFAULT_NODE_IP) % 256 + len(DEFAULT_NODES) - 1}")
        return {name: Node(name, Address(int(DEFAULT_NODE_IP) + i), None, cidr,
                           {"kubernetes.io/hostname": name}, st.path)
                for i, (name, cidr) in enumerate(_pod_cidrs(
                    ctx, st, [(n, None) for n in DEFAULT_NODES]).items())}
    found: list[tuple[str, Address | None, str | None, Prefix | None, dict[str, str],
                      SpecPath]] = []
    for name in names:
        spec = written.sub(name) if name in written.data else None
        draft = drafts.get(name)
        path = spec.path if spec is not None else draft.path if draft is not None else st.path
        labels = {"kubernetes.io/hostname": name, **(draft.labels if draft else {})}
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
        pod_cidr = pod_cidr or (draft.pod_cidr if draft else None)
        found.append((name, ip, instance, pod_cidr, labels, path))
    _default_ips(ctx, st, found)
    cidrs = _pod_cidrs(ctx, st, [(f[0], f[3]) for f in found])
    return {name: Node(name, ip, instance, cidrs.get(name), labels, path)
            for name, ip, instance, _, labels, path in found if ip is not None}


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
        labels.setdefault("topology.kubernetes.io/zone", subnet.az)
    return eni.private_ip


def _default_ips(ctx: Ctx, st: Settings, found: list[Any]) -> None:
    """Nodes without an address: assigned in a Kubernetes-only cluster, an error otherwise (a
    node in a VPC is an instance of the AWS part)."""
    taken = {f[1] for f in found if f[1] is not None}
    candidate = int(DEFAULT_NODE_IP)
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
        ctx.notes.append(f"cluster {st.name}: assigned {Address(candidate)} to node {name} "
                         "(no address in the spec)")


def _pod_cidrs(ctx: Ctx, st: Settings, nodes: list[tuple[str, Prefix | None]]
               ) -> dict[str, Prefix]:
    """Overlay CNIs: each node's slice of the pod CIDR, as written, else the next free /24."""
    if st.pod_cidr is None:
        return {}
    out = {name: cidr for name, cidr in nodes if cidr is not None}
    if st.pod_cidr.prefixlen > 24 and len(out) < len(nodes):
        ctx.error((*st.path, "pod_cidr"), f"pod CIDR {st.pod_cidr} is smaller than the /24 "
                  "each node takes")
        return out
    slices = st.pod_cidr.subnets(new_prefix=24) if st.pod_cidr.prefixlen <= 24 else iter(())
    written = list(out.values())  # the /24s handed out here are disjoint by construction
    for name, cidr in nodes:
        if cidr is not None:
            continue
        free = next((s for s in slices if not any(s.overlaps(c) for c in written)), None)
        if free is None:
            ctx.error((*st.path, "pod_cidr"), f"pod CIDR {st.pod_cidr} has no /24 left for "
                      f"node {name!r}")
            break
        out[name] = free
    return out


# --- namespaces ------------------------------------------------------------------------------


def _namespaces(st: Settings, objects: Objects) -> dict[str, Namespace]:
    """Declared namespaces, then the ones used but not declared (they exist, as after
    `kubectl create namespace`), each with the kubernetes.io/metadata.name label."""
    out = dict(objects.namespaces)
    implicit = {name: st.path for name in ALWAYS_THERE} | objects.used_namespaces
    for name, path in implicit.items():
        if name not in out:
            out[name] = Namespace(name, {NAMESPACE_NAME_LABEL: name}, path)
    return {name: out[name] for name in sorted(out)}
