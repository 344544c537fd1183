"""GitHub Actions workflow commands: an annotation per failed expectation and lint finding.

    ::error file=netpath-expect.yaml,line=12,col=5,title=netpath: db is private::message

Errors for failed expectations and error findings, `::warning` and `::notice` for the other
severities (the exit code says whether they fail, as --strict decides), then the summary line
as plain log text. Data and property values are escaped as the runner expects (`%`, CR, LF;
and `:` and `,` in properties), so a message spans lines in the annotation.
"""

from __future__ import annotations

from netpath.checks.report import Report
from netpath.model.paths import SpecPath
from netpath.model.vocabulary import Severity
from netpath.render.check.common import SourceMapLike, failure_text, outcome, route, summary

# GitHub's workflow command for each severity.
COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(command: str, title: str, message: str, path: SpecPath,
               source_map: SourceMapLike) -> str:
    props = []
    found = source_map.locate(path)
    if found is not None:
        props = [f"file={_property(found.file)}", f"line={found.line}", f"col={found.column}"]
    props.append(f"title={_property(title)}")
    return f"::{command} {','.join(props)}::{_data(message)}"


def render_github(report: Report, source_map: SourceMapLike, *, strict: bool = False) -> str:
    lines: list[str] = []
    for result in report.expectations:
        if result.passed:
            continue
        message = "\n".join([f"{route(result)}, expected {result.expected}: {outcome(result)}",
                             *failure_text(result)])
        lines.append(annotation("error", f"netpath: {result.name}", message, result.path,
                                source_map))
    for finding in report.findings:
        command = COMMANDS.get(finding.severity, "warning")
        lines.append(annotation(command, f"netpath {finding.rule} ({finding.name})",
                                f"{finding.message}\nfix: {finding.fix}", finding.path,
                                source_map))
    lines.append(f"netpath check: {summary(report, strict=strict)}")
    return "\n".join(lines) + "\n"
