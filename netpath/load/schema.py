"""The spec's JSON Schema, and jsonschema's errors turned into friendly located SpecErrors.

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
import re
from collections.abc import Iterable, Iterator, Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any

from netpath.load.errors import SpecError
from netpath.model.names import did_you_mean
from netpath.model.paths import SpecPath
from netpath.model.record import record

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_RESOURCE = "netpath.schema.json"
SPEC_VERSION = 1

# What a `$defs` entry expects, in human words: "expected <phrase>, got 'abc'". Keyed by the
# definition's name: jsonschema reports the subschema object, which we map back to its name.
_DEF_PHRASES: dict[str, str] = {
    "name": "a name of letters, digits, '.', '_' and '-' starting with a letter or digit",
    "names": "a list of names",
    "cidr": "a CIDR like 10.0.0.0/16",
    "cidrs": "a list of CIDRs like [10.0.0.0/16]",
    "ipv4": "an IPv4 address like 10.0.1.20",
    "port": "an integer port 0-65535",
    "port-or-range": "a port 0-65535, a range like '1024-65535' or 'all'",
    "protocol": "a protocol: tcp, udp, icmp, all or a number -1..255",
    "region": "a region like us-east-1",
    "az": "an availability zone like us-east-1a",
    "fqdn": "a DNS name like api.example.com",
    "route-destination": "a CIDR or a prefix list name",
    "route-target": "a target name or a mapping {target, state, description}",
    "rule-number": "a rule number 1-32766",
    "lb-subnets": "a list of subnet names or a mapping subnet -> {private_ip, public_ip}",
    "endpoint-subnets": "a list of subnet names or a mapping subnet -> {private_ip}",
    "listener-port": "a listener port 0-65535",
    "tg-target": "an instance name, an IP address or a mapping {target, port, healthy}",
    "a-record": "an IPv4 address or a list of them",
    "internet-host": "an IPv4 address or a mapping {ip, ports}",
}
# Words offered by did-you-mean when a pattern-checked value is a near miss (`tpc` -> `tcp`).
_DEF_WORDS: dict[str, tuple[str, ...]] = {"protocol": ("tcp", "udp", "icmp", "all")}
_TYPE_PHRASES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}
# Every keyword that judges a value's content is one kind of problem, so a value that is both the
# wrong type and fails a pattern is reported once.
_VALUE_KEYWORDS = frozenset(
    {"type", "pattern", "enum", "const", "minimum", "maximum", "minLength", "maxLength", "format"}
)


@functools.cache
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
    copy = _string_keys(data)
    if _fast_check(copy):
        return []
    _KNOWN_VALID.clear()
    try:
        findings = [f for error in _validator().iter_errors(copy) for f in _convert(error)]
    finally:
        _KNOWN_VALID.clear()
    return _finish(findings, data)


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


def _descend_cached(validator: Any, value: Any, subschema: Any, **where: Any) -> Iterable[Any]:
    if type(value) not in _SCALARS:
        return validator.descend(value, subschema, **where)  # type: ignore[no-any-return]
    key = (id(subschema), type(value), value)
    if key in _KNOWN_VALID:
        return ()
    errors = list(validator.descend(value, subschema, **where))
    if not errors:
        _KNOWN_VALID.add(key)
    return errors


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
    cls = validators.extend(Draft202012Validator, {**tuned, "propertyNames": property_names})
    # No format checker: formats are slow, and every shape is a pattern instead.
    return cls(_inlined()[0])


# --- turning jsonschema errors into findings ---------------------------------------------------


@record
class _Finding:
    path: tuple[str | int, ...]  # in the string-keyed copy
    kind: str  # at most one finding per (path, kind)
    message: str
    hint: str | None = None
    key: str | None = None  # the missing key, for merging `required` findings


def _convert(error: ValidationError) -> Iterator[_Finding]:
    path = tuple(error.absolute_path)
    keyword, instance = error.validator, error.instance
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    def_name = _inlined()[1].get(id(schema), "")

    if "propertyNames" in error.absolute_schema_path:
        # jsonschema reports a bad key at its mapping; point at the key itself.
        phrase = _DEF_PHRASES.get(def_name, "a valid key")
        yield _Finding(path + (instance,), "key", f"invalid key {instance!r}: expected {phrase}")
    elif keyword == "additionalProperties" and error.validator_value is False:
        yield from _unknown_keys(path, instance, schema)
    elif keyword == "required":
        yield from _missing_keys(error, path, instance)
    elif keyword in ("oneOf", "anyOf"):
        yield from _choice(error, path, instance)
    elif keyword == "const" and path == ("netpath",):
        reads = f"this netpath reads version {SPEC_VERSION}"
        yield _Finding(path, "value", f"unsupported spec version {_show(instance)}: {reads}")
    elif keyword == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        hint = _near(instance, error.validator_value)
        yield _Finding(path, "value", f"{_show(instance)} is not one of {choices}", hint)
    elif keyword == "uniqueItems":
        yield _Finding(path, "duplicate", f"{_first_duplicate(instance)!r} is listed twice")
    elif keyword in _VALUE_KEYWORDS:
        yield _wrong_value(error, path, instance, schema, def_name)
    else:
        yield _Finding(path, str(keyword), error.message)


def _unknown_keys(path: SpecPath, instance: Any, schema: Mapping[str, Any]) -> Iterator[_Finding]:
    allowed = list(schema.get("properties", {}))
    patterns = list(schema.get("patternProperties", {}))
    for key in instance:
        if key not in allowed and not any(re.search(p, key) for p in patterns):
            hint = did_you_mean(key, allowed) if allowed else None
            yield _Finding(path + (key,), "unknown-key", f"unknown key {key!r}", hint)


def _missing_keys(error: ValidationError, path: SpecPath, instance: Any) -> Iterator[_Finding]:
    hint = None
    if len(error.absolute_schema_path) >= 2 and error.absolute_schema_path[-2] in ("then", "else"):
        hint = error.schema.get("description")  # why this key is needed here
    if path == ():
        hint = hint or f"every spec file starts with `netpath: {SPEC_VERSION}`"
    for key in error.validator_value:
        if key not in instance:
            yield _Finding(path, "required", "", hint, key=key)


def _choice(error: ValidationError, path: SpecPath, instance: Any) -> Iterator[_Finding]:
    branches = error.validator_value
    # "Exactly one of these keys" (a rule's peer, a DNS record's kind) gets its own wording.
    keys = [b["required"][0] for b in branches if b.keys() == {"required"}]
    if len(keys) == len(branches) and all(len(b["required"]) == 1 for b in branches):
        if not isinstance(instance, dict):
            return  # the type error on this value says it all
        options = _join([repr(k) for k in keys], "or")
        present = [repr(k) for k in keys if k in instance]
        if not present:
            yield _Finding(path, "choice", f"missing one of {options}")
        else:
            found = _join(present, "and")
            yield _Finding(path, "choice", f"only one of {options} is allowed, found {found}")
    elif not error.context:
        yield _Finding(path, "choice", error.message)
    else:
        for sub in _best_branch(error.context):
            yield from _convert(sub)


def _best_branch(context: Iterable[ValidationError]) -> list[ValidationError]:
    """The errors of the branch the user most likely meant (like jsonschema's best_match): one
    whose type matches the value, then the one that got deepest, then the one with fewest errors.
    """
    by_branch: dict[Any, list[ValidationError]] = {}
    for sub in context:
        by_branch.setdefault(sub.relative_schema_path[0], []).append(sub)

    def rank(errors: list[ValidationError]) -> tuple[bool, int, int]:
        wrong_type = any(e.validator == "type" and not e.relative_path for e in errors)
        return (wrong_type, -max(len(e.relative_path) for e in errors), len(errors))

    return min(by_branch.values(), key=rank)


def _wrong_value(
    error: ValidationError, path: SpecPath, instance: Any, schema: Mapping[str, Any], def_name: str
) -> _Finding:
    phrase = _DEF_PHRASES.get(def_name)
    if phrase is None and error.validator == "type":
        phrase = _join([_TYPE_PHRASES.get(t, t) for t in _as_list(error.validator_value)], "or")
    if phrase is None:
        return _Finding(path, "value", error.message)  # no better words than jsonschema's
    hint = _near(instance, _DEF_WORDS.get(def_name, ()))
    wanted = _as_list(schema.get("type"))
    if error.validator == "type" and instance is None:
        hint = "write [] for an empty list" if "array" in wanted else None
        hint = "write {} for an empty mapping" if "object" in wanted else hint
    elif error.validator == "type" and "array" in wanted and type(instance) in (str, int):
        hint = f"write [{instance}]"  # `security_groups: sg-a` -> `[sg-a]`
    return _Finding(path, "value", f"expected {phrase}, got {_show(instance)}", hint)


# --- finishing: merge, de-duplicate, restore key types, order -----------------------------------


def _finish(findings: list[_Finding], data: Any) -> list[SpecError]:
    # All missing keys of one mapping make one error: "missing required keys 'a' and 'b'".
    missing: dict[tuple[str | int, ...], list[_Finding]] = {}
    for f in findings:
        if f.kind == "required" and f.key not in [m.key for m in missing.get(f.path, [])]:
            missing.setdefault(f.path, []).append(f)
    seen: set[tuple[tuple[str | int, ...], str]] = set()
    positions: dict[int, dict[Any, int]] = {}
    located: list[tuple[tuple[int, ...], SpecError]] = []
    for f in findings:
        if (f.path, f.kind) in seen:
            continue
        seen.add((f.path, f.kind))
        message, hint = f.message, f.hint
        if f.kind == "required":
            keys = [repr(m.key) for m in missing[f.path]]
            noun = "key" if len(keys) == 1 else "keys"
            message = f"missing required {noun} {_join(keys, 'and')}"
            hint = next((m.hint for m in missing[f.path] if m.hint), None)
        path, order = _locate(data, f.path, positions)
        located.append((order, SpecError(message, path, hint=hint)))
    located.sort(key=lambda pair: pair[0])  # stable: one place keeps jsonschema's order
    return [error for _, error in located]


def _string_keys(node: Any) -> Any:
    """A copy whose mapping keys are all strings: JSON Schema knows no other (YAML reads `443:`
    as an int, and jsonschema's regex keywords would fail on it)."""
    if isinstance(node, dict):
        return {k if isinstance(k, str) else str(k): _string_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_string_keys(v) for v in node]
    return node


def _locate(
    data: Any, path: tuple[str | int, ...], positions: dict[int, dict[Any, int]]
) -> tuple[SpecPath, tuple[int, ...]]:
    """Follow a string-keyed path through the original data: the path with the keys' own types
    (`443`, not `"443"`), and a sort key in document order (per step, the key's place in its
    mapping, as YAML keeps the written order, or the list index). `positions` caches key orders.
    """
    out: list[str | int] = []
    order: list[int] = []
    node = data
    for i, part in enumerate(path):
        if isinstance(node, dict):
            if part not in node:
                part = next((k for k in node if not isinstance(k, str) and str(k) == part), part)
            if id(node) not in positions:
                positions[id(node)] = {k: n for n, k in enumerate(node)}
            order.append(positions[id(node)].get(part, len(node)))
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            order.append(part)
            node = node[part]
        else:
            return (*out, *path[i:]), tuple(order)
        out.append(part)
    return tuple(out), tuple(order)


# --- small helpers ----------------------------------------------------------------------------


def _show(value: Any) -> str:
    """The offending value as the user wrote it: repr for scalars, a word for the rest."""
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"  # as YAML writes them
    return repr(value)


def _near(value: Any, words: Iterable[Any]) -> str | None:
    pool = [w for w in words if isinstance(w, str)]
    return did_you_mean(value, pool) if isinstance(value, str) and pool else None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _join(items: list[str], word: str) -> str:
    return f"{', '.join(items[:-1])} {word} {items[-1]}" if len(items) > 1 else "".join(items)


def _first_duplicate(items: list[Any]) -> Any:
    seen: list[Any] = []
    for item in items:
        if item in seen:
            return item
        seen.append(item)
    return None
