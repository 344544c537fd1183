"""Renderers: turn traces, models and errors into text, JSON and Mermaid.

Renderers never compute anything about the network: they format what the engine decided. The
engine speaks in spec paths; a Locator turns a path into `file:line:col` at render time (see
docs: the source map is consulted only here). This package imports no rich at import time;
each renderer module imports what it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from netpath.model.paths import SpecPath

# A spec path -> "file:line:col", or None when the source map does not know the path.
Locator = Callable[[SpecPath], str | None]


class _Position(Protocol):
    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...


class SourceMapLike(Protocol):
    def locate(self, path: SpecPath) -> _Position | None: ...


def no_locations(path: SpecPath) -> str | None:
    """The Locator for traces built without a spec file (tests, generated models)."""
    return None


def make_locator(source_map: SourceMapLike) -> Locator:
    def locate(path: SpecPath) -> str | None:
        position = source_map.locate(path)
        if position is None:
            return None
        return f"{position.file}:{position.line}:{position.column}"

    return locate
