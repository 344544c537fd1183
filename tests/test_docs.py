"""The README is the user's manual: its generated parts must match the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from netpath.engine.codes import CODES
from netpath.model.vocabulary import Action, Code, Component

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_generated_sections_are_fresh() -> None:
    result = subprocess.run([sys.executable, "tools/readme.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_explanation_code_is_documented() -> None:
    for code in CODES:
        assert f"| `{code}` |" in README, code


def test_readme_shows_the_two_commands() -> None:
    assert "make demo" in README and "make test" in README


def _readme_section(name: str) -> str:
    start, end = f"<!-- {name}:start -->\n", f"<!-- {name}:end -->"
    return README[README.index(start) + len(start):README.index(end)]


def test_every_code_has_exactly_one_explanation() -> None:
    """The registry describes each `Code` once, under its own code (the import checks it too)."""
    assert len(CODES) == len(Code)
    assert set(CODES) == set(Code)
    for code, explanation in CODES.items():
        assert explanation.code is code


def test_readme_code_rows_are_exactly_the_codes() -> None:
    """One README row per `Code`, and every README row is a `Code`."""
    rows = re.findall(r"^\| `([^`]+)` \|", _readme_section("codes"), re.M)
    assert sorted(rows) == sorted(code.value for code in Code)
    assert rows == [code.value for code in CODES]  # the table lists them in registry order


def test_every_aws_code_is_an_upper_case_word() -> None:
    for explanation in CODES.values():
        aws = explanation.aws_code
        assert aws is None or re.fullmatch(r"[A-Z][A-Z0-9_]*", aws), (explanation.code, aws)


def test_the_registry_refuses_a_missing_or_doubled_code() -> None:
    from netpath.engine.codes import _registry

    everything = tuple(CODES.values())
    with pytest.raises(ValueError, match="'NO_ROUTE' registered twice"):
        _registry(*everything, everything[0])
    with pytest.raises(ValueError, match=r"NETPOL_EGRESS_DENIED not registered"):
        _registry(*(e for e in everything if e.code != Code.NETPOL_EGRESS_DENIED))


def test_readme_lists_every_component_and_action() -> None:
    """The hand-written lists of the trace's component kinds and actions match the enums."""
    head = "`component` is one of"
    sentence = README[README.index(head) + len(head):]
    sentence = sentence[:sentence.index(". `connection`")]
    assert sorted(re.findall(r"`([a-z-]+)`", sentence)) == sorted(c.value for c in Component)
    head = "Each step names the component and what it did"
    sentence = README[README.index(head) + len(head):]
    sentence = sentence[:sentence.index(")")]
    assert sorted(re.findall(r"`([a-z]+)`", sentence)) == sorted(a.value for a in Action)
