"""GitHub Actions workflow commands: an annotation per failed expectation and lint finding.

    ::error file=netpath-expect.yaml,line=12,col=5,title=netpath: db is private::message

Errors for failed expectations and error findings, `::warning` and `::notice` for the other
severities (the exit code says whether they fail, as --strict decides), then the summary line
as plain log text. Data and property values are escaped as the runner expects (`%`, CR, LF;
and `:` and `,` in properties), so a message spans lines in the annotation. Before that, each
line of text from the spec or the expectations (a name, a file name, a description, a problem)
goes through `visible`: its own newlines and escape sequences are shown as `\\n` and `\\x1b`,
never passed to the runner, so the only line breaks in a message are netpath's and no line of
the log starts a workflow command that netpath did not write; and through `inert`, which
escapes the legacy `##[` the runner obeys anywhere in a line.
"""

from __future__ import annotations

from netpath.checks.report import Report
from netpath.model.paths import SpecPath
from netpath.model.visible import inert, visible
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
        props = [f"file={_property(_shown(found.file))}", f"line={found.line}",
                 f"col={found.column}"]
    props.append(f"title={_property(_shown(title))}")
    return f"::{command} {','.join(props)}::{_data(message)}"


def _shown(text: str) -> str:
    """One line of text from the spec: control characters and `##[` escaped."""
    return inert(visible(text))


def _message(*lines: str) -> str:
    """Lines joined by netpath's newlines (the runner shows them), each escaped first."""
    return "\n".join(_shown(line) for line in lines)


def render_github(report: Report, source_map: SourceMapLike, *, strict: bool = False) -> str:
    lines: list[str] = []
    for result in report.expectations:
        if result.passed:
            continue
        message = _message(f"{route(result)}, expected {result.expected}: {outcome(result)}",
                           *failure_text(result))
        lines.append(annotation("error", f"netpath: {result.name}", message, result.path,
                                source_map))
    for finding in report.findings:
        command = COMMANDS.get(finding.severity, "warning")
        lines.append(annotation(command, f"netpath {finding.rule} ({finding.name})",
                                _message(finding.message, f"fix: {finding.fix}"), finding.path,
                                source_map))
    lines.append(_shown(f"netpath check: {summary(report, strict=strict)}"))
    return "\n".join(lines) + "\n"
