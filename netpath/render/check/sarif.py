"""SARIF 2.1.0 for code scanning (GitHub `upload-sarif`, GitLab, IDE viewers).

One run; `tool.driver.rules` lists every lint rule of the registry (id, dotted name, short and
full description, help URI, default level) and the rule `EXPECTATION` that failed expectations
are reported under. Results carry the rule id and index, a level, a message, and the place in
the spec (or expectations file) where the cause is written: a URI relative to the working
directory and the 1-based line and column of the source map (columns count characters, as
`columnKind: unicodeCodePoints` says).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from netpath import __version__
from netpath.checks.report import ExpectationResult, Finding, Report, RuleInfo
from netpath.model.paths import SpecPath
from netpath.model.visible import inert, json_escape
from netpath.model.vocabulary import Severity
from netpath.render.check.common import MAX_PAIRS_SHOWN, SourceMapLike, outcome, pair_route, route

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/netpath-dev/netpath"
EXPECTATION_RULE = RuleInfo(
    id="EXPECTATION",
    name="netpath.expectation",
    severity=Severity.ERROR,
    summary="An expectation about reachability does not hold.",
    description="An expectation (docs/check.md) was traced and the network does not do what "
    "it says: a path expected to be reachable is blocked, or the reverse, or it ends with "
    "another explanation code, crosses other components, or delivers another source address. "
    "The message names the broken pairs and the step that explains it; `netpath trace` shows "
    "the whole path.",
    help_uri=f"{INFORMATION_URI}/blob/main/docs/check.md",
)
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}  # SARIF

JsonObject = dict[str, Any]


def render_sarif(report: Report, source_map: SourceMapLike, *, cwd: Path | None = None) -> str:
    # inert: a `##[` in a name is written `#\u0023[`, the same data (see visible.py)
    return inert(json.dumps(sarif_doc(report, source_map, cwd=cwd), indent=2,
                            ensure_ascii=False), json_escape) + "\n"


def sarif_doc(report: Report, source_map: SourceMapLike, *, cwd: Path | None = None) -> JsonObject:
    rules = [*report.rules, EXPECTATION_RULE]
    index = {rule.id: n for n, rule in enumerate(rules)}
    for finding in report.findings:  # a finding of a rule the registry does not list
        if finding.rule not in index:
            index[finding.rule] = len(rules)
            rules.append(RuleInfo(finding.rule, finding.name, finding.severity, finding.message,
                                  finding.message, EXPECTATION_RULE.help_uri))
    base = cwd if cwd is not None else Path.cwd()
    results = [_finding(f, index, source_map, base) for f in report.findings]
    results += [_expectation(e, index, source_map, base)
                for e in report.expectations if not e.passed]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "netpath",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(r) for r in rules],
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def _rule(rule: RuleInfo) -> JsonObject:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.description or rule.summary},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": LEVELS.get(rule.severity, "warning")},
    }


def _finding(finding: Finding, index: dict[str, int], source_map: SourceMapLike,
             base: Path) -> JsonObject:
    return _result(finding.rule, index, LEVELS.get(finding.severity, "warning"),
                   f"{finding.message} Fix: {finding.fix}", finding.path, source_map, base)


def _expectation(result: ExpectationResult, index: dict[str, int], source_map: SourceMapLike,
                 base: Path) -> JsonObject:
    lines = [f"Expectation '{result.name}' ({route(result)}, expected {result.expected}) "
             f"does not hold: {outcome(result)}"]
    failures = result.failures
    if len(failures) > 1 or (failures and failures[0].excerpt):
        for pair in failures[:MAX_PAIRS_SHOWN]:
            lines.append(f"{pair_route(pair)}: {pair.problem}")
            lines.extend(pair.excerpt[:6])
        if len(failures) > MAX_PAIRS_SHOWN:
            lines.append(f"... and {len(failures) - MAX_PAIRS_SHOWN} more broken pairs")
    return _result(EXPECTATION_RULE.id, index, "error", "\n".join(lines), result.path,
                   source_map, base)


def _result(rule: str, index: dict[str, int], level: str, message: str, path: SpecPath,
            source_map: SourceMapLike, base: Path) -> JsonObject:
    out: JsonObject = {"ruleId": rule, "ruleIndex": index[rule], "level": level,
                       "message": {"text": message}}
    found = source_map.locate(path)
    if found is not None:
        out["locations"] = [{"physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(found.file, base)},
            "region": {"startLine": found.line, "startColumn": found.column},
        }}]
    return out


def artifact_uri(file: str, base: Path) -> str:
    """A file as the user named it, as a URI reference relative to `base` when it lies inside
    (code scanning resolves those against the repository root), else an absolute file URI."""
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.relative_to(base.resolve())
        except ValueError:
            return path.as_uri()
    text = os.path.normpath(str(path)).replace(os.sep, "/")
    return quote(text, safe="/-._~")
