"""Find the fault: netpath breaks one thing on a reachable path and shows only the symptom.

How much of the symptom: difficulty 1 shows the verdict line of `netpath trace` (where it is
blocked, the code and the reason, not the fix); difficulty 2 only the code; difficulty 3 only
"X cannot reach Y", and asks for the fix as well (free text: the component and a key word).
Choices are the components of the original path; the components that are part of the story
(the Service whose selector no longer matches the relabelled pod...) are never offered, so that
exactly one choice is the broken one.
"""

from __future__ import annotations

from random import Random

from netpath.drill.faults import NoFault, inject
from netpath.drill.model import Question
from netpath.drill.questions_common import (
    Scenario,
    excerpt,
    options,
    path_components,
    query_words,
    question,
    setup_text,
    subject_topic,
)
from netpath.engine.trace import Trace


def find_fault(s: Scenario, trace: Trace | None, rng: Random, difficulty: int
               ) -> Question | None:
    if trace is None or not trace.reachable:
        return None
    try:
        fault, _, before, after = inject(s.network, trace.query, rng)
    except NoFault:
        return None
    blocked = after.blocked_by
    assert blocked is not None
    answer = fault.component
    offered = [c for c in path_components(s.network, before)
               if c != answer and c not in fault.related]
    choices = options(rng, answer, [offered], difficulty)
    if choices is None:
        return None
    query = trace.query
    cannot = f"{query.source} can no longer reach {query.destination} ({query_words(before)})."
    if difficulty <= 1:
        where = " of the return path" if blocked.direction == "return" else ""
        symptom = (f"{cannot} `netpath trace` now says: blocked at step {blocked.step}{where} by "
                   f"{blocked.component} {blocked.name} ({blocked.code}): "
                   f"{blocked.reason.rstrip('.')}.")
    elif difficulty == 2:
        symptom = f"{cannot} `netpath trace` now reports {blocked.code}."
    else:
        symptom = cannot
    ask = "Which component did netpath break?"
    if difficulty >= 3:
        ask = ("Which component did netpath break, and what is the fix? (e.g. sg-x: add an "
               "inbound rule ...)")
    names = (fault.name, fault.component)
    keywords = (names, fault.keywords) if difficulty >= 3 else ()
    stop = [h for h in (*after.hops, *after.return_path) if h.step == blocked.step]
    was = [h for h in (*before.hops, *before.return_path) if _is(h, fault.component)][:2]
    why = (f"netpath {fault.description}. {blocked.code} at step {blocked.step}: "
           f"{blocked.reason}. Fix: {fault.fix}.")
    return question(
        s, kind="find-fault", topic=subject_topic(s, before, (answer.split(" ", 1)[0],)),
        difficulty=difficulty,
        setup=setup_text(s, "netpath broke one thing in this working scenario."),
        prompt=f"{symptom} {ask}",
        choices=choices, answer=answer if difficulty < 3 else f"{fault.name}: {fault.fix}",
        accepted=[fault.name] if difficulty < 3 and _unique(fault.name, choices) else [],
        explanation=why, lines=(*excerpt(was, notes=False), *excerpt(stop, notes=False)),
        keywords=keywords,
    )


def _unique(name: str, choices: tuple[str, ...]) -> bool:
    return sum(1 for c in choices if c.split(" ", 1)[-1] == name) == 1


def _is(hop: object, component: str) -> bool:
    kind, name = component.split(" ", 1)
    return getattr(hop, "component", None) == kind and name in [
        p.strip() for p in str(getattr(hop, "name", "")).split(",")]
