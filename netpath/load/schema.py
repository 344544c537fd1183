"""The spec's JSON Schema: the packaged document, and the validator that checks a merged spec
against it (jsonschema's errors become friendly located SpecErrors in `schema_errors`).

The schema (`netpath.schema.json`, shipped in the package) is the structural check: key names,
types, required keys, value shapes. Cross-references (does `rt-private` exist?) are the semantic
pass's job. `validate` is meant for the merged document (a VPC may be split across files and only
the merged VPC must have its `cidr`); the loader's source map turns the returned spec paths into
file:line:column.

jsonschema is imported lazily: it costs tens of milliseconds that most CLI commands never need.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import TYPE_CHECKING, Any

from netpath.load.errors import SpecError
from netpath.load.schema_errors import convert, finish, string_keys

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

SCHEMA_RESOURCE = "netpath.schema.json"


def load_schema() -> dict[str, Any]:
    """The spec's JSON Schema (parsed once; do not mutate the result)."""
    text = resources.files("netpath.load").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_text() -> str:
    """The schema as pretty JSON, for `netpath schema` and editors."""
    return json.dumps(load_schema(), indent=2, ensure_ascii=False) + "\n"


def validate(data: Any) -> list[SpecError]:
    """Check a (merged) spec document against the schema: one friendly error per problem.

    Paths are document paths with the data's own key types (a listener written `443:` stays the
    int 443), ordered as the document reads.
    """
    global _GUIDED
    copy = string_keys(data)
    if _fast_check(copy):
        return []
    _KNOWN_VALID.clear()
    _GUIDED = _fast_validator() is not None
    try:
        def_names = _inlined()[1]
        findings = [f for error in _validator().iter_errors(copy)
                    for f in convert(error, def_names)]
    finally:
        _KNOWN_VALID.clear()
        _GUIDED = False
    return finish(findings, data)


def _fast_check(document: Any) -> bool:
    """True when jsonschema-rs (the optional `fast` extra) is installed and finds the document
    valid: it checks a large spec about a hundred times faster than jsonschema. An invalid
    document always goes through jsonschema, which gives the friendly, located errors."""
    validator = _fast_validator()
    return validator is not None and bool(validator.is_valid(document))


@functools.cache
def _fast_validator() -> Any:
    try:
        import jsonschema_rs
    except ImportError:
        return None
    return jsonschema_rs.validator_for(load_schema())


# --- the validator: built once, tuned for large specs ------------------------------------------

_DEFS_PREFIX = "#/$defs/"
# A `$ref` whose siblings only annotate can be replaced by the definition it names.
_ANNOTATIONS = frozenset({"description", "default", "title", "examples", "$comment"})
# Where 2020-12 keywords hold subschemas: a map of them, a list of them, or one. A `$ref` under
# any other keyword is left alone, which is still correct: the root keeps `$defs`.
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_ONE = frozenset(
    {"items", "additionalProperties", "propertyNames", "not", "if", "then", "else", "contains"}
)


@functools.cache
def _inlined() -> tuple[dict[str, Any], dict[int, str]]:
    """The schema with `#/$defs/...` references replaced by the definition objects, and a map
    from each definition's id() to its name.

    jsonschema resolves a `$ref` through the referencing library on every use: a third of the
    time on a large spec. Definitions are shared, not copied, so each keeps one identity that
    errors can be traced back to. A cyclic reference keeps its `$ref`.
    """
    schema = load_schema()
    defs: dict[str, Any] = schema.get("$defs", {})
    done: dict[str, Any] = {}
    active: set[str] = set()

    def define(name: str) -> Any:
        if name not in done:
            active.add(name)
            done[name] = resolve(defs[name])
            active.discard(name)
        return done[name]

    def resolve(node: Any) -> Any:
        if not isinstance(node, dict):
            return node  # a boolean schema
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_DEFS_PREFIX):
            name = ref[len(_DEFS_PREFIX) :]
            if name in defs and name not in active and set(node) - {"$ref"} <= _ANNOTATIONS:
                return define(name)
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _SCHEMA_MAPS:
                out[key] = {k: resolve(v) for k, v in value.items()}
            elif key in _SCHEMA_LISTS:
                out[key] = [resolve(v) for v in value]
            else:  # data (enum, const, required...) and annotations pass through as they are
                out[key] = resolve(value) if key in _SCHEMA_ONE else value
        return out

    inlined = resolve({k: v for k, v in schema.items() if k != "$defs"})
    inlined["$defs"] = {name: define(name) for name in defs}
    return inlined, {id(sub): name for name, sub in inlined["$defs"].items()}


# (id(subschema), type, value) of scalars already found valid during this validate() call. A big
# spec repeats the same scalars (`protocol: tcp`, `subnet: private-a`...) tens of thousands of
# times; checking one is pure (no $ref scope left after inlining), so the answer can be reused.
# This halves validation time. Keys include the type: 1, 1.0 and True validate differently.
# Only valid answers are kept, so a concurrent clear() costs speed, never correctness.
_KNOWN_VALID: set[tuple[int, type, Any]] = set()
_SCALARS = (str, int, float, bool, type(None))
# Whether this validate() call asks jsonschema-rs about each part first (`_descend_cached`).
_GUIDED = False


def _descend_cached(validator: Any, value: Any, subschema: Any, **where: Any) -> Iterable[Any]:
    """`validator.descend`, unless the value is known to be valid under `subschema`.

    With jsonschema-rs, every value is asked of it first: a spec is invalid somewhere, but
    almost every part of it is valid, and jsonschema-rs says so in a fraction of the time
    jsonschema takes to walk it. jsonschema then walks only the parts that hold an error, so
    one unknown key in a spec of 1.6 million costs about what the fast check of the whole does,
    not jsonschema's walk of all of it (17-39 s). Validity under a subschema is a pure function
    of the value (no $ref scope is left after inlining), so skipping a valid part never changes
    what jsonschema reports, inside `oneOf` and `not` too.
    """
    scalar = type(value) in _SCALARS
    if scalar:
        key = (id(subschema), type(value), value)
        if key in _KNOWN_VALID:
            return ()
    fast = _fast_part(subschema) if _GUIDED else None
    if fast is not None and fast.is_valid(value):
        if scalar:
            _KNOWN_VALID.add(key)
        return ()
    if not scalar:
        return validator.descend(value, subschema, **where)  # type: ignore[no-any-return]
    errors = list(validator.descend(value, subschema, **where))
    if not errors:
        _KNOWN_VALID.add(key)
    return errors


# id(subschema) -> (the subschema, kept alive so that its id stays its own; its jsonschema-rs
# validator, or None when there is none). Subschemas of the inlined schema live for the process.
_FAST_PARTS: dict[int, tuple[Any, Any]] = {}


def _fast_part(subschema: Any) -> Any:
    """A jsonschema-rs validator for one subschema of the inlined schema (None for a boolean
    schema). Only asked when jsonschema-rs is installed (`_GUIDED`)."""
    found = _FAST_PARTS.get(id(subschema))
    if found is not None:
        return found[1]
    validator = None
    if isinstance(subschema, dict):
        import jsonschema_rs

        # The definitions ride along for any `$ref` left in place (a cyclic one).
        whole = load_schema()
        validator = jsonschema_rs.validator_for(
            {**subschema, "$schema": whole["$schema"], "$defs": whole.get("$defs", {})})
    _FAST_PARTS[id(subschema)] = (subschema, validator)
    return validator


@functools.cache
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator, validators

    base = Draft202012Validator.VALIDATORS

    # The four keywords that descend into values, as jsonschema writes them, but asking the cache.
    def properties(v: Any, props: Any, instance: Any, schema: Any) -> Iterator[Any]:
        if v.is_type(instance, "object"):
            for name, sub in props.items():
                if name in instance:
                    yield from _descend_cached(v, instance[name], sub, path=name, schema_path=name)

    def additional(v: Any, extra: Any, instance: Any, schema: Any) -> Iterator[Any]:
        if not isinstance(extra, dict) or "patternProperties" in schema:
            yield from base["additionalProperties"](v, extra, instance, schema)
        elif v.is_type(instance, "object"):
            known = schema.get("properties", {})
            for name in instance:
                if name not in known:
                    yield from _descend_cached(v, instance[name], extra, path=name)

    def property_names(v: Any, names: Any, instance: Any, schema: Any) -> Iterator[Any]:
        if v.is_type(instance, "object"):
            for name in instance:
                yield from _descend_cached(v, name, names)

    def items(v: Any, each: Any, instance: Any, schema: Any) -> Iterator[Any]:
        if each is False or "prefixItems" in schema:
            yield from base["items"](v, each, instance, schema)
        elif v.is_type(instance, "array"):
            for index, item in enumerate(instance):
                yield from _descend_cached(v, item, each, path=index)

    tuned = {"properties": properties, "additionalProperties": additional, "items": items}
    cls = validators.extend(validator_class(), {**tuned, "propertyNames": property_names})
    # No format checker: formats are slow, and every shape is a pattern instead.
    return cls(_inlined()[0])


@functools.cache
def validator_class() -> type[Draft202012Validator]:
    """Draft 2020-12 with `pattern` read as ECMA-262 reads it (`$` is the end of the input,
    not also the place before a final newline: a name `"web\\n"` is no name), as jsonschema-rs
    reads it. For the spec's and the expectations' schemas alike."""
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import ValidationError

    from netpath.load.ecma_regex import ecma_regex

    def pattern(v: Any, regex: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
        if v.is_type(instance, "string") and not ecma_regex(regex).search(instance):
            yield ValidationError(f"{instance!r} does not match {regex!r}")

    extended: type[Draft202012Validator] = validators.extend(
        Draft202012Validator, {"pattern": pattern})
    return extended
