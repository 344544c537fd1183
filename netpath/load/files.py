"""Reading a spec from disk: one file, or a directory whose YAML files are merged.

This is the bytes side of loading (sizes, encodings, directories, merging); `yaml_positions`
turns text into data. Every problem is collected (a missing file, bad bytes, bad YAML, a clash
between two files) and raised once as SpecErrors, so the user fixes them all in one round.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from netpath.load.errors import SpecError, SpecErrors
from netpath.load.finding import list_directory
from netpath.load.reading import (
    NotRegularFile,
    TooLarge,
    megabytes,
    missing,
    read_bytes,
    read_limited,
)
from netpath.load.source import SourceMap, located, position
from netpath.load.yaml_positions import Document, load_yaml_documents
from netpath.model.paths import SpecPath
from netpath.model.record import record

DEFAULT_MAX_SPEC_BYTES = 64 * 1024 * 1024
MAX_SPEC_BYTES_ENV = "NETPATH_MAX_SPEC_BYTES"
_SUFFIXES = (".yaml", ".yml")
# Lives beside the spec (docs/check.md) but is not part of it.
_NOT_SPEC = frozenset({"netpath-expect.yaml", "netpath-expect.yml"})
_STREAM_HINT = "netpath reads a stream only from standard input: --spec -"
_EXPECTED = "expected a mapping with `netpath: 1`"
_UNITS = {"": 1, "B": 1, "K": 1024, "KB": 1024, "M": 1024**2, "MB": 1024**2,
          "G": 1024**3, "GB": 1024**3}

# Byte order marks of the encodings YAML allows but netpath does not read, longest first.
_OTHER_BOMS = (("UTF-32", (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")),
               ("UTF-16", (b"\xff\xfe", b"\xfe\xff")))

# A file's display name, its document (None when it could not be read) and its errors.
_Loaded = tuple[str, Document | None, list[SpecError]]


@record
class LoadedDocuments:
    data: dict[str, Any]  # the spec document; a directory's files merged into one
    source_map: SourceMap
    files: tuple[str, ...]  # display names of the files read, in merge order


def read_spec(path: Path, *, display: str | None = None,
              limit: int | None = None) -> LoadedDocuments:
    """Read the spec at `path` (a file, or a directory of `*.yaml`/`*.yml` files).

    `display` is how the user wrote the path; error messages use it, so a relative path stays
    relative. `limit` is the largest file read (default: `max_spec_bytes()`). Raises
    SpecErrors with every error found.
    """
    limit = max_spec_bytes() if limit is None else limit
    shown = display if display is not None else str(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise SpecErrors([_os_error(shown, missing(path))]) from None
    except OSError as exc:
        raise SpecErrors([_os_error(shown, exc)]) from None
    if not stat.S_ISDIR(mode):
        if not stat.S_ISREG(mode):  # a pipe (`--spec <(kubectl ...)`), a device, a socket
            raise SpecErrors([replace(_os_error(shown, NotRegularFile(path, mode)),
                                      hint=_STREAM_HINT)])
        return _combine([(shown, *_read_file(path, shown, limit))])
    try:
        # Every *.yaml of the folder but dot-files and folders is read, whatever it is: a FIFO
        # or a dangling link named so is an error, never a file left out of the network.
        entries = [entry for entry in list_directory(path, _SUFFIXES)
                   if entry.name not in _NOT_SPEC]
    except OSError as exc:
        raise SpecErrors([_os_error(shown, exc)]) from None
    if not entries:
        folder = shown if shown.endswith(("/", os.sep)) else shown + "/"
        raise SpecErrors([SpecError(f"no *.yaml or *.yml files in {folder}")])
    loaded: list[_Loaded] = []
    for entry in entries:
        name = os.path.join(shown, entry.name)
        loaded.append((name, *_read_file(entry, name, limit)))
    return _combine(loaded)


def read_spec_text(text: str, display: str, limit: int | None = None) -> LoadedDocuments:
    """Read a spec held in memory (the embedded default scenario, tests) as if from a file."""
    limit = max_spec_bytes() if limit is None else limit
    if len(text) > limit:  # characters, a cheap lower bound of the bytes
        raise SpecErrors([size_error(display, len(text.encode("utf-8")), limit)])
    return _combine([(display, *_spec_document(text, display))])


def read_text_file(path: Path, shown: str,
                   limit: int | None = None) -> tuple[str | None, list[SpecError]]:
    """The text of a YAML file, refused when not a regular file, too large, not UTF-8, or
    unreadable.

    For any YAML netpath reads (spec files here, Kubernetes manifests, expectations): the bytes
    checks live here, `load_yaml_documents` takes it from the text.
    """
    limit = max_spec_bytes() if limit is None else limit
    try:
        raw = read_bytes(path, limit)
    except TooLarge as exc:
        return None, [size_error(shown, exc.size, limit)]
    except OSError as exc:
        return None, [_os_error(shown, exc)]
    text, error = decode_spec_bytes(raw, shown)
    return text, [error] if error is not None else []


def read_stream(stream: IO[str], shown: str,
                limit: int | None = None) -> tuple[str | None, list[SpecError]]:
    """The text of a stream (standard input for `--spec -`), bounded and checked as a file's:
    at most `limit` bytes (one more is read to tell), UTF-8 when the stream gives bytes."""
    limit = max_spec_bytes() if limit is None else limit
    raw_stream = getattr(stream, "buffer", None)
    try:
        if raw_stream is not None:
            raw = read_limited(raw_stream.read, limit)
            text, error = decode_spec_bytes(raw, shown)
            return text, [error] if error is not None else []
        chars = read_limited(stream.read, limit)  # characters, a lower bound of the bytes
    except TooLarge:
        return None, [_stream_too_large(shown, limit)]
    except OSError as exc:
        return None, [_os_error(shown, exc)]
    except UnicodeDecodeError as exc:
        return None, [SpecError(f"not UTF-8 text: {exc.reason}", file=shown,
                                hint="netpath reads YAML as UTF-8")]
    return chars.removeprefix("\ufeff"), []


def _stream_too_large(shown: str, limit: int) -> SpecError:
    # A stream has no size to give: it is read up to the limit and one byte more.
    return SpecError(f"more than the {megabytes(limit)} limit", file=shown,
                     hint=f"set {MAX_SPEC_BYTES_ENV} to raise it")


MAX_MAX_SPEC_BYTES = 4 * 1024**3


def max_spec_bytes(environ: Mapping[str, str] | None = None) -> int:
    """The size limit: NETPATH_MAX_SPEC_BYTES (bytes, or with a K, M or G suffix), else 64 MiB.

    A value that is not a size is an error rather than ignored: the user set it to get past the
    limit, and silently keeping 64 MiB would send them round in circles.
    """
    environ = os.environ if environ is None else environ
    raw = environ.get(MAX_SPEC_BYTES_ENV, "").strip().upper().replace("_", "")
    if not raw:
        return DEFAULT_MAX_SPEC_BYTES
    digits = raw.rstrip("KMGB")
    unit = _UNITS.get(raw[len(digits) :].strip())
    if unit is None or not digits.strip().isdigit():
        value = environ[MAX_SPEC_BYTES_ENV]
        raise SpecErrors([SpecError(f"{MAX_SPEC_BYTES_ENV}={value!r} is not a size",
                                    hint="write bytes, or a number with K, M or G: 128M")])
    size = int(digits) * unit
    if size > MAX_MAX_SPEC_BYTES:
        raise SpecErrors([SpecError(f"{MAX_SPEC_BYTES_ENV}={environ[MAX_SPEC_BYTES_ENV]!r} is "
                                    "more than netpath can read",
                                    hint="at most 4G: a spec that large would not fit in "
                                    "memory once parsed")])
    return size


def size_error(file: str, nbytes: int | None, limit: int) -> SpecError:
    if nbytes is None:
        return _stream_too_large(file, limit)
    return SpecError(
        f"file is {megabytes(nbytes)}, more than the {megabytes(limit)} limit",
        file=file,
        hint=f"set {MAX_SPEC_BYTES_ENV} to raise it",
    )


def decode_spec_bytes(raw: bytes, file: str) -> tuple[str | None, SpecError | None]:
    """UTF-8 bytes to text (a leading BOM dropped), or an error saying where decoding failed."""
    # UTF-32 first: its little-endian BOM starts with UTF-16's.
    for encoding, boms in _OTHER_BOMS:
        if raw.startswith(boms):
            return None, located(
                SpecError(f"the file is {encoding} text; netpath reads YAML as UTF-8 "
                          "(save it as UTF-8)"),
                position(file, 0, 0),
            )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line0 = raw.count(b"\n", 0, exc.start)
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        column0 = len(raw[line_start : exc.start].decode("utf-8", "replace"))
        err = SpecError(
            f"not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be decoded "
            "(is this a binary file?)",
            hint="netpath reads YAML as UTF-8",
        )
        return None, located(err, position(file, line0, column0))
    return text.removeprefix("\ufeff"), None


def _read_file(path: Path, shown: str, limit: int) -> tuple[Document | None, list[SpecError]]:
    text, errors = read_text_file(path, shown, limit)
    if text is None:
        return None, errors
    return _spec_document(text, shown)


def _spec_document(text: str, shown: str) -> tuple[Document | None, list[SpecError]]:
    """The one document of a spec file, checked to be a mapping."""
    documents, errors = load_yaml_documents(text, shown)
    if not documents:
        if not errors:
            errors.append(SpecError(f"file is empty: {_EXPECTED}", file=shown))
        return None, errors
    first = documents[0]
    if len(documents) > 1:
        extra = documents[1]
        errors.append(located(
            SpecError(f"a spec file holds one YAML document, this one has {len(documents)}",
                      hint="remove the `---` line, or put each document in its own file of a "
                      "directory"),
            extra.position,
        ))
    if not isinstance(first.data, dict):
        kind = _kind(first.data)
        errors.append(located(SpecError(f"the document is {kind}, {_EXPECTED}"), first.position))
        return None, errors
    return first, errors


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def _os_error(shown: str, exc: OSError) -> SpecError:
    if isinstance(exc, FileNotFoundError) and exc.strerror == os.strerror(errno.ENOENT):
        return SpecError(f"no such file or directory: {shown}")
    reason = exc.strerror or str(exc)
    # The OS's own sentences start with a capital ("Permission denied"); ours do not.
    return SpecError(f"cannot read {shown}: {reason[:1].lower()}{reason[1:]}")


def _combine(loaded: list[_Loaded]) -> LoadedDocuments:
    """Merge the documents of a directory (or pass one file's through), or raise every error."""
    errors = [e for _, _, file_errors in loaded for e in file_errors]
    present = [(name, doc) for name, doc, _ in loaded if doc is not None]
    files = tuple(name for name, _, _ in loaded)
    if len(present) == 1 and not errors:
        doc = present[0][1]
        return LoadedDocuments(doc.data, doc.source_map, files)
    data: dict[str, Any] = {}
    source_map = SourceMap()
    for _, doc in present:
        _merge_into(data, doc.data, (), source_map, doc.source_map, errors)
        source_map.merge(doc.source_map)
    if errors:
        raise SpecErrors(errors)
    return LoadedDocuments(data, source_map, files)


def _mergeable(path: SpecPath) -> bool:
    """Where two files may both write a mapping (docs/spec.md, "Merging a directory").

    The top-level sections (`vpcs`, `dns`, ...), a VPC (`vpcs.prod`) and a VPC's sections
    (`vpcs.prod.subnets`); below that, a named thing belongs to one file.
    """
    return len(path) == 1 or (path[0] == "vpcs" and len(path) <= 3)


def _merge_into(
    target: dict[Any, Any],
    incoming: dict[Any, Any],
    path: SpecPath,
    merged_map: SourceMap,
    incoming_map: SourceMap,
    errors: list[SpecError],
) -> None:
    # `target` holds what earlier files defined (their own dicts, extended in place: the loader
    # gave every file fresh objects, so nothing is shared); `merged_map` knows where they were.
    for key, value in incoming.items():
        sub = (*path, key)
        if key not in target:
            target[key] = value
            continue
        existing = target[key]
        if _mergeable(sub) and isinstance(existing, dict) and isinstance(value, dict):
            _merge_into(existing, value, sub, merged_map, incoming_map, errors)
            continue
        first, second = merged_map.locate(sub), incoming_map.locate(sub)
        if sub == ("netpath",):
            if type(existing) is type(value) and existing == value:
                continue
            message = (f"the files disagree on the spec format version: {existing!r} at {first}, "
                       f"{value!r} here")
        else:
            message = f"defined twice: {first} and {second}"
        errors.append(incoming_map.locate_error(SpecError(message, sub)))
