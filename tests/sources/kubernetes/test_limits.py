"""How big a cluster netpath takes (netpath/sources/kubernetes/limits.py): more than 100,000 pods
is a located error, found from the replica counts before a pod is made (issue 11:
`replicas: 100000000` was a MemoryError after minutes)."""

from __future__ import annotations

from typing import Any

from netpath.sources.building import Ctx
from netpath.sources.kubernetes.limits import MAX_PODS, too_many_pods
from tests.sources.kubernetes.test_objects import kube_errors


def deployment(name: str, replicas: int) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": name, "image": name}]}}}}


def test_a_replica_count_past_the_limit_is_an_error_at_it() -> None:
    errors = kube_errors([deployment("big", 100_000_000)], vpc=None, nodes=None)
    assert [(e["path"], e["message"]) for e in errors] == [(
        "clusters.eks.manifests[0].spec.replicas",
        "cluster 'eks' would have more than 100,000 pods (Deployment default/big asks for "
        "100,000,000, after 0 before it)")]


def test_the_limit_is_over_the_whole_cluster() -> None:
    half = MAX_PODS // 2
    errors = kube_errors([deployment("a", half), deployment("b", half), deployment("c", 1)],
                         vpc=None, nodes=None)
    assert errors[0]["path"] == "clusters.eks.manifests[2].spec.replicas"
    assert "(Deployment default/c asks for 1, after 100,000 before it)" in errors[0]["message"]
    # said once: the implicit CoreDNS's pods, added after, do not report the limit again (the
    # default pod CIDR's 256 nodes cannot hold them either, which is said too)
    assert [e for e in errors if "pods, more than" in e["message"]] == []


def test_after_expansion_a_daemonset_per_node_counts_too() -> None:
    """DaemonSets count one pod before the nodes are known; once they are, the pods made are
    counted again."""
    ctx = Ctx()
    assert not too_many_pods(ctx, MAX_PODS, "eks", ("clusters", "eks"))
    assert too_many_pods(ctx, MAX_PODS + 1, "eks", ("clusters", "eks"))
    assert [e.message for e in ctx.errors] == [
        "cluster 'eks' would have 100,001 pods, more than 100,000"]
