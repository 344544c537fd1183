"""`record`: `dataclass(frozen=True, slots=True)`, made cheaper to define.

On Python 3.11 `dataclass` compiles six small functions for every frozen class (and calls
`inspect.signature` for one without a docstring). netpath defines over a hundred such classes,
and every start of the CLI paid for them: about a third of its start-up time. `record` asks
`dataclass` only for what it does cheaply (the fields, `__slots__`, `__match_args__`) and makes
`__init__`, `__repr__`, `__eq__`, `__hash__` and the frozen `__setattr__`/`__delattr__` with a
single compilation, whose code object is kept in a cache beside the package's bytecode (as
Python keeps a module's), so later starts skip the compilation. The result is still a
dataclass: `fields()`, `replace()` and `asdict()` work, instances are immutable, equal by value
and hashable, as with `frozen=True`.
"""

from __future__ import annotations

import atexit
import dataclasses
import marshal
import os
import sys
from pathlib import Path
from types import CodeType
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")

_HAS_FACTORY = object()  # the default of a parameter whose field has a default_factory


@dataclass_transform(frozen_default=True)
def record(cls: type[T]) -> type[T]:
    if cls.__doc__ is None:
        cls.__doc__ = cls.__name__  # else dataclass builds one with inspect.signature
    made: type[T] = dataclasses.dataclass(init=False, repr=False, eq=False, slots=True)(cls)
    fields = dataclasses.fields(made)  # type: ignore[arg-type]
    namespace: dict[str, Any] = {
        "_set": object.__setattr__,
        "_Frozen": dataclasses.FrozenInstanceError,
        "_HAS_FACTORY": _HAS_FACTORY,
    }
    exec(_compiled(_source(made.__qualname__, fields, namespace)), namespace)  # noqa: S102
    for name in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__",
                 "__getstate__", "__setstate__"):
        function = namespace[name]
        function.__qualname__ = f"{made.__qualname__}.{name}"
        setattr(made, name, function)
    return made


def _source(qualname: str, fields: tuple[dataclasses.Field[Any], ...],
            namespace: dict[str, Any]) -> str:
    names = [f.name for f in fields]
    params, body = ["self"], []
    for f in fields:
        if f.default is not dataclasses.MISSING:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            namespace[f"_factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_HAS_FACTORY")
            body.append(f"  if {f.name} is _HAS_FACTORY: {f.name} = _factory_{f.name}()")
        else:
            params.append(f.name)
        body.append(f"  _set(self, {f.name!r}, {f.name})")
    values = "".join(f"self.{n}, " for n in names)
    others = "".join(f"other.{n}, " for n in names)
    shown = ", ".join(f"{n}={{self.{n}!r}}" for n in names)
    return "\n".join([
        f"def __init__({', '.join(params)}):",
        *(body or ["  pass"]),
        "def __repr__(self):",
        f"  return f\"{qualname}({shown})\"",
        "def __eq__(self, other):",
        "  if other.__class__ is self.__class__:",
        f"    return ({values}) == ({others})",
        "  return NotImplemented",
        "def __hash__(self):",
        f"  return hash(({values}))",
        "def __setattr__(self, name, value):",
        "  raise _Frozen(f'cannot assign to field {name!r}')",
        "def __delattr__(self, name):",
        "  raise _Frozen(f'cannot delete field {name!r}')",
        "def __getstate__(self):",
        f"  return ({values})",
        "def __setstate__(self, state):",
        f"  for name, value in zip({tuple(names)!r}, state):",
        "    _set(self, name, value)",
    ]) + "\n"




# --- the code cache --------------------------------------------------------------------------

_CACHE_FILE = Path(__file__).parent / "__pycache__" / \
    f"record-code.{sys.implementation.cache_tag}.marshal"
_codes: dict[str, CodeType] | None = None
_new: list[str] = []


def _compiled(source: str) -> CodeType:
    global _codes
    if _codes is None:
        _codes = _read_cache()
    code = _codes.get(source)
    if code is None:
        code = compile(source, "<record>", "exec")
        _codes[source] = code
        if not _new and not sys.dont_write_bytecode:
            atexit.register(_write_cache)
        _new.append(source)
    return code


def _read_cache() -> dict[str, CodeType]:
    try:
        loaded = marshal.loads(_CACHE_FILE.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _write_cache() -> None:
    """Like a .pyc: written when possible, silently skipped when the directory is read-only."""
    if _codes is None:
        return
    try:
        _CACHE_FILE.parent.mkdir(exist_ok=True)
        temporary = _CACHE_FILE.with_name(f"{_CACHE_FILE.name}.{os.getpid()}.tmp")
        temporary.write_bytes(marshal.dumps(_codes))
        os.replace(temporary, _CACHE_FILE)
    except OSError:
        pass
