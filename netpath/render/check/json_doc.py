"""The JSON document of a check: a stable contract for scripts.

Every key is always present (null or [] when empty), keys are sorted and the indent fixed, as
for the trace's JSON. Add keys, never repurpose them.
"""

from __future__ import annotations

import json
from typing import Any

from netpath import __version__
from netpath.checks.report import ExpectationResult, Finding, PairResult, Report
from netpath.model.paths import format_path
from netpath.model.visible import inert, json_escape
from netpath.model.vocabulary import Severity
from netpath.render.check.common import SourceMapLike, severity_counts, shown_path

JsonObject = dict[str, Any]
FORMAT_VERSION = 1


def render_check_json(report: Report, source_map: SourceMapLike, *, strict: bool = False) -> str:
    # inert: a `##[` in a name is written `#\u0023[`, the same data (see visible.py)
    return inert(json.dumps(check_doc(report, source_map, strict=strict), indent=2,
                            sort_keys=True, ensure_ascii=False), json_escape) + "\n"


def check_doc(report: Report, source_map: SourceMapLike, *, strict: bool = False) -> JsonObject:
    counts = severity_counts(report)
    failed = [e for e in report.expectations if not e.passed]
    return {
        "netpath": __version__,
        "format": FORMAT_VERSION,
        "passed": not report.failed(strict=strict),
        "strict": strict,
        "summary": {
            "expectations": len(report.expectations),
            "failed": len(failed),
            "pairs": sum(len(e.pairs) for e in report.expectations),
            "failed_pairs": sum(len(e.failures) for e in report.expectations),
            "findings": {s.value: counts[s] for s in Severity},
        },
        "expectations": [_expectation(e, source_map) for e in report.expectations],
        "findings": [_finding(f, source_map) for f in report.findings],
        "ignored_rules": list(report.ignored_rules),
    }


def _where(source_map: SourceMapLike, path: Any) -> JsonObject | None:
    found = source_map.locate(path)
    if found is None:
        return None
    return {"file": found.file, "line": found.line, "column": found.column}


def _expectation(result: ExpectationResult, source_map: SourceMapLike) -> JsonObject:
    return {
        "name": result.name,
        "description": result.description,
        "passed": result.passed,
        "from": result.source,
        "to": result.destination,
        "port": result.port,
        "protocol": result.protocol,
        "expected": result.expected,
        "path": shown_path(source_map, result.path),
        "location": _where(source_map, result.path),
        "pairs": [_pair(p) for p in result.pairs],
    }


def _pair(pair: PairResult) -> JsonObject:
    return {
        "from": pair.source,
        "to": pair.destination,
        "port": pair.port,
        "passed": pair.passed,
        "verdict": pair.verdict,
        "code": pair.code,
        "problem": pair.problem,
        "excerpt": list(pair.excerpt),
    }


def _finding(finding: Finding, source_map: SourceMapLike) -> JsonObject:
    return {
        "rule": finding.rule,
        "name": finding.name,
        "severity": finding.severity,
        "message": finding.message,
        "fix": finding.fix,
        "path": format_path(finding.path),
        "location": _where(source_map, finding.path),
    }
