"""`record` must behave exactly like `dataclass(frozen=True, slots=True)`, refuse at definition
what it does not support, and keep its code cache sound."""

from __future__ import annotations

import copy
import dataclasses
import importlib.machinery
import inspect
import marshal
import os
import pickle
import sys
import threading
import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netpath.model import record_cache as module
from netpath.model.record import _plain_dataclass as plain_dataclass
from netpath.model.record import record

FROZEN_SLOTS = dataclasses.dataclass(frozen=True, slots=True)


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


# --- any shape of fields, against a real dataclass ------------------------------------------

# Field names include those the generated code could have used for its own locals and globals.
NAMES = ["a", "b", "self", "other", "name", "value", "state", "_set", "_Frozen", "_HAS_FACTORY",
         "cls", "object", "hash", "fields"]
VALUES = st.one_of(st.integers(), st.text(max_size=4), st.tuples(st.integers()),
                   st.lists(st.integers(), max_size=2), st.none())


@st.composite
def layouts(draw: st.DrawFn) -> list[tuple[str, str, Any]]:
    """[(name, kind, default)]: required fields first, then ones with a default or a factory."""
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=6))
    required = draw(st.integers(0, len(names)))
    layout = []
    for i, name in enumerate(names):
        kind = "r" if i < required else draw(st.sampled_from("df"))
        default = draw(st.one_of(st.integers(), st.text(max_size=3))) if kind == "d" else None
        layout.append((name, kind, default))
    return layout


def define(decorator: Callable[[type], type], layout: list[tuple[str, str, Any]]) -> type:
    # A module that is not imported: nothing of these classes goes into a cache file.
    namespace: dict[str, Any] = {"__module__": "record_fidelity_examples",
                                 "__annotations__": {n: object for n, _, _ in layout}}
    for name, kind, default in layout:
        if kind == "d":
            namespace[name] = default
        elif kind == "f":
            namespace[name] = dataclasses.field(default_factory=list)
    return decorator(type("Shape", (), namespace))


def outcome(function: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", function()
    except Exception as error:  # noqa: BLE001 - what is compared is which error
        return "raises", type(error)


@settings(max_examples=150, deadline=None)
@given(layouts(), st.data())
def test_any_shape_behaves_like_a_frozen_slots_dataclass(
        layout: list[tuple[str, str, Any]], data: st.DataObject) -> None:
    mine, theirs = define(record, layout), define(FROZEN_SLOTS, layout)
    names = [n for n, _, _ in layout]
    assert [f.name for f in dataclasses.fields(mine)] == names
    assert mine.__match_args__ == theirs.__match_args__ == tuple(names)
    assert mine.__slots__ == theirs.__slots__
    assert [(p.name, p.kind, repr(p.default)) for p in
            inspect.signature(mine).parameters.values()] == \
        [(p.name, p.kind, repr(p.default)) for p in inspect.signature(theirs).parameters.values()]

    required = [n for n, kind, _ in layout if kind == "r"]
    short = {n: data.draw(VALUES) for n in required}  # the defaults and factories for the rest
    full = [data.draw(VALUES) for _ in names]
    other = [v if data.draw(st.booleans()) else data.draw(VALUES) for v in full]  # some equal
    pairs = [(mine(**short), theirs(**short)), (mine(*full), theirs(*full)),
             (mine(*other), theirs(*other))]
    for m, t in pairs:
        assert repr(m) == repr(t)
        assert outcome(lambda m=m: hash(m)) == outcome(lambda t=t: hash(t))
        assert dataclasses.astuple(m) == dataclasses.astuple(t)
        assert dataclasses.asdict(m) == dataclasses.asdict(t)
        assert dataclasses.astuple(copy.deepcopy(m)) == dataclasses.astuple(t)
        assert m != t  # another class
        for name in names[:1]:
            changed = data.draw(VALUES)
            assert dataclasses.astuple(dataclasses.replace(m, **{name: changed})) == \
                dataclasses.astuple(dataclasses.replace(t, **{name: changed}))
            assert outcome(lambda m=m, name=name: setattr(m, name, 1)) == \
                outcome(lambda t=t, name=name: setattr(t, name, 1))
            assert outcome(lambda m=m, name=name: delattr(m, name)) == \
                outcome(lambda t=t, name=name: delattr(t, name))
        # Any other attribute: FrozenInstanceError, as dataclass means to raise; a slotted
        # dataclass raises TypeError from super() instead (its class was rebuilt for __slots__).
        assert outcome(lambda m=m: setattr(m, "not_a_field", 1)) == \
            ("raises", dataclasses.FrozenInstanceError)
    for (m1, t1) in pairs:
        for (m2, t2) in pairs:
            assert (m1 == m2) == (t1 == t2)
            assert (m1 != m2) == (t1 != t2)
    if layout and layout[-1][1] == "f":
        assert mine(**short) is not None and getattr(mine(**short), names[-1]) == []
        first, second = mine(**short), mine(**short)
        assert getattr(first, names[-1]) is not getattr(second, names[-1])  # a fresh one each


@record
class Shadows:
    """Field names the generated methods could have shadowed, and pickled by name."""

    self: int
    other: int
    name: str
    value: int = 0
    state: tuple[int, ...] = ()
    _set: list[int] = dataclasses.field(default_factory=list)
    _Frozen: int = 1
    _HAS_FACTORY: int = 2


@FROZEN_SLOTS
class ShadowsReference:
    self: int
    other: int
    name: str
    value: int = 0
    state: tuple[int, ...] = ()
    _set: list[int] = dataclasses.field(default_factory=list)
    _Frozen: int = 1
    _HAS_FACTORY: int = 2


def test_field_names_that_the_generated_code_uses_elsewhere() -> None:
    mine = Shadows(1, 2, "n", state=(3,), _set=[4], _HAS_FACTORY=5)
    theirs = ShadowsReference(1, 2, "n", state=(3,), _set=[4], _HAS_FACTORY=5)
    assert repr(mine).replace("Shadows", "ShadowsReference") == repr(theirs)
    assert dataclasses.astuple(mine) == dataclasses.astuple(theirs) == \
        (1, 2, "n", 0, (3,), [4], 1, 5)
    assert Shadows(self=1, other=2, name="n")._set == []
    assert pickle.loads(pickle.dumps(mine)) == mine
    with pytest.raises(dataclasses.FrozenInstanceError):
        mine.self = 3  # type: ignore[misc]


def test_recursive_repr_is_cut_like_a_dataclass() -> None:
    @record
    class Holder:
        items: list[object]

    @FROZEN_SLOTS
    class HolderReference:
        items: list[object]

    mine, theirs = Holder([]), HolderReference([])
    mine.items.append(mine)
    theirs.items.append(theirs)
    assert repr(mine).endswith(".Holder(items=[...])")
    assert repr(mine).replace("Holder", "HolderReference") == repr(theirs)


def test_class_variables_and_metadata_are_accepted() -> None:
    @record
    class Limits:
        limit: typing.ClassVar[int] = 3
        x: int
        unit: str = dataclasses.field(default="ms", metadata={"doc": "the unit"})

    assert [f.name for f in dataclasses.fields(Limits)] == ["x", "unit"]
    assert Limits.limit == 3 and Limits(1).unit == "ms"
    assert dataclasses.fields(Limits)[1].metadata["doc"] == "the unit"


def observations(decorator: Callable[[type], type]) -> list[object]:
    """The same class bodies under `decorator`: methods a class defines itself are kept."""

    @decorator
    class Shown:
        x: int

        def __repr__(self) -> str:
            return "shown"

    @decorator
    class SameEq:
        x: int

        def __eq__(self, other: object) -> bool:
            return True

    @decorator
    class Unhashable:
        x: int
        __hash__ = None  # type: ignore[assignment]

    @decorator
    class OwnHash:
        x: int

        def __hash__(self) -> int:
            return 7

    return [repr(Shown(1)), SameEq(1) == SameEq(2), hash(SameEq(1)) == hash((1,)),
            outcome(lambda: hash(Unhashable(1))), hash(OwnHash(1)), OwnHash(1) == OwnHash(1)]


def test_methods_the_class_defines_are_kept_like_a_dataclass() -> None:
    assert observations(record) == observations(FROZEN_SLOTS) == \
        ["shown", True, True, ("raises", TypeError), 7, True]


# --- inheritance -------------------------------------------------------------------------------


@record
class Base:
    a: int
    b: str = "x"


@record
class Child(Base):
    c: tuple[int, ...] = ()


@FROZEN_SLOTS
class BaseReference:
    a: int
    b: str = "x"


@FROZEN_SLOTS
class ChildReference(BaseReference):
    c: tuple[int, ...] = ()


def test_a_record_inherits_a_records_fields() -> None:
    child = Child(1, "y", (2,))
    assert [f.name for f in dataclasses.fields(Child)] == ["a", "b", "c"]
    assert repr(child) == "Child(a=1, b='y', c=(2,))"
    assert repr(ChildReference(1, "y", (2,))) == "ChildReference(a=1, b='y', c=(2,))"
    assert Child(1) == Child(1, "x", ()) and Child(1) != Base(1) and Base(1) != Child(1)
    assert hash(child) == hash(ChildReference(1, "y", (2,)))
    assert dataclasses.replace(child, a=5) == Child(5, "y", (2,))
    assert pickle.loads(pickle.dumps(child)) == child
    assert Child.__match_args__ == ("a", "b", "c")
    with pytest.raises(dataclasses.FrozenInstanceError):
        child.a = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        child.c = ()  # type: ignore[misc]


def test_records_and_frozen_dataclasses_inherit_from_each_other() -> None:
    @FROZEN_SLOTS
    class DataclassOfRecord(Base):
        c: int = 0

    @record
    class RecordOfDataclass(BaseReference):
        c: int = 0

    for cls in (DataclassOfRecord, RecordOfDataclass):
        value = cls(1, "y", 2)
        assert value == cls(1, "y", 2) and hash(value) == hash((1, "y", 2))
        assert repr(value).endswith(f"{cls.__name__}(a=1, b='y', c=2)")
        with pytest.raises(dataclasses.FrozenInstanceError):
            value.c = 3  # type: ignore[misc]


def test_a_plain_subclass_behaves_as_under_a_dataclass() -> None:
    class Extended(Base):
        pass

    class ExtendedReference(BaseReference):
        pass

    mine, theirs = Extended(1), ExtendedReference(1)
    assert repr(mine).endswith(".Extended(a=1, b='x')")  # the subclass's name, not Base's
    assert repr(mine).replace("Extended", "ExtendedReference") == repr(theirs)
    assert mine == Extended(1) and mine != Base(1) and hash(mine) == hash(theirs)
    # Its own attributes go to its __dict__, as dataclass means (a slotted dataclass's rebuilt
    # class makes its super() call fail with TypeError instead).
    mine.note = "a plain subclass has a __dict__"  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError):
        mine.a = 2  # type: ignore[misc]


def test_a_mutable_dataclass_cannot_inherit_from_a_record() -> None:
    with pytest.raises(TypeError, match="non-frozen"):
        @dataclasses.dataclass
        class Mutable(Base):
            c: int = 0


# --- what record refuses -----------------------------------------------------------------------


def post_init() -> None:
    @record
    class PostInit:
        x: int

        def __post_init__(self) -> None:
            pass


def inherited_post_init() -> None:
    class Checks:
        def __post_init__(self) -> None:
            pass

    @record
    class Checked(Checks):
        x: int


def init_var() -> None:
    @record
    class WithInitVar:
        x: int
        seed: dataclasses.InitVar[int]


def option(**options: Any) -> Callable[[], None]:
    def define_it() -> None:
        @record
        class WithOption:
            x: int
            y: int = dataclasses.field(default=0, **options)

    return define_it


def keyword_only_marker() -> None:
    @record
    class AfterMarker:
        x: int
        _: dataclasses.KW_ONLY
        y: int


def default_first() -> None:
    @record
    class DefaultFirst:
        a: int = 0
        b: str


def factory_first() -> None:
    @record
    class FactoryFirst:
        a: list[int] = dataclasses.field(default_factory=list)
        b: str


def inherited_default_first() -> None:
    @record
    class AddsRequired(Base):  # Base.b has a default
        c: int


def own_setattr() -> None:
    @record
    class Settable:
        x: int

        def __setattr__(self, name: str, value: object) -> None:
            pass


def mutable_base() -> None:
    @dataclasses.dataclass
    class Mutable:
        x: int

    @record
    class FromMutable(Mutable):
        y: int = 0


def reserved_name() -> None:
    record(type("Reserved", (), {"__annotations__": {"__record_set": int}}))


def keyword_name() -> None:
    record(type("Keyword", (), {"__annotations__": {"class": int}}))


REFUSED = [
    (post_init, "PostInit", "defines __post_init__"),
    (inherited_post_init, "Checked", "inherits __post_init__"),
    (init_var, "WithInitVar", "'seed' is an InitVar"),
    (option(init=False), "WithOption", "field(init=False)"),
    (option(repr=False), "WithOption", "field(repr=False)"),
    (option(compare=False), "WithOption", "field(compare=False)"),
    (option(hash=True), "WithOption", "field(hash=True)"),
    (option(hash=False), "WithOption", "field(hash=False)"),
    (option(kw_only=True), "WithOption", "'y' is keyword-only (field(kw_only=True))"),
    (keyword_only_marker, "AfterMarker", "'y' is keyword-only (after a KW_ONLY marker)"),
    (default_first, "DefaultFirst", "'b' has no default but follows 'a'"),
    (factory_first, "FactoryFirst", "'b' has no default but follows 'a'"),
    (inherited_default_first, "AddsRequired", "'c' has no default but follows 'b'"),
    (own_setattr, "Settable", "defines __setattr__"),
    (mutable_base, "FromMutable", "Mutable, a dataclass that is not frozen"),
    (reserved_name, "Reserved", "'__record_set'"),
    (keyword_name, "Keyword", "'class' is not a name a parameter can have"),
]


@pytest.mark.parametrize(("define_it", "cls", "says"), REFUSED,
                         ids=[f"{d.__qualname__}-{says}" for d, _, says in REFUSED])
def test_what_record_does_not_support_is_refused_at_definition(
        define_it: Callable[[], None], cls: str, says: str) -> None:
    with pytest.raises(TypeError) as raised:
        define_it()
    message = str(raised.value)
    assert message.startswith("@record class ") and f"{cls}:" in message
    assert says in message
    assert message.endswith("use @dataclass(frozen=True, slots=True) for this class instead")


def test_each_refusal_works_as_a_frozen_slots_dataclass() -> None:
    """The advice holds: what record refuses (but for its own names), the dataclass takes."""
    @FROZEN_SLOTS
    class PostInit:
        x: int

        def __post_init__(self) -> None:
            object.__setattr__(self, "x", self.x * 2)

    @FROZEN_SLOTS
    class AfterMarker:
        x: int
        _: dataclasses.KW_ONLY
        y: int

    @FROZEN_SLOTS
    class Hidden:
        x: int
        y: int = dataclasses.field(default=0, compare=False, repr=False)

    assert PostInit(2).x == 4 and AfterMarker(1, y=2).y == 2
    assert Hidden(1, 2) == Hidden(1, 3) and repr(Hidden(1, 2)).endswith("Hidden(x=1)")


# --- the code cache ----------------------------------------------------------------------------


class Processes:
    """Modules of records loaded from files in a fresh cache state, as successive processes would
    load them; `exit()` is what the process does at exit."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tmp_path, self.monkeypatch = tmp_path, monkeypatch
        self.cache_dir = tmp_path / "cache"
        monkeypatch.setattr(module, "_CACHE_DIR", str(self.cache_dir))
        monkeypatch.setattr(sys, "dont_write_bytecode", False)
        self.compiled: list[str] = []

        def counting_compile(source: str, *args: Any) -> types.CodeType:
            self.compiled.append(source)
            return compile(source, *args)

        monkeypatch.setattr(module, "compile", counting_compile, raising=False)
        self.new()

    def new(self) -> None:
        self.monkeypatch.setattr(module, "_caches", {})
        self.compiled.clear()

    def load(self, name: str, source: str) -> types.ModuleType:
        path = self.tmp_path / f"{name}.py"
        path.write_text(source)
        loaded = types.ModuleType(name)
        loaded.__file__ = str(path)
        spec = importlib.machinery.ModuleSpec(name, None, origin=str(path))
        loaded.__spec__ = spec
        self.monkeypatch.setitem(sys.modules, name, loaded)
        spec._initializing = True  # type: ignore[attr-defined]
        try:
            exec(compile(source, str(path), "exec"), loaded.__dict__)  # noqa: S102
        except BaseException:
            del sys.modules[name]  # as a failed import leaves it
            raise
        finally:
            spec._initializing = False  # type: ignore[attr-defined]
        return loaded

    def exit(self) -> None:
        module._write_caches()

    def file(self, name: str) -> Path:
        return self.cache_dir / f"{name}.{sys.implementation.cache_tag}.record"

    def table(self, name: str) -> dict[str, dict[Any, Any]]:
        return module._read(str(self.file(name)))


@pytest.fixture
def processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Processes]:
    yield Processes(tmp_path, monkeypatch)


HEAD = "from __future__ import annotations\nfrom netpath.model.record import record\n"


def classes(**fields: str) -> str:
    """A module's source: one record per keyword, `P="x: int; y: str"`."""
    return HEAD + "".join(
        f"\n@record\nclass {name}:\n" + "".join(f"    {f.strip()}\n" for f in body.split(";"))
        for name, body in fields.items())


def test_a_second_process_compiles_nothing(processes: Processes) -> None:
    processes.load("shapes", classes(P="x: int", Q="a: int; b: str = 'b'"))
    assert len(processes.compiled) == 2
    processes.exit()
    assert set(processes.table("shapes")) == {"P", "Q"}
    processes.new()
    loaded = processes.load("shapes", classes(P="x: int", Q="a: int; b: str = 'b'"))
    assert processes.compiled == []
    assert loaded.Q(1) == loaded.Q(1, "b") and repr(loaded.Q(2)) == "Q(a=2, b='b')"
    before = processes.file("shapes").stat().st_mtime_ns
    processes.exit()
    assert processes.file("shapes").stat().st_mtime_ns == before  # nothing to write


def test_edits_replace_entries_instead_of_adding_them(processes: Processes) -> None:
    sizes = []
    for edit in range(6):
        processes.new()
        fields = "; ".join(f"f{i}: int" for i in range(edit + 1))
        processes.load("edited", classes(P="x: int", Q=fields))
        assert len(processes.compiled) == (2 if edit == 0 else 1)  # P came from the cache
        processes.exit()
        table = processes.table("edited")
        assert set(table) == {"P", "Q"}
        assert list(table["Q"]) == [((tuple(f"f{i}" for i in range(edit + 1))), "r" * (edit + 1))]
        sizes.append(processes.file("edited").stat().st_size)
    assert sizes[-1] < 2 * sizes[0]  # one entry per class, whatever the history


def test_a_class_the_module_no_longer_defines_leaves_the_file(processes: Processes) -> None:
    processes.load("shrinking", classes(P="x: int", Q="y: int"))
    processes.exit()
    processes.new()
    processes.load("shrinking", classes(P="x: int"))
    assert processes.compiled == []
    processes.exit()  # nothing compiled, but the file names a class that is gone: rewritten
    assert set(processes.table("shrinking")) == {"P"}


def test_a_process_keeps_the_entries_of_modules_it_does_not_import(processes: Processes) -> None:
    processes.load("trace_side", classes(P="x: int"))
    processes.load("drill_side", classes(D="y: int"))
    processes.exit()
    drill_bytes = processes.file("drill_side").read_bytes()
    processes.new()
    processes.load("trace_side", classes(P="x: int; z: int = 0"))  # an edit, and no drill
    processes.exit()
    assert processes.file("drill_side").read_bytes() == drill_bytes
    processes.new()
    processes.load("drill_side", classes(D="y: int"))
    assert processes.compiled == []


LOCAL = HEAD + """
def make(n):
    @record
    class Local:
        x: int
    return Local(n)

@record
class P:
    x: int
"""


def test_classes_defined_in_functions_survive_runs_that_do_not_call_them(
        processes: Processes) -> None:
    processes.load("local", LOCAL).make(1)
    processes.exit()
    assert set(processes.table("local")) == {"P", "make.<locals>.Local"}
    processes.new()
    processes.load("local", LOCAL.replace("    x: int\n", "    x: int\n    y: int = 0\n")
                   .replace("x: int\n    y: int = 0\n    return", "x: int\n    return"))
    assert len(processes.compiled) == 1  # P changed; make() is not called
    processes.exit()
    assert set(processes.table("local")) == {"P", "make.<locals>.Local"}
    processes.new()
    processes.load("local", classes(P="x: int"))  # make() and its class removed
    processes.exit()
    assert set(processes.table("local")) == {"P"}


def test_a_failed_import_keeps_what_it_did_not_reach(processes: Processes) -> None:
    processes.load("failing", classes(P="x: int", Q="y: int"))
    processes.exit()
    processes.new()
    edited_then_broken = classes(P="x: int; z: int = 0") + "\n1 / 0\n"  # Q never reached
    with pytest.raises(ZeroDivisionError):
        processes.load("failing", edited_then_broken + classes(Q="y: int")[len(HEAD):])
    processes.exit()
    table = processes.table("failing")
    assert set(table) == {"P", "Q"} and list(table["P"]) == [(("x", "z"), "rd")]


def test_a_concurrent_processes_addition_is_kept(processes: Processes) -> None:
    processes.load("shared", LOCAL)
    processes.exit()
    first = module._caches  # process 1 has read the file, now process 2 runs
    processes.new()
    processes.load("shared", LOCAL).make(1)
    processes.exit()
    processes.monkeypatch.setattr(module, "_caches", first)  # process 1 ends after an edit
    first["shared"].compiled = True
    processes.exit()
    assert "make.<locals>.Local" in processes.table("shared")


def test_the_cache_is_written_whole_or_not_at_all(processes: Processes,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    processes.load("atomic", classes(P="x: int"))
    processes.exit()
    good = processes.file("atomic").read_bytes()
    processes.new()
    processes.load("atomic", classes(P="x: int; y: int = 0"))

    def interrupted(source: str, target: str) -> None:
        raise PermissionError(target)

    monkeypatch.setattr(os, "replace", interrupted)
    processes.exit()
    assert processes.file("atomic").read_bytes() == good
    assert [p.name for p in processes.cache_dir.iterdir()] == [processes.file("atomic").name]


def test_concurrent_writers_never_leave_a_torn_file(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(tmp_path / "contended.record")
    code = compile("x = 1", "<record>", "exec")
    tables = [{f"C{w}_{i}": {(("x",), "r"): code} for i in range(2000 * (w + 1))}
              for w in range(3)]
    seen: list[object] = []

    def writer(table: dict[str, Any]) -> None:
        for _ in range(15):
            module._write(path, table)

    def reader() -> None:
        for _ in range(150):
            seen.append(module._read(path))

    module._write(path, tables[0])
    threads = [threading.Thread(target=writer, args=(t,)) for t in tables]
    threads.append(threading.Thread(target=reader))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    keys = [set(t) for t in tables]
    assert len(seen) == 150 and all(set(s) in keys for s in seen)  # type: ignore[arg-type]
    assert os.listdir(tmp_path) == ["contended.record"]  # no temporary file left behind


def test_an_unwritable_cache_is_skipped_silently(processes: Processes,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = processes.tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setattr(module, "_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    loaded = processes.load("readonly", classes(P="x: int"))
    processes.exit()
    assert loaded.P(1) == loaded.P(1)
    processes.new()
    loaded = processes.load("readonly", classes(P="x: int"))
    assert len(processes.compiled) == 1  # compiled again, as modules are without a .pyc


def test_nothing_is_written_when_bytecode_is_not(processes: Processes,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    processes.load("nobytecode", classes(P="x: int"))
    processes.exit()
    assert not processes.cache_dir.exists()


def valid(processes: Processes) -> bytes:
    processes.load("damaged", classes(P="x: int; y: str = ''"))
    processes.exit()
    return processes.file("damaged").read_bytes()


def header() -> bytes:
    return module._file_header()


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "garbage": lambda good: b"not marshal at all",
    "empty": lambda good: b"",
    "truncated": lambda good: good[: len(good) // 2],
    "garbage after the header": lambda good: header() + b"\x00\xff" * 40,
    "not a table": lambda good: header() + marshal.dumps([1, 2, 3]),
    "entry not a dict": lambda good: header() + marshal.dumps({"P": "junk"}),
    "code not a code object": lambda good: header() + marshal.dumps(
        {"P": {(("x", "y"), "rd"): "junk"}}),
    "another Python": lambda good: good.replace(b"%x" % sys.hexversion,
                                                b"%x" % (sys.hexversion + 1), 1),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_or_foreign_cache_is_ignored(processes: Processes, damage: str) -> None:
    good = valid(processes)
    processes.file("damaged").write_bytes(DAMAGE[damage](good))
    processes.new()
    loaded = processes.load("damaged", classes(P="x: int; y: str = ''"))
    assert len(processes.compiled) == 1
    assert loaded.P(1) == loaded.P(1, "") and repr(loaded.P(2, "z")) == "P(x=2, y='z')"
    processes.exit()
    assert processes.file("damaged").read_bytes() == good  # repaired


def test_a_change_to_the_generator_makes_old_files_stale(processes: Processes,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    valid(processes)
    original = module._source
    monkeypatch.setattr(module, "_source", lambda shape: original(shape) + "# changed\n")
    monkeypatch.setattr(module, "_header", None)
    assert processes.table("damaged") == {}


def test_the_cache_sits_beside_the_modules_bytecode() -> None:
    import netpath.model.resources as resources

    path = module._cache_path("netpath.model.resources")
    assert path is not None and resources.__spec__ is not None
    assert resources.__spec__.cached is not None
    assert path == resources.__spec__.cached.removesuffix(".pyc") + ".record"
    assert module._cache_path("no.such.module") is None
    script = types.ModuleType("as_a_script")  # like __main__ run from a file: no bytecode
    sys.modules["as_a_script"] = script
    try:
        assert module._cache_path("as_a_script") is None
    finally:
        del sys.modules["as_a_script"]


# --- the common case, made without dataclass's processing ------------------------------------


def define_annotated(decorator: Callable[[type], type], layout: list[tuple[str, str, Any]]) -> type:
    """As `define`, with the annotations as `from __future__ import annotations` leaves them
    (strings): the case `record` makes without dataclass's processing. (dataclass reads string
    annotations in the class's module: a module without a file, so no cache file is written.)"""
    sys.modules.setdefault("record_fidelity_examples", types.ModuleType("record_fidelity_examples"))
    namespace: dict[str, Any] = {"__module__": "record_fidelity_examples",
                                 "__annotations__": {n: "int | None" for n, _, _ in layout}}
    for name, kind, default in layout:
        if kind == "d":
            namespace[name] = default
        elif kind == "f":
            namespace[name] = dataclasses.field(default_factory=list)
    return decorator(type("Shape", (), namespace))


FIELD_FACTS = ("name", "type", "default", "default_factory", "init", "repr", "hash", "compare",
               "metadata", "kw_only", "_field_type")


@settings(max_examples=150, deadline=None)
@given(layouts())
def test_plain_classes_are_made_as_dataclass_makes_them(layout: list[tuple[str, str, Any]]
                                                        ) -> None:
    mine, theirs = define_annotated(record, layout), define_annotated(FROZEN_SLOTS, layout)
    assert define_annotated(plain_dataclass, layout) is not None  # the fast path made `mine`
    assert [[getattr(f, fact) for fact in FIELD_FACTS] for f in dataclasses.fields(mine)] == \
        [[getattr(f, fact) for fact in FIELD_FACTS] for f in dataclasses.fields(theirs)]
    assert mine.__slots__ == theirs.__slots__
    assert mine.__match_args__ == theirs.__match_args__
    assert mine.__qualname__ == theirs.__qualname__ and mine.__module__ == theirs.__module__
    assert dataclasses.is_dataclass(mine)
    ours, dataclass_params = (vars(c)["__dataclass_params__"] for c in (mine, theirs))
    assert [getattr(ours, s) for s in type(ours).__slots__] == \
        [getattr(dataclass_params, s) for s in type(dataclass_params).__slots__]
    assert not hasattr(mine(*[0] * len(layout)), "__dict__")


def test_a_plain_class_keeps_what_it_defines_beside_its_fields() -> None:
    @record
    class Port:
        """A port."""

        number: int
        protocol: str = "tcp"
        LIMIT = 65535  # not a field: no annotation

        @property
        def privileged(self) -> bool:
            return self.number < 1024

    assert [f.name for f in dataclasses.fields(Port)] == ["number", "protocol"]
    assert Port.LIMIT == 65535 and Port.__doc__ == "A port."
    assert Port(22).privileged and not Port(8080, "udp").privileged
    assert Port.__match_args__ == ("number", "protocol")


def test_an_unhashable_default_is_refused_as_dataclass_refuses_it() -> None:
    """Any default whose type is unhashable is mutable and would be shared by every instance:
    dataclass refuses it (ValueError), and so does record, on its fast path too."""
    namespace = {"__module__": "record_fidelity_examples",
                 "__annotations__": {"data": "bytearray"}, "data": bytearray()}
    with pytest.raises(ValueError, match="mutable default"):
        record(type("Buffer", (), dict(namespace)))
    with pytest.raises(ValueError, match="mutable default"):
        FROZEN_SLOTS(type("Buffer", (), dict(namespace)))
