"""Expectations: what must (or must not) reach what, read from YAML with located errors.

They come from expectations files (`netpath-expect: 1`, docs/check.md) and from a spec's
`expect:` section; both are checked against `expectations.schema.json` (printed by `netpath
schema --expectations`) through the spec's own friendly-error machinery, then by the checks a
schema cannot express (a known explanation code, a group's shape, an address). Every error is
collected and raised once, located file:line:column.

Paths: an expectation's `path` is a spec path in the check's source map (`check_source_map`):
`("expect", "expectations", 3)` inside the spec, `("<file>", "expectations", 3)` in a file of
its own (the file's display name as the first part, which no spec key can be).
"""

from __future__ import annotations

import functools
import ipaddress
import json
from collections.abc import Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from netpath.load.errors import SpecError
from netpath.load.source import SourceMap, located
from netpath.model.names import did_you_mean
from netpath.model.paths import SpecPath
from netpath.model.record import record
from netpath.model.vocabulary import Code

VERSION = 1
VERSION_KEY = "netpath-expect"
DEFAULT_FILE = "netpath-expect.yaml"
SCHEMA_RESOURCE = "expectations.schema.json"
SECTION_KEY = "expect"  # the spec's own section
PROTOCOLS = ("tcp", "udp", "icmp")
CODE_VALUES = frozenset(code.value for code in Code)  # what `code:` accepts


@record
class Group:
    """A set of endpoints: `{namespace}`, `{selector}` (+ namespace), `{subnet}`, `{cluster}`."""

    namespace: str | None = None
    selector: tuple[tuple[str, str], ...] = ()
    subnet: str | None = None
    cluster: str | None = None

    def __str__(self) -> str:
        if self.subnet is not None:
            return f"subnet {self.subnet}"
        if self.selector:
            text = ",".join(f"{k}={v}" for k, v in self.selector)
            where = "/".join(p for p in (self.cluster, self.namespace) if p)
            return f"pods {text}" + (f" in {where}" if where else "")
        if self.namespace is not None:
            return f"namespace {self.namespace}" + (f" in {self.cluster}" if self.cluster else "")
        return f"cluster {self.cluster}"


# One side of an expectation: what `netpath trace` takes, or a group.
Side = str | Group


@record
class Expectation:
    name: str
    description: str
    source: Side
    destination: Side
    port: int | None
    protocol: str
    reachable: bool
    via: tuple[str, ...]
    not_via: tuple[str, ...]
    code: Code | None
    source_ip_seen: str | None
    path: SpecPath  # where it is written (in the check's source map)

    @property
    def expected(self) -> str:
        """`reachable`, `blocked` or `blocked (CODE)`: the verdict asked for, in words."""
        if self.reachable:
            return "reachable"
        return f"blocked ({self.code})" if self.code else "blocked"


@record
class ExpectationSet:
    expectations: tuple[Expectation, ...]
    ignore: tuple[tuple[str, SpecPath], ...]  # rule ids switched off, and where each is written
    files: tuple[str, ...]  # display names of the expectations files read


# --- the schema -------------------------------------------------------------------------------


@functools.cache
def load_schema() -> dict[str, Any]:
    """The expectations file's JSON Schema (parsed once; do not mutate the result)."""
    text = resources.files("netpath.checks").joinpath(SCHEMA_RESOURCE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_text() -> str:
    return json.dumps(load_schema(), indent=2, ensure_ascii=False) + "\n"


@functools.cache
def _section_schema() -> dict[str, Any]:
    # The spec's `expect:` section: the same keys, the version key not required.
    return {**load_schema(), "required": []}


@functools.cache
def _fast_validator(section: bool) -> Any:
    try:
        import jsonschema_rs
    except ImportError:
        return None
    return jsonschema_rs.validator_for(_section_schema() if section else load_schema())


def schema_errors(data: Any, *, section: bool = False) -> list[SpecError]:
    """`data` checked against the schema, with the spec's friendly wording (unlocated).

    jsonschema-rs (the `fast` extra) answers "valid" for most files in milliseconds; an invalid
    document goes through jsonschema and the spec's converter for the located, worded errors.
    """
    # The spec's converter is reused as it is: its wording, did-you-mean and document order.
    from netpath.load.schema_errors import convert, finish, string_keys

    copy = string_keys(data)
    fast = _fast_validator(section)
    if fast is not None and fast.is_valid(copy):
        return []
    from netpath.load.schema import validator_class

    schema = _section_schema() if section else load_schema()
    # no $defs phrases for this schema: its values are worded by jsonschema or `_reworded`
    findings = [f for e in validator_class()(schema).iter_errors(copy) for f in convert(e, {})]
    return [_reworded(err, data) for err in finish(findings, data)]


def _reworded(err: SpecError, data: Any) -> SpecError:
    """The spec's converter speaks of spec files; say what is true of an expectations file."""
    if err.path == (VERSION_KEY,):
        value = data.get(VERSION_KEY) if isinstance(data, dict) else None
        return replace(err, message=f"unsupported expectations format version {value!r}: "
                       f"this netpath reads version {VERSION}", hint=None)
    if err.path == () and err.hint and "netpath: " in err.hint:
        return replace(err, hint=f"every expectations file starts with `{VERSION_KEY}: "
                       f"{VERSION}`")
    return err


# --- building expectations --------------------------------------------------------------------


def parse(data: Any, prefix: SpecPath, *, section: bool = False
          ) -> tuple[list[Expectation], list[tuple[str, SpecPath]], list[SpecError]]:
    """Expectations and ignored rule ids from one document (a file, or the spec's section);
    every path is placed under `prefix`. Errors are returned, unlocated; an expectation with an
    error is left out, the others are returned."""
    found = schema_errors(data, section=section)
    errors = [replace(e, path=prefix + e.path) for e in found]
    if not isinstance(data, dict):
        return [], [], errors
    # What the schema found wrong is left out; the rest is built and checked further.
    broken = {e.path[:2] for e in found}
    rules = data.get("ignore") if ("ignore",) not in broken else None
    ignore = [(rule, (*prefix, "ignore", i)) for i, rule in enumerate(rules or ())
              if ("ignore", i) not in broken]
    items = data.get("expectations") if ("expectations",) not in broken else None
    out: list[Expectation] = []
    for index, item in enumerate(items or ()):
        if ("expectations", index) not in broken:
            built = _expectation(item, (*prefix, "expectations", index), errors)
            if built is not None:
                out.append(built)
    return out, ignore, errors


def _expectation(item: dict[str, Any], path: SpecPath,
                 errors: list[SpecError]) -> Expectation | None:
    before = len(errors)
    source = _side(item["from"], (*path, "from"), errors)
    destination = _side(item["to"], (*path, "to"), errors)
    code = item.get("code")
    reachable = item.get("reachable")
    if reachable is None and code is None:
        errors.append(SpecError("missing required key 'reachable'", path,
                                hint="write reachable: true or false; `code:` implies false"))
    elif reachable is True and code is not None:
        errors.append(SpecError(f"code {code!r} names why a path is blocked, but reachable is "
                                "true", (*path, "code"),
                                hint="remove `code`, or write reachable: false"))
    if code is not None and code not in CODE_VALUES:
        errors.append(SpecError(f"unknown explanation code {code!r}", (*path, "code"),
                                hint=did_you_mean(code, CODE_VALUES) or
                                "the README lists the codes"))
    seen = item.get("source_ip_seen")
    if seen is not None:
        try:
            ipaddress.IPv4Address(seen)
        except ValueError:
            errors.append(SpecError(f"expected an IPv4 address like 198.51.100.10, got {seen!r}",
                                    (*path, "source_ip_seen")))
        if reachable is False or code is not None:
            errors.append(SpecError("source_ip_seen needs a delivered packet, but the path is "
                                    "expected to be blocked", (*path, "source_ip_seen")))
    protocol = item.get("protocol", "tcp")
    port = item.get("port")
    if protocol == "icmp" and port is not None:
        errors.append(SpecError("icmp has no ports: leave out `port`", (*path, "port")))
    if len(errors) > before:
        return None
    assert source is not None and destination is not None
    name = item.get("name") or default_name(source, destination, port)
    return Expectation(
        name=name, description=item.get("description", ""), source=source,
        destination=destination, port=port, protocol=protocol,
        reachable=bool(reachable) if code is None else False,
        via=tuple(item.get("via", ())), not_via=tuple(item.get("not_via", ())),
        code=Code(code) if code is not None else None,
        source_ip_seen=seen, path=path,
    )


def default_name(source: Side, destination: Side, port: int | None) -> str:
    return f"{source} -> {destination}" + (f":{port}" if port is not None else "")


def _side(value: Any, path: SpecPath, errors: list[SpecError]) -> Side | None:
    if isinstance(value, str):
        return value
    subnet, cluster = value.get("subnet"), value.get("cluster")
    namespace, selector = value.get("namespace"), value.get("selector")
    if subnet is not None and len(value) > 1:
        others = ", ".join(repr(k) for k in value if k != "subnet")
        errors.append(SpecError(f"a subnet group takes no other key (found {others})", path,
                                hint="{subnet: NAME} selects every interface of the subnet"))
        return None
    return Group(namespace=namespace, selector=tuple(sorted((selector or {}).items())),
                 subnet=subnet, cluster=cluster)


# --- reading files ----------------------------------------------------------------------------


def read_document(path: Path, display: str, limit: int | None = None
                  ) -> tuple[Any, SourceMap | None, list[SpecError]]:
    """The one YAML document of an expectations file, its positions and its errors (located)."""
    from netpath.load.files import read_text_file
    from netpath.load.yaml_positions import load_yaml_documents

    text, errors = read_text_file(path, display, limit)
    if text is None:
        return None, None, errors
    documents, errors = load_yaml_documents(text, display)
    expected = f"expected a mapping with `{VERSION_KEY}: {VERSION}`"
    if not documents:
        return None, None, errors or [SpecError(f"file is empty: {expected}", file=display)]
    first = documents[0]
    if len(documents) > 1:
        errors.append(located(SpecError("an expectations file holds one YAML document, this "
                                        f"one has {len(documents)}"), documents[1].position))
    if not isinstance(first.data, dict):
        errors.append(located(SpecError(f"the document is not a mapping: {expected}"),
                              first.position))
        return None, first.source_map, errors
    return first.data, first.source_map, errors


def load_expectations(files: Sequence[tuple[Path, str]], section: Any,
                      spec_map: SourceMap, *, limit: int | None = None
                      ) -> tuple[ExpectationSet, SourceMap, list[SpecError]]:
    """Every valid expectation of `files` (path, display name) and of the spec's `expect:`
    section (`section`, None when absent); the check's source map (the spec's positions, then
    each file's under its display name); and the errors, unlocated until `sorted_errors` (the
    run goes on with the valid expectations, so that every error is found in one go)."""
    combined = check_source_map(spec_map)
    expectations: list[Expectation] = []
    ignore: list[tuple[str, SpecPath]] = []
    errors: list[SpecError] = []
    if section is not None:
        found, rules, problems = parse(section, (SECTION_KEY,), section=True)
        expectations += found
        ignore += rules
        errors += problems
    shown: list[str] = []
    for path, display in dict.fromkeys(files):
        shown.append(display)
        data, source_map, problems = read_document(path, display, limit)
        if source_map is not None:
            combined.merge(source_map, (display,))
        errors += problems
        if data is None or problems:
            continue
        found, rules, problems = parse(data, (display,))
        expectations += found
        ignore += rules
        errors += problems
    return ExpectationSet(tuple(expectations), tuple(ignore), tuple(shown)), combined, errors


def check_source_map(spec_map: SourceMap) -> SourceMap:
    """A new source map that knows the spec's positions (the spec's own map is left as it is)."""
    combined = SourceMap()
    combined.merge(spec_map)
    return combined


def sorted_errors(errors: Sequence[SpecError], source_map: SourceMap) -> list[SpecError]:
    """Located through `source_map`, in file order, then line and column."""
    # An error without a path (an --ignore id) stays unplaced: the root is no place for it.
    placed = [source_map.locate_error(e) if e.path else e for e in errors]
    placed.sort(key=lambda e: (e.file or "", e.line or 0, e.column or 0))
    return [_shown_path(e) for e in placed]


def _shown_path(err: SpecError) -> SpecError:
    # A file's expectations are shown by their path inside that file (the file is in front).
    if err.path and isinstance(err.path[0], str) and err.path[0] == err.file:
        return replace(err, path=err.path[1:])
    return err
