"""The pieces `netpath matrix` classes pods with: the pods, a pair's verdict, and the numbered
signatures (equivalence classes) that both sides of the matrix (`matrix`, `matrix_paths`) use.
"""

from __future__ import annotations

from netpath.model.kubernetes import Pod
from netpath.model.record import record
from netpath.model.vocabulary import Code

Signature = tuple[object, ...]


@record
class MatrixPod:
    cluster: str
    pod: Pod
    name: str  # as shown: "namespace/name", or "cluster/namespace/name" with several clusters


@record
class Verdict:
    reachable: bool
    code: Code | None  # the explanation code of the first step that blocks; None when reachable


REACHABLE = Verdict(True, None)


class ClassSet:
    """Signatures numbered in order of appearance, with up to two pods per node for each: enough
    to find a representative pair on one node, and one on two different nodes."""

    __slots__ = ("_index", "members")

    def __init__(self) -> None:
        self._index: dict[Signature, int] = {}
        self.members: list[dict[tuple[str, str], list[MatrixPod]]] = []

    def __len__(self) -> int:
        return len(self.members)

    def add(self, signature: Signature, mp: MatrixPod) -> int:
        index = self._index.get(signature)
        if index is None:
            index = self._index[signature] = len(self.members)
            self.members.append({})
        slot = self.members[index].setdefault((mp.cluster, mp.pod.node), [])
        if len(slot) < 2:
            slot.append(mp)
        return index

    def first(self, index: int) -> MatrixPod:
        return next(iter(self.members[index].values()))[0]

    def pair(self, source: int, destination: int,
             same: bool) -> tuple[MatrixPod, MatrixPod] | None:
        """Two distinct pods of the two classes, on one node or on different nodes."""
        ours, theirs = self.members[source], self.members[destination]
        if same:
            for node, pods in ours.items():
                other = next((p for p in theirs.get(node, ()) if p is not pods[0]), None)
                if other is not None:
                    return pods[0], other
            return None
        for node in list(ours)[:2]:  # two nodes of ours: one differs from any node of theirs
            for there in list(theirs)[:2]:
                if node != there:
                    return ours[node][0], theirs[there][0]
        return None
