"""Error lines for stderr: the compiler convention, a summary, and the internal-error report."""

from __future__ import annotations

from netpath.load.errors import SpecError
from netpath.render.errors import internal_error_lines, query_error_line, spec_error_lines


def test_spec_errors_one_per_line_then_a_count() -> None:
    errors = [
        SpecError("target 'nat-b' does not exist",
                  ("vpcs", "prod", "route_tables", "rt-private", "routes", "0.0.0.0/0"),
                  "scenarios/x.yaml", 42, 11, "did you mean 'nat-a'?"),
        SpecError("the file is empty", (), "empty.yaml"),
    ]
    assert spec_error_lines(errors) == [
        'scenarios/x.yaml:42:11: vpcs.prod.route_tables.rt-private.routes["0.0.0.0/0"]: '
        "target 'nat-b' does not exist (did you mean 'nat-a'?)",
        "empty.yaml: the file is empty",
        "2 errors in spec",
    ]
    assert spec_error_lines(errors[:1])[-1] == "1 error in spec"


def test_a_multi_line_message_stays_on_one_line() -> None:
    error = SpecError("could not parse:\n  expected ',' or ']'\n", (), "x.yaml", 2, 7)
    assert spec_error_lines([error])[0] == "x.yaml:2:7: could not parse: expected ',' or ']'"


def test_query_error_line() -> None:
    assert query_error_line("unknown source 'node-3'", "did you mean 'node-1'?") == (
        "error: unknown source 'node-3' (did you mean 'node-1'?)")
    assert query_error_line("unknown destination 'x'", None) == "error: unknown destination 'x'"


def test_internal_error_names_the_exception_and_where_to_report() -> None:
    first, second = internal_error_lines(KeyError("eni-1"), debug_variable="NETPATH_DEBUG")
    assert first == "internal error: KeyError: 'eni-1'"
    assert "github.com/netpath-dev/netpath/issues" in second
    assert "NETPATH_DEBUG=1" in second
