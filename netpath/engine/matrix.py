"""`netpath matrix`: who can reach whom among pods, by equivalence classes of pods.

Tracing every ordered pair is quadratic in pods *and* pays the whole evaluation each time. But
the engine can only tell pods apart by a few facts, so pods that share them behave alike as
source and as destination. A pod's class is the pair of two signatures:

- its policy signature (`signature`): what NetworkPolicy can tell about it. Its cluster and
  namespace (which policies can select it, what namespaceSelectors see), its labels restricted
  to the keys some selector reads, which of the named ports policies use resolve to the queried
  port on it, which ipBlocks of any policy contain its IP, and hostNetwork-ness. One pair per
  (source class, destination class) is judged by `pair_verdict` (`admits` at both ends).
- its path signature (`matrix_paths.path_signature`), only where a cluster has a VPC: its
  subnet, the security groups and memberships of the interfaces the VPC sees, where its
  addresses fall among the spec's prefixes. One pair per (source class, destination class,
  same node) is traced by the real engine on the network without its NetworkPolicies.

`Judge` puts the two back together in the engine's order (egress policy at the source, the way
there, ingress policy at the destination, the way back), and the answer is shared by every pair
of pods of the same classes on the same kind of placement (same node or not). Without a VPC
(a flat pod network) NetworkPolicy at both ends is the whole story and nothing is traced.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence

from netpath.engine import matrix_paths
from netpath.engine.errors import QueryError
from netpath.engine.matrix_classes import (
    REACHABLE,
    ClassSet,
    MatrixPod,
    Signature,
    Verdict,
    VerdictTable,
)
from netpath.engine.matrix_paths import PathSide
from netpath.engine.network import Network, prepare
from netpath.engine.network_policy import PolicyIndex, admits, build_policy_index, ip_blocks
from netpath.model.addr import Prefix
from netpath.model.kubernetes import Cluster, IpBlock, LabelSelector
from netpath.model.names import did_you_mean
from netpath.model.record import record
from netpath.model.resources import Model
from netpath.model.vocabulary import Code

__all__ = ["Matrix", "MatrixPod", "MatrixStats", "Verdict", "build_matrix", "pair_verdict",
           "parse_selector", "same_node_matters", "select_pods", "signature"]

EGRESS_DENIED = Verdict(False, Code.NETPOL_EGRESS_DENIED)
NO_POD_IP = Verdict(False, Code.NO_POD_IP)
INGRESS_DENIED = Verdict(False, Code.NETPOL_INGRESS_DENIED)
IntBlock = tuple[int, int, tuple[tuple[int, int], ...]]  # cidr low, high, except ranges
ClassKey = tuple[int, int, bool]  # (source class, destination class, same node)


@record
class MatrixStats:
    policy_classes: int
    path_classes: int  # 0 without an AWS part: nothing but NetworkPolicy to judge
    classes: int  # distinct (policy class, path class) among the pods
    traces: int  # engine traces run: one per path class pair, plus pairs traced whole


class Judge:
    """The verdict of a (source class, destination class, same node) triple, from the policy
    and path tables, computed on first use and remembered (a byte a triple: `VerdictTable`)."""

    __slots__ = ("no_ip", "parts", "paths", "policy", "policy_node_matters", "table", "whole")

    def __init__(self, parts: Sequence[tuple[int, int]], policy: VerdictTable,
                 policy_node_matters: Sequence[bool], paths: PathSide | None,
                 whole: Mapping[ClassKey, Verdict], no_ip: Sequence[bool] = ()) -> None:
        self.parts = parts  # per class: (policy class, path class)
        # per class: its pods got no address (the VPC CNI ran out): nothing reaches or leaves
        # them, as a trace says (NO_POD_IP)
        self.no_ip = no_ip
        self.policy = policy
        self.policy_node_matters = policy_node_matters
        self.paths = paths
        self.whole = whole  # pairs whose trace was run whole (see matrix_paths)
        self.table = VerdictTable(len(parts))

    def __call__(self, source: int, destination: int, same: bool) -> Verdict:
        return self.table.verdicts[self.number(source, destination, same) - 1]

    def number(self, source: int, destination: int, same: bool) -> int:
        """The triple's verdict as its number in the table (1 + its index in `verdicts`)."""
        table = self.table
        found = table.slots[(source * table.size + destination) * 2 + same]
        if not found:
            found = table.put(source, destination, same, self._combine((source, destination,
                                                                        same)))
        return found

    def _combine(self, key: ClassKey) -> Verdict:
        whole = self.whole.get(key)
        if whole is not None:
            return whole
        source, destination, same = key
        if self.no_ip and (self.no_ip[source] or self.no_ip[destination]):
            return NO_POD_IP
        ps, ns = self.parts[source]
        pd, nd = self.parts[destination]
        policy = self.policy.get(ps, pd, same and self.policy_node_matters[ps])
        if policy is None:
            raise KeyError(f"no pair of policy classes {ps} and {pd} (same node: {same})")
        if self.paths is None or policy.code == Code.NETPOL_EGRESS_DENIED:  # egress is judged first
            return policy
        path = self.paths.get(ns, nd, same)
        if path.forward:  # blocked on the way, before the destination's policies
            return path.verdict
        return path.verdict if policy.reachable else policy


@record
class Matrix:
    protocol: str
    port: int
    pods: tuple[MatrixPod, ...]
    pod_class: tuple[int, ...]  # pods[i] belongs to class pod_class[i]
    pod_node: tuple[int, ...]  # pods[i] runs on node pod_node[i] (nodes numbered per matrix)
    judge: Judge
    notes: tuple[str, ...]  # facts about the whole matrix (unenforced policies...)
    stats: MatrixStats

    @property
    def classes(self) -> int:
        return self.stats.classes

    def verdict(self, source: int, destination: int) -> Verdict:
        """The verdict of a pair of distinct pods. A pod to itself is left out: the class
        tables are judged on two distinct pods (a pod cannot block access to itself, so its
        own verdict says nothing of its class); `netpath trace` answers that one."""
        if source == destination:
            raise ValueError("a pod to itself is left out of the matrix")
        return self.judge(self.pod_class[source], self.pod_class[destination],
                          self.pod_node[source] == self.pod_node[destination])

    def row(self, source: int) -> list[Verdict | None]:
        """The verdicts of `source` to every pod in order, None for itself: one row, read from
        the class table. A renderer writes a row and forgets it, so nothing per pair is held."""
        verdicts = self.judge.table.verdicts
        return [verdicts[k - 1] if k else None for k in self.row_ids(source)]

    def row_ids(self, source: int) -> list[int]:
        """`row` as numbers: 1 + the index in `verdicts` of each pod's verdict, 0 for itself
        (a renderer maps a few numbers to text once, not every pair)."""
        judge, table = self.judge, self.judge.table
        slots = table.slots
        ci, ni = self.pod_class[source], self.pod_node[source]
        base = ci * table.size * 2
        classes, nodes = self.pod_class, self.pod_node
        ids = [slots[base + 2 * cj + (nj == ni)] for cj, nj in zip(classes, nodes, strict=True)]
        ids[source] = -1
        at = 0
        while True:  # class pairs not judged yet (the first rows of a matrix)
            try:
                at = ids.index(0, at)
            except ValueError:
                break
            ids[at] = judge.number(ci, classes[at], nodes[at] == ni)
        ids[source] = 0
        return ids

    @property
    def verdicts(self) -> list[Verdict]:
        """The distinct verdicts `row_ids` numbers (from 1), in the order they were found."""
        return self.judge.table.verdicts

    def tally(self) -> dict[Verdict, int]:
        """How many ordered pairs of distinct pods get each verdict, counted by class and node
        (pods per class, and per class on each node), never pair by pair."""
        per_class: Counter[int] = Counter(self.pod_class)
        per_node: dict[int, Counter[int]] = {}
        for c, n in zip(self.pod_class, self.pod_node, strict=True):
            per_node.setdefault(n, Counter())[c] += 1
        same: Counter[tuple[int, int]] = Counter()  # ordered pairs of distinct pods on one node
        for here in per_node.values():
            for ci, ni in here.items():
                for cj, nj in here.items():
                    same[(ci, cj)] += ni * nj - (ni if ci == cj else 0)
        counts: dict[int, int] = {}  # by verdict number
        number = self.judge.number
        for ci, ni in per_class.items():
            for cj, nj in per_class.items():
                together = same.get((ci, cj), 0)
                apart = ni * nj - (ni if ci == cj else 0) - together
                if together:
                    k = number(ci, cj, True)
                    counts[k] = counts.get(k, 0) + together
                if apart:
                    k = number(ci, cj, False)
                    counts[k] = counts.get(k, 0) + apart
        verdicts = self.judge.table.verdicts
        return {verdicts[k - 1]: count for k, count in counts.items()}

    def pairs(self) -> Iterator[tuple[int, int, Verdict]]:
        """Every ordered pair of distinct pods, rows (sources) first; a pod to itself is left
        out."""
        for i in range(len(self.pods)):
            for j, verdict in enumerate(self.row(i)):
                if verdict is not None:
                    yield i, j, verdict


def same_node_matters(source: MatrixPod) -> bool:
    """Whether NetworkPolicy's verdict from `source` can depend on the destination running on
    the same node: only for hostNetwork sources, which send from the node's IP, and ingress
    from a pod's own node is always allowed. (The network between pods always cares: the path
    table is keyed by the same-node flag.)"""
    return source.pod.host_network


def pair_verdict(indexes: Mapping[str, PolicyIndex], source: MatrixPod,
                 destination: MatrixPod, protocol: str, port: int) -> Verdict:
    """Does NetworkPolicy let `source` open `protocol`/`port` to `destination`'s pod IP?

    Egress at the source, then ingress at the destination; both must admit. Pods of two
    clusters see each other as plain IPs (only ipBlocks can match). The engine judges in the
    same order, with the same `admits`, so the codes are the trace's own.
    """
    same = source.cluster == destination.cluster
    src, dst = source.pod, destination.pod
    if not admits(indexes[source.cluster], "egress", src, dst.ip, dst if same else None,
                  protocol, port):
        return EGRESS_DENIED
    if not admits(indexes[destination.cluster], "ingress", dst, src.ip, src if same else None,
                  protocol, port):
        return INGRESS_DENIED
    return REACHABLE


def select_pods(clusters: Mapping[str, Cluster], namespaces: Sequence[str] = (),
                selectors: Sequence[str] = ()) -> list[MatrixPod]:
    """The pods of the matrix: in any of `namespaces` (all when empty) and matching every
    `key=value` of `selectors`; sorted by name. Raises QueryError for a namespace no cluster
    has, a malformed selector, or a selector no pod matches."""
    several = len(clusters) > 1
    # The implicit CoreDNS (no file has it) only when its namespace is asked for.
    everything = [MatrixPod(c.name, p, f"{c.name}/{p.key}" if several else p.key)
                  for c in clusters.values() for p in c.pods.values()
                  if not p.implicit or p.namespace in namespaces]
    if not everything:
        raise QueryError("the spec has no Kubernetes pods", "add a cluster with its manifests "
                         "(docs/kubernetes.md)")
    known = {p.pod.namespace for p in everything} | {
        ns for c in clusters.values() for ns in c.namespaces}
    for namespace in namespaces:
        if namespace not in known:
            names = sorted(known)
            more = f" and {len(names) - 12} more" if len(names) > 12 else ""
            listing = f"namespaces: {', '.join(names[:12])}{more}"
            near = did_you_mean(namespace, {p.pod.namespace for p in everything})
            raise QueryError(f"unknown namespace {namespace!r}",
                             f"{near} {listing}" if near else listing)
    chosen = [p for p in everything if not namespaces or p.pod.namespace in namespaces]
    if not chosen:
        raise QueryError(f"no pod in namespace {', '.join(map(repr, namespaces))}", None)
    where = f" in namespace {', '.join(namespaces)}" if namespaces else ""
    for text in selectors:
        selector = parse_selector(text)
        matching = [p for p in chosen if selector.matches(p.pod.labels)]
        if not matching:
            raise QueryError(f"no pod{where} matches --selector {text!r}",
                             _label_hint(selector, chosen))
        chosen = matching
    return sorted(chosen, key=lambda p: p.name)


def _label_hint(selector: LabelSelector, pods: Sequence[MatrixPod]) -> str:
    """A near label (`app=frontned` -> `app=frontend`) among the pods in scope, else how
    selectors are written."""
    pairs = {f"{k}={v}" for p in pods for k, v in p.pod.labels.items()}
    for key, value in selector.match_labels:
        if f"{key}={value}" not in pairs:
            near = did_you_mean(f"{key}={value}", pairs)
            if near is not None:
                return near
    return ("selectors are key=value pod labels, several in one flag separated by commas; "
            "all must match")


def parse_selector(text: str) -> LabelSelector:
    pairs: list[tuple[str, str]] = []
    for part in text.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep or not key.strip() or "=" in value or key.endswith("!"):
            raise QueryError(f"bad --selector {text!r}", "write key=value (app=web), or "
                             "several separated by commas (app=web,tier=front)")
        pairs.append((key.strip(), value.strip()))
    return LabelSelector(tuple(pairs))


def build_matrix(world: Network | Model | Mapping[str, Cluster], pods: Sequence[MatrixPod],
                 protocol: str, port: int,
                 indexes: Mapping[str, PolicyIndex] | None = None) -> Matrix:
    """The matrix of `pods` for one flow.

    `world` is the prepared Network (what the CLI passes), a Model (prepared here), or bare
    clusters, which must then have no VPC: with an AWS part the verdicts need the engine.
    """
    net: Network | None
    clusters: Mapping[str, Cluster]
    if isinstance(world, Network):
        net, clusters = world, world.model.clusters
    elif isinstance(world, Model):
        net = prepare(world)
        clusters = net.model.clusters
    else:
        net, clusters = None, world
    if indexes is None:
        indexes = net.kube.policy_indexes if net is not None else {
            name: build_policy_index(c) for name, c in clusters.items()
            if any(p.cluster == name for p in pods)}
    policy_of, policies, policy_table, matters = _policy_side(indexes, pods, protocol, port)
    paths = None
    if any(clusters[p.cluster].vpc is not None for p in pods):
        if net is None:
            raise ValueError("a cluster with a VPC: pass the prepared Network "
                             "(netpath.engine.prepare(model)), not its clusters")
        paths = matrix_paths.path_side(net, pods, protocol, port)
    combined = ClassSet()
    parts: list[tuple[int, int]] = []
    no_ip: list[bool] = []
    pod_class = []
    missing = net.kube.pods_without_ip if net is not None else {}
    for i, mp in enumerate(pods):
        part = (policy_of[i], paths.pod_class[i] if paths is not None else 0)
        lost = (mp.cluster, mp.pod.key) in missing
        index = combined.add((*part, lost), mp)
        if index == len(parts):
            parts.append(part)
            no_ip.append(lost)
        pod_class.append(index)
    whole: dict[ClassKey, Verdict] = {}
    if paths is not None and net is not None:
        whole = matrix_paths.whole_traces(net, paths, combined, parts, protocol, port)
    notes = tuple(f"cluster {name}: {index.cluster.cni} does not enforce NetworkPolicy, so "
                  "every pair is reachable as far as policies go" for name, index in
                  indexes.items() if not index.enforced and index.cluster.network_policies
                  and any(p.cluster == name for p in pods))
    stats = MatrixStats(policies, paths.classes if paths is not None else 0, len(parts),
                        (paths.traces if paths is not None else 0) + len(whole))
    judge = Judge(parts, policy_table, matters, paths, whole, no_ip)
    nodes: dict[tuple[str, str], int] = {}
    pod_node = tuple(nodes.setdefault((p.cluster, p.pod.node), len(nodes)) for p in pods)
    return Matrix(protocol, port, tuple(pods), tuple(pod_class), pod_node, judge, notes, stats)


def _policy_side(indexes: Mapping[str, PolicyIndex], pods: Sequence[MatrixPod], protocol: str,
                 port: int) -> tuple[list[int], int, VerdictTable, list[bool]]:
    """Policy classes: each pod's, how many, the verdict per class pair, and per class whether
    the same-node flag matters to it (`same_node_matters`)."""
    keys = _selector_keys(indexes.values())
    names = _port_names(indexes.values(), protocol)
    blocks = _int_blocks(ip_blocks(list(indexes.values())))
    classes = ClassSet()
    of = [classes.add(signature(mp, keys, names, blocks, port, protocol), mp) for mp in pods]
    matters = [same_node_matters(classes.first(c)) for c in range(len(classes))]
    table = VerdictTable(len(classes))
    for ci in range(len(classes)):
        source = classes.first(ci)
        for cj in range(len(classes)):
            if not matters[ci]:
                # Two distinct pods: a pod to itself is always admitted (`to_itself`), which
                # says nothing of two pods of one class.
                pair = (source, classes.first(cj)) if ci != cj else (
                    classes.pair(ci, cj, True) or classes.pair(ci, cj, False))
                if pair is not None:
                    table.put(ci, cj, False, pair_verdict(indexes, *pair, protocol, port))
                continue
            for same in (True, False):  # a destination on the source's node, and elsewhere
                pair = classes.pair(ci, cj, same)
                if pair is not None:
                    table.put(ci, cj, same, pair_verdict(indexes, *pair, protocol, port))
    return of, len(classes), table, matters


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
