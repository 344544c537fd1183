"""The text rendering of traces: steps, details, return path, verdict, width and colour."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from netpath.engine.hops import Hop, RuleRef
from netpath.render.text import render_trace
from tests.render import samples
from tests.render.streams import ANSI, COLOUR_SGR, flat, rendered


def text_of(trace, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return rendered(lambda console: render_trace(trace, console, samples.locate), **kwargs)


def step_line(text: str, step: int) -> str:
    for line in text.splitlines():
        if re.match(rf"^\s*{step}  \S", line):
            return line
    raise AssertionError(f"no line for step {step} in:\n{text}")


def test_header_shows_query_flow_and_notes() -> None:
    text = text_of(samples.nat_trace())
    lines = text.splitlines()
    assert lines[0] == "trace node-1 -> api.example.com (tcp/443)"
    assert lines[1] == "flow: tcp 10.0.10.100:40123 -> 192.0.2.80:443"
    assert lines[2] == "note: api.example.com resolves to 192.0.2.80 (internet host)"
    assert lines[3] == "note: node-1 uses ephemeral ports 32768-60999 (linux)"


def test_header_without_port_shows_the_port_the_flow_used() -> None:
    trace = samples.nacl_return_trace()
    assert trace.query.port is None
    assert text_of(trace).splitlines()[0] == (
        f"trace node-1 -> orders-db (tcp/{trace.flow.dst_port})"
    )


def test_steps_are_numbered_with_component_action_and_rule() -> None:
    text = text_of(samples.nat_trace())
    assert step_line(text, 1).split() == ["1", "instance", "node-1", "send", "node-1", "sends",
                                          "from", "its", "primary", "interface"]
    assert step_line(text, 4).split()[:5] == ["4", "route-table", "rt-private", "forward",
                                              "0.0.0.0/0"]
    assert "0.0.0.0/0 -> nat-a" in step_line(text, 4)
    # Return steps continue the numbering and sit under their own heading.
    assert text.index("Return path") < text.index(step_line(text, 9))
    assert step_line(text, 13).split()[:4] == ["13", "instance", "node-1", "deliver"]


def test_action_column_is_aligned_within_a_path() -> None:
    text = text_of(samples.nat_trace())
    columns = {step_line(text, n).index(action)
               for n, action in ((1, "send"), (2, "allow"), (4, "forward"), (8, "deliver"))}
    assert len(columns) == 1


def test_details_location_changed_packet_and_note() -> None:
    text = text_of(samples.nat_trace())
    lines = text.splitlines()
    at = lines.index(step_line(text, 5))
    assert [line.strip() for line in lines[at + 1: at + 5]] == [
        "source NAT to the NAT gateway's private address",
        "at vpcs.prod.nat_gateways.nat-a",  # not in the source map: the spec path instead
        "packet now: tcp 10.0.1.20:40123 -> 192.0.2.80:443",
        "note: a NAT gateway only translates connections its VPC opened",
    ]
    assert "at scenarios/x.yaml:28:11" in text  # step 4's route, located by the source map
    assert "packet now: tcp 198.51.100.10:40123 -> 192.0.2.80:443" in text  # IGW, step 7


def test_unchanged_packet_is_not_repeated() -> None:
    text = text_of(samples.sg_blocked_trace())
    assert "packet now" not in text


def test_return_path_shows_reverse_translation_from_the_mirrored_reply() -> None:
    text = text_of(samples.nat_trace())
    after = text[text.index("Return path"):]
    # step 9 sends the mirror of the delivered packet: no change to report
    assert "tcp 192.0.2.80:443 -> 198.51.100.10:40123" not in after
    assert "packet now: tcp 192.0.2.80:443 -> 10.0.1.20:40123" in after
    assert "packet now: tcp 192.0.2.80:443 -> 10.0.10.100:40123" in after


def test_route_candidates_are_listed() -> None:
    text = flat(text_of(samples.sg_blocked_trace()))
    assert "10.0.0.0/16 -> local (also matched: 0.0.0.0/0 -> nat-a)" in text


def test_reachable_verdict() -> None:
    text = text_of(samples.nat_trace())
    assert text.rstrip().splitlines()[-1] == "\u2714 reachable"
    assert "fix:" not in text


def test_blocked_verdict_names_step_component_code_reason_and_fix() -> None:
    text = text_of(samples.sg_blocked_trace())
    assert (
        "\u2718 blocked at step 5 by security-group sg-db (SG_INGRESS_DENIED): no inbound rule "
        "allows tcp/22 from node-1 (10.0.10.100)"
    ) in flat(text)
    assert "fix: add an inbound rule to sg-db allowing tcp/22 from sg-node" in text
    assert "AWS Reachability Analyzer code: ENI_SG_RULES_MISMATCH" in text
    assert "Return path" not in text  # nothing came back from a blocked request


def test_partial_return_block() -> None:
    text = text_of(samples.nacl_return_trace())
    assert (
        "\u2718 partially blocked at step 8 of the return path by network-acl nacl-private "
        "(NACL_RETURN_DENIED): replies reach only ports 32768-50000"
    ) in flat(text)
    assert "fix: allow tcp/32768-60999 inbound from 10.0.20.0/24 in nacl-private" in text
    assert "note: NACLs are stateless" in text
    assert "at scenarios/x.yaml:40:13" in text


def test_user_text_with_brackets_is_printed_verbatim() -> None:
    # rich markup must never interpret names or descriptions from the spec
    trace = samples.sg_blocked_trace()
    hop = replace(trace.hops[1], rule=RuleRef("tcp/443 to [bold]0.0.0.0/0[/bold] [x]"))
    text = text_of(replace(trace, hops=(trace.hops[0], hop, *trace.hops[2:])))
    assert "tcp/443 to [bold]0.0.0.0/0[/bold] [x]" in text


@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_fits_80_columns(name: str) -> None:
    text = text_of(samples.ALL[name]())
    assert max(len(line) for line in text.splitlines()) <= 80


def test_long_names_and_rules_wrap_within_80_columns_and_stay_indented() -> None:
    trace = samples.sg_blocked_trace()
    long = "x" * 120
    hop = replace(trace.hops[2], name="rt-" + "very-long-route-table-name-" * 3,
                  rule=RuleRef("10.0.0.0/16 -> local " + "and more words " * 12 + long))
    text = text_of(replace(trace, hops=(*trace.hops[:2], hop, *trace.hops[3:])))
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    start = lines.index(step_line(text, 3))
    assert lines[start + 1].startswith("     ")  # continuation lines hang under the step


def test_no_trailing_spaces() -> None:
    for make in samples.ALL.values():
        for line in text_of(make()).splitlines():
            assert line == line.rstrip()


def test_piped_output_has_no_escape_codes() -> None:
    for make in samples.ALL.values():
        assert "\x1b" not in text_of(make())


def test_terminal_output_is_coloured() -> None:
    text = text_of(samples.sg_blocked_trace(), tty=True)
    assert COLOUR_SGR.search(text)
    assert ANSI.sub("", text) == text_of(samples.sg_blocked_trace())


def test_no_color_on_a_terminal_keeps_emphasis_but_drops_colours() -> None:
    text = text_of(samples.sg_blocked_trace(), tty=True, environ={"NO_COLOR": "1"})
    assert not COLOUR_SGR.search(text)
    assert ANSI.sub("", text) == text_of(samples.sg_blocked_trace())


def test_force_color_colours_a_pipe() -> None:
    assert COLOUR_SGR.search(text_of(samples.nat_trace(), environ={"FORCE_COLOR": "1"}))


def test_ascii_fallback_when_the_encoding_is_not_utf8() -> None:
    reachable = text_of(samples.nat_trace(), ascii_only=True)
    blocked = text_of(samples.sg_blocked_trace(), ascii_only=True)
    assert reachable.rstrip().splitlines()[-1] == "+ reachable"
    assert "x blocked at step 5 by security-group sg-db" in flat(blocked)


def test_unnumbered_hops_are_numbered_in_order() -> None:
    trace = samples.sg_blocked_trace()
    hops = tuple(replace(h, step=0) for h in trace.hops)
    text = text_of(replace(trace, hops=hops, blocked_by=None))
    assert [step_line(text, n).split()[0] for n in range(1, 6)] == ["1", "2", "3", "4", "5"]


def test_connection_change_is_announced() -> None:
    trace = samples.nat_trace()
    lb_packet = replace(trace.flow, dst_port=30080)
    hop = Hop("load-balancer", "web-alb", "forward", "opens a connection to node-1",
              lb_packet, connection=2)
    text = text_of(replace(trace, hops=(*trace.hops, replace(hop, step=9)), return_path=()))
    assert "connection 2: tcp 10.0.10.100:40123 -> 192.0.2.80:30080" in text
