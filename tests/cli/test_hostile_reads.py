"""Reads that never end and input silently left out (issue 11): netpath reads only regular
files, every read is bounded, a glob never walks round a symbolic link loop, and whatever it
cannot read is an error naming the file and what it is (exit 2), never a hang, a MemoryError
or "no expectations".

Input that hung or took all the memory before runs in a child process with a time and memory
limit (`run_cli_process`), so that a regression fails the test instead of the suite.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.checks.specs import GOOD, SMALL
from tests.cli.helpers import run_cli, run_cli_process

FIFO_SAYS = "a named pipe (FIFO), not a regular file"
KUBE_SPEC = """\
netpath: 1
clusters:
  dev:
    manifests: [{entry}]
"""
POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec: {containers: [{name: web, image: nginx}]}
"""

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symlinks")


def _kube_project(tmp_path: Path, entry: str) -> Path:
    (tmp_path / "netpath.yaml").write_text(KUBE_SPEC.format(entry=entry), encoding="utf-8")
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "pod.yaml").write_text(POD, encoding="utf-8")
    return tmp_path


def _stats_file(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "netpath" / "drill-stats.json"
    path.parent.mkdir(parents=True)
    return path


# --- a FIFO wherever netpath reads a file ----------------------------------------------------


def test_a_fifo_as_spec_is_refused_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "spec.yaml")
    result = run_cli_process("show", "--spec", "spec.yaml", cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"cannot read spec.yaml: {FIFO_SAYS} "
        "(netpath reads a stream only from standard input: --spec -)",
        "1 error in spec",
    ]


def test_a_fifo_in_netpath_spec_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    result = run_cli_process("show", env={"NETPATH_SPEC": "pipe"}, cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert f"cannot read pipe: {FIFO_SAYS}" in result.stderr


@pytest.mark.parametrize("entry", ["k8s/", "k8s/live.yaml", "k8s/*.yaml"])
def test_a_fifo_as_a_manifest_is_refused(tmp_path: Path, entry: str) -> None:
    """Named in the list, found in a listed directory, or matched by a glob."""
    project = _kube_project(tmp_path, entry)
    os.mkfifo(project / "k8s" / "live.yaml")
    result = run_cli_process("show", "--spec", "netpath.yaml", cwd=project)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"netpath.yaml:4:17: clusters.dev.manifests[0]: cannot read k8s/live.yaml: {FIFO_SAYS}",
        "1 error in spec",
    ]


@pytest.mark.parametrize("given", [True, False], ids=["argument", "beside-the-spec"])
def test_a_fifo_as_expectations_is_refused(tmp_path: Path, given: bool) -> None:
    (tmp_path / "netpath.yaml").write_text(SMALL, encoding="utf-8")
    os.mkfifo(tmp_path / "netpath-expect.yaml")
    args = ["netpath-expect.yaml"] if given else []
    result = run_cli_process("check", *args, cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"cannot read netpath-expect.yaml: {FIFO_SAYS}",
        "1 error in the expectations",
    ]


def test_a_fifo_as_drill_progress_is_reported_not_waited_on(tmp_path: Path) -> None:
    path = _stats_file(tmp_path)
    os.mkfifo(path)
    result = run_cli_process("drill", "--stats", env={"XDG_DATA_HOME": str(tmp_path / "data")},
                             cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"warning: {str(path)!r} is {FIFO_SAYS}")


# --- reads that never end: /dev/zero and a huge sparse file -----------------------------------


def test_answers_from_dev_zero_are_refused(tmp_path: Path) -> None:
    result = run_cli_process("drill", "--seed", "1", "--count", "1", "--answers", "/dev/zero",
                             cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: the answers file '/dev/zero' is a character "
                                    "device, not a regular file")


def test_a_drill_reading_answers_from_dev_zero_ends(tmp_path: Path) -> None:
    """Standard input that never ends a line: each answer line is read up to a bound."""
    result = run_cli_process("drill", "--seed", "1", "--count", "2", "--format", "json",
                             "--scenario", "three-tier", cwd=tmp_path, stdin=Path("/dev/zero"))
    assert result.exit_code == 0, result.output
    assert len(result.json["questions"]) == 2


def test_spec_from_dev_zero_on_standard_input_stops_at_the_limit(tmp_path: Path) -> None:
    result = run_cli_process("show", "--spec", "-", env={"NETPATH_MAX_SPEC_BYTES": "1M"},
                             cwd=tmp_path, stdin=Path("/dev/zero"))
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "<stdin>: more than the 1 MB limit (set NETPATH_MAX_SPEC_BYTES to raise it)",
        "1 error in spec",
    ]


def test_drill_progress_linked_to_dev_zero_is_reported(tmp_path: Path) -> None:
    path = _stats_file(tmp_path)
    path.symlink_to("/dev/zero")
    result = run_cli_process("drill", "--stats", env={"XDG_DATA_HOME": str(tmp_path / "data")},
                             cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(
        f"warning: {str(path)!r} is a symbolic link to '/dev/zero', a character device, not a "
        "regular file")


def test_a_huge_sparse_drill_progress_file_is_not_read(tmp_path: Path) -> None:
    path = _stats_file(tmp_path)
    with path.open("wb") as file:
        file.truncate(8 * 1024**3)  # 8 GB, of which nothing is on disk
    result = run_cli_process("drill", "--stats", env={"XDG_DATA_HOME": str(tmp_path / "data")},
                             cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(
        f"warning: {str(path)!r} is larger than 1 MiB (8,589,934,592 bytes)")


# --- globs and symbolic links --------------------------------------------------------------


def test_a_glob_does_not_walk_round_a_symbolic_link_loop(tmp_path: Path) -> None:
    project = _kube_project(tmp_path, '"**/*.yaml"')
    (project / "netpath.yaml").rename(project / "spec.yml")  # out of the glob's way
    (project / "a").symlink_to(".")
    (project / "b").symlink_to(".")
    result = run_cli_process("show", "--spec", "spec.yml", cwd=project)
    assert result.exit_code == 2, result.output
    hint = "(netpath does not follow it: remove the link, or narrow the glob)"
    assert result.stderr.splitlines() == [
        f"spec.yml:4:17: clusters.dev.manifests[0]: a symbolic link loop: '{name}' leads back "
        f"to '.', a folder the glob is already in {hint}" for name in "ab"
    ] + ["2 errors in spec"]


def test_a_manifest_that_links_to_itself_is_an_error(tmp_path: Path) -> None:
    project = _kube_project(tmp_path, "k8s/")
    (project / "k8s" / "loop.yaml").symlink_to("loop.yaml")
    result = run_cli("show", "--spec", "netpath.yaml", cwd=project)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "netpath.yaml:4:17: clusters.dev.manifests[0]: cannot read k8s/loop.yaml: too many "
        "levels of symbolic links",
        "1 error in spec",
    ]


# --- input silently left out ----------------------------------------------------------------


@pytest.mark.parametrize(("make", "says"), [
    (lambda p: p.symlink_to("gone.yaml"), "a symbolic link to 'gone.yaml', which does not exist"),
    (lambda p: p.mkdir(), "a directory, not a regular file"),
], ids=["dangling-link", "directory"])
def test_expectations_that_cannot_be_read_are_an_error_not_none(
        tmp_path: Path, make: object, says: str) -> None:
    (tmp_path / "netpath.yaml").write_text(SMALL, encoding="utf-8")
    make(tmp_path / "netpath-expect.yaml")  # type: ignore[operator]
    result = run_cli("check", cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        f"cannot read netpath-expect.yaml: {says}", "1 error in the expectations"]


def test_a_spec_directory_holding_a_broken_expectations_link_does_not_look_beside(
        tmp_path: Path) -> None:
    (tmp_path / "prod").mkdir()
    (tmp_path / "prod" / "network.yaml").write_text(SMALL, encoding="utf-8")
    (tmp_path / "prod" / "netpath-expect.yaml").symlink_to("gone.yaml")
    (tmp_path / "netpath-expect.yaml").write_text(GOOD, encoding="utf-8")
    result = run_cli("check", "--spec", "prod", cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert "cannot read prod/netpath-expect.yaml: a symbolic link to 'gone.yaml'" in result.stderr


def test_a_dangling_link_in_a_spec_directory_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "prod").mkdir()
    (tmp_path / "prod" / "network.yaml").write_text(SMALL, encoding="utf-8")
    (tmp_path / "prod" / "peering.yaml").symlink_to("../shared/peering.yaml")
    result = run_cli("show", "--spec", "prod", cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "cannot read prod/peering.yaml: a symbolic link to '../shared/peering.yaml', which "
        "does not exist",
        "1 error in spec",
    ]


@pytest.mark.parametrize("entry", ["k8s/", "k8s/*.yaml"])
def test_a_dangling_manifest_link_is_an_error(tmp_path: Path, entry: str) -> None:
    project = _kube_project(tmp_path, entry)
    (project / "k8s" / "db.yaml").symlink_to("../rendered/db.yaml")
    result = run_cli("show", "--spec", "netpath.yaml", cwd=project)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [
        "netpath.yaml:4:17: clusters.dev.manifests[0]: cannot read k8s/db.yaml: a symbolic "
        "link to '../rendered/db.yaml', which does not exist",
        "1 error in spec",
    ]


def test_a_dangling_netpath_yaml_is_an_error_not_the_default_scenario(tmp_path: Path) -> None:
    (tmp_path / "netpath.yaml").symlink_to("specs/prod.yaml")
    result = run_cli("show", cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-2:] == [
        "cannot read netpath.yaml: a symbolic link to 'specs/prod.yaml', which does not exist",
        "1 error in spec",
    ]
