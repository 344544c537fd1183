"""Assemble the `Cluster`s of a spec: settings, nodes, namespaces, pods, Services, policies.

Runs at the end of `build_model`, after the AWS part, because nodes are EC2 instances (their
address and subnet) and VPC CNI pods take free addresses of their node's subnet. The work is in
two phases over all clusters: first every cluster's objects, nodes and pods are known, with the
addresses the spec wrote; then missing addresses are handed out, so that an address written for
one cluster's pod is never given to another's pod in the same VPC.

Per cluster, in order: the objects (`objects`), each pod counted once (`owners`), the ranges
the objects imply (`inference`), the cluster DNS they lack (`implicit`), the nodes (`nodes`),
the pods placed (`pods`). `owners` and `inference` are imported only when there is work for
them: objects that name their owner (a dump), ranges the cluster entry leaves out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netpath.model.kubernetes import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    Inference,
    Namespace,
    Node,
    StoppedPod,
)
from netpath.sources.building import Ctx, Parts, items
from netpath.sources.kubernetes.drafts import Objects
from netpath.sources.kubernetes.fields import Reader
from netpath.sources.kubernetes.implicit import add_cluster_dns
from netpath.sources.kubernetes.limits import limit_pods, too_many_pods
from netpath.sources.kubernetes.manifests import Manifests, read_manifests
from netpath.sources.kubernetes.nodes import ClusterNodes, build_nodes
from netpath.sources.kubernetes.objects import collect
from netpath.sources.kubernetes.pods import (
    PodDraft,
    VpcAddresses,
    assign_pod_ips,
    expand_pods,
    finish_pods,
    not_running,
)
from netpath.sources.kubernetes.services import finish_ingresses, finish_services
from netpath.sources.kubernetes.settings import Settings, read_settings

__all__ = ["build_clusters"]

ALWAYS_THERE = ("default", "kube-system")  # namespaces every cluster has


def build_clusters(ctx: Ctx, parts: Parts, data: Mapping[str, Any],
                   manifests: Manifests | None = None,
                   namespace: str = "default") -> dict[str, Cluster]:
    """The clusters of a spec whose AWS part is in `parts`. Without `manifests` (a spec built
    from data, as tests do), inline manifests are used and files read from the working
    directory, without positions. `namespace` is where objects without one go (`-n`)."""
    if manifests is None:
        manifests, errors = read_manifests(data)
        ctx.errors.extend(errors)
    addresses = VpcAddresses(parts)
    work: list[tuple[Settings, Objects, ClusterNodes, list[PodDraft], list[Inference]]] = []
    for name, entry in items(data, "clusters"):
        reader = Reader(ctx, entry, ("clusters", name))
        settings = read_settings(ctx, parts, str(name), reader)
        objects = collect(ctx, manifests.docs.get(str(name), []), namespace)
        if settings is None:
            continue
        if _owned(objects):
            from netpath.sources.kubernetes.owners import expand_once

            expand_once(ctx, objects)
        fits = limit_pods(ctx, objects, str(name))
        inferred: list[Inference] = []
        if settings.inferable:
            from netpath.sources.kubernetes.inference import infer_settings

            settings, inferred = infer_settings(settings, objects)
        inferred += add_cluster_dns(settings, objects)
        nodes = build_nodes(ctx, parts, settings, reader.sub("nodes"), objects)
        pods = expand_pods(ctx, parts, settings, nodes, objects.workloads)
        made = sum(not p.workload.implicit for p in pods)  # netpath's CoreDNS is not counted
        if fits and too_many_pods(ctx, made, settings.name, ("clusters", str(name))):
            pods = []
        addresses.reserve(settings, nodes.nodes, pods)
        work.append((settings, objects, nodes, pods, [*inferred, *nodes.inferences]))
    clusters = {}
    many = len(work) > 1
    for settings, objects, nodes, pods, inferred in work:
        assign_pod_ips(ctx, parts, settings, nodes.nodes, pods, addresses, many)
        not_running(ctx, settings, objects, many)
        clusters[settings.name] = _cluster(ctx, settings, objects, nodes.nodes, pods, inferred)
    return clusters


def _owned(objects: Objects) -> bool:
    """Whether a workload or a pod names its controller (`ownerReferences`, as in a dump):
    else `owners` has nothing to drop."""
    return any(w.meta.controller is not None for w in objects.workloads) or any(
        meta.controller is not None for meta, _ in objects.not_running)


def _cluster(ctx: Ctx, st: Settings, objects: Objects, nodes: dict[str, Node],
             pods: list[PodDraft], inferred: list[Inference]) -> Cluster:
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
        inferences=tuple(inferred),
        stopped_pods=tuple(StoppedPod(meta.namespace, meta.name, meta.labels, phase)
                           for meta, phase in objects.not_running),
    )


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
