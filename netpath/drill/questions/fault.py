"""Find the fault: netpath breaks one thing on a reachable path and shows only the symptom.

How much of the symptom (see `faults.symptoms`): difficulty 1 shows the trace's reason with the
suspects' names hidden (never the broken component's); difficulty 2 the code, or the code and
the dropped packet; difficulty 3 asks for the fix as well (free text: the component, what the
fix is about and what it does) and shows the least of code, packet, reason and (for a
NetworkPolicy denial) the policies and labels as deployed that only the injected fault fits.

Exactly one choice is right: the choices are the components of the original path, without the
ones that are part of the story (the Service whose selector no longer matches the relabelled
pods), without the ones the fault broke alike (the Service's other pods), and without any
component of another fault netpath could have injected that reads the same symptom.
"""

from __future__ import annotations

from random import Random

from netpath.drill.faults.inject import NoFault, inject
from netpath.drill.faults.record import Fault
from netpath.drill.faults.symptoms import (
    CODE,
    PACKET,
    POLICIES,
    REASON,
    answers,
    fitting,
    hidden_names,
    reproductions,
    symptom,
)
from netpath.drill.model import Question
from netpath.drill.questions.common import (
    Scenario,
    endpoints,
    excerpt,
    options,
    path_components,
    question,
    setup_text,
    subject_topic,
)
from netpath.engine.hops import Trace

# The symptom levels each difficulty tries, the least telling first.
LEVELS = {1: (REASON,), 2: (CODE, PACKET), 3: (CODE, PACKET, REASON, POLICIES)}
ASK = "Which component did netpath break?"
ASK_FIX = ("Which component did netpath break, and what is the fix? (e.g. sg-x: add an "
           "inbound rule ...)")


def find_fault(s: Scenario, trace: Trace | None, rng: Random, difficulty: int
               ) -> Question | None:
    if trace is None or not trace.reachable:
        return None
    try:
        fault, broken, before, after = inject(s.network, trace.query, rng)
    except NoFault:
        return None
    found = reproductions(s.network, before)
    hidden = hidden_names(s.model, found)
    ends = endpoints(before, s)
    for level in LEVELS[difficulty]:
        shown = symptom(before, after, level, hidden, ends, broken)
        fits = fitting(found, before, shown, level, hidden, ends)
        if difficulty >= 3:
            if all(_judged_alike(fault, other) for other in fits):
                return _question(s, fault, before, after, shown, (), difficulty)
            continue
        # Every fault that reads the same is a right answer too: none of its components is
        # offered (the injected fault's own accomplices included).
        taken = {*answers(fault), *fault.related}.union(*(answers(f) for f in fits))
        offered = [c for c in path_components(s.network, before) if c not in taken]
        choices = options(rng, fault.component, [offered], difficulty)
        if choices is not None:
            return _question(s, fault, before, after, shown, choices, difficulty)
    return None


def _judged_alike(fault: Fault, other: Fault) -> bool:
    """Whether every free-text answer right for `other` is judged right for `fault` too: it
    names one of the fault's components, with the fault's key words."""
    return answers(other) | set(other.named_by) <= answers(fault) | set(fault.named_by) and \
        (other.keywords, other.also, other.named_words) == \
        (fault.keywords, fault.also, fault.named_words)


def _question(s: Scenario, fault: Fault, before: Trace, after: Trace, shown: str,
              choices: tuple[str, ...], difficulty: int) -> Question:
    blocked = after.blocked_by
    assert blocked is not None
    free = difficulty >= 3
    names = _names(s, (fault.component, *fault.aliases))
    stop = [h for h in (*after.hops, *after.return_path) if h.step == blocked.step]
    was = [h for h in (*before.hops, *before.return_path) if _is(h, fault.component)][:2]
    why = (f"netpath {fault.description}. {blocked.code} at step {blocked.step}: "
           f"{blocked.reason}. Fix: {fault.fix}.")
    return question(
        s, kind="find-fault",
        topic=subject_topic(s, before, (fault.component.split(" ", 1)[0],)),
        difficulty=difficulty,
        setup=setup_text(s, "netpath broke one thing in this working scenario."),
        prompt=f"{shown} {ASK_FIX if free else ASK}",
        choices=choices, answer=f"{fault.name}: {fault.fix}" if free else fault.component,
        accepted=[fault.name] if not free and _unique(fault.name, choices) else [],
        explanation=why, lines=(*excerpt(was, notes=False), *excerpt(stop, notes=False)),
        keywords=(names, fault.keywords) if free else (),
        also=_other_ways(s, fault, names) if free else (),
    )


def _other_ways(s: Scenario, fault: Fault, names: tuple[str, ...]
                ) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """The other right ways of a free-text fix: the fault's own, naming the component; and a
    fix of the component it is seen from (the Service, the policy), with that one's words."""
    ways = [(names, *groups) for groups in fault.also]
    if fault.named_by:
        ways.append((_names(s, fault.named_by), fault.named_words or fault.keywords))
    return tuple(ways)


def _names(s: Scenario, components: tuple[str, ...]) -> tuple[str, ...]:
    """The names a free-text fix may use for these components: with or without their kind,
    and each namespaced name without its namespace ("echo-ip") when nothing else in the
    scenario is called that."""
    full = [c.split(" ", 1)[1] for c in components]
    taken = [key.split("/", 1)[-1] for cluster in s.model.clusters.values()
             for kind in (cluster.pods, cluster.services, cluster.network_policies)
             for key in kind]
    taken += [*s.model.security_groups, *s.model.network_acls, *s.model.route_tables]
    short = [n.split("/", 1)[1] for n in full if "/" in n]
    return (*(n for c in components for n in (c.split(" ", 1)[1], c)),
            *(n for n in short if taken.count(n) == 1))


def _unique(name: str, choices: tuple[str, ...]) -> bool:
    return sum(1 for c in choices if c.split(" ", 1)[-1] == name) == 1


def _is(hop: object, component: str) -> bool:
    kind, name = component.split(" ", 1)
    return getattr(hop, "component", None) == kind and name in [
        p.strip() for p in str(getattr(hop, "name", "")).split(",")]
