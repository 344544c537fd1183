"""`record`: `dataclass(frozen=True, slots=True)`, made cheaper to define.

Why
---
On Python 3.11 `dataclass` compiles six small functions for every frozen class (and calls
`inspect.signature` for one without a docstring). netpath defines over a hundred such classes,
and every start of the CLI paid for them: about a third of its start-up time. `record` makes
the dataclass attributes itself for a class of plain fields (the fields, `__slots__`,
`__match_args__`, exactly as dataclass would: a property test compares them), leaving anything
else to `dataclass` without its generated methods, then makes
`__init__`, `__repr__`, `__eq__` and `__hash__` with a single compilation whose code object is
kept in a cache beside the module's bytecode (as Python keeps the module's own), and makes the
frozen `__setattr__`/`__delattr__` and the pickling methods without compiling anything. The
result is still a dataclass: `fields()`, `replace()`, `asdict()`, `match` and pickling work;
instances are immutable, equal by value and hashable exactly as with `frozen=True, slots=True`;
methods the class defines itself (`__repr__`, `__eq__`, an explicit `__hash__`...) are kept, as
dataclass keeps them. One difference, on purpose: assigning an attribute that is not a field
raises `FrozenInstanceError`, which dataclass means to raise (a slotted dataclass raises a
`TypeError` from `super()` instead, its class having been rebuilt for `__slots__`).

When to use it
--------------
Use `@record` for the many small immutable value types that the CLI defines on its start-up
path (the model, the engine's results, the spec's positions and errors): plain annotated fields,
each with no default, a default or a `default_factory`, in that order.

Use a plain `@dataclass(frozen=True, slots=True)` for anything else: a class that needs
`__post_init__` or an `InitVar`, `field(init=/repr=/compare=/hash=/kw_only=)`, keyword-only
fields (`KW_ONLY`), inheritance from a non-frozen dataclass, or that is off the start-up path
(defined only when a rarely used command runs), where the milliseconds do not matter. `record`
refuses what it does not support with a `TypeError` when the class is defined, naming the class
and the feature; it never ignores it. (`field(metadata=...)` is accepted: dataclasses only store
it.) A record may inherit from records and from frozen dataclasses (their fields come first, as
with dataclasses), and a frozen dataclass may inherit from a record.

The compiled methods are kept between runs by `record_cache` (its docstring has how).
"""

from __future__ import annotations

import _thread
import dataclasses
import re
from collections.abc import Callable
from keyword import iskeyword
from typing import Any, NoReturn, TypeVar, dataclass_transform

from netpath.model.record_cache import code_for

T = TypeVar("T")


class _Factory:
    """The default of a parameter whose field has a default_factory (dataclass's spelling)."""

    def __repr__(self) -> str:
        return "<factory>"


_HAS_FACTORY = _Factory()
_RESERVED = "__record_"  # the generated code's own names start with this: no field may
_INSTEAD = "use @dataclass(frozen=True, slots=True) for this class instead"


@dataclass_transform(frozen_default=True)
def record(cls: type[T]) -> type[T]:
    """`cls` as `@dataclass(frozen=True, slots=True)` makes it, or a TypeError naming what
    `record` does not support (see the module's docstring for when to use which)."""
    if not isinstance(cls, type):
        raise TypeError("record takes no arguments: write @record, not @record(...)")
    own = dict(cls.__dict__)
    _refuse_before(cls, own)
    frozen_base = any("__dataclass_fields__" in vars(b) for b in cls.__mro__[1:])
    if cls.__doc__ is None:
        cls.__doc__ = cls.__name__  # else dataclass builds one with inspect.signature
    # frozen=True only under a frozen dataclass base, which dataclass requires (it then compiles
    # its own __setattr__/__delattr__, replaced below): a subclass costs a little more.
    made: type[T] = _plain_dataclass(cls) or dataclasses.dataclass(
        init=False, repr=False, eq=False, frozen=frozen_base, slots=True)(cls)
    fields = dataclasses.fields(made)  # type: ignore[arg-type]
    _refuse_fields(made, own, fields)
    params = vars(made)["__dataclass_params__"]
    params.init = params.repr = params.eq = params.frozen = True  # what `record` gives

    names = tuple(f.name for f in fields)
    kinds = "".join("d" if f.default is not dataclasses.MISSING else
                    "f" if f.default_factory is not dataclasses.MISSING else "r" for f in fields)
    namespace: dict[str, Any] = {
        "__name__": made.__module__,
        "__record_set": object.__setattr__,
        "__record_factory": _HAS_FACTORY,
    }
    for i, f in enumerate(fields):
        if f.default is not dataclasses.MISSING:
            namespace[f"__record_default_{i}"] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            namespace[f"__record_factory_{i}"] = f.default_factory
    exec(code_for(made.__module__, made.__qualname__, (names, kinds)), namespace)  # noqa: S102
    namespace["__repr__"] = _guard_recursion(namespace["__repr__"])
    namespace.update(_frozen_and_pickling(made, names))

    class_hash = own.get("__hash__", dataclasses.MISSING)
    explicit_hash = not (class_hash is dataclasses.MISSING
                         or (class_hash is None and "__eq__" in own))
    for name in ("__init__", "__repr__", "__eq__", "__hash__", "__setattr__", "__delattr__",
                 "__getstate__", "__setstate__"):
        # As dataclass does: a method the class defines itself is kept (for __hash__, only an
        # explicit one: defining __eq__ alone sets __hash__ to None implicitly).
        if name == "__hash__" and explicit_hash or name != "__hash__" and name in own:
            continue
        function = namespace[name]
        function.__qualname__ = f"{made.__qualname__}.{name}"
        setattr(made, name, function)
    return made


# --- the common case, without dataclass's processing -----------------------------------------

# dataclass's own parameters object, copied for each class made here (its constructor's
# arguments differ between Python versions; its attributes do not).
@dataclasses.dataclass(init=False, repr=False, eq=False, slots=True)
class _Template:
    pass


_PARAMS = vars(_Template)["__dataclass_params__"]
_FIELD = getattr(dataclasses, "_FIELD", None)  # the kind of a real field (not a ClassVar)
_SPECIAL = re.compile(r"\b(?:ClassVar|InitVar|KW_ONLY)\b")


def _plain_dataclass(cls: type[T]) -> type[T] | None:
    """What `dataclass(init=False, repr=False, eq=False, slots=True)` makes of a class of plain
    fields (string annotations, each with no default, a value or a plain `field()`), made
    directly: dataclass's general processing (it inspects every annotation for ClassVar and
    InitVar) cost more than half of `record`'s time at start-up. None for anything else, which
    dataclass itself then processes (and refuses where it must)."""
    if _FIELD is None or "__slots__" in vars(cls) or any(
            "__dataclass_fields__" in vars(b) for b in cls.__mro__[1:]):
        return None
    own = vars(cls)
    fields: dict[str, dataclasses.Field[Any]] = {}
    for name, annotation in own.get("__annotations__", {}).items():
        if not isinstance(annotation, str) or _SPECIAL.search(annotation):
            return None
        value = own.get(name, dataclasses.MISSING)
        if isinstance(value, dataclasses.Field):
            if (value.init is not True or value.repr is not True or value.compare is not True
                    or value.hash is not None or value.kw_only is not dataclasses.MISSING):
                return None
            made = value
        elif type(value).__hash__ is None:
            return None  # a mutable default: dataclass's error
        else:
            made = dataclasses.field(default=value)
        made.name, made.type, made.kw_only = name, annotation, False
        made._field_type = _FIELD  # type: ignore[attr-defined]
        fields[name] = made
    params = object.__new__(type(_PARAMS))
    for slot in type(_PARAMS).__slots__:
        setattr(params, slot, getattr(_PARAMS, slot))
    namespace = {key: value for key, value in own.items()
                 if key not in fields and key not in ("__dict__", "__weakref__")}
    namespace.update(__slots__=tuple(fields), __dataclass_fields__=fields,
                     __dataclass_params__=params)
    namespace.setdefault("__match_args__", tuple(fields))
    metaclass: Any = type(cls)
    rebuilt: type[T] = metaclass(cls.__name__, cls.__bases__, namespace)
    rebuilt.__qualname__ = cls.__qualname__
    return rebuilt


# --- what `record` refuses ------------------------------------------------------------------


def _refuse(cls: type, problem: str) -> TypeError:
    return TypeError(f"@record class {cls.__qualname__}: {problem}; {_INSTEAD}")


def _refuse_before(cls: type, own: dict[str, Any]) -> None:
    """What can be told from the class statement alone (and would confuse dataclass)."""
    if hasattr(cls, "__post_init__"):
        where = "defines" if "__post_init__" in own else "inherits"
        raise _refuse(cls, f"it {where} __post_init__, which record never calls")
    for name in ("__setattr__", "__delattr__"):
        if name in own:
            raise _refuse(cls, f"it defines {name}, which a frozen class cannot")
    for base in cls.__mro__[1:]:
        params = vars(base).get("__dataclass_params__")
        if params is not None and not params.frozen:
            raise _refuse(cls, f"it inherits from {base.__qualname__}, a dataclass that is not "
                               "frozen, and a record is")


def _refuse_fields(made: type, own: dict[str, Any],
                   fields: tuple[dataclasses.Field[Any], ...]) -> None:
    every = vars(made)["__dataclass_fields__"]  # with the ClassVar and InitVar pseudo-fields
    if len(every) != len(fields):
        initvar = getattr(dataclasses, "_FIELD_INITVAR", None)
        for f in every.values():
            if initvar is not None and getattr(f, "_field_type", None) is initvar:
                raise _refuse(made, f"{f.name!r} is an InitVar, which record's __init__ does "
                                    "not take")
    defaulted: str | None = None
    for f in fields:
        if (f.init is False or f.repr is False or f.compare is False or f.hash is not None
                or f.kw_only is True or f.name.startswith(_RESERVED) or iskeyword(f.name)
                or not f.name.isidentifier()):
            _refuse_field(made, f, own)
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
            defaulted = defaulted or f.name
        elif defaulted is not None:
            raise _refuse(made, f"field {f.name!r} has no default but follows {defaulted!r}, "
                                "which has one (as with dataclass, give it a default or move "
                                "it up)")


def _refuse_field(made: type, f: dataclasses.Field[Any], own: dict[str, Any]) -> NoReturn:
    options = [f"{option}=False" for option in ("init", "repr", "compare")
               if getattr(f, option) is False]
    if f.hash is not None:
        options.append(f"hash={f.hash!r}")
    if options:
        raise _refuse(made, f"field {f.name!r} uses field({', '.join(options)}), which record "
                            "does not support")
    if f.kw_only is True:
        marker = any(a is dataclasses.KW_ONLY or a in ("KW_ONLY", "dataclasses.KW_ONLY")
                     for a in own.get("__annotations__", {}).values())
        how = "after a KW_ONLY marker" if marker else "field(kw_only=True)"
        raise _refuse(made, f"field {f.name!r} is keyword-only ({how}), which record does not "
                            "support")
    if f.name.startswith(_RESERVED):
        raise _refuse(made, f"field {f.name!r}: names starting with {_RESERVED!r} are record's "
                            "own")
    raise _refuse(made, f"field {f.name!r} is not a name a parameter can have")


# --- the methods made without compiling -------------------------------------------------------


def _guard_recursion(function: Callable[[Any], str]) -> Callable[[Any], str]:
    """`...` for a record met again while it is being shown (as dataclass's repr does)."""
    running: set[tuple[int, int]] = set()

    def __repr__(self: Any) -> str:
        key = id(self), _thread.get_ident()
        if key in running:
            return "..."
        running.add(key)
        try:
            return function(self)
        finally:
            running.discard(key)

    return __repr__


def _frozen_and_pickling(owner: type[Any], names: tuple[str, ...]) -> dict[str, Callable[..., Any]]:
    """dataclass's frozen `__setattr__`/`__delattr__` and slots pickling, without compiling."""
    fieldset = frozenset(names)
    frozen = dataclasses.FrozenInstanceError

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is owner or name in fieldset:
            raise frozen(f"cannot assign to field {name!r}")
        super(owner, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is owner or name in fieldset:
            raise frozen(f"cannot delete field {name!r}")
        super(owner, self).__delattr__(name)

    def __getstate__(self: Any) -> list[Any]:
        return [getattr(self, name) for name in names]

    def __setstate__(self: Any, state: list[Any]) -> None:
        for name, value in zip(names, state, strict=False):
            object.__setattr__(self, name, value)

    return {"__setattr__": __setattr__, "__delattr__": __delattr__,
            "__getstate__": __getstate__, "__setstate__": __setstate__}
