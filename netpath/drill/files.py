"""The drill's own files: a bounded read of a regular file, and a lock beside the progress file.

`read_regular` reads only a regular file, at most `limit` bytes, and never blocks: it opens
with O_NONBLOCK (a FIFO opens at once instead of waiting for a writer) and looks at what it
opened before reading (a FIFO, a device such as /dev/zero, a directory is refused by kind). It
is small and local on purpose: the drill reads two files (its progress and `--answers`).

`locked` serialises the drills that write the progress file: an exclusive `flock` on a lock
file beside it (created once and left there: removing a flock'd file would let two drills lock
two different files), or, where there is no fcntl, the lock file itself created with O_EXCL and
removed afterwards (one older than STALE_AFTER seconds is left over by a drill that died, and
is taken over). Either way the wait is bounded: a drill never hangs on its progress.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from netpath.load.reading import NotRegularFile, TooLarge, file_kind, read_bytes

try:
    import fcntl

    HAVE_FLOCK = True
except ImportError:  # not POSIX: the O_EXCL lock file below
    HAVE_FLOCK = False

LOCK_WAIT = 10.0  # seconds to wait for another drill to finish writing (each takes milliseconds)
STALE_AFTER = 5.0  # seconds after which an O_EXCL lock file is a dead drill's (no fcntl only)
_POLL = 0.005

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# What makes the file itself unreadable (rather than the disk, or a parent that is no
# directory): a symbolic link loop, no permission, a socket or a device without a driver.
_BAD_FILE_ERRNOS = frozenset({errno.ELOOP, errno.EACCES, errno.EPERM, errno.ENXIO,
                              errno.EISDIR})



class BadFile(Exception):
    """The path names something that is not a readable regular file of at most the limit.
    `reason` reads after the file's name: "is a directory", "is larger than 1 MiB"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LockTimeout(Exception):
    """Another drill held the lock for longer than LOCK_WAIT."""


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at `path` (symbolic links followed), at most `limit`,
    through netpath's one bounded reader (`netpath.load.reading`).

    Raises FileNotFoundError when there is nothing at `path`; BadFile when what is there is
    no regular file, is larger than `limit`, or cannot be opened for what it is (a symbolic
    link loop or one to nothing, no permission); OSError for the rest (a parent that is not
    a directory, an I/O error)."""
    try:
        return read_bytes(path, limit)
    except FileNotFoundError:
        if os.path.islink(path):
            raise BadFile("is a symbolic link to nothing") from None
        raise
    except NotRegularFile as exc:
        raise BadFile(f"is {exc.strerror}") from None
    except TooLarge as exc:
        raise BadFile(f"is larger than {size(limit)}" + (
            f" ({exc.size:,} bytes)" if exc.size is not None and exc.size > limit + 1
            else "")) from None
    except OSError as exc:
        if exc.errno in _BAD_FILE_ERRNOS:
            raise BadFile(f"cannot be opened: {exc.strerror or exc}") from None
        raise


def size(limit: int) -> str:
    """A limit in words: 1 MiB, 64 KiB, 100 bytes."""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if limit >= scale and limit % scale == 0:
            return f"{limit // scale} {unit}"
    return f"{limit:,} bytes"


@contextlib.contextmanager
def locked(lock: Path) -> Iterator[None]:
    """Hold the lock file `lock` (see the module's docstring). Raises LockTimeout after
    LOCK_WAIT seconds, BadFile when `lock` is there but no regular file, OSError when it
    cannot be made or opened."""
    if HAVE_FLOCK:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _NONBLOCK | _CLOEXEC, 0o600)
        try:
            mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(mode):
                raise BadFile(f"is {file_kind(mode)}, not a regular file")
            _wait(lambda: _try_flock(fd), lock)
            yield
        finally:
            os.close(fd)  # releases the flock
    else:
        _wait(lambda: _try_create(lock), lock)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.unlink(lock)


def _wait(attempt: Callable[[], bool], lock: Path) -> None:
    deadline = time.monotonic() + LOCK_WAIT
    while not attempt():
        if time.monotonic() >= deadline:
            raise LockTimeout(f"another drill has held {str(lock)!r} for over {LOCK_WAIT:g} s")
        time.sleep(_POLL)


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _try_create(lock: Path) -> bool:
    try:
        os.close(os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o600))
    except FileExistsError:
        with contextlib.suppress(OSError):  # gone meanwhile: the next attempt says
            if time.time() - os.lstat(lock).st_mtime > STALE_AFTER:
                os.unlink(lock)  # left by a drill that died
        return False
    return True
