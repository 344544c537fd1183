"""Mutations of a parsed YAML document, drawn with hypothesis so that a failure shrinks to the
smallest change that causes it: delete, retype, swap, duplicate, null, re-point a reference at
another name of the document, and make a cycle (a value that names its own key or parent)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st

Path = tuple[Any, ...]
OPERATIONS = ("delete", "retype", "swap", "duplicate", "null", "repoint", "cycle")

# Values of every YAML type, and the awkward ones: huge and negative numbers, NaN, control
# characters and markup in text, long strings.
ODD_VALUES = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 65536, 4294967296, 10**8]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=24),
    st.sampled_from(["", " ", "\x1b[8mhidden", "a\n::error file=x::pwned", "[bold]x[/bold]",
                     "\u202eevil", "x" * 300, "0.0.0.0/0", "10.0.0.0/33", "::1", "*", "-1"]),
    st.lists(st.integers(min_value=-5, max_value=70000), max_size=3),
    st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
)


def paths(node: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every path below `node`, parents before children."""
    items: Any = node.items() if isinstance(node, dict) else (
        enumerate(node) if isinstance(node, list) else ())
    for key, child in items:
        here = (*prefix, key)
        yield here
        yield from paths(child, here)


def strings(node: Any) -> list[str]:
    """Every string of the document, keys included: the names a reference may point at."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, child in node.items():
            found.append(str(key))
            found.extend(strings(child))
    elif isinstance(node, list):
        for child in node:
            found.extend(strings(child))
    elif isinstance(node, str):
        found.append(node)
    return found


def _get(node: Any, path: Path) -> Any:
    for key in path:
        node = node[key]
    return node


def _set(node: Any, path: Path, value: Any) -> None:
    _get(node, path[:-1])[path[-1]] = value


def mutate(document: Any, data: st.DataObject) -> Any:
    """A copy of `document` with one drawn mutation (the document itself when it has no
    place to mutate)."""
    doc = copy.deepcopy(document)
    places = list(paths(doc))
    if not places:
        return data.draw(ODD_VALUES, label="document")
    path = data.draw(st.sampled_from(places), label="path")
    operation = data.draw(st.sampled_from(OPERATIONS), label="operation")
    parent = _get(doc, path[:-1])
    if operation == "delete":
        del parent[path[-1]]
    elif operation == "retype":
        _set(doc, path, data.draw(ODD_VALUES, label="value"))
    elif operation == "null":
        _set(doc, path, None)
    elif operation == "duplicate":
        value = copy.deepcopy(_get(doc, path))
        if isinstance(parent, list):
            parent.insert(path[-1], value)
        else:
            parent[f"{path[-1]}-copy"] = value
    elif operation == "swap":
        other = data.draw(st.sampled_from(places), label="other")
        if other[: len(path)] != path and path[: len(other)] != other:
            first, second = _get(doc, path), _get(doc, other)
            _set(doc, path, second)
            _set(doc, other, first)
    elif operation == "repoint":
        names = strings(doc) or ["x"]
        _set(doc, path, data.draw(st.sampled_from(names), label="name"))
    else:  # cycle: the value names its own key, or the thing that holds it
        names = [str(k) for k in path if isinstance(k, str)] or ["x"]
        _set(doc, path, data.draw(st.sampled_from(names), label="name"))
    return doc
