"""A Mermaid sequence diagram of a trace, to paste into a pull request or a wiki.

Every component is a participant (in order of first appearance). Hops that move the packet
(send, forward, translate, deliver, and the hop where it stops) are joined by one arrow each,
labelled with the rule or the packet; decisions (allow, deny, resolve) are notes on the
deciding component's lifeline. The return path uses dashed arrows.

Mermaid's sequence grammar ends a statement at `;` or a newline and starts a comment at `#`,
and participant ids may not contain `-`, `>`, `:` or `,`: ids are therefore generated (`P1`)
and text is escaped with Mermaid's entity codes (`#59;`), which Mermaid decodes before parsing.
Whitespace is folded to single spaces first, then what else would alter a display (ESC, bidi
overrides) is escaped by `visible`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from netpath.engine.hops import Hop, Trace
from netpath.model.visible import visible
from netpath.model.vocabulary import Action, Direction

MOVES = frozenset({Action.SEND, Action.FORWARD, Action.TRANSLATE, Action.DELIVER, Action.DROP})
DECISIONS = frozenset({Action.ALLOW, Action.DENY, Action.RESOLVE})

# Characters that would end a statement, start a comment or open markup, and their entity
# codes. Colons are legal inside message and note text (the first one ends the arrow) but not
# in participant labels, so labels escape them too. One pass, so that the `#` and `;` of an
# inserted entity are never escaped again.
_TEXT_ENTITIES = {"#": "#35;", ";": "#59;", "%": "#37;", "<": "#lt;"}
_LABEL_ENTITIES = {**_TEXT_ENTITIES, ":": "#58;", ",": "#44;"}
_TEXT_SPECIAL = re.compile("[#;%<]")
_LABEL_SPECIAL = re.compile("[#;%<:,]")


def escape_text(text: str) -> str:
    # newlines end statements: fold all whitespace to spaces
    folded = visible(" ".join(text.split()))
    return _TEXT_SPECIAL.sub(lambda m: _TEXT_ENTITIES[m.group()], folded)


def escape_label(text: str) -> str:
    folded = visible(" ".join(text.split()))
    return _LABEL_SPECIAL.sub(lambda m: _LABEL_ENTITIES[m.group()], folded)


class _Participants:
    def __init__(self) -> None:
        self.ids: dict[tuple[str, str], str] = {}

    def id_of(self, hop: Hop) -> str:
        key = (hop.component, hop.name)
        if key not in self.ids:
            self.ids[key] = f"P{len(self.ids) + 1}"
        return self.ids[key]

    def declarations(self) -> list[str]:
        return [
            f"    participant {pid} as {escape_label(f'{component} {name}')}"
            for (component, name), pid in self.ids.items()
        ]


def render_mermaid(trace: Trace) -> str:
    participants = _Participants()
    for hop in (*trace.hops, *trace.return_path):  # declare in order of first appearance
        participants.id_of(hop)
    body: list[str] = []
    body.extend(_path(trace.hops, participants, "->>", trace, Direction.FORWARD))
    if trace.return_path:
        first, last = _span(participants)
        body.append(f"    Note over {first},{last}: return path")
        body.extend(_path(trace.return_path, participants, "-->>", trace, Direction.RETURN))
    if participants.ids:
        first, last = _span(participants)
        body.append(f"    Note over {first},{last}: {escape_text(_verdict(trace))}")
    title = f"netpath trace {trace.query.source} to {trace.query.destination}"
    lines = ["sequenceDiagram", f"    title {escape_text(title)}"]
    return "\n".join([*lines, *participants.declarations(), *body]) + "\n"


def _span(participants: _Participants) -> tuple[str, str]:
    """The first and last participant: a note across the whole diagram."""
    ids = list(participants.ids.values())
    return ids[0], ids[-1]


def _path(
    hops: Sequence[Hop], participants: _Participants, arrow: str, trace: Trace,
    direction: Direction,
) -> list[str]:
    blocked = trace.blocked_by
    stop = blocked.step if blocked is not None and blocked.direction == direction else None
    # Waypoints: where the packet is, in order. A blocking decision is where it stops.
    out: list[str] = []
    sender: Hop | None = None
    for hop in hops:
        pid = participants.id_of(hop)
        if hop.action in MOVES or (stop is not None and hop.step == stop):
            if sender is not None:
                out.append(
                    f"    {participants.id_of(sender)}{arrow}{pid}: "
                    f"{escape_text(_arrow_label(sender))}"
                )
            sender = hop
        if hop.action in DECISIONS:
            out.append(f"    Note over {pid}: {escape_text(_note_label(hop))}")
    return out


def _arrow_label(hop: Hop) -> str:
    """A forward is explained by its route; everything else by the packet it sends on."""
    if hop.action == Action.FORWARD and hop.rule is not None:
        return hop.rule.text
    return str(hop.packet)


def _note_label(hop: Hop) -> str:
    what = hop.rule.text if hop.rule is not None else hop.detail
    return f"{hop.step}. {hop.action}: {what}"


def _verdict(trace: Trace) -> str:
    blocked = trace.blocked_by
    if blocked is None:
        return "reachable"
    where = "return path " if blocked.direction == Direction.RETURN else ""
    word = "partially blocked" if blocked.partial else "blocked"
    return f"{word} at {where}step {blocked.step} ({blocked.code}): fix: {blocked.fix}"
