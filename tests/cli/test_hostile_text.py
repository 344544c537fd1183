"""Text from a spec never reaches an output with the power to change it (issue 11).

A spec whose description, expectation names and descriptions, manifest file name, expectations
file name, keys and query arguments carry a newline followed by a workflow command
(`::error file=x::pwned`), `ESC[8m`, a bidi override, rich markup (`[bold]`) and the legacy
`##[error]` goes through every command and format. In text outputs no control character of the
input appears raw, no line starts with `::` unless netpath wrote it (`--format github`), and
`##[` never appears; markup is shown as written. Structured outputs (JSON, SARIF, JUnit) keep the
data exact and are still inert when printed to a CI log. Names that cannot carry such text are
refused where they are written.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import netpath
from tests.cli.helpers import Result, run_cli

HOSTILE = ("caf\u00e9\n::error file=x::pwned \x1b[8mhidden\x1b[0m \u202e[bold]b[/bold] "
           "##[error]legacy \x07\x85\u2028\u2066 \t\r\n::add-mask::secret")
POLICY_FILE = "pol\n::error file=f::pwned\x1b[8m\u202e ##[error]f.yaml"
EXPECT_FILE = "exp\n::error file=e::pwned\x1b[8m.yaml"
# Characters netpath never writes itself: any of them in a text output came from the input.
RAW = ("\x1b", "\u202e", "\u2066", "\x07", "\x85", "\u2028", "\r")
# netpath's own annotation lines (`--format github`): the only lines that may start with `::`.
ANNOTATION = re.compile(r"::(error|warning|notice) (file=[^,:\n]*,line=\d+,col=\d+,)?"
                        r"title=[^:\n]*::")


def _lines(text: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", text)  # as the runner reads a log


def assert_inert(text: str, *, annotations: int = 0) -> None:
    """No raw control character from the input, no `##[`, and no line that a CI runner would
    take for a command but the `annotations` netpath wrote."""
    for char in RAW:
        assert char not in text, f"raw {char!r} in the output:\n{text}"
    assert "##[" not in text, text
    commands = [line for line in _lines(text) if line.lstrip().startswith("::")]
    assert all(ANNOTATION.match(line) for line in commands), commands
    assert len(commands) == annotations, commands


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """root/spec: the three-tier scenario with a hostile description and policy file name;
    root/EXPECT_FILE: expectations named and described with hostile text."""
    base = tmp_path_factory.mktemp("hostile")
    spec = base / "spec"
    shutil.copytree(Path(netpath.__file__).parent / "scenarios" / "three-tier", spec)
    (spec / "netpath-expect.yaml").unlink()
    main = spec / "netpath.yaml"
    text = re.sub(r"(?m)^description: .*$", lambda _: f"description: {json.dumps(HOSTILE)}",
                  main.read_text(encoding="utf-8"))
    main.write_text(text, encoding="utf-8")
    (spec / "k8s" / "policies.yaml").rename(spec / "k8s" / POLICY_FILE)
    (base / EXPECT_FILE).write_text(
        "netpath-expect: 1\nexpectations:\n"
        f"  - name: {json.dumps(HOSTILE)}\n"
        f"    description: {json.dumps(HOSTILE)}\n"
        "    from: pod-b\n    to: backend-service\n    port: 8080\n    reachable: true\n"
        f"  - name: {json.dumps('held ' + HOSTILE)}\n"
        "    from: pod-a\n    to: backend-service\n    port: 8080\n    reachable: true\n",
        encoding="utf-8")
    return base


def _run(root: Path, *args: str, stdin: str | None = None) -> Result:
    return run_cli(*args, cwd=root, stdin=stdin, env={"COLUMNS": "400"})  # lines kept whole


# --- text outputs ---------------------------------------------------------------------------


def test_show(root: Path) -> None:
    result = _run(root, "show", "--spec", "spec")
    assert result.exit_code == 0, result.stderr
    assert_inert(result.output)
    first = result.stdout.splitlines()[0]
    # escaped where it stood, markup shown as written
    assert first.startswith("caf\u00e9\\n::error file=x::pwned \\x1b[8mhidden\\x1b[0m "
                            "\\u202e[bold]b[/bold] #\\x23[error]legacy \\x07\\x85\\u2028\\u2066")


def test_trace_text_and_mermaid(root: Path) -> None:
    args = ("trace", "pod-a", "backend-service", "--port", "8080", "--spec", "spec")
    text = _run(root, *args)
    assert text.exit_code == 0, text.stderr
    assert_inert(text.output)
    assert "k8s/pol\\n::error file=f::pwned\\x1b[8m\\u202e #\\x23[error]f.yaml:" in text.stdout
    mermaid = _run(root, *args, "--format", "mermaid")
    assert mermaid.exit_code == 0
    assert_inert(mermaid.output)


def test_trace_json_keeps_the_data_and_is_inert(root: Path) -> None:
    result = _run(root, "trace", "pod-a", "backend-service", "--port", "8080", "--spec", "spec",
                  "--format", "json")
    assert result.exit_code == 0
    assert "##[" not in result.stdout
    assert not [line for line in _lines(result.stdout) if line.lstrip().startswith("::")]
    where = [(hop.get("rule") or {}).get("location") or "" for hop in result.json["hops"]]
    assert any(f"k8s/{POLICY_FILE}:" in w for w in where), where


def test_check_text(root: Path) -> None:
    result = _run(root, "check", "--spec", "spec", EXPECT_FILE)
    assert result.exit_code == 1, result.stderr
    assert_inert(result.output)
    assert "\\x1b[8mhidden" in result.stdout and "[bold]b[/bold]" in result.stdout


def test_check_github_annotations_are_netpaths_only(root: Path) -> None:
    result = _run(root, "check", "--spec", "spec", EXPECT_FILE, "--format", "github")
    assert result.exit_code == 1, result.stderr
    findings = len(_run(root, "check", "--spec", "spec", EXPECT_FILE,
                        "--format", "json").json["findings"])
    assert_inert(result.output, annotations=1 + findings)
    first = result.stdout.splitlines()[0]
    assert first.startswith("::error file=exp\\n%3A%3Aerror file=e%3A%3Apwned\\x1b[8m.yaml,")
    assert "\\x1b[8mhidden" in first and "#\\x23[error]legacy" in first


def test_check_json_sarif_junit_keep_the_data(root: Path) -> None:
    base = ("check", "--spec", "spec", EXPECT_FILE, "--format")
    as_json = _run(root, *base, "json")
    assert as_json.exit_code == 1
    assert [e["name"] for e in as_json.json["expectations"]][0] == HOSTILE
    sarif = _run(root, *base, "sarif")
    assert sarif.exit_code == 1
    junit = _run(root, *base, "junit")
    assert junit.exit_code == 1
    for out in (as_json.stdout, sarif.stdout, junit.stdout):
        assert "##[" not in out
        assert not [line for line in _lines(out) if line.lstrip().startswith("::")]
    results = json.loads(sarif.stdout)["runs"][0]["results"]
    messages = [r["message"]["text"] for r in results if r["ruleId"] == "EXPECTATION"]
    assert messages[0].startswith(f"Expectation '{HOSTILE}' (")
    cases = ET.fromstring(junit.stdout).iter("testcase")
    # XML 1.0 cannot carry ESC, BEL or a lone CR: those are escaped; the rest is exact.
    expected = HOSTILE.replace("\x1b", "\\x1b").replace("\x07", "\\x07")
    assert next(cases).get("name") == expected


def test_matrix_and_capacity(root: Path) -> None:
    for fmt in ("text", "csv", "md", "json"):
        result = _run(root, "matrix", "--spec", "spec", "--format", fmt)
        assert result.exit_code == 0, result.stderr
        assert_inert(result.output)
    result = _run(root, "capacity", "--spec", "spec")
    assert result.exit_code == 0, result.stderr
    assert_inert(result.output)


def test_drill_shows_typed_answers_escaped(root: Path) -> None:
    answers = "ans \x1b[8mhidden \u202e [bold]b[/bold] ##[error]x\n::error file=a::pwned\n"
    args = ("drill", "--scenario", "three-tier", "--seed", "1", "--count", "2")
    result = _run(root, *args, stdin=answers)
    assert result.exit_code == 0, result.stderr
    assert_inert(result.output)
    assert "ans \\x1b[8mhidden \\u202e [bold]b[/bold] #\\x23[error]x" in result.stdout
    as_json = _run(root, *args, "--format", "json", stdin=answers)
    assert as_json.json["questions"][0]["given"] == answers.splitlines()[0]
    assert "##[" not in as_json.stdout


# --- wrapping ----------------------------------------------------------------------------------


def test_a_wrapped_line_never_starts_a_command(tmp_path: Path) -> None:
    """80 columns: the wrap puts the description's `::error` at the start of a line."""
    (tmp_path / "netpath.yaml").write_text(
        'netpath: 1\ndescription: "' + "x " * 39 + '::error file=w::wrapped"\n',
        encoding="utf-8")
    result = run_cli("show", "--spec", str(tmp_path / "netpath.yaml"))
    assert result.exit_code == 0, result.stderr
    assert_inert(result.output)
    assert result.stdout.splitlines()[1] == "\\x3a:error file=w::wrapped"


# --- errors on stderr ------------------------------------------------------------------------


def test_a_query_argument_is_escaped_in_the_error(root: Path) -> None:
    result = _run(root, "trace", "pod-a", "x\n::error file=q::pwned\x1b[8m", "--spec", "spec")
    assert result.exit_code == 2
    assert_inert(result.output)
    assert result.stderr.startswith("error: unknown destination 'x\\n::error file=q::pwned\\x1b")


def test_a_dns_name_with_a_newline_is_no_dns_question(root: Path) -> None:
    result = _run(root, "trace", "pod-a", "evil.example.com\n", "--spec", "spec")
    assert result.exit_code == 2, result.stdout  # not traced as a lookup that fails
    assert_inert(result.output)
    assert result.stderr.startswith("error: unknown destination 'evil.example.com\\n'")


def test_a_spec_file_name_is_escaped_in_errors(tmp_path: Path) -> None:
    name = "::error file=b::pwned\x1b[8m\n##[error]b.yaml"
    (tmp_path / name).write_text("netpath: 1\nvpcs: {prod: {cidr: x}}\n", encoding="utf-8")
    result = run_cli("show", "--spec", name, cwd=tmp_path)
    assert result.exit_code == 2
    assert_inert(result.output)
    assert result.stderr.startswith("\\x3a:error file=b::pwned\\x1b[8m\\n#\\x23[error]b.yaml:")


def test_a_key_quoted_back_is_escaped(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        'netpath: 1\nvpcs:\n  prod:\n    cidr: 10.0.0.0/16\n    region: us-east-1\n'
        '    "k\\n::error file=k::pwned\\e[8m": 1\n', encoding="utf-8")
    result = run_cli("show", "--spec", str(tmp_path / "x.yaml"))
    assert result.exit_code == 2
    assert_inert(result.output)
    assert 'x.yaml:6:5: vpcs.prod["k\\n::error file=k::pwned\\x1b[8m"]: unknown key ' \
        "'k\\n::error file=k::pwned\\x1b[8m'" in result.stderr


@pytest.mark.parametrize(("where", "key"), [
    ("vpcs.prod.instances", "web\\n"),
    ("dns", "api.example.com\\n"),
])
def test_a_name_ending_in_a_newline_is_refused(tmp_path: Path, where: str, key: str) -> None:
    """ECMA-262's `$` (the schema's) is the end of the input, not also before a final `\\n`:
    jsonschema-rs refused these, jsonschema let them through."""
    path = tmp_path / "x.yaml"
    if where == "dns":
        path.write_text(f'netpath: 1\ndns:\n  "{key}": {{a: 192.0.2.1}}\n', encoding="utf-8")
        line = 3
    else:
        path.write_text(
            "netpath: 1\nvpcs:\n  prod:\n    cidr: 10.0.0.0/16\n    region: us-east-1\n"
            "    subnets: {a: {cidr: 10.0.1.0/24, az: us-east-1a}}\n"
            f'    instances:\n      "{key}": {{subnet: a, private_ip: 10.0.1.5}}\n',
            encoding="utf-8")
        line = 8
    result = run_cli("show", "--spec", str(path))
    assert result.exit_code == 2, result.stdout
    assert_inert(result.output)
    assert re.match(rf"{re.escape(str(path))}:{line}:\d+: .*invalid key '{re.escape(key)}'",
                    result.stderr), result.stderr


def test_kubernetes_names_are_dns_1123(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: "a\\n::error::x"\n'
        '  labels: {app: "x\\e[8m"}\nspec:\n  containers: [{name: c, image: i}]\n',
        encoding="utf-8")
    result = run_cli("show", "--spec", str(tmp_path / "m.yaml"))
    assert result.exit_code == 2
    assert_inert(result.output)
    assert "metadata.name: invalid Pod name 'a\\n::error::x'" in result.stderr
    assert "metadata.labels.app: invalid label value 'x\\x1b[8m'" in result.stderr


def test_a_usage_error_quotes_the_typed_option_escaped() -> None:
    result = run_cli("trace", "--\x1b[8m\n::error::y", "a")
    assert result.exit_code == 2
    assert_inert(result.output)


# --- encodings -------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_a_narrow_stdout_gets_escapes_not_a_crash(root: Path, encoding: str) -> None:
    """`PYTHONIOENCODING=ascii` (or a cp1252 console): what the stream cannot encode is
    written as a backslash escape; the command never fails with UnicodeEncodeError."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": encoding}
    for args in (("show", "--spec", "spec"),
                 ("matrix", "--spec", "spec", "--format", "csv"),
                 ("matrix", "--spec", "spec"),
                 ("check", "--spec", "spec", EXPECT_FILE),
                 ("trace", "pod-a", "backend-service", "--port", "8080", "--spec", "spec")):
        proc = subprocess.run([sys.executable, "-m", "netpath", *args], cwd=root, env=env,
                              capture_output=True, check=False)
        out = proc.stdout.decode(encoding)
        assert proc.returncode in (0, 1), proc.stderr.decode(encoding, "replace")
        assert "Traceback" not in proc.stderr.decode(encoding, "replace")
        if args[0] in ("show", "check"):
            assert ("caf\\xe9" if encoding == "ascii" else "caf\u00e9") in out
