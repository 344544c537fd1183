"""Finding the files to read: a directory's entries and a glob's matches, bounded, loop-free.

A directory is listed once (never recursively) and a glob is walked here rather than by
`glob.glob`, which follows symbolic links to directories without end: two links to `.` in a
spec directory made `**/*.yaml` walk for ever. Here `**` still follows a link to a directory
(a folder of manifests linked in from elsewhere is read), but a link back to a directory the
walk is inside (the same device and inode) is a loop, reported and not followed; and every
listing and walk counts the entries it looks at and stops at MAX_ENTRIES, so that links
multiplying the ways into a folder cannot make the walk long either.

What is found is every entry whose name fits, whatever it is but a folder: the reader
(`reading.py`) refuses what is not a regular file, by name, so that a dangling link or a FIFO is
an error instead of input silently left out.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from netpath.load.errors import SpecError

MAX_ENTRIES = 100_000  # directory entries looked at by one listing or one glob
_MAGIC = re.compile(r"[*?\[]")
_NARROW = "netpath does not follow it: remove the link, or narrow the glob"


class TooManyEntries(OSError):
    def __init__(self, path: Path, limit: int) -> None:
        super().__init__(errno.EFBIG, f"more than {limit:,} entries (netpath looks at no more)",
                         str(path))


def has_magic(pattern: str) -> bool:
    return _MAGIC.search(pattern) is not None


def list_directory(path: Path, suffixes: Iterable[str], limit: int = MAX_ENTRIES) -> list[Path]:
    """The entries of `path` with one of `suffixes`, sorted: dot-files left out (editor
    backups, macOS `._x.yaml`), and folders (a listing is not recursive), but anything else
    kept, for the reader to refuse by name if it is no regular file (a FIFO, a dangling link).
    Raises OSError (TooManyEntries past `limit`)."""
    wanted = tuple(suffixes)
    found: list[Path] = []
    with os.scandir(path) as entries:
        for count, entry in enumerate(entries, 1):
            if count > limit:
                raise TooManyEntries(path, limit)
            if entry.name.endswith(wanted) and not entry.name.startswith(".") and not (
                    _is_dir(entry)):
                found.append(path / entry.name)
    return sorted(found)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """A directory, or a link to one (a link that leads nowhere is not)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def glob_paths(base: Path, pattern: str, show: Callable[[Path], str],
               limit: int = MAX_ENTRIES) -> tuple[list[Path], list[SpecError]]:
    """What `pattern` matches (relative to `base` unless absolute), sorted, as `glob.glob(...,
    recursive=True)` would: `*`, `?` and `[...]` within a name, `**` for any number of
    directories, names starting with a dot only when the pattern's name does. `show` is how a
    path is named in an error. Errors: a symbolic link loop, an unreadable directory, more
    than `limit` entries looked at."""
    written = Path(pattern)
    root = Path(written.anchor) if written.is_absolute() else base
    parts = written.parts[1:] if written.is_absolute() else written.parts
    walk = _Walk(tuple(parts), pattern.endswith(("/", os.sep)), show, limit)
    walk.run(root)
    # In path order, whatever order the walk met them in.
    return sorted(walk.found), sorted(walk.errors, key=lambda e: e.message)


def _identity(path: Path) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_dev, info.st_ino


@dataclass(frozen=True)
class _Step:
    """A directory to match `parts[index:]` below, and the directories the walk is in to get
    there (itself last): a link back to one of them is a loop."""

    directory: Path
    index: int
    inside: tuple[tuple[tuple[int, int], Path], ...]  # (device and inode, path)


@dataclass
class _Walk:
    parts: tuple[str, ...]
    dir_only: bool  # the pattern ends with a slash: directories only, as glob
    show: Callable[[Path], str]
    limit: int
    found: set[Path] = field(default_factory=set)
    errors: list[SpecError] = field(default_factory=list)
    entries: int = 0
    stopped: bool = False  # looked at more than `limit` entries (the error is recorded)

    def run(self, root: Path) -> None:
        """A loop over a stack, not recursion: a deep tree cannot overflow Python's stack."""
        try:
            todo = [_Step(root, 0, ((_identity(root), root),))]
        except OSError:
            return  # no such directory: nothing matches
        # (directory, index) walked already: `**/**` reaches a folder by several steps. A
        # folder reached by two paths (two links to it) is walked under each, as glob does.
        done: set[tuple[Path, int]] = set()
        while todo and not self.stopped:
            step = todo.pop()
            key = (step.directory, step.index)
            if key in done:
                continue
            done.add(key)
            todo += self._step(step)

    def _step(self, step: _Step) -> list[_Step]:
        directory, index = step.directory, step.index
        if index == len(self.parts):  # a pattern ending in `**` matches the directory too
            self.found.add(directory)
            return []
        part = self.parts[index]
        last = index + 1 == len(self.parts)
        if not has_magic(part):
            child = directory / part
            if last:
                if os.path.lexists(child) and (not self.dir_only or child.is_dir()):
                    self.found.add(child)
                return []
            return self._enter(step, child, index + 1, loops=False) if child.is_dir() else []
        more: list[_Step] = []
        if part == "**":  # `**` matching no directory at all
            more.append(_Step(directory, index + 1, step.inside))
        for name, is_dir in self._list(directory):
            hidden = name.startswith(".") and not part.startswith(".")
            child = directory / name
            if part == "**":
                if hidden:
                    continue
                if is_dir:
                    more += self._enter(step, child, index, loops=True)
                elif last and not self.dir_only:
                    self.found.add(child)
            elif not hidden and fnmatch.fnmatch(name, part):
                if last:
                    if is_dir or not self.dir_only:
                        self.found.add(child)
                elif is_dir:
                    more += self._enter(step, child, index + 1, loops=False)
        return more

    def _enter(self, step: _Step, child: Path, index: int, loops: bool) -> list[_Step]:
        try:
            identity = _identity(child)
        except OSError:
            return []  # gone since the listing
        for seen, path in step.inside:
            if loops and seen == identity:
                self.errors.append(SpecError(
                    f"a symbolic link loop: {self.show(child)!r} leads back to "
                    f"{os.path.normpath(self.show(path))!r}, a folder the glob is already in",
                    hint=_NARROW))
                return []
        return [_Step(child, index, (*step.inside, (identity, child)))]

    def _list(self, directory: Path) -> list[tuple[str, bool]]:
        """(name, is a directory, following links) of each entry, counted against the limit."""
        out: list[tuple[str, bool]] = []
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    self.entries += 1
                    if self.entries > self.limit:
                        self.errors.append(SpecError(
                            f"the glob looks at more than {self.limit:,} files and folders",
                            hint="narrow it"))
                        self.stopped = True
                        return []
                    out.append((entry.name, _is_dir(entry)))
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            self.errors.append(SpecError(f"cannot read {self.show(directory)}: {reason}"))
        return sorted(out)  # errors come out in name order, whatever the file system's order
