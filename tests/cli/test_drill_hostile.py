"""`netpath drill` against hostile inputs of its own: the progress file and the answers.

Drills that finish at once all count; a progress file that is corrupt, deeply nested, huge, a
directory, a FIFO, a device, a symbolic link loop or unreadable never stops a drill: one line
says so, the file is moved aside whole as `drill-stats.json.bad-<UTC time>`, and the new
progress is saved. `--answers FILE` is a regular file of bounded size; a line of standard input
is bounded too.

Each drill here runs in a forked child (`drill_in_child`) with a time and a memory limit: what
these inputs did before (hang on a FIFO, read /dev/zero until memory ran out) fails the test
instead of the test run. The child runs the CLI in-process, as `run_cli` does, with the fake
question generator; forking after a warm-up run keeps each child to a few tens of milliseconds.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import queue
import resource
import signal
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import pytest

import netpath.cli.drill
from netpath.drill import files
from netpath.drill.stats import MAX_BYTES
from tests.cli.helpers import Result, run_cli
from tests.drill.fakes import FakeGenerator, fake_judge

SESSION = ("drill", "--seed", "1", "--count", "3", "--scenario", "three-tier")
ANSWERS = "1\n2\n3\n"
CHILD_SECONDS = 10  # a child still running after this is a hang
CHILD_MEMORY = 1 << 30  # bytes of address space a child may add to what it inherits

FORK = multiprocessing.get_context("fork")


@pytest.fixture(autouse=True)
def generator(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    fake = FakeGenerator()
    monkeypatch.setattr(netpath.cli.drill, "load_machinery", lambda: (fake, fake_judge))
    # Warm up in this process, so that forked children import nothing more.
    warm = tmp_path_factory.mktemp("warm-up")
    run_cli(*SESSION, stdin=ANSWERS, env={"XDG_DATA_HOME": str(warm)})


def _limit_child() -> None:
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the default action ends the process
    signal.alarm(CHILD_SECONDS)
    with open("/proc/self/statm") as statm:
        inherited = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (inherited + CHILD_MEMORY, resource.RLIM_INFINITY))


def _child(args: tuple[str, ...], env: dict[str, str], stdin: Callable[[], str | TextIO],
           start: Any, results: Any) -> None:
    _limit_child()
    if start is not None:
        start.wait()
    results.put(run_cli(*args, env=env, stdin=stdin()))


def drill_in_child(*args: str, env: dict[str, str],
                   stdin: Callable[[], str | TextIO] = lambda: ANSWERS) -> Result:
    return drills_in_children(1, args, env, stdin)[0]


def drills_in_children(n: int, args: tuple[str, ...], env: dict[str, str],
                       stdin: Callable[[], str | TextIO] = lambda: ANSWERS) -> list[Result]:
    """`n` drills at once, each in a forked child (they start together, at a barrier)."""
    results = FORK.Queue()
    start = FORK.Barrier(n) if n > 1 else None
    children = [FORK.Process(target=_child, args=(args, env, stdin, start, results))
                for _ in range(n)]
    for child in children:
        child.start()
    try:
        out = [results.get(timeout=CHILD_SECONDS + 5) for _ in children]
    except queue.Empty:
        codes = [child.exitcode for child in children]
        pytest.fail(f"a drill hung or ran out of memory (exit codes {codes})")
    finally:
        for child in children:
            child.join(CHILD_SECONDS + 5)
            if child.is_alive():
                child.kill()
    return out


def progress(data: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((data / "netpath" / "drill-stats.json").read_text())
    return document


# -- drills at once -----------------------------------------------------------------------------


@pytest.mark.parametrize("lock", ["flock", "exclusive lock file"])
def test_drills_that_finish_at_once_all_count(tmp_path: Path, lock: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    if lock != "flock":  # the fallback where there is no fcntl, tested here on Linux
        monkeypatch.setattr(files, "HAVE_FLOCK", False)
    env = {"XDG_DATA_HOME": str(tmp_path)}
    results = drills_in_children(8, (*SESSION, "--format", "json"), env)
    assert [(r.exit_code, r.stderr) for r in results] == [(0, "")] * 8
    assert progress(tmp_path)["sessions"] == 8
    asked = sum(topic["asked"] for topic in progress(tmp_path)["topics"].values())
    assert asked == 8 * 3
    # The flock file stays (removing it would let two drills lock different files); the
    # exclusive lock file goes; no temporary file is left either way.
    left = sorted(os.listdir(tmp_path / "netpath"))
    lock_file = ["drill-stats.json.lock"] if lock == "flock" else []
    assert left == ["drill-stats.json", *lock_file]


def test_the_lock_is_not_held_while_the_drill_waits_for_answers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from netpath.drill import stats

    monkeypatch.setattr(files, "LOCK_WAIT", 0.2)
    path = tmp_path / "netpath" / "drill-stats.json"
    notes: list[list[str]] = []

    class Answers(io.StringIO):
        def readline(self, size: int | None = -1) -> str:
            # Another drill finishes while this one waits for an answer.
            notes.append(stats.record_session(path, [("aws", True)], "2025-03-01"))
            return super().readline(size)

    result = run_cli(*SESSION, "--format", "json", stdin=Answers(ANSWERS),
                     env={"XDG_DATA_HOME": str(tmp_path)})
    assert (result.exit_code, result.stderr) == (0, "")
    assert notes and all(n == [] for n in notes)
    assert progress(tmp_path)["sessions"] == len(notes) + 1


# -- a progress file that cannot be used ---------------------------------------------------------


def _nested(path: Path) -> None:
    path.write_text("[" * 100_000 + "]" * 100_000)


def _huge(path: Path) -> None:
    path.write_bytes(b" " * MAX_BYTES + b"{}")


def _sparse(path: Path) -> None:
    with path.open("wb") as out:
        out.truncate(8 << 30)  # 8 GiB of holes: no disk used


def _directory(path: Path) -> None:
    path.mkdir()
    (path / "inside").write_text("mine")


def _symlink_to_dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _symlink_loop(path: Path) -> None:
    path.symlink_to(path.name)


def _dangling_symlink(path: Path) -> None:
    path.symlink_to("not-there")


def _unreadable(path: Path) -> None:
    path.write_text('{"netpath-drill-stats": 1, "sessions": 3, "topics": {}}')
    path.chmod(0)


def _fingerprint(path: Path) -> object:
    """What the user had at `path`, to check that it is kept whole: the bytes of a file (a
    sparse one by size), the target of a symbolic link, a directory's listing, a FIFO's kind."""
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode):
        return ("symlink", os.readlink(path))
    if stat.S_ISDIR(mode):
        return ("directory", {p.name: p.read_text() for p in path.iterdir()})
    if stat.S_ISFIFO(mode):
        return ("fifo",)
    if os.stat(path).st_size > MAX_BYTES * 4:
        return ("sparse", os.stat(path).st_size)
    if not os.access(path, os.R_OK):
        return ("unreadable", os.stat(path).st_size)
    return ("file", path.read_bytes())


BAD_FILES = {
    "corrupt": (lambda p: p.write_text("{half a file"),
                "is not a drill stats file (Expecting property name enclosed in double quotes: "
                "line 1 column 2 (char 1))"),
    "wrong types": (lambda p: p.write_text(
        '{"netpath-drill-stats": 1, "sessions": "3", "topics": {}}'),
        "is not a drill stats file (sessions is not a count: \"3\")"),
    "wrong topic types": (lambda p: p.write_text(
        '{"netpath-drill-stats": 1, "sessions": 3, "topics": {"aws": {"asked": 2, '
        '"correct": 1, "last": 20250301}}}'),
        "is not a drill stats file (topic 'aws': 'last' is not a date: 20250301)"),
    "deeply nested": (_nested, "is not a drill stats file (JSON nested too deeply)"),
    "huge": (_huge, "is larger than 1 MiB (1,048,578 bytes)"),
    "sparse 8 GiB": (_sparse, "is larger than 1 MiB (8,589,934,592 bytes)"),
    "directory": (_directory, "is a directory, not a regular file"),
    "fifo": (os.mkfifo, "is a named pipe (FIFO), not a regular file"),
    "symlink to /dev/zero": (_symlink_to_dev_zero, "is a symbolic link to '/dev/zero', a "
                             "character device, not a regular file"),
    "symlink loop": (_symlink_loop, "cannot be opened: Too many levels of symbolic links"),
    "dangling symlink": (_dangling_symlink, "is a symbolic link to nothing"),
    "unreadable": (_unreadable, "cannot be opened: Permission denied"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_progress_file_is_moved_aside_and_the_drill_starts_afresh(
        tmp_path: Path, case: str) -> None:
    if case == "unreadable" and os.geteuid() == 0:
        pytest.skip("root reads any file")
    make, reason = BAD_FILES[case]
    folder = tmp_path / "netpath"
    folder.mkdir()
    path = folder / "drill-stats.json"
    make(path)
    before = _fingerprint(path)

    result = drill_in_child(*SESSION, env={"XDG_DATA_HOME": str(tmp_path)})

    assert result.exit_code == 0
    assert "Score: " in result.stdout
    kept = [p for p in folder.iterdir() if p.name.startswith("drill-stats.json.bad-")]
    assert len(kept) == 1, sorted(os.listdir(folder))
    assert result.stderr == (f"warning: earlier progress not used: {str(path)!r} {reason}; "
                             f"kept it as {str(kept[0])!r} and started afresh\n")
    assert _fingerprint(kept[0]) == before  # what the user had, whole
    assert kept[0].name[len("drill-stats.json.bad-"):].endswith("Z")
    assert progress(tmp_path)["sessions"] == 1
    # The next drill counts on the new file, and says nothing.
    again = drill_in_child(*SESSION, env={"XDG_DATA_HOME": str(tmp_path)})
    assert (again.exit_code, again.stderr) == (0, "")
    assert progress(tmp_path)["sessions"] == 2


@pytest.mark.parametrize("case", ["deeply nested", "fifo", "symlink to /dev/zero", "sparse 8 GiB"])
def test_a_bad_progress_file_does_not_stop_a_drill_from_starting(tmp_path: Path,
                                                                 case: str) -> None:
    """Without --seed the drill reads its progress first, to weigh the topics."""
    make, _ = BAD_FILES[case]
    (tmp_path / "netpath").mkdir()
    make(tmp_path / "netpath" / "drill-stats.json")
    stats = drill_in_child("drill", "--stats", env={"XDG_DATA_HOME": str(tmp_path)})
    assert stats.exit_code == 0
    assert stats.stderr.endswith("; the next drill moves it aside and starts afresh\n")
    assert stats.stderr.count("\n") == 1
    result = drill_in_child("drill", "--count", "2", "--format", "json",
                            env={"XDG_DATA_HOME": str(tmp_path)})
    assert result.exit_code == 0
    assert result.stderr.startswith("warning: earlier progress not used: ")
    assert result.stderr.count("\n") == 1
    assert progress(tmp_path)["sessions"] == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_bad_file_that_cannot_be_moved_aside_is_left_and_said(tmp_path: Path) -> None:
    folder = tmp_path / "netpath"
    folder.mkdir()
    path = folder / "drill-stats.json"
    _unreadable(path)
    (folder / "drill-stats.json.lock").touch()
    folder.chmod(0o500)
    try:
        result = drill_in_child(*SESSION, env={"XDG_DATA_HOME": str(tmp_path)})
    finally:
        folder.chmod(0o700)
    assert result.exit_code == 0
    assert result.stderr == (f"warning: progress not saved: {str(path)!r} cannot be opened: "
                             "Permission denied, and it cannot be moved aside: Permission "
                             "denied\n")
    assert sorted(os.listdir(folder)) == ["drill-stats.json", "drill-stats.json.lock"]
    path.chmod(0o600)
    assert json.loads(path.read_text())["sessions"] == 3


# -- the answers ---------------------------------------------------------------------------------


def _answers_fifo(folder: Path) -> Path:
    os.mkfifo(folder / "answers")
    return folder / "answers"


def _answers_huge(folder: Path) -> Path:
    (folder / "answers").write_text("1\n" * (MAX_BYTES // 2 + 1))
    return folder / "answers"


def _answers_directory(folder: Path) -> Path:
    (folder / "answers").mkdir()
    return folder / "answers"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda folder: Path("/dev/zero"), "is a character device, not a regular file"),
        (_answers_fifo, "is a named pipe (FIFO), not a regular file"),
        (_answers_huge, "is larger than 1 MiB (1,048,578 bytes)"),
        (_answers_directory, "is a directory, not a regular file"),
    ],
    ids=["dev-zero", "fifo", "huge", "directory"],
)
def test_answers_file_must_be_a_regular_file_of_bounded_size(
        tmp_path: Path, make: Callable[[Path], Path], reason: str) -> None:
    answers = str(make(tmp_path))
    result = drill_in_child(*SESSION, "--answers", answers, env={})
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"error: the answers file {answers!r} {reason} (--answers FILE takes one answer per "
        "line, at most 1 MiB; answers from a command can be piped to standard input)\n")


def test_standard_input_from_dev_zero_ends_the_answers(tmp_path: Path) -> None:
    result = drill_in_child(*SESSION, env={"XDG_DATA_HOME": str(tmp_path)},
                            stdin=lambda: open("/dev/zero", encoding="utf-8"))  # noqa: SIM115
    assert result.exit_code == 0
    assert result.stderr == ("warning: standard input has a line longer than 65,536 "
                             "characters; no more answers are read\n")
    assert "3 questions unanswered" in result.stdout
    assert not (tmp_path / "netpath").exists()  # nothing answered: nothing to record


def test_a_long_line_on_standard_input_ends_the_answers() -> None:
    result = run_cli(*SESSION, stdin="1\n" + "x" * 100_000 + "\n2\n")
    assert result.exit_code == 0
    assert result.stderr == ("warning: standard input has a line longer than 65,536 "
                             "characters; no more answers are read\n")
    assert "2 questions unanswered" in result.stdout
    # A line of exactly the bound is an answer like any other.
    fits = run_cli(*SESSION, stdin="x" * 65_536 + "\n1\n2\n")
    assert (fits.exit_code, fits.stderr) == (0, "")
