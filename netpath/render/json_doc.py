"""The JSON document of a trace: a stable contract for scripts and CI.

Every key is always present (null or [] when empty) so consumers never probe for keys; keys are
sorted and the indent fixed so that the output diffs cleanly. Changing a key's meaning is a
breaking change: add keys, never repurpose them.
"""

from __future__ import annotations

import json
from typing import Any

from netpath import __version__
from netpath.engine.codes import CODES
from netpath.engine.hops import Blocked, Hop, Packet, Query, RuleRef, Trace
from netpath.load.source import Locator, no_locations
from netpath.model.paths import format_path
from netpath.model.visible import inert, json_escape

JsonObject = dict[str, Any]


def packet_doc(packet: Packet) -> JsonObject:
    return {
        "protocol": packet.protocol,
        "src_ip": str(packet.src_ip),
        "src_port": packet.src_port,
        "dst_ip": str(packet.dst_ip),
        "dst_port": packet.dst_port,
    }


def rule_doc(rule: RuleRef | None, locate: Locator) -> JsonObject | None:
    if rule is None:
        return None
    return {
        "text": rule.text,
        "path": format_path(rule.path) if rule.path is not None else None,
        "location": locate(rule.path) if rule.path is not None else None,
    }


def hop_doc(hop: Hop, locate: Locator) -> JsonObject:
    return {
        "step": hop.step,
        "component": hop.component,
        "name": hop.name,
        "action": hop.action,
        "detail": hop.detail,
        "rule": rule_doc(hop.rule, locate),
        "candidates": [rule_doc(c, locate) for c in hop.candidates],
        "note": hop.note,
        "connection": hop.connection,
        "packet": packet_doc(hop.packet),
    }


def blocked_doc(blocked: Blocked | None) -> JsonObject | None:
    if blocked is None:
        return None
    code = CODES.get(blocked.code)
    return {
        "step": blocked.step,
        "component": blocked.component,
        "name": blocked.name,
        "code": blocked.code,
        "aws_code": blocked.aws_code or (code.aws_code if code is not None else None),
        "reason": blocked.reason,
        "fix": blocked.fix,
        "direction": blocked.direction,
        "partial": blocked.partial,
    }


def query_doc(query: Query) -> JsonObject:
    return {
        "source": query.source,
        "destination": query.destination,
        "port": query.port,
        "protocol": query.protocol,
    }


def trace_doc(trace: Trace, locate: Locator = no_locations) -> JsonObject:
    return {
        "netpath": __version__,
        "verdict": trace.verdict,
        "query": query_doc(trace.query),
        "flow": packet_doc(trace.flow) if trace.flow is not None else None,
        "hops": [hop_doc(h, locate) for h in trace.hops],
        "blocked_by": blocked_doc(trace.blocked_by),
        "return_path": [hop_doc(h, locate) for h in trace.return_path],
        "notes": list(trace.notes),
    }


def render_json(trace: Trace, locate: Locator = no_locations) -> str:
    """The document as text, newline-terminated; ASCII-only so any terminal or pipe takes it."""
    # inert: a `##[` in a name is written `#\u0023[`, the same data (see visible.py)
    return inert(json.dumps(trace_doc(trace, locate), indent=2, sort_keys=True),
                 json_escape) + "\n"
