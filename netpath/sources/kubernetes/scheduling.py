"""Which nodes a pod may run on: its nodeSelector and its required node affinity, against the
labels every kubelet sets and the ones written on Node objects.

A pod runs only on a node whose labels hold every pair of `spec.nodeSelector` and match one of
the terms of `affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`
(`nodeSelectorTerms` are ORed, the requirements of a term ANDed; `matchFields` reads the node's
name). Preferred affinity, taints and tolerations only steer the scheduler: not modelled.
https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity

kubelet labels its node itself (`--node-labels` aside): `kubernetes.io/hostname`,
`kubernetes.io/os`, `kubernetes.io/arch`, and the cloud provider adds the topology labels.
https://kubernetes.io/docs/reference/labels-annotations-taints/
"""

from __future__ import annotations

from collections.abc import Mapping

from netpath.model.record import record
from netpath.sources.kubernetes.fields import Reader

HOSTNAME, OS, ARCH = "kubernetes.io/hostname", "kubernetes.io/os", "kubernetes.io/arch"
ZONE = "topology.kubernetes.io/zone"
NODE_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")
_REQUIRED = "requiredDuringSchedulingIgnoredDuringExecution"


def kubelet_labels(name: str, zone: str | None = None) -> dict[str, str]:
    """What every kubelet (and the cloud provider, for the zone) labels its node with. netpath
    assumes linux on amd64 where a Node object does not say."""
    labels = {HOSTNAME: name, OS: "linux", ARCH: "amd64"}
    if zone:
        labels[ZONE] = zone
    return labels


@record
class NodeRequirement:
    key: str  # a label, or for matchFields the field (metadata.name)
    operator: str
    values: tuple[str, ...]
    field: bool = False  # a matchFields requirement

    def matches(self, name: str, labels: Mapping[str, str]) -> bool:
        value = name if self.field else labels.get(self.key)
        if self.operator == "In":
            return value in self.values
        if self.operator == "NotIn":
            return value not in self.values
        if self.operator == "Exists":
            return value is not None
        if self.operator == "DoesNotExist":
            return value is None
        if value is None or not value.lstrip("-").isdigit() or len(self.values) != 1 \
                or not self.values[0].lstrip("-").isdigit():
            return False  # the scheduler matches no node with a bound that is no integer
        number, bound = int(value), int(self.values[0])
        return number > bound if self.operator == "Gt" else number < bound

    def __str__(self) -> str:
        return f"{self.key} {self.operator} ({','.join(self.values)})" if self.values else (
            f"{self.operator} {self.key}")


@record
class NodeTerm:
    requirements: tuple[NodeRequirement, ...]

    def matches(self, name: str, labels: Mapping[str, str]) -> bool:
        return all(r.matches(name, labels) for r in self.requirements)

    def __str__(self) -> str:
        return ", ".join(str(r) for r in self.requirements)


def node_affinity(spec: Reader) -> tuple[NodeTerm, ...]:
    """The required node affinity of a pod spec, as terms (empty: every node)."""
    required = spec.sub("affinity").sub("nodeAffinity").sub(_REQUIRED)
    terms = []
    for term in required.maps("nodeSelectorTerms"):
        found = [r for key, is_field in (("matchExpressions", False), ("matchFields", True))
                 for r in (_requirement(e, is_field) for e in term.maps(key)) if r is not None]
        # An empty term matches no node (the API reference: "null or empty ... match no
        # objects"); it is kept so that a pod with only it is placed nowhere.
        terms.append(NodeTerm(tuple(found)) if found else NodeTerm(
            (NodeRequirement("", "In", ()),)))
    return tuple(terms)


def _requirement(expr: Reader, is_field: bool) -> NodeRequirement | None:
    key = expr.string("key", required=True)
    operator = expr.word("operator", NODE_OPERATORS)
    if key is None or operator is None:
        return None
    return NodeRequirement(key, operator, tuple(expr.strings("values")), is_field)


def eligible(nodes: Mapping[str, Mapping[str, str]], selector: Mapping[str, str],
             affinity: tuple[NodeTerm, ...]) -> list[str]:
    """The names of the nodes (name -> labels, in order) a pod may run on."""
    wanted = selector.items()
    return [name for name, labels in nodes.items()
            if all(labels.get(k) == v for k, v in wanted)
            and (not affinity or any(t.matches(name, labels) for t in affinity))]


def constraint_words(selector: Mapping[str, str], affinity: tuple[NodeTerm, ...]) -> str:
    """`nodeSelector disk=ssd`, `node affinity zone In (a)`, or both, for messages."""
    parts = []
    if selector:
        parts.append("nodeSelector " + ", ".join(f"{k}={v}" for k, v in selector.items()))
    if affinity:
        parts.append("node affinity " + " or ".join(f"({t})" for t in affinity))
    return " and ".join(parts)
