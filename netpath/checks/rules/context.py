"""What every lint rule reads: the model, the engine's `Network`, and indexes built once.

Each index is computed on first use and shared by the rules that need it, so a rule never scans
the model inside a loop over the model: the whole rule set stays linear in the spec's size.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from netpath.model.kubernetes import Cluster, Node, Pod
from netpath.model.resources import Eni, Model, Subnet

if TYPE_CHECKING:
    from netpath.engine.capacity import CapacityReport
    from netpath.engine.network import Network

T = TypeVar("T")

class LintContext:
    def __init__(self, model: Model, network: Network) -> None:
        self.model = model
        self.network = network
        self._label_index: dict[str, dict[tuple[str, str, str], list[Pod]]] = {}
        self._memo: dict[str, Any] = {}

    def memo(self, key: str, make: Callable[[], T]) -> T:
        """A value several rules share (made by the first that asks), under a unique key."""
        if key not in self._memo:
            self._memo[key] = make()
        value: T = self._memo[key]
        return value

    # --- AWS -------------------------------------------------------------------------------

    @cached_property
    def subnet_enis(self) -> dict[str, list[Eni]]:
        """Subnet -> the spec's interfaces in it (pods' synthetic interfaces left out)."""
        out: dict[str, list[Eni]] = {name: [] for name in self.model.subnets}
        for eni in self.model.enis.values():
            out.setdefault(eni.subnet, []).append(eni)
        return out

    @cached_property
    def nacl_subnets(self) -> dict[str, list[Subnet]]:
        """Network ACL -> the subnets that use it (explicitly or as the VPC's default)."""
        out: dict[str, list[Subnet]] = {name: [] for name in self.model.network_acls}
        for subnet in self.model.subnets.values():
            out.setdefault(subnet.network_acl, []).append(subnet)
        return out

    @cached_property
    def table_subnets(self) -> dict[str, list[str]]:
        """Route table -> the subnets that use it (explicitly or as the VPC's main table)."""
        out: dict[str, list[str]] = {name: [] for name in self.model.route_tables}
        for subnet in self.model.subnets.values():
            out.setdefault(subnet.route_table, []).append(subnet.name)
        return out

    @cached_property
    def sg_holders(self) -> dict[str, list[str]]:
        """Security group -> the names of what carries it (instances, databases, ...)."""
        out: dict[str, list[str]] = {}
        names = self.network.eni_owner_names
        for eni in self.model.enis.values():
            for group in eni.security_groups:
                holders = out.setdefault(group, [])
                name = names.get(eni.name, eni.owner)
                if name not in holders:
                    holders.append(name)
        return out

    @cached_property
    def capacity(self) -> CapacityReport:
        from netpath.engine.capacity import capacity

        return capacity(self.model)

    # --- Kubernetes ------------------------------------------------------------------------

    @cached_property
    def node_of_instance(self) -> dict[str, tuple[Cluster, Node]]:
        """EC2 instance -> the cluster node it is (first cluster wins)."""
        out: dict[str, tuple[Cluster, Node]] = {}
        for cluster in self.model.clusters.values():
            for node in cluster.nodes.values():
                if node.instance is not None:
                    out.setdefault(node.instance, (cluster, node))
        return out

    def selected_pods(self, cluster: Cluster, namespace: str,
                      selector: Mapping[str, str]) -> list[Pod]:
        """Pods of `namespace` whose labels hold every pair of `selector` (a Service's
        selector), in spec order; by the rarest pair's posting list, not a scan."""
        index = self._label_index.get(cluster.name)
        if index is None:
            index = self._label_index[cluster.name] = _label_index(cluster)
        if not selector:
            return []
        postings = [index.get((namespace, k, v), []) for k, v in selector.items()]
        rarest = min(postings, key=len)
        return [p for p in rarest if all(p.labels.get(k) == v for k, v in selector.items())]

    def pods_matching_elsewhere(self, cluster: Cluster, namespace: str,
                                selector: Mapping[str, str]) -> list[Pod]:
        """Pods of *other* namespaces the selector would match (for a better message)."""
        found: list[Pod] = []
        for other in cluster.namespaces:
            if other != namespace:
                found += self.selected_pods(cluster, other, selector)
        return found


def _label_index(cluster: Cluster) -> dict[tuple[str, str, str], list[Pod]]:
    index: dict[tuple[str, str, str], list[Pod]] = {}
    for pod in cluster.pods.values():
        for key, value in pod.labels.items():
            index.setdefault((pod.namespace, key, value), []).append(pod)
    return index


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 pod`, `3 pods`."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def listing(names: list[str], limit: int = 3) -> str:
    """`a, b, c` or `a, b, c and 4 more`."""
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"
