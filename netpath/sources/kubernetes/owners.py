"""A pod is counted once: from the files' Pod objects when they hold it, else from its
controller's template.

A dump holds a Deployment, the ReplicaSets it made and the Pods they made, each Pod saying who
controls it (`ownerReferences`, `controller: true`). Expanding the Deployment's template and the
ReplicaSet's as well would run every pod three times. So:

- a workload whose pods are among the files is not expanded: its pods are those Pods (a Pod of
  ReplicaSet `web-7d4b9c8f6` counts for the ReplicaSet and for the Deployment `web` that owns
  it, found by the ReplicaSet's own ownerReference or, when the dump has no ReplicaSets, by the
  pod's `pod-template-hash` label, which the ReplicaSet's name ends with);
- a ReplicaSet owned by a Deployment of the files is the Deployment's: only the Deployment is
  expanded (once), whichever of its ReplicaSets is current.

https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#pod-template-hash-label
"""

from __future__ import annotations

from netpath.sources.building import Ctx
from netpath.sources.kubernetes.drafts import Objects, Workload

TEMPLATE_HASH = "pod-template-hash"


def expand_once(ctx: Ctx, objects: Objects) -> None:
    """Drop from `objects.workloads` the controllers whose pods the files already hold, and the
    ReplicaSets of Deployments the files hold."""
    kinds = {(w.meta.kind, w.meta.namespace, w.meta.name): w for w in objects.workloads}
    running: set[tuple[str, str, str]] = set()
    for pod in objects.workloads:
        controller = pod.meta.controller
        if pod.meta.kind != "Pod" or controller is None:
            continue
        kind, owner_name = controller
        namespace = pod.meta.namespace
        running.add((kind, namespace, owner_name))
        if kind == "ReplicaSet":
            deployment = _deployment_of(kinds.get((kind, namespace, owner_name)), owner_name,
                                        pod.meta.labels.get(TEMPLATE_HASH))
            if deployment is not None:
                running.add(("Deployment", namespace, deployment))
    kept: list[Workload] = []
    for workload in objects.workloads:
        meta = workload.meta
        key = (meta.kind, meta.namespace, meta.name)
        if meta.kind != "Pod" and key in running:
            continue  # its pods are in the files
        owner = meta.controller
        if meta.kind == "ReplicaSet" and owner is not None and owner[0] == "Deployment" and (
                ("Deployment", meta.namespace, owner[1]) in kinds):
            continue  # the Deployment stands for it
        kept.append(workload)
    dropped = len(objects.workloads) - len(kept)
    if dropped:
        ctx.notes.append(f"{dropped} workload{'s' if dropped > 1 else ''} not expanded from "
                         "a template: the files hold the pods they run (ownerReferences)")
    objects.workloads[:] = kept


def _deployment_of(replica_set: Workload | None, name: str, template_hash: str | None
                   ) -> str | None:
    """The Deployment owning ReplicaSet `name`: its ownerReference when the files hold it, else
    its name without the `-<pod-template-hash>` the Deployment controller appended."""
    if replica_set is not None:
        owner = replica_set.meta.controller
        return owner[1] if owner is not None and owner[0] == "Deployment" else None
    if template_hash and name.endswith(f"-{template_hash}"):
        return name[: -len(template_hash) - 1]
    return None
