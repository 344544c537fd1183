"""`netpath check` at the CLI edge: expectations found, formats, exit codes, located errors,
and `netpath schema --expectations`. Real loader and engine, on small specs and the embedded
default scenario; the lint registry is replaced where a test needs given findings."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from netpath.checks import runner
from tests.checks.conftest import FAKE_RULES, FakeLint, fake_finding
from tests.checks.specs import BAD, GOOD, SECTION, SMALL
from tests.cli.helpers import run_cli


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A directory with ./netpath.yaml (SMALL) and ./netpath-expect.yaml (GOOD)."""
    (tmp_path / "netpath.yaml").write_text(SMALL, encoding="utf-8")
    (tmp_path / "netpath-expect.yaml").write_text(GOOD, encoding="utf-8")
    return tmp_path


@pytest.fixture(autouse=True)
def lint(monkeypatch: pytest.MonkeyPatch) -> FakeLint:
    """A stand-in lint registry, so that exit codes here depend on the expectations alone
    (the real rules have tests of their own; one test below runs them)."""
    fake = FakeLint(RULES=list(FAKE_RULES))
    monkeypatch.setattr(runner, "_lint_module", lambda: fake)
    return fake


def test_expectations_beside_the_spec_hold(project: Path) -> None:
    result = run_cli("check", cwd=project)
    assert result.exit_code == 0, result.output
    assert "\u2714  app tier talks to itself" in result.stdout
    assert result.stdout.rstrip().endswith("\u2714 all 2 expectations hold; lint: no findings")


def test_a_failing_expectation_exits_1_with_its_excerpt(project: Path) -> None:
    (project / "bad.yaml").write_text(BAD, encoding="utf-8")
    result = run_cli("check", "bad.yaml", cwd=project)  # given files replace the default one
    assert result.exit_code == 1
    assert "\u2718 ssh inside the app tier  at bad.yaml:3:5" in result.stdout
    assert "blocked (SG_INGRESS_DENIED)" in result.stdout
    assert "fix: add an inbound rule to sg-app allowing tcp/22" in result.stdout
    assert "1 of 1 expectation failed; lint: " in result.stdout.splitlines()[-1]


def test_the_spec_section_and_files_run_together(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").write_text(SMALL + SECTION, encoding="utf-8")
    (tmp_path / "more.yaml").write_text(GOOD, encoding="utf-8")
    result = run_cli("check", "--spec", "spec.yaml", "more.yaml", "--format", "json",
                     cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert [e["location"]["file"] for e in result.json["expectations"]] == [
        "spec.yaml", "spec.yaml", "more.yaml", "more.yaml"]


def test_a_spec_directory_finds_the_file_beside_it(tmp_path: Path) -> None:
    (tmp_path / "prod").mkdir()
    (tmp_path / "prod" / "network.yaml").write_text(SMALL, encoding="utf-8")
    (tmp_path / "netpath-expect.yaml").write_text(GOOD, encoding="utf-8")
    result = run_cli("check", "--spec", "prod", "-f", "json", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.json["summary"]["expectations"] == 2


def test_no_expectations_at_all(tmp_path: Path) -> None:
    (tmp_path / "netpath.yaml").write_text(SMALL, encoding="utf-8")
    result = run_cli("check", "-f", "json", cwd=tmp_path)
    assert result.exit_code == 0
    assert result.json["expectations"] == [] and result.json["passed"] is True


def test_bad_expectations_exit_2_located_all_at_once(project: Path, lint: FakeLint) -> None:
    (project / "netpath-expect.yaml").write_text("""\
netpath-expect: 1
ignore: [NP01]
expectations:
  - {from: app-3, to: app-2, reachable: true}
  - {from: app-1, to: app-2, reachable: maybe}
  - {from: app-1, to: {subnet: app-b}, reachable: true}
""", encoding="utf-8")
    result = run_cli("check", cwd=project)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "netpath-expect.yaml:2:10: ignore[0]: unknown lint rule id 'NP01' (did you mean "
        "'NP001'?)",
        "netpath-expect.yaml:4:6: expectations[0].from: unknown source 'app-3' (did you mean "
        "'app-2'?)",
        "netpath-expect.yaml:5:30: expectations[1].reachable: expected true or false, got "
        "'maybe'",
        "netpath-expect.yaml:6:19: expectations[2].to: no subnet 'app-b' (did you mean "
        "'app-a'?)",
        "4 errors in the expectations",
    ]


def test_bad_spec_section_is_located_in_the_spec(tmp_path: Path) -> None:
    (tmp_path / "netpath.yaml").write_text(
        SMALL + "expect:\n  expectations:\n    - {from: app-1, reachable: true}\n",
        encoding="utf-8")
    result = run_cli("check", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "netpath.yaml:26:7: expect.expectations[0]: missing required key 'to'",
        "1 error in the expectations"]


def test_unknown_ignore_id_exits_2_with_did_you_mean(project: Path, lint: FakeLint) -> None:
    result = run_cli("check", "--ignore", "SG01", cwd=project)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "--ignore SG01: unknown lint rule id (did you mean 'SG001'?)")


@pytest.mark.parametrize(("severities", "strict", "code"), [
    (("info",), False, 0), (("info",), True, 0),
    (("warning",), False, 0), (("warning",), True, 1),
    (("error",), False, 1),
])
def test_exit_codes_follow_severity_and_strict(project: Path, lint: FakeLint,
                                               severities: tuple[str, ...], strict: bool,
                                               code: int) -> None:
    rule = {"info": "NS001", "warning": "NP001", "error": "SG001"}
    lint.findings = [fake_finding(rule[s], s, ("vpcs", "prod")) for s in severities]
    result = run_cli("check", *(["--strict"] if strict else []), cwd=project)
    assert result.exit_code == code, result.output


def test_ignore_takes_ids_names_and_commas(project: Path, lint: FakeLint) -> None:
    lint.findings = [fake_finding("SG001", "error", ("vpcs", "prod"))]
    assert run_cli("check", cwd=project).exit_code == 1
    result = run_cli("check", "--ignore", "SG001,NS001", "--ignore", "network-policy."
                     "separate-selectors", "-f", "json", cwd=project)
    assert result.exit_code == 0, result.output
    assert result.json["ignored_rules"] == ["SG001", "NS001", "NP001"]


def test_formats(project: Path, lint: FakeLint) -> None:
    (project / "bad.yaml").write_text(BAD, encoding="utf-8")
    lint.findings = [fake_finding("NP001", "warning", ("vpcs", "prod", "subnets", "app-a"))]
    junit = run_cli("check", "netpath-expect.yaml", "bad.yaml", "-f", "junit", cwd=project)
    assert junit.exit_code == 1
    root = ET.fromstring(junit.stdout)
    assert (root.get("tests"), root.get("failures")) == ("4", "1")
    sarif = run_cli("check", "bad.yaml", "-f", "sarif", cwd=project)
    assert sarif.exit_code == 1
    results = sarif.json["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]) for r in results] == [
        ("NP001", "netpath.yaml", {"startLine": 9, "startColumn": 7}),
        ("EXPECTATION", "bad.yaml", {"startLine": 3, "startColumn": 5})]
    github = run_cli("check", "bad.yaml", "-f", "github", cwd=project)
    assert github.stdout.splitlines()[0].startswith(
        "::error file=bad.yaml,line=3,col=5,title=netpath%3A ssh inside the app tier::")
    assert github.stdout.splitlines()[1].startswith(
        "::warning file=netpath.yaml,line=9,col=7,title=netpath NP001")


def test_sarif_uri_of_an_absolute_spec_path_is_relative(project: Path) -> None:
    result = run_cli("check", "--spec", str(project / "netpath.yaml"),
                     str(project / "netpath-expect.yaml"), "-f", "sarif", cwd=project)
    assert result.exit_code == 0
    assert result.json["runs"][0]["results"] == []
    result = run_cli("check", "--spec", str(project / "netpath.yaml"), str(project / "x.yaml"),
                     cwd=project)
    assert result.exit_code == 2 and "no such file or directory" in result.stderr


def test_the_default_scenario_with_the_real_rules(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real registry
    (tmp_path / "e.yaml").write_text("""\
netpath-expect: 1
expectations:
  - {from: internet, to: orders-db, port: 5432, code: NO_PUBLIC_IP}
  - {from: {namespace: default}, to: {selector: {app: backend}}, port: 8080, reachable: true}
""", encoding="utf-8")
    result = run_cli("check", "e.yaml", "-f", "json", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith("note: no spec given")
    assert [e["passed"] for e in result.json["expectations"]] == [True, False]
    broken = [(p["from"], p["to"]) for p in result.json["expectations"][1]["pairs"]
              if not p["passed"]]
    assert ("default/pod-b", "default/backend-0") in broken
    rules = [r["id"] for r in run_cli("check", "e.yaml", "-f", "sarif", cwd=tmp_path).json[
        "runs"][0]["tool"]["driver"]["rules"]]
    assert rules[-1] == "EXPECTATION" and rules[:-1] == [r.id for r in runner.registered_rules()]


def test_schema_expectations(tmp_path: Path) -> None:
    result = run_cli("schema", "--expectations", cwd=tmp_path)
    assert result.exit_code == 0
    assert result.json["title"] == "netpath expectations"
    assert result.json["required"] == ["netpath-expect"]
    assert run_cli("schema", cwd=tmp_path).json["title"] == "netpath spec"


def test_help_lists_the_command() -> None:
    result = run_cli("--help")
    assert "check" in result.stdout
    usage = run_cli("check", "--help")
    assert "--strict" in usage.stdout and "junit" in usage.stdout


def test_an_unknown_format_is_a_usage_error(project: Path) -> None:
    result = run_cli("check", "-f", "xml", cwd=project)
    assert result.exit_code == 2 and "'xml' is not one of" in result.stderr


def test_no_lint_finding_is_about_the_cluster_dns_netpath_added(lint: object,
                                                                  monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    """The broken IP-exhaustion scenario's files hold no CoreDNS: netpath adds the standard one,
    which finds no address in the full subnets. Its Service then selects no pod, but that is no
    file of the user's, so no rule reports it (the scenario's own findings stay)."""
    from netpath.checks import lint as real_lint
    from netpath.checks import runner

    monkeypatch.setattr(runner, "_lint_module", lambda: real_lint)
    result = run_cli("check", "--spec", "trouble-ip-exhaustion-broken", "--format", "json")
    findings = result.json["findings"]
    assert findings and all("kube-system/kube-dns" not in f["message"] for f in findings)
    assert all(f["path"] is None or ".kube-dns" not in str(f["path"]) for f in findings)
