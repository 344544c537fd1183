"""JUnit XML for CI test reports (GitLab `artifacts:reports:junit`, Jenkins, GitHub reporters).

    <testsuites name="netpath check" tests=.. failures=..>
      <testsuite name="netpath expectations">  one testcase per expectation
      <testsuite name="netpath lint">          one testcase per lint finding

A failed expectation is a `<failure>` whose message is its problem and whose text holds the
broken pairs and their trace excerpts. A finding at error severity (warning too with --strict)
is a `<failure>`; any other finding is a passing testcase whose `<system-out>` says what it
found, so it is visible without failing the pipeline. Only the elements and attributes of the
common JUnit schema (Jenkins' junit-10.xsd) are used.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from netpath.checks.report import ExpectationResult, Finding, Report
from netpath.model.visible import escape_char, inert, xml_escape
from netpath.model.vocabulary import Severity
from netpath.render.check.common import (
    SourceMapLike,
    failure_text,
    location,
    outcome,
    route,
    summary,
)

# Characters XML 1.0 cannot carry, even escaped (lone surrogates come from file names that are
# not UTF-8). They are written as `visible` writes them (`\x1b`); the rest stays as it is, XML
# escaping what it must.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub(lambda m: escape_char(m.group()), text)


def render_junit(report: Report, source_map: SourceMapLike, *, strict: bool = False) -> str:
    expectations = [_expectation_case(e, source_map) for e in report.expectations]
    findings = [_finding_case(f, source_map, strict) for f in report.findings]
    root = ET.Element("testsuites", name="netpath check")
    _suite(root, "netpath expectations", expectations)
    _suite(root, "netpath lint", findings)
    root.set("tests", str(len(expectations) + len(findings)))
    root.set("failures", str(sum(_failed(c) for c in (*expectations, *findings))))
    root.set("errors", "0")
    ET.SubElement(root[0], "system-out").text = _clean(summary(report, strict=strict))
    ET.indent(root, space="  ")
    # inert: no line of the report starts a CI runner's command (a description on its own
    # line of a failure's text), written with character references: the same data
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            + inert(ET.tostring(root, encoding="unicode"), xml_escape) + "\n")


def _suite(root: ET.Element, name: str, cases: list[ET.Element]) -> None:
    suite = ET.SubElement(root, "testsuite", name=name, tests=str(len(cases)),
                          failures=str(sum(_failed(c) for c in cases)), errors="0",
                          skipped="0")
    suite.extend(cases)


def _failed(case: ET.Element) -> bool:
    return case.find("failure") is not None


def _expectation_case(result: ExpectationResult, source_map: SourceMapLike) -> ET.Element:
    case = ET.Element("testcase", name=_clean(result.name), classname="netpath.expectations")
    where = location(source_map, result.path)
    head = f"{route(result)}, expected {result.expected}; written at {where}"
    if result.passed:
        ET.SubElement(case, "system-out").text = _clean(f"{head}\n{outcome(result)}")
        return case
    failure = ET.SubElement(case, "failure", message=_clean(outcome(result)),
                            type="expectation")
    failure.text = _clean("\n".join([head, *failure_text(result)]))
    return case


def _finding_case(finding: Finding, source_map: SourceMapLike, strict: bool) -> ET.Element:
    where = location(source_map, finding.path)
    case = ET.Element("testcase", name=_clean(f"{finding.rule} {finding.name} at {where}"),
                      classname=f"netpath.lint.{finding.rule}")
    text = _clean(f"{finding.severity} {finding.rule} ({finding.name}) at {where}\n"
                  f"{finding.message}\nfix: {finding.fix}")
    if finding.severity == Severity.ERROR or (strict and finding.severity == Severity.WARNING):
        failure = ET.SubElement(case, "failure", message=_clean(finding.message),
                                type=finding.severity)
        failure.text = text
    else:
        ET.SubElement(case, "system-out").text = text
    return case
