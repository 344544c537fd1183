"""Is a query reachable at all, and if not, which component blocks it and with what code.

The explanation says why, then what to do. When the scenario's `netpath-expect.yaml` expects the
query blocked, it says so in the expectation's own words (its name, and its description when it
has one) and offers no fix of the engine's: the expectation may record a deliberate block (the
database has no way out) or a pitfall whose fix it gives itself ("Add a rule for sg-billing"),
and only its author knows which. Otherwise the explanation ends with the engine's fix.
"""

from __future__ import annotations

from random import Random

from netpath.drill.model import Question
from netpath.drill.questions.common import (
    INTERNET_PSEUDO,
    Intent,
    Scenario,
    endpoints,
    excerpt,
    options,
    party,
    policy_names,
    query_words,
    question,
    runs,
    setup_text,
    trace_service,
    trace_topic,
)
from netpath.engine.hops import Blocked, Hop, Trace
from netpath.model.vocabulary import Code, Component

# The codes each kind of component blocks with, for "blocked by" distractors.
_CODES: dict[Component, tuple[Code, ...]] = {
    Component.SECURITY_GROUP: (Code.SG_INGRESS_DENIED, Code.SG_EGRESS_DENIED),
    Component.NETWORK_ACL: (Code.NACL_INBOUND_DENIED, Code.NACL_OUTBOUND_DENIED,
                            Code.NACL_RETURN_DENIED),
    Component.ROUTE_TABLE: (Code.NO_ROUTE, Code.BLACKHOLE_ROUTE),
    Component.NETWORK_POLICY: (Code.NETPOL_INGRESS_DENIED, Code.NETPOL_EGRESS_DENIED),
    Component.NAT_GATEWAY: (Code.NAT_NO_INTERNET_ROUTE,),
    Component.SERVICE: (Code.SERVICE_NO_ENDPOINTS,),
    Component.INTERNET_GATEWAY: (Code.NO_PUBLIC_IP,),
    Component.LOAD_BALANCER: (Code.NO_LISTENER,),
    Component.TARGET_GROUP: (Code.NO_TARGETS,),
}
_YES = ("yes", "reachable", "yes, reachable", "it is reachable")


def reachable(s: Scenario, trace: Trace | None, rng: Random, difficulty: int) -> Question | None:
    if trace is None:
        return None
    blocked = trace.blocked_by
    setup = setup_text(s, f"Query: {query_words(trace, s)}")
    source, destination = endpoints(trace, s)
    ask = f"Can {party(source)} reach {destination} on {trace_service(trace)}?"
    if blocked is None:
        answer, names, code = "reachable", [], None
        last = [h for h in trace.hops if h.action == "deliver"][-1:]
        why = (f"Reachable: the request is delivered ({last[0].detail}) and the reply makes it "
               "back." if last else "Reachable.")
        lines = excerpt(last, notes=False)
    else:
        names = [blocked.name, *(policy_names_of(blocked.name))]
        code = blocked.code
        answer = f"blocked by {blocked.name}: {blocked.code}"
        why = _blocked_words(s, trace, blocked)
        stop = [h for h in (*trace.hops, *trace.return_path) if h.step == blocked.step]
        lines = excerpt(stop)
    if difficulty <= 1:
        right = "yes" if blocked is None else "no"
        return question(s, kind="reachable", topic=trace_topic(s, trace), difficulty=difficulty,
                        setup=setup, prompt=ask, choices=("yes", "no"), answer=right,
                        accepted=_YES if blocked is None else ("blocked", "no, blocked"),
                        explanation=why, lines=lines)
    lures = [] if blocked is None else ["reachable"]
    lures += _blocked_lures(trace, names, code)
    choices = options(rng, answer, [lures], difficulty)
    if choices is None:
        return None
    accepted: list[str] = list(_YES) if blocked is None else []
    keywords: tuple[tuple[str, ...], ...] = ()
    if blocked is not None:
        both = [f"{n}: {code}" for n in names] + [f"{n} {code}" for n in names]
        both += [f"{blocked.component} {n}: {code}" for n in names]
        if difficulty == 2:  # the code alone, or the component alone
            accepted += [*names, f"{blocked.component} {blocked.name}", code or "", *both]
        else:
            accepted += both
            keywords = (tuple(names), (code or "",))
    return question(
        s, kind="reachable", topic=trace_topic(s, trace), difficulty=difficulty, setup=setup,
        prompt=(f"{ask} If not, which component blocks it, and with what code? (e.g. blocked "
                "by sg-x: SG_INGRESS_DENIED, or reachable)"),
        choices=choices, answer=answer, accepted=accepted, explanation=why, lines=lines,
        keywords=keywords,
    )


def _blocked_words(s: Scenario, trace: Trace, blocked: Blocked) -> str:
    """Where and why it is blocked; then what the scenario's expectation says of it, else the
    engine's fix."""
    where = " on the return path" if blocked.direction == "return" else ""
    by = "on the internet" if blocked.component == "internet" and \
        blocked.name in INTERNET_PSEUDO else f"by {blocked.component} {blocked.name}"
    said = f"Blocked{where} {by} ({blocked.code}): {blocked.reason.rstrip('.')}."
    intent = s.intents.get(trace.query)
    if intent is not None and intent.code in (None, blocked.code):
        return f"{said} {expected_words(intent)}"
    return f"{said} Fix: {blocked.fix.rstrip('.')}."


def expected_words(intent: Intent) -> str:
    """`The scenario expects it blocked: "<name>". <description>`: its words, not a guess at
    whether the block is wanted (a pitfall's description says what to do)."""
    said = f"The scenario expects it blocked: \"{intent.name}\"."
    about = " ".join(intent.description.split())
    if about:
        said += f" {about if about.endswith('.') else about + '.'}"
    return said


# --- choices -----------------------------------------------------------------------------------


def policy_names_of(name: str) -> list[str]:
    parts = [p.strip() for p in name.split(",")]
    return parts if len(parts) > 1 else []


def _blocked_lures(trace: Trace, names: list[str], code: str | None) -> list[str]:
    """`blocked by X: CODE` for other filtering components of the path, each with a code of
    its kind: never the answer's component nor the answer's code (either alone may answer)."""
    taken = set(names)
    found: list[str] = []
    for run in runs((*trace.hops, *trace.return_path), merge=False):
        hop = run[0]
        codes = _CODES.get(hop.component)
        if not codes:
            continue
        members = policy_names(hop) if hop.component == "network-policy" else [hop.name]
        for member in members:
            if member in taken or "," in member:
                continue
            for candidate in _likely(codes, hop):
                if candidate != code:
                    found.append(f"blocked by {member}: {candidate}")
                    break
    return found


def _likely(codes: tuple[str, ...], hop: Hop) -> list[str]:
    """The component's codes, the one of the hop's own direction first (an outbound security
    group check would deny with SG_EGRESS_DENIED)."""
    words = f"{hop.detail} {hop.rule.text if hop.rule else ''}"
    wanted: tuple[str, ...] = ("INGRESS", "INBOUND")
    if "reply" in words or "connection tracking" in words:
        wanted = ("RETURN",)
    elif "egress" in words or "outbound" in words:
        wanted = ("EGRESS", "OUTBOUND")
    return sorted(codes, key=lambda c: not any(w in c for w in wanted))
