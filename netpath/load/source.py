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


class SourceMap:
    """Positions of the values and keys of a spec, keyed by spec path.

    One part per file, each a plain dict per kind; merging appends parts instead of copying
    entries, so merging a directory costs nothing per node. Lookups try the parts in order and the
    first one that knows a path wins: in a merged directory `vpcs.prod` is where the first file (in
    name order) wrote it.
    """

    __slots__ = ("_parts",)

    def __init__(
        self,
        file: str | None = None,
        values: dict[SpecPath, RawMark] | None = None,
        keys: dict[SpecPath, RawMark] | None = None,
    ) -> None:
        # The dicts are taken as given, not copied: the loader hands over tables it is done with.
        self._parts: list[_Part] = []
        if file is not None:
            self._parts.append((file, (), values if values is not None else {}, keys or {}))

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
        for file, inner, values, keys in other._parts:
            self._parts.append((file, prefix + inner, values, keys))

    def _find(self, path: SpecPath, keys: bool) -> Position | None:
        for file, prefix, value_table, key_table in self._parts:
            table = key_table if keys else value_table
            if prefix:
                if path[: len(prefix)] != prefix:
                    continue
                mark = table.get(path[len(prefix) :])
            else:
                mark = table.get(path)
            if mark is not None:
                return position(file, mark.line, mark.column)
        return None

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
