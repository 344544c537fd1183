"""`record` must behave exactly like `dataclass(frozen=True, slots=True)`."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netpath.model.record import record


@record
class Plain:
    a: int
    b: str
    c: tuple[int, ...] = ()
    d: dict[str, int] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, slots=True)
class Reference:
    a: int
    b: str
    c: tuple[int, ...] = ()
    d: dict[str, int] = dataclasses.field(default_factory=dict)


@record
class Point:
    x: int
    y: str


@dataclasses.dataclass(frozen=True, slots=True)
class PointReference:
    x: int
    y: str


def test_defaults_and_factories() -> None:
    first, second = Plain(1, "x"), Plain(1, "x")
    assert (first.c, first.d) == ((), {})
    assert first.d is not second.d  # a fresh dict each time, like default_factory
    assert Plain(1, "x", (2,), {"k": 3}).d == {"k": 3}
    assert Plain(a=1, b="y").b == "y"


def test_frozen() -> None:
    value = Plain(1, "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.a = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del value.a  # type: ignore[misc]


def test_is_still_a_dataclass() -> None:
    value = Plain(1, "x", (2,))
    assert dataclasses.is_dataclass(value)
    assert [f.name for f in dataclasses.fields(value)] == ["a", "b", "c", "d"]
    assert dataclasses.replace(value, a=5) == Plain(5, "x", (2,))
    assert dataclasses.asdict(value) == {"a": 1, "b": "x", "c": (2,), "d": {}}
    assert not hasattr(value, "__dict__")  # slots


def test_pickle_and_copy() -> None:
    value = Plain(1, "x", (2, 3), {"k": 1})
    assert pickle.loads(pickle.dumps(value)) == value
    assert copy.deepcopy(value) == value and copy.copy(value) == value


def test_match_args() -> None:
    match Plain(1, "x"):
        case Plain(a, b):
            assert (a, b) == (1, "x")


@given(st.integers(), st.text(), st.lists(st.integers(), max_size=3), st.integers(),
       st.text())
def test_same_eq_hash_repr_as_dataclass(a: int, b: str, c: list[int], a2: int, b2: str) -> None:
    mine, theirs = Plain(a, b, tuple(c)), Reference(a, b, tuple(c))
    assert repr(mine).replace("Plain", "Reference") == repr(theirs)
    other, other_ref = Plain(a2, b2, tuple(c)), Reference(a2, b2, tuple(c))
    assert (mine == other) == (theirs == other_ref)
    assert mine != theirs  # another class is never equal, as with dataclasses
    assert hash(Point(a, b)) == hash(PointReference(a, b))


def test_code_cache_round_trip(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Compiled methods are written like a .pyc and reused: the same class either way."""
    from netpath.model import record as module

    def make() -> type:
        @record
        class Fresh:
            x: int

        return Fresh

    monkeypatch.setattr(module, "_CACHE_FILE", tmp_path / "cache.marshal")
    monkeypatch.setattr(module, "_codes", None)
    monkeypatch.setattr(module, "_new", [])
    first = make()
    assert len(module._new) == 1
    module._write_cache()
    monkeypatch.setattr(module, "_codes", None)
    monkeypatch.setattr(module, "_new", [])
    second = make()
    assert module._new == []  # came from the cache: nothing compiled
    assert second(1) == second(1) and repr(second(2)).endswith("Fresh(x=2)")
    assert first(1) != second(1)  # two classes, as two class statements always give


def test_a_corrupt_cache_is_ignored(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from netpath.model import record as module

    (tmp_path / "cache.marshal").write_bytes(b"not marshal at all")
    monkeypatch.setattr(module, "_CACHE_FILE", tmp_path / "cache.marshal")
    monkeypatch.setattr(module, "_codes", None)
    monkeypatch.setattr(module, "_new", [])

    @record
    class Sturdy:
        x: int

    assert Sturdy(3).x == 3
