"""A pod is counted once: from the files' Pod objects when they hold it, else from its
controller's template.

A dump holds a Deployment, the ReplicaSets it made and the Pods they made, each Pod saying who
controls it (`ownerReferences`, `controller: true`); a CronJob, its Jobs and their Pods likewise.
Expanding the Deployment's template and the ReplicaSet's as well would run every pod three
times. So:

- a controller whose pods are among the files (running or finished) is not expanded: its pods
  are those Pods. The chain is climbed: a Pod of ReplicaSet `web-7d4b9c8f6` counts for the
  ReplicaSet and for the Deployment `web` that owns it, found by the ReplicaSet's own
  ownerReference or, when the files have no ReplicaSets, by the pod's `pod-template-hash`
  label, which the ReplicaSet's name ends with; a Job's pod counts for the CronJob that made the
  Job (by the Job's ownerReference, or its name: `<cronjob>-<scheduled time>`);
- a controller owned by another of the files (a ReplicaSet of a Deployment, a Job of a CronJob)
  is its owner's: only the owner is expanded, once, whichever of its children is current.

https://kubernetes.io/docs/concepts/overview/working-with-objects/owners-dependents/
https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#pod-template-hash-label
"""

from __future__ import annotations

import re

from netpath.sources.building import Ctx
from netpath.sources.kubernetes.drafts import Meta, Objects, Workload

TEMPLATE_HASH = "pod-template-hash"
_SCHEDULED = re.compile(r"-\d+$")  # a CronJob's Job: <cronjob>-<minutes since the epoch>
_PARENTS = {"ReplicaSet": "Deployment", "Job": "CronJob"}
_MAX_CHAIN = 8  # ownerReferences that loop are the API server's to refuse; never follow one


def expand_once(ctx: Ctx, objects: Objects) -> None:
    """Drop from `objects.workloads` the controllers whose pods the files already hold, and
    the controllers another controller of the files owns."""
    controllers = {(w.meta.kind, w.meta.namespace, w.meta.name): w.meta
                   for w in objects.workloads if w.meta.kind != "Pod"}
    pods = [w.meta for w in objects.workloads if w.meta.kind == "Pod"]
    running: set[tuple[str, str, str]] = set()
    for meta in [*pods, *(m for m, _ in objects.not_running)]:
        running |= _owners(meta, controllers)
    kept: list[Workload] = []
    for workload in objects.workloads:
        meta = workload.meta
        if meta.kind == "Pod":
            kept.append(workload)
        elif (meta.kind, meta.namespace, meta.name) in running:
            continue  # its pods are in the files
        elif meta.controller is not None and (
                meta.controller[0], meta.namespace, meta.controller[1]) in controllers:
            continue  # its owner in the files stands for it
        else:
            kept.append(workload)
    dropped = len(objects.workloads) - len(kept)
    if dropped:
        ctx.notes.append(f"{dropped} workload{'s' if dropped > 1 else ''} not expanded from "
                         "a template: the files hold the pods they run, or their owner "
                         "(ownerReferences)")
    objects.workloads[:] = kept


def _owners(pod: Meta, controllers: dict[tuple[str, str, str], Meta]
            ) -> set[tuple[str, str, str]]:
    """Every controller up the chain from a pod."""
    found: set[tuple[str, str, str]] = set()
    owner = pod.controller
    for _ in range(_MAX_CHAIN):
        if owner is None:
            break
        key = (owner[0], pod.namespace, owner[1])
        found.add(key)
        known = controllers.get(key)
        owner = known.controller if known is not None else _parent_by_name(
            key, pod, controllers)
    return found


def _parent_by_name(key: tuple[str, str, str], pod: Meta,
                    controllers: dict[tuple[str, str, str], Meta]) -> tuple[str, str] | None:
    """The owner of a controller the files do not hold, from the name its own owner gave it:
    a ReplicaSet `<deployment>-<pod-template-hash>`, a Job `<cronjob>-<scheduled time>`."""
    kind, namespace, name = key
    parent = _PARENTS.get(kind)
    if parent is None:
        return None
    template_hash = pod.labels.get(TEMPLATE_HASH)
    if kind == "ReplicaSet" and template_hash and name.endswith(f"-{template_hash}"):
        return parent, name[: -len(template_hash) - 1]
    if kind == "Job" and _SCHEDULED.search(name):
        candidate = _SCHEDULED.sub("", name)
        if (parent, namespace, candidate) in controllers:
            return parent, candidate
    return None
