"""The AWS side of `netpath matrix`: what the network between two pods does, by path classes.

With an AWS part, a pair's verdict depends on more than NetworkPolicy: whether the two pods
share a node (then nothing leaves it), and for each pod (`path_signature`):
- the interfaces the VPC sees: a VPC CNI pod's own (in its node's subnet, with its node's
  security groups or its SecurityGroupPolicy groups), and its node's (the only one for an
  overlay CNI or a hostNetwork pod): subnet (NACLs, route table) and security groups;
- where its addresses fall among the spec's prefixes (routes, NACL and security group CIDRs,
  prefix lists) and which security groups they are members of (rules that reference a group);
- hostNetwork-ness, its own security groups (strict mode), and whether it is an ingress-nginx
  controller (which opens a new connection for what it accepts).

For each (source path class, destination path class, same node) one representative pair is
traced by the real engine, on the network with its NetworkPolicies taken out
(`without_network_policies`): that trace says what the network alone does. The matrix then
puts NetworkPolicy back in the engine's own order (egress at the source, the way there, ingress
at the destination, the way back). That is exact when the request reaches the destination pod
with the pair's own addresses, or no pod at all; otherwise (a hostNetwork destination whose port
is a NodePort, which kube-proxy forwards to some Service endpoint; an SNAT between clusters; an
ingress-nginx destination) `PathVerdict.direct` is False and those pairs are traced whole.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, is_dataclass, replace
from ipaddress import IPv4Network

from netpath.engine.hops import Query, Trace
from netpath.engine.ingress_nginx import is_controller
from netpath.engine.matrix_classes import REACHABLE, ClassSet, MatrixPod, Signature, Verdict
from netpath.engine.network import Network
from netpath.engine.resolve_kube import pod_name
from netpath.engine.tracer import trace
from netpath.model.addr import Address, Prefix
from netpath.model.record import record
from netpath.model.resources import Eni
from netpath.model.vocabulary import Action, Component, Direction


@record
class PathVerdict:
    """What the network alone does to a pair."""

    verdict: Verdict
    forward: bool  # blocked on the way there, before the destination's NetworkPolicy
    direct: bool  # the request reached the destination itself, with the pair's own addresses


CLEAR = PathVerdict(REACHABLE, forward=False, direct=True)


@record
class PathSide:
    pod_class: tuple[int, ...]  # per pod of the matrix, its path class
    flat: tuple[bool, ...]  # per path class: a cluster without a VPC (nothing to trace)
    table: Mapping[tuple[int, int, bool], PathVerdict]  # (source, destination, same node)
    traces: int

    @property
    def classes(self) -> int:
        return len(self.flat)

    def get(self, source: int, destination: int, same: bool) -> PathVerdict:
        return self.table.get((source, destination, same), CLEAR)


def path_side(net: Network, pods: Sequence[MatrixPod], protocol: str, port: int) -> PathSide:
    spans = Spans(model_prefixes(net))
    members = group_members(net)
    classes = ClassSet()
    flat: list[bool] = []
    pod_class = []
    for mp in pods:
        index = classes.add(path_signature(net, mp, spans, members), mp)
        if index == len(flat):
            flat.append(net.model.clusters[mp.cluster].vpc is None)
        pod_class.append(index)
    bare = without_network_policies(net)
    table: dict[tuple[int, int, bool], PathVerdict] = {}
    for x in range(len(flat)):
        for y in range(len(flat)):
            if flat[x] and flat[y]:
                continue  # a flat pod network: NetworkPolicy at both ends is the whole story
            for same in (True, False):
                pair = classes.pair(x, y, same)
                if pair is not None:
                    table[(x, y, same)] = path_verdict(trace_pair(bare, *pair, protocol, port),
                                                       *pair)
    return PathSide(tuple(pod_class), tuple(flat), table, len(table))


def path_signature(net: Network, mp: MatrixPod, spans: Spans,
                   members: Mapping[int, tuple[str, ...]]) -> Signature:
    """What the network between pods can tell about a pod (see the module docstring)."""
    cluster = net.model.clusters[mp.cluster]
    if cluster.vpc is None:
        return (mp.cluster, "flat")
    pod = mp.pod
    node = cluster.nodes.get(pod.node)
    node_eni = node_interface(net, node.instance if node else None)
    pod_eni = None if pod.host_network else net.kube.pod_eni(cluster.name, pod)

    def facts(eni: Eni | None) -> Signature | None:
        if eni is None:
            return None
        ip = int(eni.private_ip)
        return (eni.subnet, eni.security_groups, spans.position(eni.private_ip),
                members.get(ip, ()))

    # An ingress-nginx pod does not end the request: it opens a new one (see `path_verdict`).
    return (mp.cluster, pod.host_network, is_controller(pod), pod.security_groups,
            facts(node_eni), facts(pod_eni), spans.position(pod.ip), members.get(int(pod.ip), ()))


def node_interface(net: Network, instance: str | None) -> Eni | None:
    if instance is None or instance not in net.model.instances:
        return None
    enis = net.model.instances[instance].enis
    return net.model.enis[enis[0]] if enis else None


def without_network_policies(net: Network) -> Network:
    """The same network with every cluster's NetworkPolicies taken out: its traces show what
    routes, NACLs, security groups and nodes do, and nothing else (no index is rebuilt: the
    engine looks a cluster's policies up only when the cluster has some)."""
    clusters = {name: replace(c, network_policies={}) for name, c in net.model.clusters.items()}
    return replace(net, model=replace(net.model, clusters=clusters))


def pod_query_name(net: Network, mp: MatrixPod) -> str:
    """How a trace names the pod: `namespace/name`, with its cluster when another cluster has
    a pod of the same key, with `pod/` when a Service has its name (`resolve_kube.pod_name`).
    Each resolves straight to the pod (its IP, no DNS)."""
    return pod_name(net, mp.cluster, mp.pod)


def trace_pair(net: Network, source: MatrixPod, destination: MatrixPod, protocol: str,
               port: int) -> Trace:
    return trace(net, Query(pod_query_name(net, source), pod_query_name(net, destination),
                            port, protocol))


def verdict_of(done: Trace) -> Verdict:
    return REACHABLE if done.blocked_by is None else Verdict(False, done.blocked_by.code)


def path_verdict(done: Trace, source: MatrixPod, destination: MatrixPod) -> PathVerdict:
    """What a trace on the network without NetworkPolicies says about a pair, and whether the
    matrix may put the policies back by itself.

    In the real trace NetworkPolicy judges at the source before anything else, and then each
    time a pod accepts the request (a "deliver" hop of a pod). So the split is exact when no pod
    accepted it (blocked on the way, or a hostNetwork destination reached at its node: no
    policy there), or when the only one was the destination itself, from the source's own
    address, as the last step of the way there. Anything else (kube-proxy forwarding a NodePort
    to some endpoint, an SNAT on the way, an ingress-nginx pod that opens a new connection) is
    not direct: those pairs are traced whole.
    """
    blocked = done.blocked_by
    verdict = verdict_of(done)
    accepted = [i for i, hop in enumerate(done.hops)
                if hop.component == Component.POD and hop.action == Action.DELIVER]
    if not accepted:
        return PathVerdict(verdict, blocked is not None and blocked.direction == Direction.FORWARD,
                           direct=True)
    last = done.hops[accepted[0]]
    direct = (accepted == [len(done.hops) - 1] and not destination.pod.host_network
              and last.name == destination.pod.key and last.packet.src_ip == source.pod.ip
              and last.packet.dst_ip == destination.pod.ip)
    return PathVerdict(verdict, forward=False, direct=direct)


# --- where addresses fall ----------------------------------------------------------------------

def model_prefixes(net: Network) -> list[Prefix]:
    """Every prefix of the AWS part (VPC and subnet CIDRs, routes, NACL and security group
    rules, prefix lists, transit gateway routes...), found by walking the model, plus the
    clusters' own CIDRs. Two addresses inside exactly the same of them are alike to every
    longest-prefix match and CIDR rule of the engine."""
    found: list[Prefix] = []
    stack: list[object] = [getattr(net.model, f.name) for f in fields(net.model)
                           if f.name != "clusters"]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, IPv4Network):
            found.append(item)
        elif item is None or isinstance(item, (str, int, float)) or id(item) in seen:
            continue
        elif is_dataclass(item) and not isinstance(item, type):
            seen.add(id(item))
            stack.extend(getattr(item, f.name) for f in fields(item))
        elif isinstance(item, Mapping):
            seen.add(id(item))
            stack.extend(item.values())
        elif isinstance(item, (tuple, list, set, frozenset)):
            seen.add(id(item))
            stack.extend(item)
    for cluster in net.model.clusters.values():
        found += [cluster.service_cidr, *cluster.exclude_snat_cidrs]
        if cluster.pod_cidr is not None:
            found.append(cluster.pod_cidr)
    return found


class Spans:
    """Which of a set of prefixes contain an address. Prefixes are nested or disjoint, so the
    ones that contain an address are the most specific of them and its supernets: two addresses
    with the same most specific prefix are in exactly the same prefixes. Found by one lookup per
    prefix length, longest first."""

    __slots__ = ("_by_length", "_lengths")

    def __init__(self, prefixes: Iterable[Prefix]) -> None:
        self._by_length: dict[int, set[int]] = {}
        for prefix in prefixes:
            self._by_length.setdefault(prefix.prefixlen, set()).add(
                int(prefix.network_address) >> (32 - prefix.prefixlen))
        self._lengths = sorted(self._by_length, reverse=True)

    def position(self, address: Address) -> tuple[int, int] | None:
        """The most specific prefix holding `address`, as (length, network bits); None when
        none does."""
        ip = int(address)
        for length in self._lengths:
            bits = ip >> (32 - length)
            if bits in self._by_length[length]:
                return length, bits
        return None


def group_members(net: Network) -> dict[int, tuple[str, ...]]:
    """Address -> the security groups it is a member of (what a rule referencing a group
    matches), pods' interfaces included."""
    out: dict[int, list[str]] = {}
    for group, addresses in net.sg_members.items():
        for ip in addresses:
            out.setdefault(ip, []).append(group)
    return {ip: tuple(sorted(groups)) for ip, groups in out.items()}


def whole_traces(net: Network, side: PathSide, classes: ClassSet,
                 parts: Sequence[tuple[int, int]], protocol: str,
                 port: int) -> dict[tuple[int, int, bool], Verdict]:
    """Trace whole, on the real network, one pair per (class, class, same node) where the
    path trace did not reach the destination directly (see the module docstring)."""
    indirect = sorted(key for key, found in side.table.items() if not found.direct)
    if not indirect:
        return {}
    by_path: dict[int, list[int]] = {}
    for index, (_, path) in enumerate(parts):
        by_path.setdefault(path, []).append(index)
    whole: dict[tuple[int, int, bool], Verdict] = {}
    for x, y, same in indirect:
        for source in by_path.get(x, ()):
            for destination in by_path.get(y, ()):
                pair = classes.pair(source, destination, same)
                if pair is not None:
                    whole[(source, destination, same)] = verdict_of(
                        trace_pair(net, *pair, protocol, port))
    return whole
