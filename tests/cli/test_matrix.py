"""`netpath matrix` through the CLI edge: formats, choosing pods, bad input, exit codes.

The spec loader is the test stack's fake (tests/cli/conftest.py), answering with a model whose
cluster is built from model objects; the matrix engine and renderers are the real ones.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from netpath.model.resources import Model
from netpath.render.matrix import render_text
from tests.cli.conftest import FakeStack
from tests.cli.helpers import run_cli
from tests.engine.test_matrix import make_cluster
from tests.engine.test_network_policy import ALLOW_FRONTEND, DENY_ALL, scene

GRID = """\
who can reach whom on tcp/8080: rows are sources, columns destinations (4 pods)

                          1  2  3  4
  1  data/db-0            \u00b7  \u2718  \u2718  \u2714
  2  default/backend-0    \u2714  \u00b7  \u2718  \u2714
  3  default/frontend-0   \u2714  \u2714  \u00b7  \u2714
  4  other/frontend-0     \u2714  \u2718  \u2718  \u00b7

\u2714 reachable   \u2718 blocked   \u00b7 the pod itself (left out)
7 of 12 pairs reachable; blocked: 5 by NETPOL_INGRESS_DENIED
"""


@pytest.fixture
def scene_stack(stack: FakeStack) -> FakeStack:
    c = scene(DENY_ALL, ALLOW_FRONTEND)
    stack.model = Model(clusters={c.name: c})
    return stack


def test_text_grid(scene_stack: FakeStack, tmp_path: Path) -> None:
    result = run_cli("matrix", "--port", "8080", "--spec", "k8s/", cwd=tmp_path)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == GRID
    assert scene_stack.loaded == [Path("k8s/")]


def test_the_default_port_is_said(scene_stack: FakeStack, tmp_path: Path) -> None:
    result = run_cli("matrix", "--spec", "x.yaml", cwd=tmp_path)
    assert result.exit_code == 0
    assert result.stdout.startswith("who can reach whom on tcp/80 (the default port: choose "
                                    "one with --port)")


def test_json_contract(scene_stack: FakeStack, tmp_path: Path) -> None:
    result = run_cli("matrix", "-s", "x.yaml", "-p", "8080", "--format", "json", cwd=tmp_path)
    assert result.exit_code == 0
    doc = result.json
    assert set(doc) == {"protocol", "port", "pods", "pairs", "notes"}
    assert (doc["protocol"], doc["port"]) == ("tcp", 8080)
    assert doc["pods"] == ["data/db-0", "default/backend-0", "default/frontend-0",
                           "other/frontend-0"]
    assert len(doc["pairs"]) == 12
    assert {"from": "other/frontend-0", "to": "default/backend-0", "reachable": False,
            "code": "NETPOL_INGRESS_DENIED"} in doc["pairs"]
    assert {"from": "default/frontend-0", "to": "default/backend-0", "reachable": True,
            "code": None} in doc["pairs"]
    assert all(p["from"] != p["to"] for p in doc["pairs"])


def test_csv_grid(scene_stack: FakeStack, tmp_path: Path) -> None:
    result = run_cli("matrix", "-s", "x.yaml", "-p", "8080", "-f", "csv", cwd=tmp_path)
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["from \\ to (tcp/8080)", "data/db-0", "default/backend-0",
                       "default/frontend-0", "other/frontend-0"]
    assert rows[4] == ["other/frontend-0", "reachable", "NETPOL_INGRESS_DENIED",
                       "NETPOL_INGRESS_DENIED", ""]


def test_markdown_table(scene_stack: FakeStack, tmp_path: Path) -> None:
    result = run_cli("matrix", "-s", "x.yaml", "-p", "8080", "-f", "md", cwd=tmp_path)
    assert "| # | from \\ to | 1 | 2 | 3 | 4 |" in result.stdout
    assert ("| 4 | `other/frontend-0` | \u2714 | \u2718 ingress | \u2718 ingress | \u2014 |"
            in result.stdout)


def test_namespace_selector_protocol(scene_stack: FakeStack, tmp_path: Path) -> None:
    result = run_cli("matrix", "-s", "x.yaml", "-n", "default", "-n", "other", "-l",
                     "app=frontend", "--protocol", "udp", "-p", "53", "-f", "json",
                     cwd=tmp_path)
    assert result.exit_code == 0
    assert result.json["pods"] == ["default/frontend-0", "other/frontend-0"]
    assert result.json["protocol"] == "udp"


@pytest.mark.parametrize(("args", "message"), [
    (["-n", "prod"], "error: unknown namespace 'prod' (namespaces: data, default, other)"),
    (["-l", "app=nothing"], "error: no pod matches --selector 'app=nothing'"),
    (["-l", "app"], "error: bad --selector 'app'"),
])
def test_bad_choices_exit_2(scene_stack: FakeStack, tmp_path: Path, args: list[str],
                            message: str) -> None:
    result = run_cli("matrix", "-s", "x.yaml", *args, cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2(scene_stack: FakeStack, tmp_path: Path) -> None:
    for args in (["--protocol", "icmp"], ["--port", "0"], ["--format", "yaml"]):
        result = run_cli("matrix", "-s", "x.yaml", *args, cwd=tmp_path)
        assert result.exit_code == 2, args
        assert "Usage: netpath matrix" in result.stderr


def test_a_spec_without_pods_exits_2(stack: FakeStack, tmp_path: Path) -> None:
    result = run_cli("matrix", "-s", "x.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: the spec has no Kubernetes pods")


def test_many_pods_fall_back_to_a_list_within_80_columns(stack: FakeStack,
                                                         tmp_path: Path) -> None:
    c = make_cluster(pods=40, services=10, policies=20, seed=1)
    stack.model = Model(clusters={c.name: c})
    result = run_cli("matrix", "-s", "x.yaml", "-p", "8080", cwd=tmp_path)
    assert result.exit_code == 0
    assert "too many for a grid" in result.stdout
    assert "kube-system/coredns-0  reaches " in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    wide = run_cli("matrix", "-s", "x.yaml", "-p", "8080", env={"COLUMNS": "200"},
                   cwd=tmp_path)
    assert "rows are sources, columns destinations (40 pods)" in wide.stdout
    assert max(len(line) for line in wide.stdout.splitlines()) <= 200


def test_a_twelve_pod_grid_fits_80_columns(stack: FakeStack, tmp_path: Path) -> None:
    c = make_cluster(pods=40, services=10, policies=20, seed=1)
    stack.model = Model(clusters={c.name: c})
    result = run_cli("matrix", "-s", "x.yaml", "-n", "team-00", cwd=tmp_path)
    assert "(12 pods)" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_ascii_marks_when_the_terminal_cannot_encode_them() -> None:
    from netpath.engine.matrix import build_matrix, select_pods

    c = scene(DENY_ALL, ALLOW_FRONTEND)
    clusters = {c.name: c}
    text = render_text(build_matrix(clusters, select_pods(clusters), "tcp", 8080),
                       unicode=False)
    assert text.isascii()
    assert "  4  other/frontend-0     +  x  x  ." in text
    from netpath.cli.matrix import _unicode_ok

    assert not _unicode_ok(io.TextIOWrapper(io.BytesIO(), encoding="ascii"))
    assert _unicode_ok(io.TextIOWrapper(io.BytesIO(), encoding="utf-8"))


def test_long_names_are_cut_in_the_middle() -> None:
    from netpath.render.matrix import _shorten

    cut = _shorten("payments-production/ledger-writer-7f9c6d-abcde", 24, "~")
    assert len(cut) == 24 and cut.startswith("payments-pro") and cut.endswith("abcde")


def test_help_has_examples_and_exit_codes() -> None:
    result = run_cli("matrix", "--help")
    assert result.exit_code == 0
    for text in ("Usage: netpath matrix", "Examples:", "netpath matrix --port 8080",
                 "--namespace", "--selector", "--port", "--protocol", "tcp|udp|sctp",
                 "text|json|csv|md", "Exit codes"):
        assert text in result.stdout, text
    assert "matrix" in run_cli("--help").stdout


# --- the real loader and engine ---------------------------------------------------------------


def test_the_default_scenario_through_the_engine(tmp_path: Path) -> None:
    """No --spec: the embedded scenario, its EKS cluster on VPC prod. secure-backend admits only
    app=frontend, so pod-a reaches every backend pod on 8080 and pod-b none."""
    result = run_cli("matrix", "--port", "8080", "--format", "json", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("note: no spec given")
    pairs = {(p["from"], p["to"]): (p["reachable"], p["code"]) for p in result.json["pairs"]}
    backends = [name for name in result.json["pods"] if name.startswith("default/backend-")]
    assert len(backends) == 3
    for backend in backends:
        assert pairs[("default/pod-a", backend)] == (True, None)
        assert pairs[("default/pod-b", backend)] == (False, "NETPOL_INGRESS_DENIED")
    text = run_cli("matrix", "--port", "8080", cwd=tmp_path)
    assert "rows are sources, columns destinations (10 pods)" in text.stdout
    assert max(len(line) for line in text.stdout.splitlines()) <= 80
