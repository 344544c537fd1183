"""The one way netpath reads a file or a stream: regular files only, and never past a limit.

Every file netpath reads goes through `read_bytes`: spec files, manifests, expectations, the
drill's answers and its progress file. A path that is not a regular file (a named pipe, a
socket, a device, a directory) is refused before a byte is read, saying what it is: a FIFO
blocks its reader until someone writes, and `/dev/zero` never ends. The file is opened without
blocking (a FIFO put in its place after the first look cannot hang the open either), checked
again with fstat on the open descriptor, refused when its size is over the limit (an 8 GB
sparse file costs nothing to refuse), and read up to one byte past the limit, in chunks, so
that a file growing while it is read is bounded too. Standard input, a pipe by nature, is read
by `read_limited` with the same bound.

Errors are OSErrors whose `strerror` is the sentence to show, so that a caller that reports
`cannot read FILE: <reason>` for any OSError needs nothing more.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import AnyStr

CHUNK = 1024 * 1024  # bytes (or characters) asked of the file or stream at a time
# Flags for the open: never block (a FIFO opened for reading waits for a writer), never make a
# terminal our controlling one, never leak the descriptor into a child process.
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


class NotRegularFile(OSError):
    """The path names something other than a regular file; `strerror` says what it is."""

    def __init__(self, path: Path, mode: int) -> None:
        what = _through_link(path, file_kind(mode))
        super().__init__(errno.EINVAL, f"{what}, not a regular file", str(path))
        # A stream (`--spec <(kubectl ...)` is a pipe, /dev/stdin may be a terminal): netpath
        # reads one only as standard input.
        self.is_stream = stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


class TooLarge(OSError):
    """More bytes than the limit; `size` is the file's size (None for a stream)."""

    def __init__(self, size: int | None, limit: int, path: str | None = None) -> None:
        reason = (f"more than the {megabytes(limit)} limit" if size is None
                  else f"file is {megabytes(size)}, more than the {megabytes(limit)} limit")
        super().__init__(errno.EFBIG, reason, path)
        self.size, self.limit = size, limit


def megabytes(n: int) -> str:
    text = f"{n / (1024 * 1024):.1f}".removesuffix(".0")
    return f"{n} bytes" if text in ("0", "0.0") else f"{text} MB"


def file_kind(mode: int) -> str:
    """What a file of this mode is, as a user would say it."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "a regular file" if stat.S_ISREG(mode) else "a special file"


def _through_link(path: Path, what: str) -> str:
    """`what`, saying where a symbolic link points when `path` is one."""
    try:
        target = os.readlink(path)
    except OSError:
        return what
    return f"a symbolic link to {target!r}, {what}"


def missing(path: Path) -> FileNotFoundError:
    """The error for a path that does not exist; a dangling symbolic link says where it points
    (the user sees the link in the directory, and `no such file` would puzzle them)."""
    if os.path.islink(path):
        return FileNotFoundError(errno.ENOENT,
                                 _through_link(path, "which does not exist"), str(path))
    return FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))


def regular_file_error(path: Path) -> OSError | None:
    """Why `path` cannot be read as a regular file (it does not exist, is a dangling link, a
    directory, a FIFO...), or None when it is one. Reads nothing, opens nothing."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return missing(path)
    except OSError as exc:
        return exc
    if stat.S_ISREG(mode):
        return None
    return NotRegularFile(path, mode)


def read_bytes(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them.

    Raises FileNotFoundError (a dangling symbolic link says so), NotRegularFile, TooLarge, or
    the OSError of the open or the read."""
    problem = regular_file_error(path)
    if problem is not None:
        raise problem
    fd = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # replaced between the look and the open
            raise NotRegularFile(path, info.st_mode)
        if info.st_size > limit:
            raise TooLarge(info.st_size, limit, str(path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return read_up_to(lambda n: os.read(fd, n), limit, str(path))
    finally:
        os.close(fd)


def read_limited(read: Callable[[int], AnyStr], limit: int) -> AnyStr:
    """What a stream's `read` gives until it ends, at most `limit` bytes (or characters, for a
    text stream: a lower bound of its bytes). Raises TooLarge (with no size) past the limit."""
    return read_up_to(read, limit, None)


def read_up_to(read: Callable[[int], AnyStr], limit: int, path: str | None) -> AnyStr:
    """Read in chunks until the end, or until one unit past `limit` (then TooLarge)."""
    first = read(min(CHUNK, limit + 1))
    parts, total = [first], len(first)
    while parts[-1] and total <= limit:
        chunk = read(min(CHUNK, limit + 1 - total))
        parts.append(chunk)
        total += len(chunk)
    if total > limit:
        raise TooLarge(None if path is None else total, limit, path)
    return first[:0].join(parts)
