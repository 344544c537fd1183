"""jsonschema's errors turned into friendly SpecErrors: one finding per problem, in words
("expected a CIDR like 10.0.0.0/16, got '10.0.0/16'"), with did-you-mean hints, merged,
de-duplicated and ordered as the document reads. Used for the spec (`schema.validate`) and for
expectations files.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from netpath.load.ecma_regex import ecma_regex
from netpath.load.errors import SpecError
from netpath.model.names import did_you_mean
from netpath.model.paths import SpecPath
from netpath.model.record import record

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

SPEC_VERSION = 1  # the `netpath:` version this netpath reads

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




# --- turning jsonschema errors into findings ---------------------------------------------------


@record
class Finding:
    path: tuple[str | int, ...]  # in the string-keyed copy
    kind: str  # at most one finding per (path, kind)
    message: str
    hint: str | None = None
    key: str | None = None  # the missing key, for merging `required` findings


def convert(error: ValidationError, def_names: Mapping[int, str]) -> Iterator[Finding]:
    path = tuple(error.absolute_path)
    keyword, instance = error.validator, error.instance
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    def_name = def_names.get(id(schema), "")

    if "propertyNames" in error.absolute_schema_path:
        # jsonschema reports a bad key at its mapping; point at the key itself.
        phrase = _DEF_PHRASES.get(def_name, "a valid key")
        yield Finding(path + (instance,), "key", f"invalid key {instance!r}: expected {phrase}")
    elif keyword == "additionalProperties" and error.validator_value is False:
        yield from _unknown_keys(path, instance, schema)
    elif keyword == "required":
        yield from _missing_keys(error, path, instance)
    elif keyword in ("oneOf", "anyOf"):
        yield from _choice(error, path, instance, def_names)
    elif keyword == "const" and path == ("netpath",):
        reads = f"this netpath reads version {SPEC_VERSION}"
        yield Finding(path, "value", f"unsupported spec version {_show(instance)}: {reads}")
    elif keyword == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        hint = _near(instance, error.validator_value)
        yield Finding(path, "value", f"{_show(instance)} is not one of {choices}", hint)
    elif keyword == "uniqueItems":
        yield Finding(path, "duplicate", f"{_first_duplicate(instance)!r} is listed twice")
    elif keyword in _VALUE_KEYWORDS:
        yield _wrong_value(error, path, instance, schema, def_name)
    else:
        yield Finding(path, str(keyword), error.message)


def _unknown_keys(path: SpecPath, instance: Any, schema: Mapping[str, Any]) -> Iterator[Finding]:
    allowed = list(schema.get("properties", {}))
    patterns = list(schema.get("patternProperties", {}))
    for key in instance:
        if key not in allowed and not any(ecma_regex(p).search(key) for p in patterns):
            hint = did_you_mean(key, allowed) if allowed else None
            yield Finding(path + (key,), "unknown-key", f"unknown key {key!r}", hint)


def _missing_keys(error: ValidationError, path: SpecPath, instance: Any) -> Iterator[Finding]:
    hint = None
    if len(error.absolute_schema_path) >= 2 and error.absolute_schema_path[-2] in ("then", "else"):
        hint = error.schema.get("description")  # why this key is needed here
    if path == ():
        hint = hint or f"every spec file starts with `netpath: {SPEC_VERSION}`"
    for key in error.validator_value:
        if key not in instance:
            yield Finding(path, "required", "", hint, key=key)


def _choice(error: ValidationError, path: SpecPath, instance: Any,
            def_names: Mapping[int, str]) -> Iterator[Finding]:
    branches = error.validator_value
    # "Exactly one of these keys" (a rule's peer, a DNS record's kind) gets its own wording.
    keys = [b["required"][0] for b in branches if b.keys() == {"required"}]
    if len(keys) == len(branches) and all(len(b["required"]) == 1 for b in branches):
        if not isinstance(instance, dict):
            return  # the type error on this value says it all
        options = _join([repr(k) for k in keys], "or")
        present = [repr(k) for k in keys if k in instance]
        if not present:
            yield Finding(path, "choice", f"missing one of {options}")
        else:
            found = _join(present, "and")
            yield Finding(path, "choice", f"only one of {options} is allowed, found {found}")
    elif not error.context:
        yield Finding(path, "choice", error.message)
    else:
        for sub in _best_branch(error.context):
            yield from convert(sub, def_names)


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
) -> Finding:
    phrase = _DEF_PHRASES.get(def_name)
    if phrase is None and error.validator == "type":
        phrase = _join([_TYPE_PHRASES.get(t, t) for t in _as_list(error.validator_value)], "or")
    if phrase is None:
        return Finding(path, "value", error.message)  # no better words than jsonschema's
    hint = _near(instance, _DEF_WORDS.get(def_name, ()))
    wanted = _as_list(schema.get("type"))
    if error.validator == "type" and instance is None:
        hint = "write [] for an empty list" if "array" in wanted else None
        hint = "write {} for an empty mapping" if "object" in wanted else hint
    elif error.validator == "type" and "array" in wanted and type(instance) in (str, int):
        hint = f"write [{instance}]"  # `security_groups: sg-a` -> `[sg-a]`
    return Finding(path, "value", f"expected {phrase}, got {_show(instance)}", hint)


# --- finishing: merge, de-duplicate, restore key types, order -----------------------------------


def finish(findings: list[Finding], data: Any) -> list[SpecError]:
    # All missing keys of one mapping make one error: "missing required keys 'a' and 'b'".
    missing: dict[tuple[str | int, ...], list[Finding]] = {}
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


def string_keys(node: Any) -> Any:
    """A copy whose mapping keys are all strings: JSON Schema knows no other (YAML reads `443:`
    as an int, and jsonschema's regex keywords would fail on it)."""
    if isinstance(node, dict):
        return {k if isinstance(k, str) else str(k): string_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [string_keys(v) for v in node]
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
    """The first item listed a second time: by a set for scalars (a long list of names stays
    linear), by comparison for the rest. `True` and `1` differ, as JSON Schema has it."""
    seen: set[tuple[bool, Any]] = set()
    others: list[Any] = []
    for item in items:
        if isinstance(item, dict | list):
            if item in others:
                return item
            others.append(item)
            continue
        key = (isinstance(item, bool), item)
        if key in seen:
            return item
        seen.add(key)
    return None
