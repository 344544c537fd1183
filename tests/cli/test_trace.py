"""`netpath trace` at the CLI edge: formats, exit codes, spec lookup, errors (fake engine)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from netpath.cli.env import DEFAULT_NOTE
from netpath.load.errors import SpecError
from tests.cli.conftest import FakeStack
from tests.cli.helpers import run_cli

ANSI = re.compile(r"\x1b\[")


@pytest.fixture
def empty_dir(tmp_path: Path) -> Path:
    return tmp_path  # no ./netpath.yaml: the embedded default applies


def test_reachable_exits_0_with_text(stack: FakeStack, empty_dir: Path) -> None:
    result = run_cli("trace", "node-1", "api.example.com", "--port", "443", cwd=empty_dir)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "trace node-1 -> api.example.com (tcp/443)"
    assert result.stdout.rstrip().endswith("\u2714 reachable")
    assert "at scenarios/x.yaml:28:11" in result.stdout  # located through the source map
    assert stack.queries[-1].port == 443 and stack.queries[-1].protocol == "tcp"


def test_blocked_exits_1(stack: FakeStack, empty_dir: Path) -> None:
    result = run_cli("trace", "node-1", "orders-db", "-p", "22", cwd=empty_dir)
    assert result.exit_code == 1
    assert "fix: add an inbound rule to sg-db allowing tcp/22 from sg-node" in result.stdout


def test_return_path_block_exits_1(stack: FakeStack, empty_dir: Path) -> None:
    result = run_cli("trace", "node-1", "orders-db", cwd=empty_dir)
    assert result.exit_code == 1
    assert stack.queries[-1].port is None  # no --port: the engine decides and says so


def test_json_format(stack: FakeStack, empty_dir: Path) -> None:
    result = run_cli("trace", "node-1", "orders-db", "--port", "22", "--format", "json",
                     cwd=empty_dir)
    assert result.exit_code == 1
    assert result.json["verdict"] == "blocked"
    assert result.json["query"] == {"source": "node-1", "destination": "orders-db", "port": 22,
                                    "protocol": "tcp"}
    assert result.json["blocked_by"]["code"] == "SG_INGRESS_DENIED"
    assert result.json["hops"][4]["rule"]["location"] == "scenarios/x.yaml:52:9"
    assert result.stderr == DEFAULT_NOTE + "\n"  # notes never pollute the JSON on stdout


def test_mermaid_format(stack: FakeStack, empty_dir: Path) -> None:
    result = run_cli("trace", "node-1", "api.example.com", "-f", "mermaid", cwd=empty_dir)
    assert result.exit_code == 0
    assert result.stdout.startswith("sequenceDiagram\n")
    assert "participant P1 as instance node-1" in result.stdout


def test_protocol_is_case_insensitive_and_lowercased(stack: FakeStack, empty_dir: Path) -> None:
    result = run_cli("trace", "node-1", "api.example.com", "--protocol", "UDP", cwd=empty_dir)
    assert result.exit_code == 0
    assert stack.queries[-1].protocol == "udp"


def test_default_scenario_note(stack: FakeStack, empty_dir: Path) -> None:
    result = run_cli("trace", "node-1", "api.example.com", cwd=empty_dir)
    assert result.stderr == (
        "note: no spec given: using the embedded default scenario (three-tier); see --spec\n"
    )
    assert stack.loaded == [None]


def test_spec_option(stack: FakeStack, empty_dir: Path) -> None:
    result = run_cli("trace", "node-1", "api.example.com", "--spec", "prod.yaml", cwd=empty_dir)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert stack.loaded == [Path("prod.yaml")]


def test_spec_from_environment(stack: FakeStack, empty_dir: Path) -> None:
    result = run_cli("trace", "node-1", "api.example.com", env={"NETPATH_SPEC": "env.yaml"},
                     cwd=empty_dir)
    assert result.stderr == ""
    assert stack.loaded == [Path("env.yaml")]


def test_spec_in_working_directory(stack: FakeStack, tmp_path: Path) -> None:
    (tmp_path / "netpath.yaml").write_text("netpath: 1\n")
    result = run_cli("show", cwd=tmp_path)
    assert result.stderr == ""
    assert stack.loaded == [Path("netpath.yaml")]


SPEC_ERRORS = [
    SpecError("target 'nat-b' does not exist",
              ("vpcs", "prod", "route_tables", "rt-private", "routes", "0.0.0.0/0"),
              "scenarios/x.yaml", 42, 11, "did you mean 'nat-a'?"),
    SpecError("'10.0.99.0/24' is outside the VPC's CIDRs", ("vpcs", "prod", "subnets", "x"),
              "scenarios/x.yaml", 12, 7),
]


def test_spec_errors_are_listed_located_with_a_summary(stack: FakeStack, empty_dir: Path) -> None:
    stack.spec_errors = SPEC_ERRORS
    result = run_cli("trace", "node-1", "api.example.com", "--spec", "scenarios/x.yaml",
                     cwd=empty_dir)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        'scenarios/x.yaml:42:11: vpcs.prod.route_tables.rt-private.routes["0.0.0.0/0"]: '
        "target 'nat-b' does not exist (did you mean 'nat-a'?)",
        "scenarios/x.yaml:12:7: vpcs.prod.subnets.x: '10.0.99.0/24' is outside the VPC's CIDRs",
        "2 errors in spec",
    ]


def test_one_spec_error_is_singular(stack: FakeStack, empty_dir: Path) -> None:
    stack.spec_errors = SPEC_ERRORS[:1]
    result = run_cli("show", "--spec", "x.yaml", cwd=empty_dir)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "1 error in spec"


def test_spec_errors_say_where_an_unasked_spec_came_from(stack: FakeStack,
                                                         empty_dir: Path) -> None:
    stack.spec_errors = SPEC_ERRORS[:1]
    result = run_cli("trace", "a", "b", env={"NETPATH_SPEC": "team.yaml"}, cwd=empty_dir)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "note: spec 'team.yaml' from $NETPATH_SPEC"


def test_unknown_source_is_bad_input_with_did_you_mean(stack: FakeStack,
                                                       empty_dir: Path) -> None:
    result = run_cli("trace", "node-3", "api.example.com", "--spec", "x.yaml", cwd=empty_dir)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "error: unknown source 'node-3' (did you mean 'node-1'?)\n"


def test_unknown_destination_without_hint(stack: FakeStack, empty_dir: Path) -> None:
    result = run_cli("trace", "node-1", "nowhere", "--spec", "x.yaml", cwd=empty_dir)
    assert result.exit_code == 2
    assert result.stderr == "error: unknown destination 'nowhere'\n"


def test_a_bug_is_reported_as_internal_error_without_traceback(stack: FakeStack,
                                                               empty_dir: Path) -> None:
    stack.engine_failure = RuntimeError("boom")
    result = run_cli("trace", "node-1", "api.example.com", "--spec", "x.yaml", cwd=empty_dir)
    assert result.exit_code == 70
    lines = result.stderr.splitlines()
    assert lines[0] == "internal error: RuntimeError: boom"
    assert "please report it at https://github.com/netpath-dev/netpath/issues" in lines[1]
    assert "NETPATH_DEBUG=1" in lines[1]
    assert "Traceback" not in result.output


def test_debug_variable_shows_the_traceback(stack: FakeStack, empty_dir: Path) -> None:
    stack.engine_failure = RuntimeError("boom")
    result = run_cli("trace", "node-1", "api.example.com", "--spec", "x.yaml",
                     env={"NETPATH_DEBUG": "1"}, cwd=empty_dir)
    assert result.exit_code == 70
    assert "Traceback (most recent call last)" in result.stderr
    assert "RuntimeError: boom" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["trace"], "Missing argument 'SOURCE'"),
        (["trace", "node-1"], "Missing argument 'DESTINATION'"),
        (["trace", "a", "b", "--port", "0"], "Invalid value for '--port'"),
        (["trace", "a", "b", "--port", "70000"], "Invalid value for '--port'"),
        (["trace", "a", "b", "--port", "https"], "Invalid value for '--port'"),
        (["trace", "a", "b", "--protocol", "sctp"], "Invalid value for '--protocol'"),
        (["trace", "a", "b", "--format", "xml"], "Invalid value for '--format'"),
        (["trace", "a", "b", "--protocol", "icmp", "--port", "8"], "icmp has no ports"),
        (["trace", "a", "b", "--frobnicate"], "--frobnicate"),  # wording varies by typer
        (["trace", "a", "b", "c"], "unexpected extra argument"),
        (["traec", "a", "b"], "No such command 'traec'"),
    ],
)
def test_usage_errors_exit_2(stack: FakeStack, args: list[str], message: str) -> None:
    result = run_cli(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert "Usage: netpath" in result.stderr
    assert "Traceback" not in result.output
    assert stack.queries == []  # the engine never ran


def test_text_output_fits_80_columns_and_has_no_colour_when_piped(stack: FakeStack,
                                                                  empty_dir: Path) -> None:
    for args in (["node-1", "api.example.com"], ["node-1", "orders-db"]):
        result = run_cli("trace", *args, cwd=empty_dir)
        assert not ANSI.search(result.output)
        assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_columns_variable_sets_the_width(stack: FakeStack, empty_dir: Path) -> None:
    narrow = run_cli("trace", "node-1", "orders-db", env={"COLUMNS": "60"}, cwd=empty_dir)
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 60
    wide = run_cli("trace", "node-1", "orders-db", env={"COLUMNS": "200"}, cwd=empty_dir)
    assert max(len(line) for line in wide.stdout.splitlines()) > 80


def test_force_color_and_no_color(stack: FakeStack, empty_dir: Path) -> None:
    forced = run_cli("trace", "node-1", "orders-db", env={"FORCE_COLOR": "1"}, cwd=empty_dir)
    assert ANSI.search(forced.stdout)
    both = run_cli("trace", "node-1", "orders-db", env={"FORCE_COLOR": "1", "NO_COLOR": "1"},
                   cwd=empty_dir)
    assert not re.search(r"\x1b\[[0-9;]*3[0-7]m", both.stdout)  # NO_COLOR wins over colours
