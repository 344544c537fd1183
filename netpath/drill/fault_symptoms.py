"""What a find-the-fault question shows of the broken trace, and which faults that much fits.

A symptom is the text the learner reads, so "the same symptom" is exactly "reads the same". It
opens with what the user sees ("A client on the internet can no longer reach shop.example.com
on tcp/443.", or "... now fail intermittently" when only some connections fail), then, by level:

1. CODE: the code `netpath trace` reports;
2. PACKET: the code and the packet it drops (the request or the reply, addresses and port);
3. REASON: the code and the trace's reason, with the suspects' names hidden ("no inbound rule of
   the security group on node-1 allows ..."): the learner still has to tell which one.

The faults a learner may have in mind are the ones netpath itself would inject on the query
(`faults.candidates` that stop as stated): `reproductions` lists them with their broken traces,
and `fitting` keeps those whose symptom reads the same as the one shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from netpath.drill.fault_record import Fault
from netpath.drill.faults import candidates, stops_as_stated
from netpath.engine import prepare, trace
from netpath.engine.errors import QueryError
from netpath.engine.network import Network
from netpath.engine.trace import Hop, Trace
from netpath.model.resources import Model

CODE, PACKET, REASON = 1, 2, 3

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


def reproductions(network: Network, before: Trace) -> list[Reproduction]:
    """Every fault netpath could have injected on this query, with what it does to it."""
    found: list[Reproduction] = []
    for fault in candidates(network, before):
        try:
            after = trace(prepare(fault.apply(network.model)), before.query)
        except QueryError:  # as `inject`: a fault the query cannot even be asked on is none
            continue
        if stops_as_stated(fault, after):
            found.append(Reproduction(fault, after))
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
            ends: tuple[str, str]) -> str:
    """What the learner is told of the broken trace at `level` (CODE, PACKET or REASON), the
    query's source and destination named `ends` (as the choices name them)."""
    blocked = after.blocked_by
    assert blocked is not None
    told = situation(before, ends, partial=blocked.partial)
    which = "reply" if blocked.direction == "return" else "request"
    if level <= CODE:
        return f"{told} `netpath trace` now reports {blocked.code}."
    if level == PACKET:
        hop = _stop(after)
        dropped = f" for the {which} {_packet(hop)}" if hop is not None else ""
        return f"{told} `netpath trace` now reports {blocked.code}{dropped}."
    reason = hide(blocked.reason, hidden.at(blocked.code)).rstrip(".")
    return f"{told} `netpath trace` now says the {which} is blocked ({blocked.code}): {reason}."


def fitting(found: Iterable[Reproduction], before: Trace, shown: str, level: int,
            hidden: Hidden, ends: tuple[str, str]) -> list[Fault]:
    """The faults whose symptom at `level` reads exactly as `shown`."""
    return [r.fault for r in found if symptom(before, r.after, level, hidden, ends) == shown]


def situation(before: Trace, ends: tuple[str, str], *, partial: bool) -> str:
    """What the user sees, before any tool: the query no longer works, or works now and then."""
    query = before.query
    source, destination = ends
    source = "a client on the internet" if source == "internet" else source
    port = before.flow.dst_port
    service = f"on {query.protocol}/{port}" if port is not None else f"over {query.protocol}"
    if partial:
        return f"Connections from {source} to {destination} {service} now fail " \
               "intermittently."
    sentence = f"{source} can no longer reach {destination} {service}."
    return sentence[0].upper() + sentence[1:] if source.startswith("a ") else sentence


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
