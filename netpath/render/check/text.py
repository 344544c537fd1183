"""The human rendering of a check: a table with one line per expectation, the failures with
their trace excerpts, the lint findings, and a summary line.

    ✔  frontend reaches the API    default/pod-a -> backend-service:8080   reachable
    ✘  nothing reaches the db      internet -> orders-db:5432               reachable, expected...

The table is laid out by hand (as the trace's step list is): a rich Table measured every cell
of every row, seconds for ten thousand expectations. Long names and routes are cut with an
ellipsis so that each expectation keeps one line; the failures section repeats them in full.
Segments carry rich styles, which are applied only when the console shows styles; otherwise
the lines are written as they are. Names, routes, descriptions, problems and excerpts come from
the spec and the expectations file: each segment goes through `visible` in `_write` (the
table's names and routes before they are measured, so that the columns line up).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from netpath.checks.report import ExpectationResult, Finding, Report
from netpath.model.visible import inert, visible
from netpath.model.vocabulary import Severity
from netpath.render.check.common import (
    SourceMapLike,
    failure_text,
    location,
    outcome,
    route,
    summary,
)

NAME_CAP = 48
ROUTE_CAP = 56
RESULT_CAP = 32
SEVERITY_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "blue"}

Segment = tuple[str, str]  # text, rich style ("" for none)
Line = list[Segment]


def render_check_text(report: Report, console: Console, source_map: SourceMapLike, *,
                      strict: bool = False) -> None:
    ascii_only = console.options.ascii_only
    good, bad = ("+", "x") if ascii_only else ("\u2714", "\u2718")
    lines: list[Line] = []
    if report.expectations:
        lines += _table(report.expectations, good, bad, console.width)
    failed = [e for e in report.expectations if not e.passed]
    if failed:
        lines += [[], [("Failures", "bold")]]
        for result in failed:
            lines += _failure(result, source_map, bad)
    if report.findings:
        lines += [[], [("Lint findings", "bold")]]
        lines += _findings(report.findings, source_map, strict)
    ok = not report.failed(strict=strict)
    if lines:
        lines.append([])
    lines.append([(f"{good if ok else bad} ", "bold green" if ok else "bold red"),
                  (summary(report, strict=strict), "bold")])
    _write(console, lines)


def _table(results: Sequence[ExpectationResult], good: str, bad: str,
           width: int) -> list[Line]:
    names = [visible(r.name) for r in results]
    routes = [visible(route(r)) for r in results]
    name_width = min(NAME_CAP, max(len(n) for n in names))
    route_width = min(ROUTE_CAP, max(len(r) for r in routes))
    # The result is the last column: a long one (a group's broken pairs) may run over.
    results_width = min(RESULT_CAP, max(len(outcome(r)) for r in results))
    if 7 + name_width + route_width + results_width > width:
        return _stacked(results, good, bad)
    out: list[Line] = [[("   " + "expectation".ljust(name_width) + "  " +
                         "from -> to".ljust(route_width) + "  result", "bold")]]
    for result, name, path in zip(results, names, routes, strict=True):
        mark = (good, "bold green") if result.passed else (bad, "bold red")
        out.append([mark, ("  ", ""), (_cut(name, name_width), "bold"), ("  ", ""),
                    (_cut(path, route_width), ""), ("  ", ""),
                    (outcome(result), "" if result.passed else "red")])
    return out


def _stacked(results: Sequence[ExpectationResult], good: str, bad: str) -> list[Line]:
    """Narrow terminals (80 columns, CI logs): the name on one line, the route and the
    result under it, nothing cut."""
    out: list[Line] = []
    for result in results:
        mark = (good, "bold green") if result.passed else (bad, "bold red")
        out.append([mark, ("  ", ""), (result.name, "bold")])
        out.append([("   ", ""), (route(result), ""), ("  ", ""),
                    (outcome(result), "" if result.passed else "red")])
    return out


def _cut(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "\u2026"


def _failure(result: ExpectationResult, source_map: SourceMapLike, bad: str) -> list[Line]:
    where = location(source_map, result.path)
    out: list[Line] = [[(f"{bad} ", "bold red"), (result.name, "bold"), (f"  at {where}", "dim")],
                       [(f"  {route(result)}, expected {result.expected}", "")]]
    for line in failure_text(result):
        style = "dim" if line.startswith("    ") and not line.strip().startswith("fix:") else ""
        out.append([(f"  {line}", style)])
    return out


def _findings(findings: Sequence[Finding], source_map: SourceMapLike,
              strict: bool) -> list[Line]:
    out: list[Line] = []
    for finding in findings:
        fails = finding.severity == Severity.ERROR or (
            strict and finding.severity == Severity.WARNING)
        style = "bold red" if fails else SEVERITY_STYLES.get(finding.severity, "")
        out.append([("  ", ""), (finding.severity.ljust(8), style),
                    (finding.rule.ljust(8), "bold"),
                    (location(source_map, finding.path), "dim"), ("  ", ""),
                    (finding.message, "")])
        out.append([(" " * 18 + "fix: " + finding.fix, "")])
    return out


def _write(console: Console, lines: list[Line]) -> None:
    # Each segment is whole on its line (no wrapping here): escaped, it cannot start a line
    # with `::` or hold `##[` (`inert`).
    lines = [[(inert(visible(t)), s) for t, s in line] for line in lines]
    if not console.is_terminal and console.no_color:
        # Piped and uncoloured (CI logs, files): the text as it is, at no rendering cost.
        console.file.write("".join("".join(t for t, _ in line).rstrip() + "\n"
                                   for line in lines))
        return
    text = Text("\n").join(Text.assemble(*((t, s) if s else t for t, s in line))
                           for line in lines)
    console.print(text, soft_wrap=True)
