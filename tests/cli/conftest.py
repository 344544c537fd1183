"""A fake loader and engine for CLI tests, so that they test the CLI edge and nothing else.

The real `netpath.sources.loader` and `netpath.engine` are patched where they import; where one does
not import (work in progress elsewhere), a stand-in module is installed for the test only.
"""

from __future__ import annotations

import importlib
import sys
import types
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from netpath.engine.hops import Query, Trace
from netpath.load.errors import SpecError, SpecErrors
from netpath.model.paths import SpecPath
from netpath.model.resources import Model
from tests.render import samples


@dataclass(frozen=True)
class FakePosition:
    file: str
    line: int
    column: int


class FakeSourceMap:
    def locate(self, path: SpecPath) -> FakePosition | None:
        text = samples.LOCATIONS.get(path)
        if text is None:
            return None
        file, line, column = text.rsplit(":", 2)
        return FakePosition(file, int(line), int(column))


@dataclass(frozen=True)
class FakeLoaded:
    model: Model
    source_map: FakeSourceMap
    files: tuple[str, ...]
    is_default: bool


class StandInQueryError(Exception):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass
class FakeStack:
    """What the fake loader and engine were asked, and what they answer."""

    model: Model = field(default_factory=Model)
    spec_errors: list[SpecError] = field(default_factory=list)
    engine_failure: Exception | None = None
    loaded: list[Path | None] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)  # --namespace of each load
    queries: list[Query] = field(default_factory=list)
    query_error: type[Exception] = StandInQueryError

    def load_spec(self, path: Path | None, *, environ: object = None,
                  namespace: str = "default", stdin: object = None) -> FakeLoaded:
        self.loaded.append(path)
        self.namespaces.append(namespace)
        if self.spec_errors:
            raise SpecErrors(self.spec_errors)
        files = ("scenarios/three-tier/netpath.yaml",) if path is None else (str(path),)
        return FakeLoaded(self.model, FakeSourceMap(), files, path is None)

    def trace(self, network: object, query: Query) -> Trace:
        self.queries.append(query)
        if self.engine_failure is not None:
            raise self.engine_failure
        if query.source != "node-1":
            raise self.query_error(f"unknown source {query.source!r}", "did you mean 'node-1'?")
        if query.destination == "api.example.com":
            trace = samples.nat_trace()
        elif query.destination == "orders-db" and query.port == 22:
            trace = samples.sg_blocked_trace()
        elif query.destination == "orders-db":
            trace = samples.nacl_return_trace()
        else:
            raise self.query_error(f"unknown destination {query.destination!r}", None)
        return replace(trace, query=query)


def _module(monkeypatch: pytest.MonkeyPatch, name: str) -> Any:
    try:
        return importlib.import_module(name)
    except Exception:  # not written yet, or broken mid-edit elsewhere: a stand-in for this test
        module = types.ModuleType(name)
        monkeypatch.setitem(sys.modules, name, module)
        parent, _, child = name.rpartition(".")
        monkeypatch.setattr(sys.modules[parent], child, module, raising=False)
        return module


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> FakeStack:
    fake = FakeStack()
    load = _module(monkeypatch, "netpath.sources.loader")
    monkeypatch.setattr(load, "load_spec", fake.load_spec, raising=False)
    if not hasattr(load, "resolve_spec_path"):
        monkeypatch.setattr(load, "resolve_spec_path", _resolve_spec_path, raising=False)
    engine = _module(monkeypatch, "netpath.engine")
    monkeypatch.setattr(engine, "prepare", lambda model: model, raising=False)
    monkeypatch.setattr(engine, "trace", fake.trace, raising=False)
    errors = _module(monkeypatch, "netpath.engine.errors")
    if hasattr(errors, "QueryError"):
        fake.query_error = errors.QueryError
    else:
        monkeypatch.setattr(errors, "QueryError", StandInQueryError, raising=False)
    return fake


def _resolve_spec_path(option: str | None, environ: Any, cwd: Path) -> tuple[Path | None, str]:
    """Stand-in with the documented lookup order, used only if the real one is missing."""
    if option:
        return Path(option), "--spec"
    if environ.get("NETPATH_SPEC"):
        return Path(environ["NETPATH_SPEC"]), "$NETPATH_SPEC"
    if (cwd / "netpath.yaml").exists():
        return Path("netpath.yaml"), "./netpath.yaml"
    return None, "default"
