"""YAML text to plain Python data, with the position of every key and value.

PyYAML composes the node graph (in C when libyaml is there); the constructor here walks it instead
of `yaml.safe_load` so that it can record positions, reject duplicate keys, and refuse the YAML 1.1
readings that silently change what the user wrote (`no` -> false, `22:22` -> 1342, `0755` -> 493).
Aliases are expanded on every use (each use gets its own copy and its own paths), so their total
size is computed first and an alias bomb is refused before any of it is built.
"""

from __future__ import annotations

import re
from typing import Any, cast

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from netpath.load import collector
from netpath.load.errors import SpecError
from netpath.load.source import Position, RawMark, SourceMap, located, position
from netpath.model.paths import SpecPath
from netpath.model.record import record

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_P = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = _P + "str", _P + "int", _P + "float", _P + "bool", _P + "null"
_MAP, _SEQ, _MERGE = _P + "map", _P + "seq", _P + "merge"
# Plain-scalar readings netpath has no use for; the text the user wrote is kept as a string.
_AS_TEXT = frozenset({_P + "timestamp", _P + "value", _MERGE})
_TRUE, _FALSE = frozenset({"true", "True", "TRUE"}), frozenset({"false", "False", "FALSE"})
_YAML11_TRUE = frozenset({"yes", "Yes", "YES", "on", "On", "ON", "y", "Y"})

# What libyaml refuses as "control characters", found before parsing so the message can say what
# the character is and where (libyaml reports a byte offset only).
_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_ALIAS_AT = re.compile(r"[*&]([^\s,\[\]{}]+)")


@record
class Limits:
    """Guards against hostile input; the defaults leave room for very large real specs."""

    max_alias_nodes: int = 1_000_000  # nodes that exist only because an alias was expanded
    max_depth: int = 200  # nesting of mappings and lists


@record
class Document:
    data: Any
    source_map: SourceMap  # paths relative to this document
    index: int  # 0-based, counting every document in the stream, empty ones too
    position: Position  # where the document's content starts


class _Refused(Exception):
    """Stops building a document that must not be built (an alias bomb, absurd nesting)."""

    def __init__(self, error: SpecError) -> None:
        super().__init__(error.message)
        self.error = error


# --- characters ---------------------------------------------------------------------------


def _position_at(text: str, file: str, index: int) -> Position:
    line_start = text.rfind("\n", 0, index) + 1
    return position(file, text.count("\n", 0, index), index - line_start)


def _check_characters(text: str, file: str) -> SpecError | None:
    match = _BAD_CHAR.search(text)
    if match is None:
        return None
    where = _position_at(text, file, match.start())
    code = ord(match.group())
    if code == 0:
        err = SpecError("the file contains a NUL byte: it looks like binary data, not YAML text")
    else:
        escape = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
        err = SpecError(
            f"control character U+{code:04X} is not allowed in YAML",
            hint=f'delete it, or write it as "{escape}" inside a double-quoted string',
        )
    return located(err, where)


# --- parser errors --------------------------------------------------------------------------


def _parser_error(exc: yaml.YAMLError, text: str, file: str) -> SpecError:
    """The parser's own words, placed at its mark."""
    if isinstance(exc, yaml.reader.ReaderError):
        # Reached only for characters _check_characters does not know; libyaml gives a byte offset.
        at = exc.position
        if _LOADER is not yaml.SafeLoader:
            at = len(text.encode("utf-8")[: exc.position].decode("utf-8", "replace"))
        err = SpecError(f"invalid YAML: {exc.reason} (character U+{exc.character:04X})")
        return located(err, _position_at(text, file, at))
    if not isinstance(exc, yaml.MarkedYAMLError):
        return SpecError(f"invalid YAML: {exc}", file=file)
    problem, mark = exc.problem, exc.problem_mark
    context, context_mark = exc.context, exc.context_mark
    if mark is None:
        problem, mark, context, context_mark = context, context_mark, None, None
    hint = None
    if context and context.startswith("found duplicate anchor") and context_mark and mark:
        name = _name_at(text, mark.index)
        problem = f"anchor {name} is defined twice"
        hint = f"first at {position(file, context_mark.line, context_mark.column)}"
    elif problem and problem.startswith("found undefined alias") and mark is not None:
        name = _name_at(text, mark.index)
        problem = f"alias {name} refers to no anchor"
        hint = f"an anchor ({name.replace('*', '&', 1)}) must come before its aliases"
    elif context and context_mark is not None:
        hint = f"{context} at {position(file, context_mark.line, context_mark.column)}"
    elif context:
        hint = context
    err = SpecError(f"invalid YAML: {problem or 'cannot parse'}", file=file, hint=hint)
    return located(err, position(file, mark.line, mark.column) if mark is not None else None)


def _name_at(text: str, index: int) -> str:
    match = _ALIAS_AT.match(text, index)
    return match.group() if match else "(unnamed)"


# --- the constructor --------------------------------------------------------------------------


def _expanded_size(root: Node, file: str, limits: Limits) -> None:
    """Refuse `root` when building it would create more than `limits.max_alias_nodes` nodes
    beyond those written out in the text (a "billion laughs"), or when an alias contains itself.

    Counts with memoisation over the node graph, so a bomb of a few hundred bytes is measured in
    microseconds instead of being built. Only called when the text has an anchor.
    """
    sizes: dict[int, int] = {}
    written = 0  # nodes present in the text: each collection once, each scalar slot once

    def size(node: Node, depth: int) -> int:
        nonlocal written
        ident = id(node)
        known = sizes.get(ident)
        if known is not None:
            if known < 0:
                raise _Refused(_at(node, file, (), "refused: an alias refers to a node that "
                                   "contains it (a recursive alias)"))
            return known
        if depth > limits.max_depth:
            raise _Refused(_too_deep(node, file, limits))
        sizes[ident] = -1
        written += 1
        total = 1
        children = (
            [n for pair in node.value for n in pair] if type(node) is MappingNode else node.value
        )
        for child in children:
            if type(child) is ScalarNode:
                written += 1
                total += 1
            else:
                total += size(child, depth + 1)
        sizes[ident] = total
        return total

    if type(root) is not ScalarNode and size(root, 0) - written > limits.max_alias_nodes:
        raise _Refused(
            _at(root, file, (), f"refused: YAML aliases expand to more than "
                f"{limits.max_alias_nodes:,} nodes (an alias bomb?)")
        )


def _at(node: Node, file: str, path: SpecPath, message: str) -> SpecError:
    mark = node.start_mark
    return located(SpecError(message, path), position(file, mark.line, mark.column))


def _too_deep(node: Node, file: str, limits: Limits) -> SpecError:
    return _at(node, file, (), f"refused: the document is nested more than {limits.max_depth} "
               "levels deep")


class _Builder:
    """Builds one document, recording the parser's marks of every key and value by path."""

    def __init__(self, file: str, limits: Limits) -> None:
        self.file = file
        self.max_depth = limits.max_depth
        self.limits = limits
        self.values: dict[SpecPath, RawMark] = {}
        self.keys: dict[SpecPath, RawMark] = {}
        self.errors: list[SpecError] = []

    def error(self, node: Node, path: SpecPath, message: str) -> None:
        self.errors.append(_at(node, self.file, path, message))

    def collection(self, node: Node, path: SpecPath, depth: int) -> Any:
        if depth > self.max_depth:
            raise _Refused(_too_deep(node, self.file, self.limits))
        if type(node) is MappingNode:
            if node.tag != _MAP:
                self.error(node, path, _unsupported_tag(node.tag))
            return self.mapping(node, path, depth)
        if node.tag != _SEQ:
            self.error(node, path, _unsupported_tag(node.tag))
        return self.sequence(cast(SequenceNode, node), path, depth)

    def mapping(self, node: MappingNode, path: SpecPath, depth: int) -> dict[Any, Any]:
        # The hot loop: plain string keys and string values take the short path, and a position
        # is one dict assignment of a mark the parser made anyway.
        values, keys = self.values, self.keys
        result: dict[Any, Any] = {}
        merges: list[Node] | None = None
        for knode, vnode in node.value:
            if knode.tag == _STR and type(knode) is ScalarNode:
                key = elem = knode.value
            elif knode.tag == _MERGE and type(knode) is ScalarNode:
                if merges is None:
                    merges = []
                merges.append(vnode)
                continue
            else:
                got = self.key(knode, path)
                if got is None:
                    continue
                key, elem = got
            kpath = path + (elem,)
            if key in result:
                first = keys.get(kpath)  # missing only for float keys written two ways
                where = f": first at {position(self.file, first.line, first.column)}" if (
                    first is not None) else ""
                self.error(knode, path, f"key {key!r} appears twice{where}")
                continue
            keys[kpath] = knode.start_mark
            values[kpath] = vnode.start_mark
            if type(vnode) is ScalarNode:
                result[key] = vnode.value if vnode.tag == _STR else self.scalar(vnode, kpath)
            else:
                result[key] = self.collection(vnode, kpath, depth + 1)
        if merges:
            self.merge(result, merges, path, depth)
        return result

    def sequence(self, node: SequenceNode, path: SpecPath, depth: int) -> list[Any]:
        values = self.values
        result: list[Any] = []
        append = result.append
        for index, item in enumerate(node.value):
            ipath = path + (index,)
            values[ipath] = item.start_mark
            if type(item) is ScalarNode:
                append(item.value if item.tag == _STR else self.scalar(item, ipath))
            else:
                append(self.collection(item, ipath, depth + 1))
        return result

    def merge(self, result: dict[Any, Any], merges: list[Node], path: SpecPath, depth: int) -> None:
        """`<<: *base` / `<<: [*a, *b]`: keys written in the mapping win, then earlier sources."""
        sources: list[MappingNode] = []
        for value in merges:
            items = value.value if type(value) is SequenceNode else [value]
            for item in items:
                if type(item) is MappingNode:
                    sources.append(item)
                else:
                    self.error(item, path, "'<<' (a merge key) takes a mapping or a list of "
                               "mappings, such as *defaults")
        at = len(path)
        for source in sources:
            # Built into fresh position tables, then copied over only for the keys it supplies,
            # so the positions of keys written in the mapping itself are never overwritten.
            outer = self.values, self.keys
            self.values, self.keys = {}, {}
            try:
                merged = self.collection(source, path, depth + 1)
            finally:
                inner, self.values, self.keys = (self.values, self.keys), *outer
            for mine, theirs in zip(outer, inner, strict=True):
                for sub, raw in theirs.items():
                    if sub[at] not in result:
                        mine.setdefault(sub, raw)
            for key, value in merged.items():
                result.setdefault(key, value)

    def key(self, knode: Node, path: SpecPath) -> tuple[Any, str | int] | None:
        """A key that is not a plain string: a number, a YAML 1.1 surprise, or not a scalar."""
        if type(knode) is not ScalarNode:
            kind = "mapping" if type(knode) is MappingNode else "list"
            self.error(knode, path, f"a key must be a single value, not a {kind}")
            return None
        key = self.scalar(knode, path + (knode.value,))
        if key is None:
            self.error(knode, path, "empty key: write a name before the ':'")
            return None
        # Ints (listener ports, rule numbers) stay ints in the path; anything odder uses its text.
        return key, key if isinstance(key, str | int) else knode.value

    def scalar(self, node: ScalarNode, path: SpecPath) -> Any:
        # node.style is '' (libyaml) or None (pure-Python parser) for a plain scalar.
        value, problem = _scalar_value(node.tag, node.value, plain=not node.style)
        if problem is not None:
            self.error(node, path, problem)
        return value


def _scalar_value(tag: str, text: str, *, plain: bool) -> tuple[Any, str | None]:
    """What a scalar means, and what is wrong with it (None when nothing is).

    A plain scalar that YAML 1.1 reads as something else than its text (`no`, `22:22`, `0755`)
    is an error and keeps its text; quoted or explicitly tagged, it means what the tag says.
    """
    if tag == _STR or tag in _AS_TEXT:
        return text, None
    if tag == _NULL:
        return None, None
    if tag == _BOOL:
        if text in _TRUE or text in _FALSE:
            return text in _TRUE, None
        meaning = "true" if text in _YAML11_TRUE else "false"
        if not plain:
            return meaning == "true", None
        return text, (f'{text!r} is read by YAML 1.1 as the boolean {meaning}; quote it '
                      f'("{text}") if you mean the text, or write {meaning}')
    if tag != _INT and tag != _FLOAT:
        return text, _unsupported_tag(tag)
    body = text.replace("_", "")
    sign = -1 if body.startswith("-") else 1
    body = body.lstrip("+-")
    fix = ""
    try:
        if ":" in body:
            number: float = sign * _base60(body, int if tag == _INT else float)
            reading = f"a base-60 number ({number})"
        elif tag == _FLOAT:  # float() knows "inf" and "nan" but not YAML's ".inf", ".nan"
            return sign * float(body.lower().replace(".inf", "inf").replace(".nan", "nan")), None
        elif body[:2] in ("0b", "0x"):
            return sign * int(body[2:], 2 if body[1] == "b" else 16), None
        elif len(body) > 1 and body[0] == "0":
            number, fix = sign * int(body, 8), ", or drop the leading zero"
            reading = f"an octal number ({number})"
        else:
            return sign * int(body), None
    except ValueError:
        return text, f"{text!r} is not a valid {'integer' if tag == _INT else 'number'}"
    if not plain:
        return number, None
    return text, (f'{text!r} is read by YAML 1.1 as {reading}; quote it ("{text}") if you mean '
                  f"the text{fix}")


def _base60(body: str, kind: type[int] | type[float]) -> Any:
    value: Any = 0
    for part in body.split(":"):
        value = value * 60 + kind(part)
    return value


def _unsupported_tag(tag: str) -> str:
    shown = "!!" + tag.removeprefix(_P) if tag.startswith(_P) else tag
    return f"unsupported YAML tag {shown!r}: a netpath spec is plain YAML, without tags"


# --- documents ----------------------------------------------------------------------------------


def load_yaml_documents(
    text: str, file: str, *, limits: Limits | None = None
) -> tuple[list[Document], list[SpecError]]:
    """Every non-empty document of `text`, and every error found (never raises for bad input).

    A document whose construction failed outright (an alias bomb) is left out; one with ordinary
    errors (a duplicate key) is returned with its data so later stages can still be tried.
    """
    limits = limits or Limits()
    bad = _check_characters(text, file)
    if bad is not None:
        return [], [bad]
    documents: list[Document] = []
    errors: list[SpecError] = []
    with collector.paused():
        try:
            _compose_and_build(text, file, limits, documents, errors)
        except yaml.YAMLError as exc:
            errors.append(_parser_error(exc, text, file))
        except RecursionError:
            # Only the pure-Python parser recurses per nesting level; libyaml stops at 1000.
            errors.append(SpecError("refused: the document is nested too deeply "
                                    f"(more than {limits.max_depth} levels)", file=file))
    # An alias used in several places repeats its errors once per use: show each place once.
    unique: dict[tuple[str, str | None, int | None, int | None], SpecError] = {}
    for err in errors:
        unique.setdefault((err.message, err.file, err.line, err.column), err)
    return documents, list(unique.values())


def _compose_and_build(
    text: str, file: str, limits: Limits, documents: list[Document], errors: list[SpecError]
) -> None:
    anchors = "&" in text  # no anchor, no alias: the bomb check can be skipped
    index = -1
    for root in yaml.compose_all(text, Loader=_LOADER):
        index += 1
        if type(root) is ScalarNode and root.tag == _NULL and not root.value and not root.style:
            continue  # an empty document: `---` and nothing, or only comments
        builder = _Builder(file, limits)
        mark = root.start_mark
        try:
            if anchors:
                _expanded_size(root, file, limits)
            if type(root) is ScalarNode:
                data = builder.scalar(root, ())
            else:
                data = builder.collection(root, (), 0)
        except _Refused as refused:
            errors.extend(builder.errors)
            errors.append(refused.error)
            continue
        builder.values[()] = mark
        source_map = SourceMap(file, builder.values, builder.keys)
        documents.append(Document(data, source_map, index, position(file, mark.line, mark.column)))
        errors.extend(builder.errors)
