"""The renderings of a check report: text, JSON, JUnit (parsed and checked structurally),
SARIF (validated against the SARIF 2.1.0 JSON Schema) and GitHub workflow commands.

`sarif-schema-2.1.0.json` is the OASIS SARIF 2.1.0 schema (the final "rtm.5" revision, as
SchemaStore publishes it), vendored from the MIT-licensed npm package @microsoft/jest-sarif
(lib/schemas/sarif-2.1.0-rtm.5.json).
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from rich.console import Console

from netpath.checks.expectations import check_source_map
from netpath.checks.report import Report
from netpath.load.source import SourceMap
from netpath.render.check.github import render_github
from netpath.render.check.json_doc import render_check_json
from netpath.render.check.junit import render_junit
from netpath.render.check.sarif import artifact_uri, render_sarif
from netpath.render.check.text import render_check_text
from netpath.sources.loader import LoadedSpec
from tests.checks.conftest import CheckFn, FakeLint, fake_finding

SARIF_SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())
# Where the fake findings point: a security group rule and a namespace's pod, in the scenario.
SG_RULE = ("vpcs", "prod", "security_groups", "sg-db", "ingress", 0)
POD = ("clusters", "eks-prod", "manifests", 0)


@pytest.fixture
def report(check: CheckFn, fake_lint: FakeLint) -> Report:
    fake_lint.findings = [fake_finding("SG001", "error", SG_RULE),
                          fake_finding("NP001", "warning", SG_RULE),
                          fake_finding("NS001", "info", POD)]
    return check([
        {"name": "the API is reachable", "from": "default/pod-a", "to": "backend-service",
         "port": 8080, "reachable": True},
        {"name": "ssh to the db", "description": "admins need it", "from": "node-1",
         "to": "orders-db", "port": 22, "reachable": True},
        {"from": {"namespace": "default"}, "to": {"selector": {"app": "backend"}},
         "port": 8080, "reachable": False},
    ])


@pytest.fixture
def source_map(default_spec: LoadedSpec, tmp_path: Path) -> SourceMap:
    """The check's source map as the fixture `check` built it: the spec, and the file."""
    from netpath.load.yaml_positions import load_yaml_documents

    combined = check_source_map(default_spec.source_map)
    text = (tmp_path / "netpath-expect.yaml").read_text()
    combined.merge(load_yaml_documents(text, "netpath-expect.yaml")[0][0].source_map,
                   ("netpath-expect.yaml",))
    return combined


def test_text(report: Report, source_map: SourceMap) -> None:
    out = io.StringIO()
    render_check_text(report, Console(file=out, width=160, no_color=True, color_system=None),
                      source_map)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["expectation", "from", "->", "to", "result"]
    assert lines[1].startswith("\u2714  the API is reachable")
    assert "default/pod-a -> backend-service:8080" in lines[1] and lines[1].endswith("reachable")
    assert lines[2].startswith("\u2718  ssh to the db") and "blocked: SG_INGRESS_DENIED" in lines[2]
    assert lines[3].startswith("\u2718  namespace default -> pods app=backend:8080")
    assert "3 of 21 pairs broken; default/pod-a -> default/backend-0:8080" in lines[3]
    text = out.getvalue()
    assert "\u2718 ssh to the db  at netpath-expect.yaml:8:3\n" in text
    assert "  admins need it\n" in text
    assert "      6  security-group sg-db  deny  no inbound rule" in text
    assert ("         fix: connect to port 5432: orders-db listens on nothing else, so a rule "
            "for tcp/22 would not help\n") in text
    assert "  error   SG001   scenarios/three-tier/netpath.yaml:" in text
    assert "fix: fix SG001" in text
    assert lines[-1] == "\u2718 2 of 3 expectations failed; lint: 1 error, 1 warning, 1 info"


def test_text_stacks_when_the_table_does_not_fit(report: Report, source_map: SourceMap) -> None:
    out = io.StringIO()
    render_check_text(report, Console(file=out, width=80, no_color=True, color_system=None),
                      source_map)
    lines = out.getvalue().splitlines()
    assert lines[0] == "\u2714  the API is reachable"
    assert lines[1].startswith("   default/pod-a -> backend-service:8080  reachable")
    names = [line for line in lines[:6] if line.startswith(("\u2714 ", "\u2718 "))]
    assert len(names) == 3 and all(len(line) <= 80 for line in names)


def test_text_ascii_and_colour(report: Report, source_map: SourceMap) -> None:
    out = io.StringIO()
    console = Console(file=out, width=160, force_terminal=True, color_system="standard")
    render_check_text(report, console, source_map)
    assert "\x1b[" in out.getvalue()
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")  # a terminal that cannot show the marks
    render_check_text(report, Console(file=stream, width=160, no_color=True, color_system=None),
                      source_map)
    stream.flush()
    assert raw.getvalue().decode().splitlines()[1].startswith("+  the API is reachable")


def test_json_keys_are_stable(report: Report, source_map: SourceMap) -> None:
    doc = json.loads(render_check_json(report, source_map, strict=True))
    assert set(doc) == {"netpath", "format", "passed", "strict", "summary", "expectations",
                        "findings", "ignored_rules"}
    assert doc["summary"] == {"expectations": 3, "failed": 2, "pairs": 23, "failed_pairs": 4,
                              "findings": {"error": 1, "warning": 1, "info": 1}}
    assert (doc["passed"], doc["strict"]) == (False, True)
    first = doc["expectations"][1]
    assert set(first) == {"name", "description", "passed", "from", "to", "port", "protocol",
                          "expected", "path", "location", "pairs"}
    assert first["path"] == "expectations[1]"
    assert first["location"] == {"file": "netpath-expect.yaml", "line": 8, "column": 3}
    assert set(first["pairs"][0]) == {"from", "to", "port", "passed", "verdict", "code",
                                      "problem", "excerpt"}
    assert first["pairs"][0]["code"] == "SG_INGRESS_DENIED"
    finding = doc["findings"][0]
    assert set(finding) == {"rule", "name", "severity", "message", "fix", "path", "location"}
    assert finding["path"] == "vpcs.prod.security_groups.sg-db.ingress[0]"
    assert finding["location"]["file"] == "scenarios/three-tier/netpath.yaml"


@pytest.mark.parametrize("strict", [False, True])
def test_junit_structure(report: Report, source_map: SourceMap, strict: bool) -> None:
    root = ET.fromstring(render_junit(report, source_map, strict=strict))
    assert root.tag == "testsuites" and root.get("name") == "netpath check"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["netpath expectations", "netpath lint"]
    expectations, lint = suites
    assert [c.get("name") for c in expectations.findall("testcase")] == [
        "the API is reachable", "ssh to the db",
        "namespace default -> pods app=backend:8080"]
    failed = [c for c in expectations.findall("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == [
        "ssh to the db", "namespace default -> pods app=backend:8080"]
    failure = failed[1].find("failure")
    assert failure is not None and failure.get("type") == "expectation"
    assert (failure.get("message") or "").startswith("3 of 21 pairs broken")
    assert "default/pod-a -> default/backend-2:8080: reachable, expected blocked" in (
        failure.text or "")
    cases = lint.findall("testcase")
    assert [c.get("classname") for c in cases] == [
        "netpath.lint.SG001", "netpath.lint.NP001", "netpath.lint.NS001"]
    failing = ["SG001", "NP001"] if strict else ["SG001"]
    assert [c.get("classname", "").rsplit(".", 1)[1] for c in cases
            if c.find("failure") is not None] == failing
    info = cases[2].find("system-out")
    assert info is not None and "NS001 found something" in (info.text or "")
    counts = [(s.get("tests"), s.get("failures")) for s in suites]
    assert counts == [("3", "2"), ("3", str(len(failing)))]
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == (
        "6", str(2 + len(failing)), "0")
    for case in root.iter("testcase"):  # the common JUnit schema's attributes only
        assert set(case.attrib) <= {"name", "classname", "time", "assertions", "status"}


def test_junit_cleans_characters_xml_cannot_carry(check: CheckFn, no_lint: None) -> None:
    report = check([{"name": "bell \x07 in a name", "from": "node-1", "to": "orders-db",
                     "reachable": True}])
    root = ET.fromstring(render_junit(report, SourceMap()))
    assert root.find("testsuite/testcase").get("name") == "bell \\x07 in a name"  # type: ignore[union-attr]


def test_sarif_is_valid_sarif_2_1_0(report: Report, source_map: SourceMap) -> None:
    doc = json.loads(render_sarif(report, source_map, cwd=Path.cwd()))
    Draft4Validator(SARIF_SCHEMA).validate(doc)
    assert doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["NP001", "SG001", "NS001", "EXPECTATION"]
    assert rules[0] == {
        "id": "NP001", "name": "network-policy.separate-selectors",
        "shortDescription": {"text": "a summary"}, "fullDescription": {"text": "a description"},
        "helpUri": "https://example.com/rule", "defaultConfiguration": {"level": "warning"}}
    assert rules[2]["defaultConfiguration"] == {"level": "note"}
    results = run["results"]
    assert [(r["ruleId"], r["ruleIndex"], r["level"]) for r in results] == [
        ("SG001", 1, "error"), ("NP001", 0, "warning"), ("NS001", 2, "note"),
        ("EXPECTATION", 3, "error"), ("EXPECTATION", 3, "error")]
    location = results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "scenarios/three-tier/netpath.yaml"}
    assert set(location["region"]) == {"startLine", "startColumn"}
    expectation = results[3]
    assert expectation["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "netpath-expect.yaml"},
        "region": {"startLine": 8, "startColumn": 3}}
    assert expectation["message"]["text"].startswith(
        "Expectation 'ssh to the db' (node-1 -> orders-db:22, expected reachable) does not hold")


def test_sarif_uris_are_relative_to_the_working_directory(tmp_path: Path) -> None:
    assert artifact_uri(str(tmp_path / "a b" / "x.yaml"), tmp_path) == "a%20b/x.yaml"
    assert artifact_uri("./specs/../x.yaml", tmp_path) == "x.yaml"
    assert artifact_uri("/elsewhere/x.yaml", tmp_path) == "file:///elsewhere/x.yaml"


def test_github_annotations(report: Report, source_map: SourceMap) -> None:
    lines = render_github(report, source_map).splitlines()
    assert lines[0].startswith("::error file=netpath-expect.yaml,line=8,col=3,"
                               "title=netpath%3A ssh to the db::node-1 -> orders-db:22, "
                               "expected reachable: blocked: SG_INGRESS_DENIED")
    assert "%0Aadmins need it%0A" in lines[0]  # one annotation, several lines
    assert lines[1].startswith("::error file=netpath-expect.yaml,line=14,col=3,")
    assert lines[2].startswith("::error file=scenarios/three-tier/netpath.yaml,line=")
    assert ",title=netpath SG001 (security-group.open-admin-port)::SG001 found something" \
        "%0Afix: fix SG001" in lines[2]
    assert lines[3].startswith("::warning ") and lines[4].startswith("::notice ")
    assert lines[5] == "netpath check: 2 of 3 expectations failed; lint: 1 error, 1 warning, " \
        "1 info"
    assert len(lines) == 6  # the passing expectation is not annotated
