"""Lint rules, data-driven: `rules/<ID>.yaml` holds cases for rule ID, each a patch to
`rules/base.yaml` and the exact findings of that rule (path, message and fix fragments).

Every case is written to a file and loaded as `netpath check` loads it (schema, model, semantic
pass, source map), so each expected path is also checked to resolve to a written key or list
entry (file:line:column), not to an ancestor.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from netpath.checks.lint import (
    RULES,
    Hit,
    Registry,
    UnknownRuleError,
    find_rule,
    rule,
    rule_ids,
    run_rules,
)
from netpath.engine import prepare
from netpath.model.paths import format_path
from netpath.model.vocabulary import Severity
from netpath.sources.loader import LoadedSpec, load_spec
from tests.engine.casekit import deep_merge

CASES = Path(__file__).parent / "rules"
BASE = yaml.safe_load((CASES / "base.yaml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Case:
    rule: str
    description: str
    spec: dict[str, Any]
    expect: list[dict[str, str]]

    @property
    def id(self) -> str:
        return f"{self.rule}: {self.description}"


def load_cases() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(CASES.glob("*.yaml")):
        if path.name == "base.yaml":
            continue
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert doc["rule"] == path.stem, f"{path.name} is about {doc['rule']}"
        for raw in doc["cases"]:
            spec = deep_merge(BASE, raw.get("patch") or {})
            cases.append(Case(doc["rule"], raw["description"], spec, raw["expect"] or []))
    return cases


ALL_CASES = load_cases()


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def load(tmp_path: Path, spec: dict[str, Any]) -> LoadedSpec:
    file = tmp_path / "netpath.yaml"
    file.write_text(yaml.dump(spec, Dumper=_NoAliases, sort_keys=False), encoding="utf-8")
    return load_spec(file)


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.id)
def test_rule_case(case: Case, tmp_path: Path) -> None:
    loaded = load(tmp_path, case.spec)
    findings = run_rules(loaded.model, prepare(loaded.model))
    got = [f for f in findings if f.rule == case.rule]
    shown = "\n".join(f"{format_path(f.path)}: {f.message} | fix: {f.fix}" for f in got)
    assert [format_path(f.path) for f in got] == [e["path"] for e in case.expect], shown
    current = RULES[case.rule]
    for finding, expected in zip(got, case.expect, strict=True):
        assert (finding.name, finding.severity) == (current.name, current.severity)
        assert expected["message"] in finding.message, shown
        assert expected.get("fix", "") in finding.fix, shown
        assert "\n" not in finding.message and "\n" not in finding.fix
        where = loaded.source_map.key(finding.path) or loaded.source_map.value(finding.path)
        assert where is not None, f"{format_path(finding.path)} is not written in the spec"


def test_the_base_is_clean(tmp_path: Path) -> None:
    loaded = load(tmp_path, BASE)
    assert run_rules(loaded.model, prepare(loaded.model)) == ()


def test_every_rule_has_a_case_that_fires_and_one_that_does_not() -> None:
    for current in RULES:
        cases = [c for c in ALL_CASES if c.rule == current.id]
        assert any(c.expect for c in cases), f"{current.id}: no case triggers it"
        assert any(not c.expect for c in cases), f"{current.id}: no clean case"


# --- the registry and run_rules ---------------------------------------------------------------


def _noop(ctx: Any) -> list[Hit]:
    """Nothing.

    Anti-pattern:

        a

    Best practice:

        b
    """
    return []


def test_registry_refuses_a_duplicate_id_or_name() -> None:
    registry = Registry()
    rule("TST001", "test.one", "info", summary="s", fix="f", source="https://x",
         registry=registry)(_noop)
    with pytest.raises(ValueError, match="TST001.*twice"):
        rule("TST001", "test.two", "info", summary="s", fix="f", source="https://x",
             registry=registry)(_noop)
    with pytest.raises(ValueError, match="test.one"):
        rule("TST002", "test.one", "info", summary="s", fix="f", source="https://x",
             registry=registry)(_noop)
    assert [r.id for r in registry] == ["TST001"]
    assert registry["TST001"].anti_pattern == "a" and registry["TST001"].best_practice == "b"
    assert registry["TST001"].description == "Nothing."


@pytest.mark.parametrize("bad", [("tst1", "test.x", "info"), ("TST003", "nodots", "info"),
                                 ("TST004", "test.x", "fatal")])
def test_rule_refuses_malformed_identity(bad: tuple[str, str, str]) -> None:
    with pytest.raises(ValueError):
        rule(*bad, summary="s", fix="f", source="https://x", registry=Registry())


def test_rule_severity_is_a_severity() -> None:
    """A rule's severity is a `Severity` (a plain string of one is taken as it); anything else
    is refused at registration, naming the severities."""
    registry = Registry()
    rule("TST005", "test.typed", Severity.WARNING, summary="s", fix="f", source="https://x",
         registry=registry)(_noop)
    rule("TST006", "test.plain", "info", summary="s", fix="f",  # type: ignore[arg-type]
         source="https://x", registry=registry)(_noop)
    assert registry["TST005"].severity is Severity.WARNING
    assert registry["TST006"].severity is Severity.INFO
    with pytest.raises(ValueError) as refused:
        rule("TST007", "test.bad", "fatal", summary="s", fix="f",  # type: ignore[arg-type]
             source="https://x", registry=registry)
    assert str(refused.value) == ("lint rule TST007: severity 'fatal' is not one of error, "
                                  "warning, info")
    assert all(isinstance(r.severity, Severity) for r in RULES)


def test_real_registry_ids_are_unique_and_ordered() -> None:
    ids = rule_ids()
    assert len(ids) == len(set(ids)) == len(RULES) >= 20
    assert find_rule("network-policy.separate-selectors") is RULES["NP001"]
    assert find_rule("NP001") is RULES["NP001"] and find_rule("nope") is None


def test_ignore_by_id_or_name_and_unknown_ids(tmp_path: Path) -> None:
    patch = yaml.safe_load((CASES / "SG002.yaml").read_text())["cases"][0]["patch"]
    loaded = load(tmp_path, deep_merge(BASE, patch))
    network = prepare(loaded.model)
    everything = run_rules(loaded.model, network)
    assert {f.rule for f in everything} >= {"SG001", "SG002"}
    kept = run_rules(loaded.model, network, ignore=["SG002", "security-group.open-admin-port"])
    assert {f.rule for f in kept} == {f.rule for f in everything} - {"SG001", "SG002"}
    with pytest.raises(UnknownRuleError, match="'SG02'.*did you mean 'SG002'"):
        run_rules(loaded.model, network, ignore=["SG02"])


def test_findings_come_in_registry_order_and_are_deterministic(tmp_path: Path) -> None:
    patch: dict[str, Any] = {}
    for name in ("SG002", "RT001", "NP004"):
        raw = yaml.safe_load((CASES / f"{name}.yaml").read_text())["cases"][0]["patch"]
        patch = deep_merge(patch, raw)
    loaded = load(tmp_path, deep_merge(BASE, patch))
    first = run_rules(loaded.model, prepare(loaded.model))
    again = run_rules(loaded.model, prepare(loaded.model))
    assert first == again
    order = {rule_id: i for i, rule_id in enumerate(rule_ids())}
    positions = [order[f.rule] for f in first]
    assert positions == sorted(positions) and len(set(positions)) >= 3
