"""The code `record` compiles, and its cache between runs.

One file per module that defines records, beside that module's bytecode and named after it
(`__pycache__/resources.cpython-311.record` next to `resources.cpython-311.pyc`, following
`sys.pycache_prefix` like it), so that a process reads the entries of the modules it imports
and nothing else: `netpath trace` never reads the drill's. The file holds, for each class of the
module (by qualified name), the code compiled for each shape it has had in this run: the shape
is the field names and, for each, whether it has no default, a default or a factory, which is
all the generated source depends on; default values live in the class's own namespace, never in
the code. A header names the Python build (`sys.hexversion`) and a checksum of the generator's
output for sample shapes, so a file from another Python or from an older `record` is ignored.

At exit, a module's file is rewritten (to a temporary file, then `os.replace`, so that readers
and concurrent writers never see half a file) only when it differs from what this process
needed: a class was compiled (new or edited), or the module was fully imported and the file
names a class the module no longer defines. The new content is what the module used in this run,
plus, from the file as it is at that moment (another process may have added to it): entries of
a module whose import did not complete, and of classes defined inside functions that this run
did not call but whose `class Name` still appears in the module's source. So the cache holds the
entries this version of the code uses, for every command, and does not grow with edits. (With
the former single file, keyed by the whole generated source, `netpath trace pod-a` read 467 KB
at every start, and every edit added an entry; it now reads 32 files, 227 KB in all, and the
read and the class definitions together take no longer than before.) A module run as a script
(`__main__` without a spec) has no bytecode location, and its records are compiled every time.

Nothing is written when bytecode is not (`sys.dont_write_bytecode`, `PYTHONDONTWRITEBYTECODE`)
nor when the directory cannot be written (a read-only install): those processes compile, as
Python does for modules. An unreadable, truncated, corrupt or foreign file counts as absent.
"""

from __future__ import annotations

import _thread
import atexit
import contextlib
import marshal
import os
import re
import sys
from types import CodeType
from typing import Any

_Shape = tuple[tuple[str, ...], str]  # field names; per field "r"equired, "d"efault, "f"actory


# --- the compiled methods ---------------------------------------------------------------------


def _source(shape: _Shape) -> str:
    """`__init__`, `__repr__`, `__eq__`, `__hash__` for fields of this shape. Its own names start
    with `__record_` (fields may not), so that no field can shadow them."""
    names, kinds = shape
    params, body = ["__record_self"], []
    for i, (name, kind) in enumerate(zip(names, kinds, strict=True)):
        if kind == "d":
            params.append(f"{name}=__record_default_{i}")
        elif kind == "f":
            params.append(f"{name}=__record_factory")
            body.append(f" if {name} is __record_factory: {name} = __record_factory_{i}()")
        else:
            params.append(name)
        body.append(f" __record_set(__record_self, {name!r}, {name})")
    values = "".join(f"self.{n}, " for n in names)
    others = "".join(f"other.{n}, " for n in names)
    shown = ", ".join(f"{n}={{self.{n}!r}}" for n in names)
    return "\n".join([
        f"def __init__({', '.join(params)}):",
        *(body or [" pass"]),
        "def __repr__(self):",
        f" return f\"{{self.__class__.__qualname__}}({shown})\"",
        "def __eq__(self, other):",
        " if other.__class__ is self.__class__:",
        f"  return ({values}) == ({others})",
        " return NotImplemented",
        "def __hash__(self):",
        f" return hash(({values}))",
    ]) + "\n"


class _ModuleCache:
    """One module's cache file: what it held when read, and what this process used."""

    __slots__ = ("path", "stored", "used", "compiled")

    def __init__(self, path: str | None, stored: dict[Any, Any]) -> None:
        self.path = path
        self.stored = stored  # {qualname: {shape: code}} as read; not trusted
        self.used: dict[str, dict[_Shape, CodeType]] = {}
        self.compiled = False


_CACHE_DIR: str | None = None  # tests: every module's file in this directory instead
_caches: dict[str, _ModuleCache] = {}
_header: bytes | None = None
_at_exit = False


def code_for(module: str, qualname: str, shape: _Shape) -> CodeType:
    """The compiled `__init__`, `__repr__`, `__eq__` and `__hash__` for a class of this shape,
    from the module's cache file when it holds them."""
    global _at_exit
    cache = _caches.get(module)
    if cache is None:
        if not _at_exit:
            atexit.register(_write_caches)
            _at_exit = True
        path = _cache_path(module)
        cache = _caches[module] = _ModuleCache(path, _read(path) if path else {})
    variants = cache.stored.get(qualname)
    code = variants.get(shape) if type(variants) is dict else None
    if type(code) is not CodeType:
        code = compile(_source(shape), "<record>", "exec")
        cache.compiled = True
    cache.used.setdefault(qualname, {})[shape] = code
    return code


def _cache_path(module: str) -> str | None:
    tag = sys.implementation.cache_tag
    if tag is None:
        return None
    if _CACHE_DIR is not None:
        return os.path.join(_CACHE_DIR, f"{module}.{tag}.record")
    cached = getattr(getattr(sys.modules.get(module), "__spec__", None), "cached", None)
    if not isinstance(cached, str) or not cached.endswith(".pyc"):
        return None  # __main__, or a module with no bytecode location: compile every time
    return cached[:-len(".pyc")] + ".record"


def _file_header() -> bytes:
    """This Python, and a checksum of what the generator writes: another one's file is stale."""
    global _header
    if _header is None:
        import zlib

        sample = _source((("a", "b", "c"), "rdf")) + _source(((), ""))
        _header = b"netpath-record %x %08x\n" % (sys.hexversion, zlib.crc32(sample.encode()))
    return _header


def _read(path: str) -> dict[Any, Any]:
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError:
        return {}
    header = _file_header()
    if not data.startswith(header):
        return {}
    try:
        table = marshal.loads(memoryview(data)[len(header):])
    except (ValueError, EOFError, TypeError):
        return {}
    return table if type(table) is dict else {}


def _write_caches() -> None:
    """At exit: rewrite each module's file that differs from what this process needed."""
    if sys.dont_write_bytecode:
        return
    for module, cache in list(_caches.items()):
        if cache.path is None:
            continue
        complete = _completely_imported(module)
        stale = complete and any(not isinstance(q, str) or "<locals>" not in q
                                 and q not in cache.used for q in cache.stored)
        if cache.compiled or stale:
            _write(cache.path, _table(module, cache, complete))


def _completely_imported(module: str) -> bool:
    """Every class statement at the module's top level has run in this process."""
    loaded = sys.modules.get(module)
    spec = getattr(loaded, "__spec__", None)
    return loaded is not None and not getattr(spec, "_initializing", False)


def _table(module: str, cache: _ModuleCache, complete: bool) -> dict[str, Any]:
    """This run's entries, and those of the file as it is now that may still be needed."""
    table: dict[str, Any] = {}
    source: str | None = None
    assert cache.path is not None
    for qualname, variants in _read(cache.path).items():
        if not isinstance(qualname, str) or qualname in cache.used:
            continue  # this run's shapes replace the old ones
        if complete:
            if "<locals>" not in qualname:
                continue  # a top-level class the module no longer defines
            if source is None:
                source = _module_source(module)
            name = qualname.rpartition(".")[2]
            if source and not re.search(rf"\bclass\s+{re.escape(name)}\b", source):
                continue  # a class inside a function that no longer exists
        table[qualname] = variants
    table.update(cache.used)
    return table


def _module_source(module: str) -> str:
    origin = getattr(getattr(sys.modules.get(module), "__spec__", None), "origin", None)
    try:
        with open(str(origin), encoding="utf-8") as file:
            return file.read()
    except (OSError, ValueError):
        return ""  # unknown: keep its entries


def _write(path: str, table: dict[str, Any]) -> None:
    """Like a .pyc: written whole or not at all, silently skipped when it cannot be."""
    temporary = f"{path}.{os.getpid()}.{_thread.get_ident()}.tmp"
    try:
        data = _file_header() + marshal.dumps(table)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(temporary)
