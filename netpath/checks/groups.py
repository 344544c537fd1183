"""Groups of endpoints, expanded to the names `netpath trace` takes.

`{namespace: NS}`, `{selector: {k: v}}` (optionally in a namespace), `{cluster: NAME}` select
pods (a namespace or selector group may be narrowed to a cluster); `{subnet: NAME}` selects every
interface a trace can start or end at in the subnet: instances (by name, or by interface for a
secondary one), databases, plain ENIs, and VPC CNI pods whose IP is in the subnet. The managed
interfaces of load balancers, NAT gateways and endpoints are left out: they only relay.

A group that selects nothing is an error in the expectations (GroupError), with a did-you-mean
for the name or label that was probably meant (and that selects something: a suggestion must
work when typed back).
"""

from __future__ import annotations

from collections.abc import Iterator

from netpath.checks.expectations import Group, Side
from netpath.engine.matrix_classes import MatrixPod
from netpath.engine.network import Network
from netpath.engine.resolve_kube import pod_name
from netpath.model.kubernetes import Cluster, Pod
from netpath.model.names import did_you_mean
from netpath.model.vocabulary import EniOwner


class GroupError(Exception):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


class Groups:
    """Expands sides of expectations over one network, each group once."""

    def __init__(self, network: Network) -> None:
        self.net = network
        self._expanded: dict[Group, tuple[str, ...]] = {}
        # Every pod a group named, by that name: the pods `pod_classes` judges by class.
        self.pods: dict[str, MatrixPod] = {}

    def members(self, side: Side) -> tuple[str, ...]:
        """The names a side stands for: itself for a plain name. Raises GroupError."""
        if isinstance(side, str):
            return (side,)
        found = self._expanded.get(side)
        if found is None:
            found = self._expand(side)
            self._expanded[side] = found
        return found

    def _expand(self, group: Group) -> tuple[str, ...]:
        if group.subnet is not None:
            return self._subnet(group.subnet)
        clusters = self._clusters(group.cluster)
        if group.namespace is not None:
            known = {ns for c in clusters for ns in c.namespaces} | {
                p.namespace for c in clusters for p in c.pods.values()}
            if group.namespace not in known:
                where = f" in cluster {group.cluster}" if group.cluster else ""
                with_pods = {p.namespace for c in clusters for p in c.pods.values()}
                raise GroupError(f"no namespace {group.namespace!r}{where}",
                                 did_you_mean(group.namespace, with_pods))
        pods = [(c, p) for c in clusters for p in c.pods.values()
                if (group.namespace is None or p.namespace == group.namespace)
                and all(p.labels.get(k) == v for k, v in group.selector)]
        if not pods:
            raise GroupError(f"{group} selects no pod", self._label_hint(group, clusters))
        return tuple(sorted(self._pod_name(c, p) for c, p in pods))

    def _clusters(self, name: str | None) -> list[Cluster]:
        clusters = self.net.model.clusters
        if name is None:
            if not clusters:
                raise GroupError("the spec has no Kubernetes cluster to select pods from",
                                 "use {subnet: NAME}, or list the names")
            return list(clusters.values())
        if name not in clusters:
            with_pods = [c for c, cluster in clusters.items() if cluster.pods]
            raise GroupError(f"no cluster {name!r}", did_you_mean(name, with_pods))
        return [clusters[name]]

    def _label_hint(self, group: Group, clusters: list[Cluster]) -> str | None:
        """A near label pair (`app=fronend` -> `app=frontend`) among the pods in scope."""
        pairs = {f"{k}={v}" for c in clusters for p in c.pods.values()
                 if group.namespace is None or p.namespace == group.namespace
                 for k, v in p.labels.items()}
        for key, value in group.selector:
            if f"{key}={value}" not in pairs:
                return did_you_mean(f"{key}={value}", pairs)
        return None

    def _pod_name(self, cluster: Cluster, pod: Pod) -> str:
        # NAMESPACE/NAME as traces show it; CLUSTER/NAMESPACE/NAME when another cluster has it,
        # pod/... when a Service has the same name: a name that means this pod and no other.
        name = pod_name(self.net, cluster.name, pod)
        self.pods[name] = MatrixPod(cluster.name, pod, name)
        return name

    def _subnet(self, name: str) -> tuple[str, ...]:
        model = self.net.model
        subnet = model.subnets.get(name)
        if subnet is None:
            raise GroupError(f"no subnet {name!r}", did_you_mean(
                name, model.subnets, accept=self._selects_something))
        names = list(self._interfaces(name))
        for cluster in model.clusters.values():
            if cluster.vpc != subnet.vpc or cluster.overlay:
                continue
            names.extend(self._pod_name(cluster, p) for p in cluster.pods.values()
                         if not p.host_network and p.ip in subnet.cidr)
        if not names:
            raise GroupError(f"subnet {name!r} has no instance, database, interface or pod",
                             "a subnet group selects the endpoints in it")
        return tuple(sorted(dict.fromkeys(names)))

    def _selects_something(self, subnet: str) -> bool:
        try:
            self._subnet(subnet)
        except GroupError:
            return False
        return True

    def _interfaces(self, subnet: str) -> Iterator[str]:
        model = self.net.model
        for eni in model.enis.values():
            if eni.subnet != subnet:
                continue
            if eni.owner_kind == EniOwner.INSTANCE:
                instance = model.instances.get(eni.owner)
                primary = instance is not None and instance.enis and instance.enis[0] == eni.name
                yield eni.owner if primary else eni.name
            elif eni.owner_kind == EniOwner.DATABASE:
                yield eni.owner
            elif eni.owner_kind == EniOwner.NETWORK_INTERFACE:
                yield eni.name
