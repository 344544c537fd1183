"""`netpath scenarios`: the library's list, for people (text) and scripts (json)."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from netpath.sources.loader import DEFAULT_SCENARIO, scenario_names
from tests.cli.helpers import run_cli


def descriptions() -> dict[str, str]:
    root = resources.files("netpath") / "scenarios"
    out = {}
    for name in scenario_names():
        data = yaml.safe_load((root / name / "netpath.yaml").read_text(encoding="utf-8"))
        out[name] = " ".join(str(data.get("description", "")).split())
    return out


def test_json_lists_every_scenario_with_its_description() -> None:
    result = run_cli("scenarios", "--format", "json")
    assert (result.exit_code, result.stderr) == (0, "")
    listed = result.json["scenarios"]
    assert [s["name"] for s in listed] == scenario_names()
    assert {s["name"]: s["description"] for s in listed} == descriptions()
    assert [s["name"] for s in listed if s["default"]] == [DEFAULT_SCENARIO]


def test_text_lists_every_scenario_once() -> None:
    result = run_cli("scenarios")
    assert (result.exit_code, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[0] == f"{len(scenario_names())} scenarios (open one with --spec NAME):"
    starts = [line.split()[0] for line in lines[2:] if line.startswith("  ") and
              not line.startswith("   ")]
    assert starts == scenario_names()
    assert f"  {DEFAULT_SCENARIO} (default)" in result.stdout
    # Every summary is there in full, wrapped under its column.
    flat = " ".join(result.stdout.split())
    for description in descriptions().values():
        assert description in flat


@pytest.mark.parametrize("columns", ["50", "80", "120"])
def test_text_wraps_the_summaries_to_the_terminal(columns: str) -> None:
    result = run_cli("scenarios", env={"COLUMNS": columns})
    assert result.exit_code == 0
    names = set(scenario_names())
    for line in result.stdout.splitlines():
        if line.strip() not in names:  # a long name alone on its line may be wider
            assert len(line) <= int(columns), line


def test_help_has_examples() -> None:
    result = run_cli("scenarios", "--help")
    assert result.exit_code == 0
    assert "Usage: netpath scenarios" in result.stdout
    assert "netpath scenarios --format json" in result.stdout
    assert "scenarios" in run_cli("--help").stdout


def test_a_listed_name_opens_as_a_spec(tmp_path) -> None:  # type: ignore[no-untyped-def]
    name = run_cli("scenarios", "--format", "json").json["scenarios"][0]["name"]
    result = run_cli("show", "--spec", name, cwd=tmp_path)
    assert result.exit_code == 0, result.output
