"""The one bounded reader (`netpath.load.reading`): regular files only, never past the limit,
and no open that blocks."""

from __future__ import annotations

import io
import os
import socket
from pathlib import Path

import pytest

from netpath.load.files import read_text_file
from netpath.load.reading import (
    NotRegularFile,
    TooLarge,
    read_bytes,
    read_limited,
    regular_file_error,
)

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and sockets")


def test_a_regular_file_is_read_whole_up_to_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    assert read_bytes(path, 10) == b"x" * 10
    with pytest.raises(TooLarge) as caught:
        read_bytes(path, 9)
    assert (caught.value.size, caught.value.strerror) == (
        10, "file is 10 bytes, more than the 9 bytes limit")


def test_a_huge_sparse_file_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge"
    with path.open("wb") as file:
        file.truncate(8 * 1024**3)
    with pytest.raises(TooLarge) as caught:
        read_bytes(path, 1024)
    assert caught.value.size == 8 * 1024**3


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    with pytest.raises(NotRegularFile) as caught:
        read_bytes(path, 1024)
    assert caught.value.strerror == "a named pipe (FIFO), not a regular file"
    assert caught.value.is_stream


@pytest.mark.parametrize(("make", "says", "stream"), [
    (lambda p: p.mkdir(), "a directory, not a regular file", False),
    (lambda p: p.symlink_to("/dev/zero"),
     "a symbolic link to '/dev/zero', a character device, not a regular file", True),
    (lambda p: p.symlink_to("nowhere"), "a symbolic link to 'nowhere', which does not exist",
     False),
    (lambda p: p.symlink_to(p.name), "Too many levels of symbolic links", False),
], ids=["directory", "link-to-dev-zero", "dangling-link", "link-loop"])
def test_what_is_not_a_regular_file_says_what_it_is(tmp_path: Path, make: object, says: str,
                                                    stream: bool) -> None:
    path = tmp_path / "x.yaml"
    make(path)  # type: ignore[operator]
    problem = regular_file_error(path)
    assert problem is not None and problem.strerror == says
    assert getattr(problem, "is_stream", False) is stream
    with pytest.raises(OSError) as caught:
        read_bytes(path, 1024)
    assert caught.value.strerror == says


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    with socket.socket(socket.AF_UNIX) as server:
        try:
            server.bind(str(path))
        except OSError as exc:  # a path too long for a socket address on this machine
            pytest.skip(f"cannot bind a unix socket here: {exc}")
        assert read_text_file(path, "s.yaml")[1][0].message == (
            "cannot read s.yaml: a socket, not a regular file")


def test_a_stream_is_read_in_chunks_and_stops_one_past_the_limit() -> None:
    asked: list[int] = []

    class Endless(io.RawIOBase):
        def read(self, size: int = -1) -> bytes:
            asked.append(size)
            return b"\0" * size

    with pytest.raises(TooLarge) as caught:
        read_limited(Endless().read, 3 * 1024 * 1024)
    assert caught.value.size is None
    assert caught.value.strerror == "more than the 3 MB limit"
    assert max(asked) <= 1024 * 1024 and sum(asked) == 3 * 1024 * 1024 + 1
    assert read_limited(io.BytesIO(b"abc").read, 3) == b"abc"
    assert read_limited(io.StringIO("abc").read, 3) == "abc"
