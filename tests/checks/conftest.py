"""Shared fixtures: the embedded default scenario loaded and prepared once, a way to check a
small expectations document against it, and a stand-in lint registry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from netpath.checks import runner
from netpath.checks.expectations import load_expectations
from netpath.checks.report import Finding, Report
from netpath.engine import Network, prepare
from netpath.load.source import make_locator
from netpath.sources.loader import LoadedSpec, load_spec


@pytest.fixture(scope="session")
def default_spec() -> LoadedSpec:
    return load_spec(None)


@pytest.fixture(scope="session")
def network(default_spec: LoadedSpec) -> Network:
    return prepare(default_spec.model)


CheckFn = Callable[..., Report]


@pytest.fixture
def check(default_spec: LoadedSpec, network: Network, tmp_path: Path) -> CheckFn:
    """`check(expectations, ignore=...)`: the expectations (a list of mappings) written to
    a file and run over the default scenario; raises SpecErrors like the command."""

    def run(items: list[dict[str, Any]], *, ignore: tuple[str, ...] = (),
            top: dict[str, Any] | None = None) -> Report:
        path = tmp_path / "netpath-expect.yaml"
        document = {"netpath-expect": 1, **(top or {}), "expectations": items}
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        found, source_map, errors = load_expectations([(path, "netpath-expect.yaml")], None,
                                                      default_spec.source_map)
        return runner.run_check(default_spec.model, source_map, found, ignore,
                                locate=make_locator(source_map), network=network,
                                errors=errors)

    return run


@dataclass(frozen=True)
class FakeRule:
    id: str
    name: str
    severity: str
    summary: str = "a summary"
    description: str = "a description"
    source: str = "https://example.com/rule"


@dataclass
class FakeLint:
    """What `netpath.checks.lint` offers the runner: RULES, find_rule, rule_ids, run_rules."""

    RULES: list[FakeRule] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    ignored: list[tuple[str, ...]] = field(default_factory=list)

    def find_rule(self, text: str) -> FakeRule | None:
        return next((r for r in self.RULES if text in (r.id, r.name)), None)

    def rule_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.RULES)

    def run_rules(self, model: object, network: object,
                  ignore: tuple[str, ...] = ()) -> tuple[Finding, ...]:
        self.ignored.append(tuple(ignore))
        return tuple(f for f in self.findings if f.rule not in ignore)


FAKE_RULES = [
    FakeRule("NP001", "network-policy.separate-selectors", "warning"),
    FakeRule("SG001", "security-group.open-admin-port", "error"),
    FakeRule("NS001", "namespace.no-default-deny", "info"),
]


def fake_finding(rule: str, severity: str, path: tuple[str | int, ...]) -> Finding:
    name = next(r.name for r in FAKE_RULES if r.id == rule)
    return Finding(rule, name, severity, f"{rule} found something", f"fix {rule}", path)


@pytest.fixture
def fake_lint(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLint]:
    lint = FakeLint(RULES=list(FAKE_RULES))
    monkeypatch.setattr(runner, "_lint_module", lambda: lint)
    yield lint


@pytest.fixture
def no_lint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "_lint_module", lambda: FakeLint())
