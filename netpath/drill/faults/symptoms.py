"""What a find-the-fault question shows of the broken trace, and which faults that much fits.

A symptom is the text the learner reads, so "the same symptom" is exactly "reads the same". It
opens with what the user sees ("A client on the internet can no longer reach shop.example.com
on tcp/443.", or "... now fail intermittently" when a fair share of connections still work),
then, by level:

1. CODE: the code `netpath trace` reports;
2. PACKET: the code and the packet it drops (the request or the reply, addresses and port);
3. REASON: the code and the trace's reason, with the suspects' names hidden ("no inbound rule of
   the security group on node-1 allows ...") and without the fix the reason may suggest: the
   learner still has to tell which one;
4. POLICIES (NetworkPolicy denials only): the reason, and what `kubectl` shows now: the labels
   of the pods at both ends, and the policies of the judging pod's namespace for that direction
   (which select it, and their rules). A relabelled peer, a relabelled pod and a deleted rule
   give the same reason; they never look the same there.

The faults a learner may have in mind are the ones netpath itself would inject on the query
(`inject.candidates` that stop as stated): `reproductions` lists them with their broken traces,
and `fitting` keeps those whose symptom reads the same as the one shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from netpath.drill.faults.inject import candidates, stops_as_stated
from netpath.drill.faults.kubernetes import rule_words
from netpath.drill.faults.record import Fault
from netpath.engine import prepare, trace
from netpath.engine.errors import QueryError
from netpath.engine.hops import Blocked, Hop, Trace
from netpath.engine.network import Network
from netpath.model.kubernetes import Pod
from netpath.model.resources import Model

CODE, PACKET, REASON, POLICIES = 1, 2, 3, 4
# Under this share of the client's ephemeral range open, a partial NACL block is an outage to
# whoever meets it (one port in 28,232 fails 99.996% of connections), not "intermittent".
INTERMITTENT_SHARE = 0.01
_DENIED = {"NETPOL_INGRESS_DENIED": "ingress", "NETPOL_EGRESS_DENIED": "egress"}

# How a hidden name reads: one of a kind, several of it in a row.
_PHRASES = {
    "security-group": ("the security group", "the security groups"),
    "network-acl": ("the network ACL", "the network ACLs"),
    "route-table": ("the route table", "the route tables"),
    "network-policy": ("a network policy", "the network policies"),
    "pod": ("a pod", "the pods"),
}
_MARK = "\0"  # brackets a hidden name's kind while the text is rewritten


@dataclass(frozen=True)
class Reproduction:
    """A fault that breaks the query for its stated reason, and the broken trace."""

    fault: Fault
    after: Trace
    broken: Network


def reproductions(network: Network, before: Trace) -> list[Reproduction]:
    """Every fault netpath could have injected on this query, with what it does to it."""
    found: list[Reproduction] = []
    for fault in candidates(network, before):
        broken = prepare(fault.apply(network.model))
        try:
            after = trace(broken, before.query)
        except QueryError:  # as `inject`: a fault the query cannot even be asked on is none
            continue
        if stops_as_stated(fault, after):
            found.append(Reproduction(fault, after, broken))
    return found


def answers(fault: Fault) -> frozenset[str]:
    """The components naming which answers this fault: its own and the ones it broke alike."""
    return frozenset((fault.component, *fault.aliases))


@dataclass(frozen=True)
class Hidden:
    """The names a symptom never shows (name -> kind): every security group, network ACL, route
    table and NetworkPolicy (a policy also by its bare name, as reasons list them), and the pods
    a fault with the shown code breaks (a Service's pods, a policy's peer; elsewhere a pod is
    only where a rule applies). The same for every fault of a query with that code (faults
    with different codes never read alike), so that their symptoms compare."""

    names: Mapping[str, str]
    pods: Mapping[str, frozenset[str]]  # code -> the pods faults with that code break

    def at(self, code: str) -> dict[str, str]:
        return {**self.names, **dict.fromkeys(self.pods.get(code, ()), "pod")}


def hidden_names(model: Model, found: Iterable[Reproduction]) -> Hidden:
    names: dict[str, str] = {}
    for kind, items in (("security-group", model.security_groups),
                        ("network-acl", model.network_acls),
                        ("route-table", model.route_tables)):
        names.update(dict.fromkeys(items, kind))
    for cluster in model.clusters.values():
        for key in cluster.network_policies:
            names[key] = names[key.split("/", 1)[-1]] = "network-policy"
    pods: dict[str, set[str]] = {}
    for reproduction in found:
        assert reproduction.after.blocked_by is not None
        code = reproduction.after.blocked_by.code
        for component in answers(reproduction.fault):
            kind, name = component.split(" ", 1)
            if kind == "pod":
                pods.setdefault(code, set()).add(name)
    return Hidden(names, {code: frozenset(p) for code, p in pods.items()})


def symptom(before: Trace, after: Trace, level: int, hidden: Hidden,
            ends: tuple[str, str], broken: Network | None = None) -> str:
    """What the learner is told of the broken trace at `level` (CODE, PACKET, REASON or
    POLICIES: that one needs the `broken` network), the query's source and destination named
    `ends` (as the choices name them)."""
    blocked = after.blocked_by
    assert blocked is not None
    told = situation(before, ends, partial=intermittent(blocked))
    which = "reply" if blocked.direction == "return" else "request"
    if level <= CODE:
        return f"{told} `netpath trace` now reports {blocked.code}."
    if level == PACKET:
        hop = _stop(after)
        dropped = f" for the {which} {_packet(hop)}" if hop is not None else ""
        return f"{told} `netpath trace` now reports {blocked.code}{dropped}."
    reason = hide(without_fix(blocked.reason), hidden.at(blocked.code)).rstrip(".")
    said = f"{told} `netpath trace` now says the {which} is blocked ({blocked.code}): {reason}."
    if level >= POLICIES and broken is not None:
        return f"{said}{policies_now(after, broken)}"
    return said


def fitting(found: Iterable[Reproduction], before: Trace, shown: str, level: int,
            hidden: Hidden, ends: tuple[str, str]) -> list[Fault]:
    """The faults whose symptom at `level` reads exactly as `shown`."""
    return [r.fault for r in found
            if symptom(before, r.after, level, hidden, ends, r.broken) == shown]


def situation(before: Trace, ends: tuple[str, str], *, partial: bool) -> str:
    """What the user sees, before any tool: the query no longer works, or works now and then."""
    query = before.query
    source, destination = ends
    source = "a client on the internet" if source == "internet" else source
    port = before.dst_port
    service = f"on {query.protocol}/{port}" if port is not None else f"over {query.protocol}"
    if partial:
        return f"Connections from {source} to {destination} {service} now fail " \
               "intermittently."
    sentence = f"{source} can no longer reach {destination} {service}."
    return sentence[0].upper() + sentence[1:] if source.startswith("a ") else sentence


def intermittent(blocked: Blocked) -> bool:
    """Whether users see intermittent failures: part of the client's ephemeral range passes,
    and at least INTERMITTENT_SHARE of it."""
    if blocked.open_share is None:
        return blocked.partial
    return blocked.open_share.fraction >= INTERMITTENT_SHARE


_FIX_CLAUSE = re.compile(r";\s+(?:allow|add|keep)\b.*$", re.DOTALL)


def without_fix(reason: str) -> str:
    """The reason without the fix some reasons end with ("...; allow udp/53 and tcp/53 to
    ..."): a symptom that says what to do has answered its own question."""
    return _FIX_CLAUSE.sub("", reason)


def policies_now(after: Trace, broken: Network) -> str:
    """For a NetworkPolicy denial, what `kubectl` shows of it on the broken cluster: the pods'
    labels, and the policies of the judging pod's namespace for that direction ("" for any
    other block)."""
    blocked = after.blocked_by
    hop = _stop(after)
    direction = _DENIED.get(blocked.code) if blocked is not None else None
    if blocked is None or hop is None or direction is None:
        return ""
    judged = _judged_pod(broken, blocked.name, hop, direction)
    if judged is None:
        return ""
    cluster, pod, peer = judged
    kind = "Ingress" if direction == "ingress" else "Egress"
    shown = []
    for policy in sorted(broken.model.clusters[cluster].network_policies.values(),
                         key=lambda p: p.name):
        if policy.namespace != pod.namespace or kind not in policy.policy_types:
            continue
        selects = ("selects it" if policy.pod_selector.matches(pod.labels)
                   else f"podSelector {policy.pod_selector}: not it")
        rules = getattr(policy, direction)
        said = " or ".join(rule_words(policy, direction, r) for r in rules)
        shown.append(f"{policy.name} ({selects}; {said or f'no {direction} rule'})")
    labels = "; ".join(f"{p.key} has labels {_labels(p)}" for p in (pod, peer) if p is not None)
    return (f" `kubectl` shows: {labels}; the {direction} policies of namespace "
            f"{pod.namespace}: {', '.join(shown)}.")


def _judged_pod(broken: Network, name: str, hop: Hop, direction: str
                ) -> tuple[str, Pod, Pod | None] | None:
    """(cluster, the pod whose policies denied, the pod at the other end if any): the stop
    names the pod itself for a name lookup, else the packet's end on the policy's side."""
    mine, theirs = ((hop.packet.dst_ip, hop.packet.src_ip) if direction == "ingress"
                    else (hop.packet.src_ip, hop.packet.dst_ip))
    by_ip = broken.kube.pods_by_ip
    for cluster in broken.model.clusters.values():
        pod = cluster.pods.get(name) or by_ip.get((cluster.name, int(mine)))
        if pod is not None:
            peer = by_ip.get((cluster.name, int(theirs)))
            return cluster.name, pod, peer if peer is not pod else None
    return None


def _labels(pod: Pod) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(pod.labels.items())) or "none"


def hide(text: str, hidden: Mapping[str, str]) -> str:
    """`text` with every hidden name replaced by what it is ("the security group"); a list of
    hidden names of one kind reads as their plural, a parenthesis of them only goes."""
    if not hidden:
        return text
    names = "|".join(re.escape(n) for n in sorted(hidden, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w/.-])({names})(?![\w/-])")
    marked = pattern.sub(lambda m: f"{_MARK}{hidden[m.group(1)]}{_MARK}", text)
    one = rf"{_MARK}([\w-]+){_MARK}"
    marked = re.sub(rf" ?\((?:{one}(?:, )?)+\)", "", marked)
    marked = re.sub(rf"{one}(?:, {_MARK}\1{_MARK})+", lambda m: _PHRASES[m.group(1)][1], marked)
    return re.sub(one, lambda m: _PHRASES[m.group(1)][0], marked)


def _stop(after: Trace) -> Hop | None:
    blocked = after.blocked_by
    assert blocked is not None
    return next((h for h in (*after.hops, *after.return_path) if h.step == blocked.step), None)


def _packet(hop: Hop) -> str:
    packet = hop.packet
    port = f"/{packet.dst_port}" if packet.dst_port is not None else ""
    return f"{packet.src_ip} -> {packet.dst_ip} ({packet.protocol}{port})"
