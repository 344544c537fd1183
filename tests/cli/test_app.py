"""The app as a whole: version, help, completion, `show`, `schema`, start-up imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from netpath import __version__
from tests.cli.conftest import FakeStack
from tests.cli.helpers import run_cli
from tests.render.test_show import sample_model

ROOT = Path(__file__).resolve().parents[2]


def test_version() -> None:
    result = run_cli("--version")
    assert (result.exit_code, result.stdout, result.stderr) == (0, f"netpath {__version__}\n", "")


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_root_help_lists_the_commands(flag: str) -> None:
    result = run_cli(flag)
    assert result.exit_code == 0
    assert "Usage: netpath [OPTIONS] COMMAND [ARGS]..." in result.stdout
    for command in ("trace", "show", "schema"):
        assert command in result.stdout
    assert "--install-completion" in result.stdout
    assert "\x1b" not in result.stdout


@pytest.mark.parametrize(
    ("command", "example"),
    [
        ("trace", "netpath trace node-1 api.example.com --port 443"),
        ("show", "netpath show --spec prod/"),
        ("schema", "netpath schema > netpath.schema.json"),
    ],
)
def test_command_help_has_usage_and_examples(command: str, example: str) -> None:
    result = run_cli(command, "--help")
    assert result.exit_code == 0
    assert f"Usage: netpath {command}" in result.stdout
    assert "Examples:" in result.stdout
    assert example in result.stdout


def test_trace_help_documents_exit_codes_and_options() -> None:
    text = run_cli("trace", "--help").stdout
    assert "Exit codes: 0 reachable, 1 blocked, 2 bad input" in text
    for option in ("--port", "--protocol", "--spec", "--format", "tcp|udp|icmp",
                   "text|json|mermaid"):
        assert option in text


def test_no_arguments_shows_help_as_a_usage_error() -> None:
    result = run_cli()
    assert result.exit_code == 2
    assert "Usage: netpath" in result.output
    assert "trace" in result.output


def test_shell_completion_script() -> None:
    result = run_cli("--show-completion", "bash")
    assert result.exit_code == 0
    assert "_netpath_completion" in result.stdout


def test_show(stack: FakeStack, tmp_path: Path) -> None:
    stack.model = sample_model()
    result = run_cli("show", cwd=tmp_path)
    assert result.exit_code == 0
    assert "VPC prod  10.0.0.0/16, 100.64.0.0/16  us-east-1" in result.stdout
    assert "subnet public-a  10.0.1.0/24  us-east-1a  public" in result.stdout
    assert result.stderr.startswith("note: no spec given")
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_schema_prints_plain_json() -> None:
    result = run_cli("schema")
    assert result.exit_code == 0
    assert isinstance(result.json, dict)
    assert "2020-12" in result.json.get("$schema", "")
    assert result.stderr == ""


def _imported_modules(*args: str) -> set[str]:
    """Modules a fresh interpreter imports for `python -m netpath ARGS`."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "netpath", *args],
        capture_output=True, text=True, cwd=ROOT, check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    assert proc.returncode == 0, proc.stderr[-2000:]
    return names


def test_version_imports_only_typer_and_the_cli() -> None:
    modules = _imported_modules("--version")
    assert "typer" in modules
    heavy = {"rich", "rich.console", "yaml", "jsonschema", "json", "netpath.engine",
             "netpath.sources.loader", "netpath.render", "netpath.model.resources"}
    assert not heavy & modules, sorted(heavy & modules)


# What only some input needs is imported when the input asks for it (sources/kubernetes/objects.py
# and clusters.py say which): a dump's status and owners, Jobs, Helm hooks, objects defined
# twice, ranges left to inference, JSON, long load balancer names, globs, the schema of a spec
# someone wrote.
_KUBE = "netpath.sources.kubernetes."
INPUT_DEPENDENT = {*(_KUBE + m for m in ("status", "owners", "batch", "helm", "duplicates",
                                         "inference")),
                   "json", "hashlib", "glob", "jsonschema", "jsonschema_rs", "netpath.load.schema"}
KUBE_FIXTURES = "tests/sources/kubernetes/fixtures"


@pytest.mark.parametrize(("args", "needed"), [
    # plain manifests: a Kubernetes-only spec, whose ranges are inferred
    (("trace", "--spec", f"{KUBE_FIXTURES}/plain", "frontend/web-0", "backend/api", "--port",
      "8080"), {_KUBE + "inference"}),
    # the demo: its pods write status.podIP, its Ingress a JSON listen-ports annotation
    (("trace", "pod-a", "api.example.com"), {_KUBE + "status", "json"}),
    (("show", "--spec", f"{KUBE_FIXTURES}/dumps/eks-dump.json"),
     {_KUBE + "status", _KUBE + "owners", _KUBE + "inference", "json"}),
    (("show", "--spec", f"{KUBE_FIXTURES}/rendered/helm-shop.yaml"),
     {_KUBE + "batch", _KUBE + "helm", _KUBE + "inference"}),
], ids=["plain-manifests", "demo", "kubectl-dump", "helm-template"])
def test_the_kubernetes_source_imports_what_the_input_needs(args: tuple[str, ...],
                                                            needed: set[str]) -> None:
    assert _imported_modules(*args) & INPUT_DEPENDENT == needed


def test_python_dash_m_entry_point_exits_with_the_code() -> None:
    proc = subprocess.run([sys.executable, "-m", "netpath", "trace", "--port", "x"],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 2
    assert "Usage: netpath trace" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_schema_output_is_valid_json_for_a_pipe() -> None:
    text = run_cli("schema").stdout
    assert text.endswith("\n") and not text.endswith("\n\n")
    json.loads(text)
