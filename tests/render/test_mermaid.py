"""The Mermaid sequence diagram: structure, and syntax that Mermaid's grammar accepts.

The grammar facts checked here come from Mermaid's sequence lexer: a statement ends at `;` or a
newline, `#` starts a comment, participant ids may not hold `-`, `>`, `:` or `,`, message and
note text runs from the first `:` to the end of the line. Entity codes (`#59;`) are decoded
before parsing and are the documented way to write those characters.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from netpath.engine.hops import RuleRef
from netpath.render.mermaid import escape_label, escape_text, render_mermaid
from tests.render import samples

ENTITY = re.compile(r"#(?:\d+|[a-z]+);")
PARTICIPANT = re.compile(r"^    participant (P\d+) as (.+)$")
ARROW = re.compile(r"^    (P\d+)(->>|-->>)(P\d+): (.+)$")
NOTE = re.compile(r"^    Note over (P\d+)(?:,(P\d+))?: (.+)$")
TITLE = re.compile(r"^    title (.+)$")


def check_syntax(diagram: str) -> dict[str, list[tuple[str, ...]]]:
    """Parse the subset of Mermaid we emit; fail on anything Mermaid would misread."""
    lines = diagram.splitlines()
    assert diagram.endswith("\n")
    assert lines[0] == "sequenceDiagram"
    found: dict[str, list[tuple[str, ...]]] = {"participants": [], "arrows": [], "notes": []}
    declared: set[str] = set()
    for line in lines[1:]:
        bare = ENTITY.sub("", line)
        assert "#" not in bare and ";" not in bare, f"unescaped # or ; in {line!r}"
        assert "%%" not in bare
        if m := PARTICIPANT.match(line):
            assert ":" not in ENTITY.sub("", m.group(2)), line
            assert m.group(1) not in declared
            declared.add(m.group(1))
            found["participants"].append(m.groups())
        elif m := ARROW.match(line):
            assert {m.group(1), m.group(3)} <= declared, line
            found["arrows"].append(m.groups())
        elif m := NOTE.match(line):
            assert {p for p in (m.group(1), m.group(2)) if p} <= declared, line
            found["notes"].append(m.groups())
        else:
            assert TITLE.match(line), f"not a statement we emit: {line!r}"
    return found


@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_syntax(name: str) -> None:
    check_syntax(render_mermaid(samples.ALL[name]()))


def test_participants_in_order_of_first_appearance() -> None:
    parts = check_syntax(render_mermaid(samples.nat_trace()))["participants"]
    assert parts == [
        ("P1", "instance node-1"),
        ("P2", "security-group sg-node"),
        ("P3", "network-acl prod-default"),
        ("P4", "route-table rt-private"),
        ("P5", "nat-gateway nat-a"),
        ("P6", "route-table rt-public"),
        ("P7", "internet-gateway igw-prod"),
        ("P8", "internet api.example.com"),
    ]


def test_one_arrow_per_move_and_dashed_return() -> None:
    arrows = check_syntax(render_mermaid(samples.nat_trace()))["arrows"]
    assert arrows == [
        ("P1", "->>", "P4", "tcp 10.0.10.100:40123 -> 192.0.2.80:443"),
        ("P4", "->>", "P5", "0.0.0.0/0 -> nat-a"),
        ("P5", "->>", "P6", "tcp 10.0.1.20:40123 -> 192.0.2.80:443"),
        ("P6", "->>", "P7", "0.0.0.0/0 -> igw-prod"),
        ("P7", "->>", "P8", "tcp 198.51.100.10:40123 -> 192.0.2.80:443"),
        ("P8", "-->>", "P7", "tcp 192.0.2.80:443 -> 198.51.100.10:40123"),
        ("P7", "-->>", "P5", "tcp 192.0.2.80:443 -> 10.0.1.20:40123"),
        ("P5", "-->>", "P1", "tcp 192.0.2.80:443 -> 10.0.10.100:40123"),
    ]


def test_decisions_are_notes_and_the_verdict_closes() -> None:
    notes = check_syntax(render_mermaid(samples.sg_blocked_trace()))["notes"]
    assert notes[0] == ("P2", None, "2. allow: all to 0.0.0.0/0 (default egress)")
    assert notes[-2] == ("P5", None, "5. deny: no ingress rule matches")
    assert notes[-1][2] == (
        "blocked at step 5 (SG_INGRESS_DENIED): fix: add an inbound rule to sg-db allowing "
        "tcp/22 from sg-node")


def test_blocking_hop_receives_the_last_arrow() -> None:
    arrows = check_syntax(render_mermaid(samples.sg_blocked_trace()))["arrows"]
    assert arrows[-1] == ("P3", "->>", "P5", "10.0.0.0/16 -> local")  # P5 is sg-db


def test_return_block_is_noted_on_the_return_path() -> None:
    diagram = render_mermaid(samples.nacl_return_trace())
    found = check_syntax(diagram)
    assert found["notes"][-1][2].startswith(
        "partially blocked at return path step 8 (NACL_RETURN_DENIED)")
    assert "8. deny: #35;100 allow tcp/32768-50000 10.0.20.0/24" in diagram


def test_hostile_names_and_rules_are_escaped() -> None:
    trace = samples.sg_blocked_trace()
    hops = list(trace.hops)
    hops[2] = replace(hops[2], name="rt;evil#1:x,y",
                      rule=RuleRef("a; b # c %% d <script> e:f\nnext line"))
    hops[4] = replace(hops[4], rule=RuleRef("deny; end\n#comment"))
    diagram = render_mermaid(replace(trace, hops=tuple(hops)))
    check_syntax(diagram)
    assert "participant P3 as route-table rt#59;evil#35;1#58;x#44;y" in diagram
    assert ": a#59; b #35; c #37;#37; d #lt;script> e:f next line" in diagram


def test_escape_functions_do_not_escape_their_own_entities() -> None:
    assert escape_text("#;") == "#35;#59;"
    assert escape_label("a:b") == "a#58;b"
    assert escape_text("plain text: 10.0.0.1:443 -> x") == "plain text: 10.0.0.1:443 -> x"


def test_escape_sequences_and_bidi_overrides_are_shown_escaped() -> None:
    assert escape_text("a\x1b[8mb\u202ec") == "a\\x1b[8mb\\u202ec"
    assert escape_label("rt\x1b[8m\u2066") == "rt\\x1b[8m\\u2066"
