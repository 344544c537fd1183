"""Assemble the `Cluster`s of a spec: settings, nodes, namespaces, pods, Services, policies.

Runs at the end of `build_model`, after the AWS part, because nodes are EC2 instances (their
address and subnet) and VPC CNI pods take free addresses of their node's subnet. The work is in
two phases over all clusters: first every cluster's objects, nodes and pods are known, with the
addresses the spec wrote; then missing addresses are handed out, so that an address written for
one cluster's pod is never given to another's pod in the same VPC.
"""

from __future__ import annotations

from collections.abc import Mapping
from ipaddress import IPv4Network
from typing import Any

from netpath.model.addr import Address, Prefix
from netpath.model.kubernetes import (
    CNI_ENFORCES_NETWORK_POLICY,
    NAMESPACE_NAME_LABEL,
    Cluster,
    Namespace,
    Node,
)
from netpath.model.paths import SpecPath
from netpath.model.record import record
from netpath.sources.building import Ctx, Parts, items, parse_cidr
from netpath.spec.kube_drafts import NodeDraft, Objects
from netpath.spec.kube_fields import Reader
from netpath.spec.kube_manifests import Manifests, read_manifests
from netpath.spec.kube_objects import collect
from netpath.spec.kube_place import (
    PodDraft,
    VpcAddresses,
    assign_pod_ips,
    expand_pods,
    finish_pods,
)
from netpath.spec.kube_services import finish_ingresses, finish_services

__all__ = ["build_clusters"]

DEFAULT_POD_CIDR = IPv4Network("10.244.0.0/16")
DEFAULT_SERVICE_CIDR = IPv4Network("10.96.0.0/12")  # Kubernetes' default
DEFAULT_DNS_DOMAIN = "cluster.local"
# A Kubernetes-only cluster without nodes gets three, so that its pods have somewhere to run
# (docs/kubernetes.md, "A Kubernetes-only spec").
DEFAULT_NODES = ("node-0", "node-1", "node-2")
DEFAULT_NODE_IP = Address("192.168.0.10")
ALWAYS_THERE = ("default", "kube-system")  # namespaces every cluster has
@record
class Settings:
    """The netpath-only facts of a cluster entry, defaults applied."""

    name: str
    vpc: str | None
    cni: str
    enforces: bool
    pod_cidr: Prefix | None
    service_cidr: Prefix
    dns_ip: Address
    dns_domain: str
    external_snat: bool
    exclude_snat_cidrs: tuple[Prefix, ...]
    kube_proxy: str
    pod_security_group_mode: str
    path: SpecPath


def build_clusters(ctx: Ctx, parts: Parts, data: Mapping[str, Any],
                   manifests: Manifests | None = None) -> dict[str, Cluster]:
    """The clusters of a spec whose AWS part is in `parts`. Without `manifests` (a spec built
    from data, as tests do), inline manifests are used and files read from the working
    directory, without positions."""
    if manifests is None:
        manifests, errors = read_manifests(data)
        ctx.errors += errors
    addresses = VpcAddresses(parts)
    work: list[tuple[Settings, Objects, dict[str, Node], list[PodDraft]]] = []
    for name, entry in items(data, "clusters"):
        reader = Reader(ctx, entry, ("clusters", name))
        settings = _settings(ctx, parts, str(name), reader)
        objects = collect(ctx, manifests.docs.get(str(name), []))
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


# --- settings ---------------------------------------------------------------------------------


def _settings(ctx: Ctx, parts: Parts, name: str, r: Reader) -> Settings | None:
    mark = ctx.mark()
    vpc = r.string("vpc")
    if vpc is not None and ctx.resolve(vpc, ("vpc",), "VPC", r.at("vpc")) is None:
        return None
    cni = r.word("cni", tuple(CNI_ENFORCES_NETWORK_POLICY), "aws-vpc-cni" if vpc else "calico")
    if cni == "aws-vpc-cni" and vpc is None:
        r.error("cni" if r.has("cni") else None, "the VPC CNI gives pods addresses of the "
                "VPC: the cluster needs a `vpc`", "add `vpc`, or use an overlay CNI (calico, "
                "cilium, flannel)")
    agent = r.boolean("network_policy_agent")
    if agent is not None and cni != "aws-vpc-cni":
        r.error("network_policy_agent", f"network_policy_agent is a VPC CNI setting; this "
                f"cluster's CNI is {cni}", "use enforce_network_policy")
    enforces = r.boolean("enforce_network_policy")
    if enforces is None and cni is not None:
        enforces = agent is True if cni == "aws-vpc-cni" else CNI_ENFORCES_NETWORK_POLICY[cni]
    pod_cidr = r.cidr("pod_cidr")
    if cni == "aws-vpc-cni" and pod_cidr is not None:
        r.error("pod_cidr", "with the VPC CNI pods take addresses of their node's subnet: "
                "pod_cidr is for overlay CNIs")
    elif cni != "aws-vpc-cni" and pod_cidr is None:
        pod_cidr = DEFAULT_POD_CIDR
    service_cidr = r.cidr("service_cidr") or DEFAULT_SERVICE_CIDR
    if service_cidr.num_addresses < 16:
        r.error("service_cidr", f"service CIDR {service_cidr} is too small (at least a /28)")
    dns = r.sub("dns")
    dns_ip = dns.ip("ip")
    if dns_ip is None and service_cidr.num_addresses >= 16:
        dns_ip = service_cidr[10]  # kubeadm and EKS put the cluster DNS at the 10th address
    excludes = tuple(p for i, text in enumerate(r.strings("exclude_snat_cidrs"))
                     if (p := parse_cidr(ctx, text, r.at("exclude_snat_cidrs", i))) is not None)
    lb_subnets = r.sub("load_balancer_subnets")
    for scheme in lb_subnets.data:
        # Read by the load balancer part; checked here so a typo is caught with the rest.
        for index, subnet in enumerate(lb_subnets.strings(str(scheme))):
            ctx.resolve(subnet, ("subnet",), "subnet", lb_subnets.at(str(scheme), index))
    kube_proxy = r.word("kube_proxy", ("iptables", "ipvs"), "iptables")
    mode = r.word("pod_security_group_mode", ("strict", "standard"), "strict")
    if ctx.failed_since(mark) or cni is None or dns_ip is None or enforces is None:
        return None
    if vpc is not None and vpc not in parts.vpcs:
        return None  # a broken VPC: reported where it is written
    return Settings(
        name=name, vpc=vpc, cni=cni, enforces=enforces,
        pod_cidr=pod_cidr if cni != "aws-vpc-cni" else None,
        service_cidr=service_cidr, dns_ip=dns_ip,
        dns_domain=(dns.string("domain") or DEFAULT_DNS_DOMAIN).lower().rstrip("."),
        external_snat=r.boolean("external_snat") is True, exclude_snat_cidrs=excludes,
        kube_proxy=kube_proxy or "iptables", pod_security_group_mode=mode or "strict",
        path=r.path,
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
