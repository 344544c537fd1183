"""The scenario library (netpath/scenarios/): every scenario loads, documents itself, and keeps
its promises.

Each directory holding a `netpath.yaml` is a scenario: it must load (through the loader with the
schema check, and by its name as `--spec NAME`), carry a README.md and a netpath-expect.yaml, and
every expectation in that file must hold. `netpath check` judges them when netpath has it
(netpath.checks.runner); until then the small local evaluator in `expectations.py` does, and
group forms are skipped. The `trouble-*-broken` specs are meant to fail their expectations:
test_pairs.py checks that they fail for the documented reason.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import Any

import pytest
import yaml

from netpath.engine import Network, prepare
from netpath.sources.loader import DEFAULT_SCENARIO, load_spec, scenario_names
from tests.cli.helpers import run_cli
from tests.scenarios import expectations as local

SCENARIOS = Path(__file__).resolve().parents[2] / "netpath" / "scenarios"
SPEC_FILE = "netpath.yaml"
README = "README.md"

ALL = scenario_names()
# Broken on purpose: their expectations state the intent the broken spec misses.
BROKEN = [name for name in ALL if name.endswith("-broken")]
KEPT = [name for name in ALL if name not in BROKEN]
# The embedded default keeps its folder as it was: a netpath-expect.yaml beside its netpath.yaml
# would be merged into the spec by `--spec scenarios/three-tier/` (a folder spec reads every
# *.yaml in it), which would change how that command behaves.
WITHOUT_EXPECTATIONS = {DEFAULT_SCENARIO}

# The guide's situations this library must hold (issue 4, "The scenario library").
FLOWS = ["flow-internet-to-pod-alb", "flow-pod-to-pod-same-node", "flow-pod-to-pod-cross-node",
         "flow-pod-to-rds", "flow-pod-to-internet", "flow-internet-to-pod-nlb",
         "flow-pod-to-service"]
INTERVIEWS = ["interview-3-tier-eks", "interview-pod-no-internet",
              "interview-namespace-isolation", "interview-grpc-nlb-alb"]


def check_available() -> bool:
    return importlib.util.find_spec("netpath.checks.runner") is not None


def expectation_cases() -> list[Any]:
    cases = []
    for name in KEPT:
        path = SCENARIOS / name / local.FILE_NAME
        if not path.is_file():
            continue  # test_has_readme_and_expectations reports it
        items = yaml.safe_load(path.read_text(encoding="utf-8")).get("expectations") or []
        for index, item in enumerate(items):
            cases.append(pytest.param(name, index, id=f"{name}::{local.name_of(item)}"))
    return cases


# --- the library as a whole --------------------------------------------------------------------


def test_the_guide_situations_are_all_there() -> None:
    missing = [name for name in (*FLOWS, *INTERVIEWS) if name not in ALL]
    assert not missing, missing
    assert DEFAULT_SCENARIO in ALL


@pytest.mark.parametrize("name", ALL)
def test_scenario_loads_by_path_and_by_name(name: str) -> None:
    # The file, not the folder: a folder spec would also merge netpath-expect.yaml. By path the
    # schema is checked too (shipped scenarios skip it at run time).
    by_path = load_spec(SCENARIOS / name / SPEC_FILE)
    by_name = load_spec(Path(name))
    assert by_name.scenario == name
    assert by_name.model == by_path.model


@pytest.mark.parametrize("name", ALL)
def test_scenario_has_a_one_line_description(name: str) -> None:
    """`netpath scenarios` and `netpath show` print it."""
    data = yaml.safe_load((SCENARIOS / name / SPEC_FILE).read_text(encoding="utf-8"))
    description = data.get("description")
    assert isinstance(description, str) and description.strip(), name
    assert "\n" not in description.strip() and len(description) <= 120, description


@pytest.mark.parametrize("name", ALL)
def test_has_readme_and_expectations(name: str) -> None:
    folder = SCENARIOS / name
    readme = folder / README
    assert readme.is_file(), f"{name}: no {README}"
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# ") and len(text.split()) > 50, f"{name}: {README} is too thin"
    if name in WITHOUT_EXPECTATIONS:
        return
    assert (folder / local.FILE_NAME).is_file(), f"{name}: no {local.FILE_NAME}"
    assert local.read(folder / local.FILE_NAME)


@pytest.mark.parametrize("name", [n for n in KEPT if n in (*FLOWS, *INTERVIEWS)])
def test_readme_follows_the_library_layout(name: str) -> None:
    """The question, the setup, what the trace shows (real output), what to remember."""
    text = (SCENARIOS / name / README).read_text(encoding="utf-8")
    for heading in ("## The question", "## The setup", "## What `netpath trace` shows",
                    "## What to remember"):
        assert heading in text, f"{name}: {README} has no '{heading}'"
    assert f"--spec {name}" in text, f"{name}: {README} shows no command with --spec {name}"
    assert "semantics.md" in text, f"{name}: {README} says nothing of where the guide simplifies"


# --- every expectation holds -------------------------------------------------------------------


@functools.cache
def network(name: str) -> Network:
    return prepare(load_spec(SCENARIOS / name / SPEC_FILE).model)


@functools.cache
def checked(name: str, tmp: Path) -> dict[str, Any]:
    """`netpath check --spec NAME --format json`, run once per scenario."""
    result = run_cli("check", "--spec", name, "--format", "json", cwd=tmp)
    assert result.exit_code in (0, 1), result.output
    assert result.json is not None, result.output
    return dict(result.json)


@pytest.mark.parametrize(("name", "index"), expectation_cases())
def test_expectation_holds(name: str, index: int, tmp_path_factory: pytest.TempPathFactory
                           ) -> None:
    items = local.read(SCENARIOS / name / local.FILE_NAME)
    item = items[index]
    if check_available():
        doc = checked(name, tmp_path_factory.getbasetemp())
        result = doc["expectations"][index]
        if "name" in item:  # (an unnamed one is named by netpath check in its own words)
            assert result["name"] == item["name"]
        failures = [(p["from"], p["to"], p["problem"], p["excerpt"])
                    for p in result["pairs"] if not p["passed"]]
        assert result["passed"], failures
        return
    outcome = local.evaluate(network(name), item)
    if outcome.is_group:
        pytest.skip("group forms need netpath check (netpath.checks.runner)")
    assert not outcome.problems, outcome.problems


@pytest.mark.parametrize("name", [*FLOWS, *INTERVIEWS])
def test_netpath_check_passes(name: str, tmp_path: Path) -> None:
    """Exit code 0: every expectation holds and no lint finding is an error. (Only for the
    scenarios of working designs: a scenario about a failure may show error findings.)"""
    if not check_available():
        pytest.skip("netpath check is not there yet")
    result = run_cli("check", "--spec", name, cwd=tmp_path)
    assert result.exit_code == 0, result.output


# --- the local evaluator is not vacuous ----------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"reachable": False}, "expected blocked, got reachable"),
        ({"via": ["nat-b"]}, "does not cross 'nat-b'"),
        ({"not_via": ["nat-a"]}, "crosses 'nat-a'"),
        ({"source_ip_seen": "10.0.10.100"}, "sees 198.51.100.10, not 10.0.10.100"),
    ],
)
def test_local_evaluator_catches_a_wrong_expectation(change: dict[str, Any], problem: str
                                                     ) -> None:
    item = {"from": "default/pod-a", "to": "api.example.com", "port": 443, "reachable": True,
            **change}
    outcome = local.evaluate(network("flow-pod-to-internet"), item)
    assert any(problem in p for p in outcome.problems), outcome.problems


def test_local_evaluator_checks_the_code() -> None:
    item = {"from": "internet", "to": "orders-db", "port": 5432, "code": "SG_INGRESS_DENIED"}
    outcome = local.evaluate(network("flow-pod-to-rds"), item)
    assert outcome.problems == ("expected code SG_INGRESS_DENIED, got NO_PUBLIC_IP at internet "
                                "internet",)


# --- every scenario can be shown ---------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_netpath_show_works(name: str, tmp_path: Path) -> None:
    result = run_cli("show", "--spec", name, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    description = yaml.safe_load((SCENARIOS / name / SPEC_FILE).read_text())["description"]
    # The first thing shown, wrapped to the terminal's width (80 here).
    assert " ".join(result.stdout.split()).startswith(" ".join(description.split()))
    assert "VPC " in result.stdout or "cluster " in result.stdout
