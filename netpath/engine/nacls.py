"""Network ACLs: stateless, lowest rule number first, first match wins, implicit final deny.

NACL port ranges match the destination port. A reply travels to the client's ephemeral port,
which is any port of the client's range, so the return direction is judged over the whole
range: all of it allowed, part of it (intermittent failures) or none.
"""

from __future__ import annotations

from netpath.model.addr import Address, PortRange
from netpath.model.record import record
from netpath.model.resources import NaclRule


@record
class NaclDecision:
    allowed: bool
    rule: NaclRule | None  # None: the implicit final `*` deny


def rule_matches(rule: NaclRule, protocol: str, peer: Address, port: int | None) -> bool:
    if rule.protocol != "all" and rule.protocol != protocol:
        return False
    if peer not in rule.cidr:
        return False
    if rule.ports is None or port is None or rule.protocol == "all":
        return True
    return port in rule.ports


def evaluate_nacl(
    rules: tuple[NaclRule, ...], protocol: str, peer: Address, port: int | None
) -> NaclDecision:
    """First match in ascending rule number (rules are stored sorted)."""
    for rule in rules:
        if rule_matches(rule, protocol, peer, port):
            return NaclDecision(rule.action == "allow", rule)
    return NaclDecision(False, None)


@record
class RangeDecision:
    allowed: tuple[PortRange, ...]  # the parts of the range that pass, ascending
    denied: tuple[PortRange, ...]
    rules: tuple[NaclRule, ...]  # the rules that decided some part, in rule order
    implicit_deny: bool  # some part fell through to the final `*` deny

    @property
    def all_allowed(self) -> bool:
        return not self.denied

    @property
    def none_allowed(self) -> bool:
        return not self.allowed

    def allowed_size(self) -> int:
        return sum(r.size for r in self.allowed)


def evaluate_nacl_range(
    rules: tuple[NaclRule, ...], protocol: str, peer: Address, ports: PortRange
) -> RangeDecision:
    """First-match over every port of `ports` at once, by interval arithmetic."""
    remaining = [ports]
    allowed: list[PortRange] = []
    denied: list[PortRange] = []
    deciding: list[NaclRule] = []
    for rule in rules:
        if not remaining:
            break
        if not rule_matches(rule, protocol, peer, None):
            continue
        span = rule.ports if (rule.ports is not None and rule.protocol != "all") else None
        taken, remaining = _split(remaining, span)
        if taken:
            deciding.append(rule)
            (allowed if rule.action == "allow" else denied).extend(taken)
    implicit = bool(remaining)
    denied.extend(remaining)
    return RangeDecision(_merge(allowed), _merge(denied), tuple(deciding), implicit)


def _split(
    parts: list[PortRange], span: PortRange | None
) -> tuple[list[PortRange], list[PortRange]]:
    """Split `parts` into the pieces inside `span` (None: everything) and outside it."""
    if span is None:
        return parts, []
    inside: list[PortRange] = []
    outside: list[PortRange] = []
    for part in parts:
        low, high = max(part.low, span.low), min(part.high, span.high)
        if low > high:
            outside.append(part)
            continue
        inside.append(PortRange(low, high))
        if part.low < low:
            outside.append(PortRange(part.low, low - 1))
        if high < part.high:
            outside.append(PortRange(high + 1, part.high))
    return inside, outside


def _merge(parts: list[PortRange]) -> tuple[PortRange, ...]:
    merged: list[PortRange] = []
    for part in sorted(parts):
        if merged and part.low <= merged[-1].high + 1:
            last = merged[-1]
            merged[-1] = PortRange(last.low, max(last.high, part.high))
        else:
            merged.append(part)
    return tuple(merged)
