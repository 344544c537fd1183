"""Where each part of a spec was written: a side table from spec paths to file, line and column.

The loader records, for every path in the document, where its value starts and (for a mapping
entry) where its key starts. Later stages speak only in spec paths; a path becomes file:line:column
here, when an error is shown.

Positions are kept exactly as the parser made them: PyYAML's own mark objects (0-based line and
column), stored by reference. The parser has already allocated them, so recording a position costs
one dict assignment and nothing else; a 10 MB spec has about a million of them. They are made
1-based in one place, `position()`, so no caller ever adds 1 itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, Protocol

from netpath.load.errors import SpecError
from netpath.model.paths import SpecPath
from netpath.model.record import record


class RawMark(Protocol):
    """Anything with a 0-based line and column: a PyYAML mark, or a `RawPosition`."""

    @property
    def line(self) -> int: ...

    @property
    def column(self) -> int: ...


class RawPosition(NamedTuple):
    """A 0-based position for code that records one without a parser mark at hand."""

    line: int
    column: int


@record
class Position:
    file: str
    line: int  # 1-based
    column: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


def position(file: str, line0: int, column0: int) -> Position:
    """The one place where PyYAML's 0-based line and column become the 1-based ones users see."""
    return Position(file, line0 + 1, column0 + 1)


def located(err: SpecError, where: Position | None) -> SpecError:
    """`err` placed at `where` (unchanged when `where` is unknown)."""
    if where is None:
        return err
    return err.located(where.file, where.line, where.column)


# One file's tables: the file, the prefix its paths sit under, values and keys by path.
_Part = tuple[str, SpecPath, dict[SpecPath, RawMark], dict[SpecPath, RawMark]]
# A hit: the part's place in the map (lower wins), its file, and the mark.
_Hit = tuple[int, str, RawMark]
# Past this many parts under one prefix (the files of a spec directory, all at the root), a
# lookup asks one merged table instead of every part in turn.
_SCAN_LIMIT = 16


class _Group:
    """The parts that sit under one prefix, in the order they were added."""

    __slots__ = ("merged", "parts")

    def __init__(self) -> None:
        self.parts: list[tuple[int, str, dict[SpecPath, RawMark], dict[SpecPath, RawMark]]] = []
        self.merged: tuple[dict[SpecPath, _Hit], dict[SpecPath, _Hit]] | None = None

    def add(self, index: int, file: str, values: dict[SpecPath, RawMark],
            keys: dict[SpecPath, RawMark]) -> None:
        self.parts.append((index, file, values, keys))
        self.merged = None

    def find(self, sub: SpecPath, keys: bool) -> _Hit | None:
        if len(self.parts) <= _SCAN_LIMIT:
            for index, file, value_table, key_table in self.parts:
                mark = (key_table if keys else value_table).get(sub)
                if mark is not None:
                    return index, file, mark
            return None
        if self.merged is None:
            self.merged = self._merge()
        return self.merged[1 if keys else 0].get(sub)

    def _merge(self) -> tuple[dict[SpecPath, _Hit], dict[SpecPath, _Hit]]:
        """Every path of every part, the first part that knows it winning: built once, when a
        large group is first asked (a spec directory of thousands of files)."""
        values: dict[SpecPath, _Hit] = {}
        keys: dict[SpecPath, _Hit] = {}
        for index, file, value_table, key_table in self.parts:
            for merged, table in ((values, value_table), (keys, key_table)):
                for sub, mark in table.items():
                    if sub not in merged:
                        merged[sub] = (index, file, mark)
        return values, keys


class SourceMap:
    """Positions of the values and keys of a spec, keyed by spec path.

    One part per file (and per manifest document), each a plain dict per kind; merging appends
    parts instead of copying entries, so merging a directory costs nothing per node. Parts are
    indexed by the prefix their paths sit under: a lookup asks only the parts whose prefix
    starts the path (the spec's own, and the one manifest document the path is in), never every
    document of a file. The first part added that knows a path wins: in a merged directory
    `vpcs.prod` is where the first file (in name order) wrote it.
    """

    __slots__ = ("_groups", "_parts")

    def __init__(
        self,
        file: str | None = None,
        values: dict[SpecPath, RawMark] | None = None,
        keys: dict[SpecPath, RawMark] | None = None,
    ) -> None:
        # The dicts are taken as given, not copied: the loader hands over tables it is done with.
        self._parts: list[_Part] = []
        self._groups: dict[SpecPath, _Group] = {}
        if file is not None:
            self._add(file, (), values if values is not None else {}, keys or {})

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(part[0] for part in self._parts))

    def value(self, path: SpecPath) -> Position | None:
        """Where the value at `path` starts."""
        return self._find(path, keys=False)

    def key(self, path: SpecPath) -> Position | None:
        """Where the key of the mapping entry at `path` starts (None for list items, the root)."""
        return self._find(path, keys=True)

    def locate(self, path: SpecPath) -> Position | None:
        """The best place to show an error about `path`.

        The key when there is one (`subnet: nope` is reported at `subnet`, where the eye looks),
        else the value, else the nearest ancestor that was recorded: a path made up by a later
        stage (a default filled in, an item that does not exist) still lands near its parent.
        """
        for end in range(len(path), -1, -1):
            sub = path[:end]
            found = self._find(sub, keys=True) or self._find(sub, keys=False)
            if found is not None:
                return found
        return None

    def locate_error(self, err: SpecError) -> SpecError:
        """`err` with file, line and column filled from its path, unless it is placed already."""
        if err.file is not None:
            return err
        return located(err, self.locate(err.path))

    def merge(self, other: SourceMap, prefix: SpecPath = ()) -> None:
        """Add `other`'s positions, its paths placed under `prefix`; positions known already win."""
        for file, inner, values, keys in list(other._parts):
            self._add(file, prefix + inner, values, keys)

    def _add(self, file: str, prefix: SpecPath, values: dict[SpecPath, RawMark],
             keys: dict[SpecPath, RawMark]) -> None:
        group = self._groups.get(prefix)
        if group is None:
            group = self._groups[prefix] = _Group()
        group.add(len(self._parts), file, values, keys)
        self._parts.append((file, prefix, values, keys))

    def _find(self, path: SpecPath, keys: bool) -> Position | None:
        # Each prefix of `path` that some part sits under: one dict lookup per step of the path.
        groups = self._groups
        best: _Hit | None = None
        for end in range(len(path) + 1):
            group = groups.get(path[:end])
            if group is not None:
                hit = group.find(path[end:], keys)
                if hit is not None and (best is None or hit[0] < best[0]):
                    best = hit
        if best is None:
            return None
        _, file, mark = best
        return position(file, mark.line, mark.column)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{part[0]}: {len(part[2])}" for part in self._parts)
        return f"SourceMap({sizes})"


# --- locators: spec paths as text, for whoever shows them ----------------------------------------

# A spec path -> "file:line:col", or None when the source map does not know the path. Renderers
# and `netpath check` take one instead of a SourceMap: the engine speaks in spec paths, and a
# path becomes a place only when it is shown.
Locator = Callable[[SpecPath], str | None]


def no_locations(path: SpecPath) -> str | None:
    """The Locator for traces built without a spec file (tests, generated models)."""
    return None


def make_locator(source_map: SourceMap) -> Locator:
    def locate(path: SpecPath) -> str | None:
        position = source_map.locate(path)
        if position is None:
            return None
        return f"{position.file}:{position.line}:{position.column}"

    return locate
