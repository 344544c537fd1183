"""The README is the user's manual: its generated parts must match the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from netpath.engine.codes import CODES

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


def test_every_engine_code_used_is_registered() -> None:
    """A code the engine can emit but the registry lacks would be undocumented."""
    import re

    used: set[str] = set()
    for path in (ROOT / "netpath" / "engine").glob("*.py"):
        used |= set(re.findall(r'"([A-Z][A-Z_]{3,})"', path.read_text(encoding="utf-8")))
    codes_like = {u for u in used if "_" in u and u not in {"TCP_UDP"}}
    aws = {c.aws_code for c in CODES.values()} | {
        "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION", "TGW_RTB_BAD_STATE_ROUTE",
        "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"}
    assert codes_like - set(CODES) - aws == set()
