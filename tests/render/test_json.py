"""The JSON document: its exact shape is a contract with scripts, so it is asserted exactly."""

from __future__ import annotations

import json

import pytest

from netpath import __version__
from netpath.render.json_doc import render_json, trace_doc
from tests.render import samples

TOP_KEYS = {"netpath", "verdict", "query", "flow", "hops", "blocked_by", "return_path", "notes"}
HOP_KEYS = {"step", "component", "name", "action", "detail", "rule", "candidates", "note",
            "connection", "packet"}
PACKET_KEYS = {"protocol", "src_ip", "src_port", "dst_ip", "dst_port"}
RULE_KEYS = {"text", "path", "location"}
BLOCKED_KEYS = {"step", "component", "name", "code", "aws_code", "reason", "fix", "direction",
                "partial"}


def doc(name: str) -> dict:  # type: ignore[type-arg]
    parsed = json.loads(render_json(samples.ALL[name](), samples.locate))
    assert isinstance(parsed, dict)
    return parsed


@pytest.mark.parametrize("name", sorted(samples.ALL))
def test_every_key_is_always_present(name: str) -> None:
    d = doc(name)
    assert set(d) == TOP_KEYS
    assert set(d["query"]) == {"source", "destination", "port", "protocol"}
    assert set(d["flow"]) == PACKET_KEYS
    for hop in d["hops"] + d["return_path"]:
        assert set(hop) == HOP_KEYS
        assert set(hop["packet"]) == PACKET_KEYS
        for rule in ([hop["rule"]] if hop["rule"] else []) + hop["candidates"]:
            assert set(rule) == RULE_KEYS
    assert d["blocked_by"] is None or set(d["blocked_by"]) == BLOCKED_KEYS


def test_reachable_document() -> None:
    d = doc("nat")
    assert d["netpath"] == __version__
    assert d["verdict"] == "reachable"
    assert d["blocked_by"] is None
    assert d["query"] == {"source": "node-1", "destination": "api.example.com", "port": 443,
                          "protocol": "tcp"}
    assert d["flow"] == {"protocol": "tcp", "src_ip": "10.0.10.100", "src_port": 40123,
                         "dst_ip": "192.0.2.80", "dst_port": 443}
    assert [h["step"] for h in d["hops"]] == list(range(1, 9))
    assert [h["step"] for h in d["return_path"]] == list(range(9, 14))
    assert d["notes"] == ["api.example.com resolves to 192.0.2.80 (internet host)",
                          "node-1 uses ephemeral ports 32768-60999 (linux)"]


def test_translate_hop_exactly() -> None:
    assert doc("nat")["hops"][4] == {
        "step": 5,
        "component": "nat-gateway",
        "name": "nat-a",
        "action": "translate",
        "detail": "source NAT to the NAT gateway's private address",
        "rule": {"text": "nat-a 10.0.1.20", "path": "vpcs.prod.nat_gateways.nat-a",
                 "location": None},
        "candidates": [],
        "note": "a NAT gateway only translates connections its VPC opened",
        "connection": 1,
        "packet": {"protocol": "tcp", "src_ip": "10.0.1.20", "src_port": 40123,
                   "dst_ip": "192.0.2.80", "dst_port": 443},
    }


def test_route_hop_with_located_candidate() -> None:
    hop = doc("sg-blocked")["hops"][2]
    assert hop["rule"] == {"text": "10.0.0.0/16 -> local", "path": None, "location": None}
    assert hop["candidates"] == [{
        "text": "0.0.0.0/0 -> nat-a",
        "path": 'vpcs.prod.route_tables.rt-private.routes["0.0.0.0/0"]',
        "location": "scenarios/x.yaml:28:11",
    }]


def test_blocked_by_exactly() -> None:
    d = doc("sg-blocked")
    assert d["verdict"] == "blocked"
    assert d["return_path"] == []
    assert d["notes"] == []
    assert d["blocked_by"] == {
        "step": 5,
        "component": "security-group",
        "name": "sg-db",
        "code": "SG_INGRESS_DENIED",
        "aws_code": "ENI_SG_RULES_MISMATCH",
        "reason": "no inbound rule allows tcp/22 from node-1 (10.0.10.100)",
        "fix": "add an inbound rule to sg-db allowing tcp/22 from sg-node",
        "direction": "forward",
        "partial": False,
    }


def test_partial_return_block() -> None:
    d = doc("nacl-return")
    assert d["query"]["port"] is None  # as asked; the flow says what was assumed
    assert d["flow"]["dst_port"] == 5432
    blocked = d["blocked_by"]
    assert (blocked["direction"], blocked["partial"], blocked["aws_code"]) == (
        "return", True, "SUBNET_ACL_RESTRICTION")
    assert d["return_path"][-1]["rule"]["location"] == "scenarios/x.yaml:40:13"
    assert d["return_path"][-1]["rule"]["path"] == (
        "vpcs.prod.network_acls.nacl-private.inbound[0]")


def test_unknown_code_has_null_aws_code() -> None:
    from dataclasses import replace

    trace = samples.sg_blocked_trace()
    assert trace.blocked_by is not None
    odd = replace(trace, blocked_by=replace(trace.blocked_by, code="SOMETHING_NEW"))
    blocked = trace_doc(odd)["blocked_by"]
    assert blocked is not None and blocked["aws_code"] is None


def test_text_is_sorted_indented_and_stable() -> None:
    text = render_json(samples.nat_trace(), samples.locate)
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"
    assert text == render_json(samples.nat_trace(), samples.locate)
    assert text.isascii()


def test_without_a_source_map_locations_are_null() -> None:
    d = trace_doc(samples.nat_trace())
    assert d["hops"][3]["rule"]["location"] is None
    assert d["hops"][3]["rule"]["path"] == 'vpcs.prod.route_tables.rt-private.routes["0.0.0.0/0"]'
