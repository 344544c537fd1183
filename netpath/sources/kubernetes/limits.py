"""How big a cluster netpath takes: at most MAX_PODS pods, counted from the replicas the files
ask for before a single pod is made, so that `replicas: 100000000` is a located error in
milliseconds instead of a MemoryError after minutes. 100,000 pods is beyond the largest
clusters Kubernetes supports (150,000 pods, 5,000 nodes, its documented limits), and what
netpath does at that size is in docs/kubernetes.md ("How big").
https://kubernetes.io/docs/setup/best-practices/cluster-large/
"""

from __future__ import annotations

from netpath.sources.building import Ctx
from netpath.sources.kubernetes.drafts import Objects

MAX_PODS = 100_000


def limit_pods(ctx: Ctx, objects: Objects, cluster: str) -> bool:
    """Keep the workloads whose pods fit in MAX_PODS (DaemonSets count one pod: their nodes
    are not known yet); the first that does not is an error at its replica count, and it and
    the rest make no pods. False when it was."""
    total = 0
    for index, workload in enumerate(objects.workloads):
        pods = 1 if workload.meta.kind == "DaemonSet" else workload.replicas
        total += pods
        if total > MAX_PODS:
            meta = workload.meta
            where = meta.path if meta.kind == "Pod" else (*meta.path, "spec", "replicas")
            ctx.error(where, f"cluster {cluster!r} would have more than {MAX_PODS:,} pods "
                      f"({meta.kind} {meta.key} asks for {pods:,}, after {total - pods:,} "
                      "before it)", "netpath models clusters of up to 100,000 pods; trace a "
                      "namespace's manifests, or fewer replicas")
            del objects.workloads[index:]
            return False
    return True


def too_many_pods(ctx: Ctx, count: int, cluster: str, path: tuple[str, ...]) -> bool:
    """After expansion (a DaemonSet runs a pod per node): more than MAX_PODS is an error."""
    if count <= MAX_PODS:
        return False
    ctx.error(path, f"cluster {cluster!r} would have {count:,} pods, more than {MAX_PODS:,}",
              "netpath models clusters of up to 100,000 pods (DaemonSets count a pod per node)")
    return True
