"""The pieces `netpath matrix` classes pods with: the pods, a pair's verdict, and the numbered
signatures (equivalence classes) that both sides of the matrix (`matrix`, `matrix_paths`) use.
"""

from __future__ import annotations

from array import array

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


class VerdictTable:
    """Verdicts of (source class, destination class, same node) triples, a byte each.

    A square of classes x classes x 2 slots, each 0 (not judged yet) or 1 + the index of one of
    the few distinct verdicts. Classes are many when workloads are (a matrix of 5,000 pods had
    3,000), and a dict of triples cost about 150 bytes a triple: 1.6 GB there."""

    __slots__ = ("_ids", "_objects", "size", "slots", "verdicts")

    def __init__(self, size: int) -> None:
        self.size = size
        self.slots: bytearray | array[int] = bytearray(size * size * 2)
        self.verdicts: list[Verdict] = []  # slot value - 1 -> verdict
        self._ids: dict[Verdict, int] = {}
        # id() of verdict objects seen -> (the object, kept so its id stays its own; its
        # number): the same few objects come back millions of times, and hashing a record
        # costs more than the rest of a lookup.
        self._objects: dict[int, tuple[Verdict, int]] = {}

    def get(self, source: int, destination: int, same: bool) -> Verdict | None:
        found = self.slots[(source * self.size + destination) * 2 + same]
        return self.verdicts[found - 1] if found else None

    def put(self, source: int, destination: int, same: bool, verdict: Verdict) -> int:
        """Keep `verdict` for the triple; its number (1 + its index in `verdicts`)."""
        seen = self._objects.get(id(verdict))
        if seen is not None:
            index = seen[1]
        else:
            index = self._ids.get(verdict, 0)
            if not index:
                self.verdicts.append(verdict)
                index = self._ids[verdict] = len(self.verdicts)
                if index > 255 and isinstance(self.slots, bytearray):
                    self.slots = array("H", self.slots)  # more verdicts than a byte holds
            if len(self._objects) < 4096:
                self._objects[id(verdict)] = (verdict, index)
        self.slots[(source * self.size + destination) * 2 + same] = index
        return index
