"""The builder's and the semantic pass's errors, case by case (fixtures/*.yaml).

`build-*.yaml` hold what the builder reports (values, references, names), the other files what
the semantic pass reports (addresses, overlaps, references across VPCs). Every rule has a failing
case and a passing one; each failing case states the exact message, hint and path.
"""

from __future__ import annotations

import pytest

from netpath.load import schema
from netpath.sources.netpath_spec.semantic import CHECKS, check_model
from tests.sources.netpath_spec.speccases import base_spec, load_cases, run_stages, shown

CASES = load_cases("")


def test_there_are_cases_for_the_builder_and_the_semantic_pass() -> None:
    files = {case.file for case in CASES}
    assert any(f.startswith("build-") for f in files)
    assert any(f.startswith("semantic-") for f in files)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case(case) -> None:
    assert [shown(e) for e in run_stages(case.spec)] == list(case.errors)


@pytest.mark.parametrize("case", [c for c in CASES if not c.schema_invalid], ids=lambda c: c.id)
def test_case_specs_pass_the_schema(case) -> None:
    """The builder only ever sees schema-valid data: the cases must be such data."""
    assert [str(e) for e in schema.validate(case.spec)] == []


def test_the_base_spec_is_clean() -> None:
    assert run_stages(base_spec()) == []


def test_every_check_has_a_failing_case() -> None:
    """Each semantic check is exercised: it reports something in at least one case."""
    from netpath.sources.netpath_spec.builder import build_model

    fired = set()
    for case in CASES:
        model, errors = build_model(case.spec)
        if errors:
            continue
        for check in CHECKS:
            if list(check(model)):
                fired.add(check.__name__)
    assert fired == {check.__name__ for check in CHECKS}


def test_check_model_survives_a_model_built_with_errors() -> None:
    """The loader stops after builder errors, but a partial model must never crash the pass."""
    for case in CASES:
        from netpath.sources.netpath_spec.builder import build_model

        model, _ = build_model(case.spec)
        check_model(model)
