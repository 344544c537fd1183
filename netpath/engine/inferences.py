"""Which of the model's inferences a trace depends on, as notes.

A source infers what no netpath spec says (`model.kubernetes.Inference`: a node from the pods
that name it, the cluster DNS IP from the kube-dns Service, the standard CoreDNS the files
lack...). A trace depends on one when one of its hops is at one of the inference's subjects
(`<component>:<name>`) of a cluster it went through, or, for `dns:cluster`, when it asked that
cluster's DNS. Saying so keeps a verdict honest about what it rests on.
"""

from __future__ import annotations

from collections.abc import Iterable

from netpath.engine.hops import Hop
from netpath.model.kubernetes import CLUSTER_DNS
from netpath.model.resources import Model


def inference_notes(model: Model, hops: Iterable[Hop], clusters: Iterable[str],
                    asked_dns_of: str | None) -> list[str]:
    """One note per inference the hops (and a lookup through the cluster DNS of the cluster
    `asked_dns_of`) rest on, among the inferences of the `clusters` the trace went through:
    subjects name no cluster, and two clusters may have a node of one name."""
    subjects = {f"{hop.component}:{hop.name}" for hop in hops}
    notes = []
    for name in sorted(set(clusters)):
        cluster = model.clusters[name]
        here = subjects | {CLUSTER_DNS} if name == asked_dns_of else subjects
        for inference in cluster.inferences:
            if not here.isdisjoint(inference.subjects):
                notes.append(f"depends on what netpath inferred: {inference}")
    return notes
