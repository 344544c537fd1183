"""Every lint rule documents itself: the README's rule table is generated from the registry,
and each rule's docstring carries a long description, an anti-pattern and a best practice."""

from __future__ import annotations

from pathlib import Path

import pytest

from netpath.checks.lint import RULES, Rule

ROOT = Path(__file__).resolve().parent.parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("current", list(RULES), ids=lambda r: r.id)
def test_rule_is_documented(current: Rule) -> None:
    assert current.anti_pattern.strip(), f"{current.id}: no 'Anti-pattern:' example"
    assert current.best_practice.strip(), f"{current.id}: no 'Best practice:' example"
    assert current.anti_pattern != current.best_practice
    assert len(current.description) > 80, f"{current.id}: the long description is missing"
    assert current.summary.endswith(".") and current.fix.endswith(".")
    assert current.source.startswith("https://")
    row = f"| `{current.id}` | `{current.name}` | {current.severity} | {current.summary}"
    assert row in README, f"{current.id} is not in README.md (run python tools/readme.py)"


def test_docstring_sections_are_split_out_of_the_description() -> None:
    for current in RULES:
        assert "Anti-pattern" not in current.description
        assert "Best practice" not in current.anti_pattern
