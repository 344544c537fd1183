"""Rendered traces of the guide's flows must match the reviewed golden files byte for byte."""

from __future__ import annotations

import pytest

from tests.golden.flows import FLOWS, FORMATS, golden_path, render

CASES = [(name, fmt) for name in FLOWS for fmt in FORMATS]


@pytest.mark.parametrize(("name", "fmt"), CASES, ids=[f"{n}.{f}" for n, f in CASES])
def test_matches_golden(name: str, fmt: str) -> None:
    text, code = render(name, fmt)
    expected = golden_path(name, fmt).read_text(encoding="utf-8")
    assert f"# exit {code}\n{text}" == expected, "run `make golden` and review the diff"


def test_every_golden_file_belongs_to_a_flow() -> None:
    """A file no flow writes is never compared, and would be reviewed for nothing."""
    from tests.golden.flows import FLOWS, FORMATS, OUT

    expected = {f"{name}.{fmt}" for name in FLOWS for fmt in FORMATS}
    assert {p.name for p in OUT.iterdir()} == expected
