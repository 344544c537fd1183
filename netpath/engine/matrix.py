"""`netpath matrix`: who can reach whom among pods, by equivalence classes of pods.

Tracing every ordered pair is quadratic in pods *and* pays the whole evaluation each time. But
NetworkPolicy can only tell pods apart by a few facts, so pods that share them behave alike as
source and as destination. The signature of a pod (see `signature`) holds exactly those facts:
its cluster and namespace (which policies can select it, what namespaceSelectors see), its
labels restricted to the keys some selector reads, which of the named ports policies use resolve
to the queried port on it, which ipBlocks of any policy contain its IP, and hostNetwork-ness.
One representative pair per (source class, destination class) is judged by `pair_verdict`, and
the answer is shared by every pair of pods of those two classes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from netpath.engine.errors import QueryError
from netpath.engine.network_policy import PolicyIndex, admits, build_policy_index, ip_blocks
from netpath.model.addr import Prefix
from netpath.model.kubernetes import Cluster, IpBlock, LabelSelector, Pod

Signature = tuple[object, ...]
IntBlock = tuple[int, int, tuple[tuple[int, int], ...]]  # cidr low, high, except ranges


@dataclass(frozen=True, slots=True)
class MatrixPod:
    cluster: str
    pod: Pod
    name: str  # as shown: "namespace/name", or "cluster/namespace/name" with several clusters


@dataclass(frozen=True, slots=True)
class Verdict:
    reachable: bool
    code: str | None  # the explanation code of the first step that blocks; None when reachable


REACHABLE = Verdict(True, None)


@dataclass(frozen=True, slots=True)
class Matrix:
    protocol: str
    port: int
    pods: tuple[MatrixPod, ...]
    pod_class: tuple[int, ...]  # pods[i] belongs to class pod_class[i]
    node_matters: tuple[bool, ...]  # per class, as a source: see `same_node_matters`
    # (source class, destination class, same node) -> verdict; "same node" is always False for
    # source classes whose node does not matter.
    table: Mapping[tuple[int, int, bool], Verdict]
    notes: tuple[str, ...]  # facts about the whole matrix (unenforced policies...)

    @property
    def classes(self) -> int:
        return len(set(self.pod_class))

    def verdict(self, source: int, destination: int) -> Verdict:
        ci = self.pod_class[source]
        return self.table[(ci, self.pod_class[destination],
                           self.node_matters[ci] and _same_node(self.pods[source],
                                                                 self.pods[destination]))]

    def pairs(self) -> Iterator[tuple[int, int, Verdict]]:
        """Every ordered pair of distinct pods, rows (sources) first; a pod to itself is left
        out."""
        for i in range(len(self.pods)):
            for j in range(len(self.pods)):
                if i != j:
                    yield i, j, self.verdict(i, j)


def _same_node(a: MatrixPod, b: MatrixPod) -> bool:
    return a.cluster == b.cluster and a.pod.node == b.pod.node


def same_node_matters(source: MatrixPod) -> bool:
    """Whether a verdict from `source` can depend on the destination running on the same node.

    Today only for hostNetwork sources: they send from the node's IP, and ingress from a pod's
    own node is always allowed. Through the full packet engine it will be every source (same
    node: no VPC hop, no security group); the class structure already allows for it.
    """
    return source.pod.host_network


def pair_verdict(indexes: Mapping[str, PolicyIndex], source: MatrixPod,
                 destination: MatrixPod, protocol: str, port: int) -> Verdict:
    """Can `source` open `protocol`/`port` to `destination`'s pod IP? The one place a pair is
    judged.

    Today: NetworkPolicy egress at the source, then ingress at the destination; both must
    admit. Pods of two clusters see each other as plain IPs (only ipBlocks can match). When
    this goes through the full packet engine (security groups where an AWS part exists, routes
    between nodes), the class signature must grow with what that engine can tell apart: the
    pod's node and its security groups (node ENI's or its own, with security groups for pods).
    """
    same = source.cluster == destination.cluster
    src, dst = source.pod, destination.pod
    if not admits(indexes[source.cluster], "egress", src, dst.ip, dst if same else None,
                  protocol, port):
        return Verdict(False, "NETPOL_EGRESS_DENIED")
    if not admits(indexes[destination.cluster], "ingress", dst, src.ip, src if same else None,
                  protocol, port):
        return Verdict(False, "NETPOL_INGRESS_DENIED")
    return REACHABLE


def select_pods(clusters: Mapping[str, Cluster], namespaces: Sequence[str] = (),
                selectors: Sequence[str] = ()) -> list[MatrixPod]:
    """The pods of the matrix: in any of `namespaces` (all when empty) and matching every
    `key=value` of `selectors`; sorted by name. Raises QueryError for a namespace no cluster
    has, a malformed selector, or a selector no pod matches."""
    several = len(clusters) > 1
    everything = [MatrixPod(c.name, p, f"{c.name}/{p.key}" if several else p.key)
                  for c in clusters.values() for p in c.pods.values()]
    if not everything:
        raise QueryError("the spec has no Kubernetes pods", "add a cluster with its manifests "
                         "(docs/kubernetes.md)")
    known = {p.pod.namespace for p in everything} | {
        ns for c in clusters.values() for ns in c.namespaces}
    for namespace in namespaces:
        if namespace not in known:
            names = sorted(known)
            more = f" and {len(names) - 12} more" if len(names) > 12 else ""
            raise QueryError(f"unknown namespace {namespace!r}",
                             f"namespaces: {', '.join(names[:12])}{more}")
    chosen = [p for p in everything if not namespaces or p.pod.namespace in namespaces]
    if not chosen:
        raise QueryError(f"no pod in namespace {', '.join(map(repr, namespaces))}", None)
    where = f" in namespace {', '.join(namespaces)}" if namespaces else ""
    for text in selectors:
        selector = parse_selector(text)
        matching = [p for p in chosen if selector.matches(p.pod.labels)]
        if not matching:
            raise QueryError(f"no pod{where} matches --selector {text!r}",
                             "selectors are key=value pod labels, several in one flag "
                             "separated by commas; all must match")
        chosen = matching
    return sorted(chosen, key=lambda p: p.name)


def parse_selector(text: str) -> LabelSelector:
    pairs: list[tuple[str, str]] = []
    for part in text.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep or not key.strip() or "=" in value or key.endswith("!"):
            raise QueryError(f"bad --selector {text!r}", "write key=value (app=web), or "
                             "several separated by commas (app=web,tier=front)")
        pairs.append((key.strip(), value.strip()))
    return LabelSelector(tuple(pairs))


def build_matrix(clusters: Mapping[str, Cluster], pods: Sequence[MatrixPod], protocol: str,
                 port: int, indexes: Mapping[str, PolicyIndex] | None = None) -> Matrix:
    if indexes is None:
        indexes = {name: build_policy_index(c) for name, c in clusters.items()
                   if any(p.cluster == name for p in pods)}
    keys = _selector_keys(indexes.values())
    names = _port_names(indexes.values(), protocol)
    blocks = _int_blocks(ip_blocks(list(indexes.values())))
    classes: dict[Signature, int] = {}
    members: list[list[MatrixPod]] = []  # per class: one pod per node, for same-node pairs
    member_nodes: list[dict[tuple[str, str], MatrixPod]] = []
    pod_class: list[int] = []
    for mp in pods:
        sig = signature(mp, keys, names, blocks, port, protocol)
        index = classes.get(sig)
        if index is None:
            index = classes[sig] = len(members)
            members.append([])
            member_nodes.append({})
        where = (mp.cluster, mp.pod.node)
        if where not in member_nodes[index]:
            member_nodes[index][where] = mp
            members[index].append(mp)
        pod_class.append(index)
    matters = tuple(same_node_matters(m[0]) for m in members)
    table: dict[tuple[int, int, bool], Verdict] = {}
    for ci, group in enumerate(members):
        source = group[0]
        for cj, targets in enumerate(members):
            if not matters[ci]:
                table[(ci, cj, False)] = pair_verdict(indexes, source, targets[0], protocol, port)
                continue
            for same in (True, False):  # a destination on the source's node, and elsewhere
                target = next((t for t in targets if _same_node(source, t) is same), None)
                if target is not None:
                    table[(ci, cj, same)] = pair_verdict(indexes, source, target, protocol,
                                                         port)
    notes = tuple(f"cluster {name}: {index.cluster.cni} does not enforce NetworkPolicy, so "
                  "every pair is reachable as far as policies go" for name, index in
                  indexes.items() if not index.enforced and index.cluster.network_policies)
    return Matrix(protocol, port, tuple(pods), tuple(pod_class), matters, table, notes)


def signature(mp: MatrixPod, keys: frozenset[str], names: frozenset[str],
              blocks: tuple[IntBlock, ...], port: int,
              protocol: str) -> Signature:
    """What NetworkPolicy can tell about a pod, as a source and as a destination.

    `keys` are the label keys any selector reads (other labels, such as pod-template-hash,
    cannot change a verdict); `names` the named ports policies use; `blocks` every ipBlock as
    integer ranges. The node is not part of it: the one case where it matters (a hostNetwork
    source, whose IP is its node's) is handled by `same_node_matters`.
    """
    pod = mp.pod
    ip = int(pod.ip)
    inside = tuple(i for i, (low, high, holes) in enumerate(blocks)
                   if low <= ip <= high and not any(a <= ip <= b for a, b in holes))
    if pod.host_network:  # selectors never see it: only its (node) IP counts
        return (mp.cluster, "hostNetwork", ip, inside)
    labels = tuple(sorted((k, v) for k, v in pod.labels.items() if k in keys))
    ports = tuple(sorted(n for n in names if pod.port_named(n, protocol) == port))
    return (mp.cluster, pod.namespace, labels, ports, inside)


def _selector_keys(indexes: Iterable[PolicyIndex]) -> frozenset[str]:
    keys: set[str] = set()

    def add(selector: LabelSelector | None) -> None:
        if selector is not None:
            keys.update(k for k, _ in selector.match_labels)
            keys.update(r.key for r in selector.match_expressions)

    for index in indexes:
        for policy in index.all_policies():
            add(policy.pod_selector)
            for rule in policy.ingress + policy.egress:
                for peer in rule.peers:
                    add(peer.pod_selector)
    return frozenset(keys)


def _port_names(indexes: Iterable[PolicyIndex], protocol: str) -> frozenset[str]:
    names: set[str] = set()
    for index in indexes:
        for policy in index.all_policies():
            for rule in policy.ingress + policy.egress:
                names.update(p.port for p in rule.ports
                             if isinstance(p.port, str) and p.protocol == protocol)
    return frozenset(names)


def _span(prefix: Prefix) -> tuple[int, int]:
    return int(prefix.network_address), int(prefix.broadcast_address)


def _int_blocks(found: tuple[IpBlock, ...]) -> tuple[IntBlock, ...]:
    # Integer ranges: ipaddress containment checks cost microseconds each, and a signature
    # checks every pod against every ipBlock.
    return tuple((*_span(b.cidr), tuple(_span(e) for e in b.except_)) for b in found)
