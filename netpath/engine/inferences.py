"""Which of the model's inferences a trace depends on, as notes.

A source infers what no netpath spec says (`model.kubernetes.Inference`: a node from the pods
that name it, the cluster DNS IP from the kube-dns Service, the standard CoreDNS the files
lack...). A trace depends on one when one of its hops is at one of the inference's subjects
(`<component>:<name>`), or, for `dns:cluster`, when it asked the cluster DNS. Saying so keeps
a verdict honest about what it rests on.
"""

from __future__ import annotations

from collections.abc import Iterable

from netpath.engine.hops import Hop
from netpath.model.resources import Model

CLUSTER_DNS = "dns:cluster"


def inference_notes(model: Model, hops: Iterable[Hop], asked_cluster_dns: bool) -> list[str]:
    """One note per inference the hops (and a lookup through the cluster DNS) rest on."""
    subjects = {f"{hop.component}:{hop.name}" for hop in hops}
    if asked_cluster_dns:
        subjects.add(CLUSTER_DNS)
    notes = []
    for cluster in model.clusters.values():
        for inference in cluster.inferences:
            if not subjects.isdisjoint(inference.subjects):
                notes.append(f"depends on what netpath inferred: {inference}")
    return notes
