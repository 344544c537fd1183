"""Judging one traced pair against an expectation, and the trace excerpt that explains a failure.

The verdict first (reachable or blocked), then the code a block must end with, then `via` and
`not_via` against the names crossed on the request's path (hop names and component kinds), then
the source address the destination sees (the packet of the last `deliver` hop). The first
criterion that fails makes the pair's one-line problem; its excerpt is a few plain trace lines:
for a block the blocking step with its reason and fix, for a path mismatch the hop where the
path differs (or every name it crossed), for an address the translations and the delivery.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from netpath.checks.expectations import Expectation
from netpath.checks.report import PairResult
from netpath.engine.hops import Blocked, Hop, Trace
from netpath.load.source import Locator
from netpath.model.paths import format_path
from netpath.model.vocabulary import Action, Direction


def judge(expectation: Expectation, source: str, destination: str, trace: Trace,
          locate: Locator) -> PairResult:
    problem, excerpt = _first_problem(expectation, trace, locate)
    blocked = trace.blocked_by
    return PairResult(
        source=source, destination=destination, passed=problem is None,
        verdict=trace.verdict, code=blocked.code if blocked else None, problem=problem,
        excerpt=tuple(excerpt), port=trace.dst_port,
    )


def _first_problem(exp: Expectation, trace: Trace,
                   locate: Locator) -> tuple[str | None, list[str]]:
    blocked = trace.blocked_by
    if exp.reachable and blocked is not None:
        return f"blocked: {_blocked_words(blocked)}", block_excerpt(trace, blocked, locate)
    if not exp.reachable and blocked is None:
        wanted = f" by {exp.code}" if exp.code else ""
        delivered = _last_deliver(trace.hops)
        lines = [crossed_line(trace.hops)]
        if delivered is not None:
            lines.append(step_line(delivered))
        return f"reachable, expected blocked{wanted}", lines
    if exp.code is not None and blocked is not None and blocked.code != exp.code:
        return (f"blocked by {blocked.code}, expected {exp.code}: {blocked.reason}",
                block_excerpt(trace, blocked, locate))
    names = crossed_names(trace.hops)
    for name in exp.via:
        if name not in names:
            return f"the path does not cross {name!r}", _differs(trace.hops, name, locate)
    for name in exp.not_via:
        if name in names:
            hop = next(h for h in trace.hops if name in hop_names(h))
            return (f"the path crosses {name!r} at step {hop.step}",
                    [step_line(hop), *_at(hop, locate)])
    if exp.source_ip_seen is not None:
        delivered = _last_deliver(trace.hops)
        seen = str(delivered.packet.src_ip) if delivered is not None else None
        if seen != exp.source_ip_seen:
            lines = [step_line(h) for h in trace.hops if h.action == Action.TRANSLATE]
            if delivered is not None:
                lines.append(step_line(delivered))
            who = delivered.name if delivered is not None else "the destination"
            return f"{who} sees {seen} as the source, expected {exp.source_ip_seen}", lines
    return None, []


def hop_names(hop: Hop) -> set[str]:
    """What `via` matches at a hop: its name, its component kind, and each name of a hop that
    names several (`web/default-deny, web/allow-alb`)."""
    names = {hop.name, hop.component}
    if ", " in hop.name:
        names.update(hop.name.split(", "))
    return names


def crossed_names(hops: Iterable[Hop]) -> set[str]:
    names: set[str] = set()
    for hop in hops:
        names |= hop_names(hop)
    return names


def crossed_line(hops: Sequence[Hop]) -> str:
    """`crossed: node-1 -> rt-private -> nat-a -> ...`, each name once in a row."""
    names: list[str] = []
    for hop in hops:
        if not names or names[-1] != hop.name:
            names.append(hop.name)
    return "crossed: " + " -> ".join(names) if names else "crossed: nothing"


def step_line(hop: Hop) -> str:
    """One trace step, as `netpath trace` heads it: number, component, action, what decided."""
    what = hop.detail
    if hop.rule is not None:
        what = hop.rule.text
        if hop.candidates:
            what += f" (also matched: {', '.join(c.text for c in hop.candidates)})"
    return f"{hop.step:>3}  {hop.component} {hop.name}  {hop.action}  {what}"


def block_excerpt(trace: Trace, blocked: Blocked, locate: Locator) -> list[str]:
    """The blocking step (with where its rule is written), the reason when the step does not
    already say it, and the fix."""
    hops = trace.hops if blocked.direction == Direction.FORWARD else trace.return_path
    hop = next((h for h in hops if h.step == blocked.step), None)
    lines: list[str] = []
    if hop is not None:
        lines.append(step_line(hop))
        if hop.rule is not None and hop.detail != blocked.reason:
            lines.append(f"     {hop.detail}")
        lines.extend(_at(hop, locate))
    side = " (return path)" if blocked.direction == Direction.RETURN else ""
    if hop is None or blocked.reason not in (hop.detail, hop.rule.text if hop.rule else None):
        lines.append(f"     blocked ({blocked.code}){side}: {blocked.reason}")
    else:
        lines.append(f"     blocked ({blocked.code}){side}")
    lines.append(f"     fix: {blocked.fix}")
    return lines


def _blocked_words(blocked: Blocked) -> str:
    where = f"step {blocked.step}" + (" of the return path"
                                      if blocked.direction == Direction.RETURN else "")
    return f"{blocked.code} at {where} ({blocked.component} {blocked.name}): {blocked.reason}"


def _differs(hops: Sequence[Hop], name: str, locate: Locator) -> list[str]:
    """The hop that considered `name` and went elsewhere (a route that also matched, a rule
    that names it), else every name the path crossed."""
    for hop in hops:
        texts = [hop.detail, *(c.text for c in hop.candidates)]
        if hop.rule is not None:
            texts.append(hop.rule.text)
        if any(_mentions(text, name) for text in texts):
            return [step_line(hop), *_at(hop, locate), crossed_line(hops)]
    return [crossed_line(hops)]


def _mentions(text: str, name: str) -> bool:
    at = text.find(name)
    while at >= 0:
        before = text[at - 1] if at else " "
        end = at + len(name)
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before in "-_") and not (after.isalnum() or after in "-_"):
            return True
        at = text.find(name, at + 1)
    return False


def _at(hop: Hop, locate: Locator) -> list[str]:
    if hop.rule is None or hop.rule.path is None:
        return []
    return [f"     at {locate(hop.rule.path) or format_path(hop.rule.path)}"]


def _last_deliver(hops: Sequence[Hop]) -> Hop | None:
    return next((h for h in reversed(hops) if h.action == Action.DELIVER), None)
