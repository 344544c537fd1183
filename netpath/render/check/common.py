"""What every rendering of a check report shares: locations, counts and the summary line."""

from __future__ import annotations

from collections import Counter
from typing import Protocol

from netpath.checks.report import ExpectationResult, PairResult, Report
from netpath.model.paths import SpecPath, format_path
from netpath.model.vocabulary import Severity

MAX_PAIRS_SHOWN = 10  # failed pairs of a group spelled out in text, JUnit and annotations


class _Position(Protocol):
    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...


class SourceMapLike(Protocol):
    """What a check renderer asks of the check's source map (`netpath.load.source.SourceMap`)."""

    def locate(self, path: SpecPath) -> _Position | None: ...


def location(source_map: SourceMapLike, path: SpecPath) -> str:
    """`file:line:col`, or the spec path when the source map does not know it."""
    found = source_map.locate(path)
    if found is None:
        return format_path(path)
    return f"{found.file}:{found.line}:{found.column}"


def shown_path(source_map: SourceMapLike, path: SpecPath) -> str:
    """The path inside its file: an expectations file's paths start with the file's name."""
    found = source_map.locate(path)
    if found is not None and path and path[0] == found.file:
        return format_path(path[1:])
    return format_path(path)


def route(result: ExpectationResult) -> str:
    """`default/pod-a -> backend-service:8080` (the port as written, or tcp's default)."""
    port = f":{result.port}" if result.port is not None else ""
    if result.protocol != "tcp":
        port = f" {result.protocol}{'/' + str(result.port) if result.port else ''}"
    return f"{result.source} -> {result.destination}{port}"


def pair_route(pair: PairResult) -> str:
    port = f":{pair.port}" if pair.port is not None else ""
    return f"{pair.source} -> {pair.destination}{port}"


def outcome(result: ExpectationResult) -> str:
    """One line: what was found, or why it failed (the first broken pair, and how many)."""
    pairs = result.pairs
    failures = result.failures
    grouped = len(pairs) != 1 or (pairs[0].source, pairs[0].destination) != (
        result.source, result.destination)
    if not failures:
        verdict = result.expected
        return f"{verdict}, {len(pairs)} pair{'' if len(pairs) == 1 else 's'}" if grouped \
            else verdict
    first = failures[0]
    if not grouped:
        return first.problem or "failed"
    return f"{len(failures)} of {len(pairs)} pairs broken; {pair_route(first)}: {first.problem}"


def failure_text(result: ExpectationResult) -> list[str]:
    """The broken pairs with their trace excerpts (the first few in full), as plain lines."""
    lines: list[str] = []
    if result.description:
        lines.append(result.description)
    failures = result.failures
    for n, pair in enumerate(failures):
        if n == MAX_PAIRS_SHOWN:
            lines.append(f"... and {len(failures) - n} more broken pairs")
            break
        lines.append(f"{pair_route(pair)}: {pair.problem}")
        if n < 3:
            lines.extend(f"    {line}" for line in pair.excerpt)
    return lines


def severity_counts(report: Report) -> Counter[Severity]:
    return Counter(f.severity for f in report.findings)


def summary(report: Report, *, strict: bool) -> str:
    total = len(report.expectations)
    failed = sum(1 for e in report.expectations if not e.passed)
    counts = severity_counts(report)
    if total == 0:
        head = "no expectations"
    elif failed:
        head = f"{failed} of {total} expectation{'' if total == 1 else 's'} failed"
    else:
        head = f"{'all ' if total > 1 else ''}{total} expectation{'' if total == 1 else 's'} " \
            f"{'hold' if total > 1 else 'holds'}"
    parts = [f"{counts[s]} {s}{'' if counts[s] == 1 or s == Severity.INFO else 's'}"
             for s in Severity if counts[s]]
    findings = f"lint: {', '.join(parts)}" if parts else "lint: no findings"
    ignored = f"; ignored: {', '.join(report.ignored_rules)}" if report.ignored_rules else ""
    strictness = " (--strict: warnings fail)" if strict and counts[Severity.WARNING] else ""
    return f"{head}; {findings}{strictness}{ignored}"
