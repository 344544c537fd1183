"""The drill's own file handling: a bounded, non-blocking read of regular files only, and the
lock that serialises drills writing their progress (flock, or an O_EXCL lock file)."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from netpath.drill import files, stats
from netpath.drill.files import BadFile, read_regular

ANSWER = [("aws", True)]


def test_a_regular_file_is_read_up_to_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 20)
    assert read_regular(path, 20) == b"x" * 20
    with pytest.raises(BadFile, match=r"^is larger than 9 bytes \(20 bytes\)$"):
        read_regular(path, 9)


def test_the_read_stops_at_the_limit_whatever_the_size_says() -> None:
    # /proc files say they are empty and are not: the bound is on what is read.
    with pytest.raises(BadFile, match=r"^is larger than 10 bytes$"):
        read_regular(Path("/proc/self/status"), 10)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    started = time.monotonic()
    with pytest.raises(BadFile, match=r"^is a named pipe \(FIFO\), not a regular file$"):
        read_regular(tmp_path / "fifo", 100)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("/dev/zero", "is a symbolic link to '/dev/zero', a character device, not a regular "
                      "file"),
        (".", "is a symbolic link to '.', a directory, not a regular file"),
        ("link", "cannot be opened: Too many levels of symbolic links"),
        ("nothing-there", "is a symbolic link to nothing"),
    ],
)
def test_what_a_symbolic_link_leads_to_is_judged(tmp_path: Path, target: str,
                                                 reason: str) -> None:
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(BadFile) as caught:
        read_regular(tmp_path / "link", 100)
    assert caught.value.reason == reason


def test_nothing_there_and_a_parent_that_is_no_directory_are_not_bad_files(
        tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_regular(tmp_path / "missing", 100)
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError):
        read_regular(tmp_path / "file" / "child", 100)


@pytest.mark.parametrize(("limit", "words"),
                         [(1 << 20, "1 MiB"), (64 << 10, "64 KiB"), (1000, "1,000 bytes")])
def test_sizes_in_words(limit: int, words: str) -> None:
    assert files.size(limit) == words


# -- the lock ----------------------------------------------------------------------------------


def test_a_drill_that_cannot_get_the_lock_in_time_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "LOCK_WAIT", 0.1)
    path = tmp_path / "drill-stats.json"
    stats.record_session(path, ANSWER, "d")
    before = path.read_text()
    lock = tmp_path / "drill-stats.json.lock"
    with lock.open("r+b") as held:  # another drill, in the middle of writing
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        notes = stats.record_session(path, ANSWER, "d")
    assert notes == [f"progress not saved: another drill has held {str(lock)!r} for over 0.1 s"]
    assert path.read_text() == before
    assert stats.record_session(path, ANSWER, "d") == []  # released: the next one counts
    assert stats.load(path).stats.sessions == 2


def test_without_flock_a_fresh_lock_file_is_waited_for(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "HAVE_FLOCK", False)
    monkeypatch.setattr(files, "LOCK_WAIT", 0.1)
    path = tmp_path / "drill-stats.json"
    lock = tmp_path / "drill-stats.json.lock"
    lock.touch()  # another drill holds it
    notes = stats.record_session(path, ANSWER, "d")
    assert notes == [f"progress not saved: another drill has held {str(lock)!r} for over 0.1 s"]
    assert not path.exists()
    lock.unlink()
    assert stats.record_session(path, ANSWER, "d") == []
    assert os.listdir(tmp_path) == ["drill-stats.json"]  # the lock file goes with the lock


def test_without_flock_a_dead_drills_lock_file_is_taken_over(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "HAVE_FLOCK", False)
    path = tmp_path / "drill-stats.json"
    lock = tmp_path / "drill-stats.json.lock"
    lock.touch()
    old = time.time() - files.STALE_AFTER - 1
    os.utime(lock, (old, old))
    assert stats.record_session(path, ANSWER, "d") == []
    assert stats.load(path).stats.sessions == 1
    assert os.listdir(tmp_path) == ["drill-stats.json"]


def _lock_directory(lock: Path) -> str:
    lock.mkdir()
    return f"cannot lock {str(lock)!r}: Is a directory"


def _lock_fifo(lock: Path) -> str:
    os.mkfifo(lock)
    return f"the lock file {str(lock)!r} is a named pipe (FIFO), not a regular file"


def _lock_symlink(lock: Path) -> str:
    lock.symlink_to("/dev/zero")
    return f"cannot lock {str(lock)!r}: Too many levels of symbolic links"


@pytest.mark.parametrize("make", [_lock_directory, _lock_fifo, _lock_symlink],
                         ids=["directory", "fifo", "symlink"])
def test_a_lock_file_that_is_no_file_is_reported_and_left(tmp_path: Path,
                                                         make: Callable[[Path], str]) -> None:
    lock = tmp_path / "drill-stats.json.lock"
    message = make(lock)
    started = time.monotonic()
    notes = stats.record_session(tmp_path / "drill-stats.json", ANSWER, "d")
    assert time.monotonic() - started < 5
    assert notes == [f"progress not saved: {message}"]
    assert os.listdir(tmp_path) == ["drill-stats.json.lock"]
