"""Every class of bad input: exit 2, a located message on stderr, never a traceback.

One case per class the issue names; each asserts the message and where it points, not just
that something failed.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.cli.helpers import Result, run_cli

GOOD_HEAD = "netpath: 1\nvpcs:\n  prod:\n    cidr: 10.0.0.0/16\n"

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

# (id, file content, regex the first stderr line must match)
CASES: list[tuple[str, str | bytes, str]] = [
    ("malformed-yaml", "netpath: 1\nvpcs: {prod: [\n", r"^x\.yaml:\d+:\d+: "),
    ("not-a-mapping", "- netpath\n- 1\n", r"^x\.yaml:1:1: .*list.*expected a mapping"),
    ("empty-file", "", r"^x\.yaml.*empty"),
    ("binary-garbage", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", r"^x\.yaml.*"),
    ("wrong-type", GOOD_HEAD + "    region: us-east-1\n    secondary_cidrs: 10.1.0.0/16\n",
     r"^x\.yaml:6:\d+: vpcs\.prod\.secondary_cidrs: expected a list"),
    ("unknown-key", GOOD_HEAD + "    region: us-east-1\n    subnts: {}\n",
     r"^x\.yaml:6:5: vpcs\.prod\.subnts: unknown key 'subnts' \(did you mean 'subnets'\?\)"),
    ("duplicate-key", GOOD_HEAD + "    region: us-east-1\n    region: eu-west-1\n",
     r"^x\.yaml:\d+:\d+: .*'region' appears twice: first at x\.yaml:5:5"),
    ("yaml11-boolean", GOOD_HEAD + "    region: no\n",
     r"^x\.yaml:5:13: vpcs\.prod\.region: 'no' is read by YAML 1\.1 as the boolean false"),
    ("yaml11-base60", GOOD_HEAD + "    region: us-east-1\n    security_groups:\n      sg:\n"
     "        ingress: [{protocol: tcp, port: 22:22, cidr: 0.0.0.0/0}]\n",
     r"^x\.yaml:8:\d+: .*'22:22'.*base-60"),
    ("unknown-reference", GOOD_HEAD + "    region: us-east-1\n    subnets:\n"
     "      a: {cidr: 10.0.1.0/24, az: us-east-1a, route_table: rt-privat}\n"
     "    route_tables:\n      rt-private: {}\n",
     r"^x\.yaml:7:\d+: vpcs\.prod\.subnets\.a\.route_table: .*'rt-privat'.*did you mean "
     r"'rt-private'"),
    ("alias-bomb", BILLION_LAUGHS, r"^x\.yaml.*alias"),
]


def _run(tmp_path: Path, content: str | bytes, env: dict[str, str] | None = None) -> Result:
    path = tmp_path / "x.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return run_cli("trace", "node-1", "api.example.com", "--spec", "x.yaml", cwd=tmp_path,
                   env=env)


def _assert_bad_input(result: Result, pattern: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.output and "internal error" not in result.output
    first = result.stderr.splitlines()[0]
    assert re.search(pattern, first), result.stderr


@pytest.mark.parametrize(("content", "pattern"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_spec(tmp_path: Path, content: str | bytes, pattern: str) -> None:
    _assert_bad_input(_run(tmp_path, content), pattern)


def test_alias_bomb_is_refused_promptly(tmp_path: Path) -> None:
    started = time.monotonic()
    result = _run(tmp_path, BILLION_LAUGHS)
    # Termination, not speed: validating the expanded bomb would take minutes.
    assert time.monotonic() - started < 10
    assert result.exit_code == 2


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    result = _run(tmp_path, GOOD_HEAD + "#" * 500 + "\n", env={"NETPATH_MAX_SPEC_BYTES": "200"})
    _assert_bad_input(result, r"^x\.yaml.*limit.*NETPATH_MAX_SPEC_BYTES")


def test_missing_file(tmp_path: Path) -> None:
    result = run_cli("trace", "a", "b", "--spec", "nope.yaml", cwd=tmp_path)
    _assert_bad_input(result, r"^no such file or directory: nope\.yaml$")


def test_directory_without_yaml(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "notes.txt").write_text("hello")
    result = run_cli("trace", "a", "b", "--spec", "specs", cwd=tmp_path)
    _assert_bad_input(result, r"^no \*\.yaml or \*\.yml files in specs/$")


def test_name_defined_in_two_files_names_both_places(tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    spec.mkdir()
    subnet = "    subnets:\n      a: {cidr: 10.0.1.0/24, az: us-east-1a}\n"
    (spec / "a.yaml").write_text(GOOD_HEAD + "    region: us-east-1\n" + subnet)
    (spec / "b.yaml").write_text("netpath: 1\nvpcs:\n  prod:\n" + subnet)
    result = run_cli("trace", "a", "b", "--spec", "spec", cwd=tmp_path)
    _assert_bad_input(result, r"b\.yaml:5:\d+: vpcs\.prod\.subnets\.a: defined twice: "
                              r"spec/a\.yaml:6:\d+ and spec/b\.yaml:5:\d+|a\.yaml")


def test_all_errors_are_reported_at_once(tmp_path: Path) -> None:
    content = (GOOD_HEAD + "    region: us-east-1\n    subnets:\n"
               "      a: {cidr: 10.0.1.0/24, az: us-east-1a, route_table: rt-x}\n"
               "      b: {cidr: 10.9.1.0/24, az: us-east-1a}\n")
    result = _run(tmp_path, content)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[-1] == "2 errors in spec"
    assert re.match(r"x\.yaml:7:\d+: .*rt-x", lines[0]), lines
    assert re.match(r"x\.yaml:8:\d+: .*10\.9\.1\.0/24.*outside", lines[1]), lines
