"""Runs every case in tests/engine/cases/*.yaml through the whole engine."""

from __future__ import annotations

import pytest

from tests.engine.casekit import Case, check, load_cases, run

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case) -> None:
    check(case, run(case))
