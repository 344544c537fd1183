"""Finding and reading the Kubernetes manifests of a spec's clusters.

A cluster's `manifests` list holds inline manifests, files, directories (their `*.yaml`,
`*.yml` and `*.json` files, sorted, not recursive, as `kubectl apply -f DIR`) and globs (`**`
recurses; the manifest files they match, sorted), relative to the spec's directory. A YAML file
may hold several documents (`---`); a `.json` file holds one (`kubectl get -o json`). Standard
input (`--spec -`) is read as one more file, `<stdin>`, JSON when it starts as JSON does. Every
document gets a spec path:

    inline:           ("clusters", NAME, "manifests", I)
    from a file:      ("clusters", NAME, "manifests", I, K)   K counts the entry's documents

and the file documents' positions go into the spec's source map under that path, so an error
about `spec.ports[0]` of the third document of `k8s/web.yaml` is shown as
`k8s/web.yaml:12:9: spec.ports[0]: ...` through the one source map, like any other error.

This module also recognises a `--spec` that is plain Kubernetes YAML (no `netpath:` key) and
turns it into a Kubernetes-only spec (docs/kubernetes.md, "A Kubernetes-only spec").
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import field, replace
from pathlib import Path
from typing import Any

from netpath.load.errors import SpecError
from netpath.load.files import LoadedDocuments, read_text_file
from netpath.load.finding import glob_paths, has_magic, list_directory
from netpath.load.json_documents import load_json_document, looks_like_json
from netpath.load.source import Position, RawPosition, SourceMap
from netpath.load.yaml_positions import Document, load_yaml_documents
from netpath.model.paths import SpecPath
from netpath.model.record import record

KUBE_ONLY_CLUSTER = "cluster"  # the one cluster of a spec made of plain manifests
_SUFFIXES = (".yaml", ".yml", ".json")
_FOUND = "*.yaml, *.yml or *.json"
STDIN = "<stdin>"  # how standard input is shown, as a file name
# Patterns of `looks_like`, compiled when a `--spec` or standard input needs telling (re caches
# them): a block-style top-level key at the start of a line, cheap enough on a 10 MB spec.
_SPEC_KEY = r"^netpath[ \t]*:"
_KUBE_KEY = r"^(?:apiVersion|kind)[ \t]*:"
# Possessive (`*+`): backtracking over every indented line of a 30 MB dump took seconds.
_JSON_KUBE_KEY = r'^[ \t]*+\{?[ \t]*+"(?:apiVersion|kind)"[ \t]*+:'
_JSON_SPEC_KEY = r'^[ \t]*+\{?[ \t]*+"netpath"[ \t]*+:'
# kubectl reads YAML 1.1, where `0644` is octal and `yes` is true; netpath's loader refuses those
# readings in spec files. In manifests it must not refuse a file kubectl applies over a field it
# never reads (`defaultMode: 0644` is everywhere); a field it reads is type-checked by its parser.
_YAML11_READING = "is read by YAML 1.1 as"


@record
class ManifestDoc:
    """One manifest document and where it sits."""

    data: Any
    path: SpecPath  # the document's spec path (see the module docstring)
    source: SourceMap | None = None  # where its positions are; None: unknown (built from data)
    local: bool = False  # `source` is the document's own map (paths relative to the document)

    def position(self, inner: SpecPath = ()) -> Position | None:
        """Where `inner` (a path inside the document) was written."""
        if self.source is None:
            return None
        return self.source.locate(inner if self.local else (*self.path, *inner))


@record
class Manifests:
    """The manifest documents of every cluster, in the order written."""

    docs: dict[str, list[ManifestDoc]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # display names of the files read


def read_manifests(
    data: Mapping[str, Any],
    *,
    base_dir: Path | None = None,
    display_dir: str = "",
    limit: int | None = None,
    source_map: SourceMap | None = None,
    texts: Mapping[str, str] | None = None,
) -> tuple[Manifests, list[SpecError]]:
    """Every cluster's manifest documents, and every error found reading them.

    File entries resolve against `base_dir` (default: the working directory) and are shown as
    `display_dir` joined with the entry; an entry named in `texts` (`<stdin>`) is that text.
    The positions of the documents read are merged into `source_map` (the spec's), under each
    document's path.
    """
    base = Path() if base_dir is None else base_dir
    out, errors = Manifests(), list[SpecError]()
    clusters = data.get("clusters")
    if not isinstance(clusters, dict):
        return out, errors
    for name, entry in clusters.items():
        docs = out.docs.setdefault(str(name), [])
        entries = entry.get("manifests") if isinstance(entry, dict) else None
        if not isinstance(entries, list):
            continue
        seen: set[Path] = set()  # a file listed twice (`k8s/` and `k8s/*.yaml`) is read once
        for index, item in enumerate(entries):
            path = ("clusters", name, "manifests", index)
            if isinstance(item, str):
                reader = _EntryReader(path, base, display_dir, limit, source_map, seen)
                if texts is not None and item in texts:
                    out.files.append(item)
                    docs += reader.documents(texts[item], item, errors)
                else:
                    docs += reader.read(item, errors, out.files)
            else:  # an inline manifest: its positions are in the spec's own map already
                docs.append(ManifestDoc(item, path, source_map, local=False))
    return out, errors


@record
class _EntryReader:
    path: SpecPath
    base: Path
    display_dir: str
    limit: int | None
    source_map: SourceMap | None
    seen: set[Path]

    def read(self, entry: str, errors: list[SpecError], files: list[str]) -> list[ManifestDoc]:
        docs: list[ManifestDoc] = []
        for full, shown in self._files(entry, errors):
            # realpath, not Path.resolve: that raises RuntimeError on a symbolic link loop
            # (3.11); the reader reports the loop, by name.
            key = Path(os.path.realpath(full))
            if key in self.seen:
                continue
            self.seen.add(key)
            files.append(shown)
            text, problems = read_text_file(full, shown, self.limit)
            errors += [e if e.file else replace(e, path=self.path) for e in problems]
            if text is None:
                continue
            docs += self.documents(text, shown, errors, len(docs), full.suffix == ".json")
        return docs

    def documents(self, text: str, shown: str, errors: list[SpecError], first: int = 0,
                  is_json: bool | None = None) -> list[ManifestDoc]:
        """The documents of one file's text, numbered from `first` in the entry."""
        documents, problems = parse_manifest_text(text, shown, is_json)
        errors += problems
        docs: list[ManifestDoc] = []
        for document in documents:
            doc_path = (*self.path, first + len(docs))
            docs.append(ManifestDoc(document.data, doc_path, document.source_map, local=True))
            if self.source_map is not None:
                self.source_map.merge(document.source_map, doc_path)
        return docs

    def _files(self, entry: str, errors: list[SpecError]) -> list[tuple[Path, str]]:
        written = Path(entry)
        full = written if written.is_absolute() else self.base / written
        shown = entry if written.is_absolute() else os.path.join(self.display_dir, entry)
        if has_magic(entry):
            matches, problems = glob_paths(self.base, entry, lambda m: self._shown(m, written))
            errors += [replace(e, path=self.path) for e in problems]
            # Manifest files only, as of a directory: `k8s/*` must not read the README beside
            # them, nor the folders `**` walks through. Anything else that fits (a FIFO, a
            # dangling link) is read, and refused by name.
            found = [(m, self._shown(m, written)) for m in matches
                     if m.suffix in _SUFFIXES and not m.is_dir()]
            if not found and not problems:
                what = "YAML or JSON file" if matches else "file"
                errors.append(SpecError(f"no {what} matches {shown!r}", self.path))
            return found
        if full.is_dir():
            try:
                files = list_directory(full, _SUFFIXES)
            except OSError as exc:
                reason = exc.strerror or str(exc)
                errors.append(SpecError(f"cannot read {shown}: {reason[:1].lower()}{reason[1:]}",
                                        self.path))
                return []
            if not files:
                folder = shown if shown.endswith(("/", os.sep)) else shown + "/"
                errors.append(SpecError(f"no {_FOUND} files in {folder}", self.path))
            return [(p, os.path.join(shown, p.name)) for p in files]
        if not os.path.lexists(full):
            errors.append(SpecError(f"no such file or directory: {shown}", self.path,
                                    hint="manifest paths are relative to the spec's directory"))
            return []
        return [(full, shown)]

    def _shown(self, match: Path, written: Path) -> str:
        if written.is_absolute():
            return str(match)
        return os.path.join(self.display_dir, os.path.relpath(match, self.base))


def parse_manifest_text(text: str, shown: str, is_json: bool | None = None
                        ) -> tuple[list[Document], list[SpecError]]:
    """The documents of a manifest file's text: JSON for a `.json` file (`is_json`), YAML for
    the rest; None (standard input) tells by the first character."""
    if is_json or (is_json is None and looks_like_json(text)):
        documents, problems = load_json_document(text, shown)
        if not problems or is_json:
            return documents, problems
        # YAML's flow style starts with `{` too: YAML may read it; if not, the JSON error says
        # best what is wrong.
        as_yaml = _yaml_documents(text, shown)
        return as_yaml if not as_yaml[1] else (documents, problems)
    return _yaml_documents(text, shown)


def _yaml_documents(text: str, shown: str) -> tuple[list[Document], list[SpecError]]:
    documents, problems = load_yaml_documents(text, shown)
    return documents, [e for e in problems if _YAML11_READING not in e.message]


def objects(doc: ManifestDoc) -> Iterator[tuple[Any, SpecPath]]:
    """The objects of a document with their paths inside it: itself, or a List's items (as
    `kubectl get -o yaml` writes several objects; kubectl takes any kind ending in List).

    The API's own lists (`PodList`, `NetworkPolicyList`: what `kubectl get pods -o json
    --raw` and client libraries write) give `kind` and `apiVersion` once, on the list; their
    items get them from it (`PodList` -> `Pod`)."""
    data = doc.data
    kind = data.get("kind") if isinstance(data, dict) else None
    items = data.get("items") if isinstance(data, dict) else None
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        inherited = {"kind": kind[: -len("List")], "apiVersion": data.get("apiVersion")}
        for index, item in enumerate(items):
            if kind != "List" and isinstance(item, dict) and (
                    "kind" not in item or "apiVersion" not in item):
                item = {**{k: v for k, v in inherited.items() if v is not None}, **item}
            yield item, ("items", index)
    else:
        yield data, ()


def in_document(err: SpecError) -> SpecError:
    """An error inside a manifest file shows its path inside the document (`spec.ports[0]`):
    the file, line and column already say which document it is."""
    path = err.path
    if len(path) > 4 and path[0] == "clusters" and path[2] == "manifests" and (
            type(path[4]) is int):
        return replace(err, path=path[5:])
    return err


# --- a Kubernetes-only spec from plain manifests ------------------------------------------


def is_manifest_spec(path: Path, limit: int | None = None) -> bool:
    """True when `path` (a file or a directory) holds Kubernetes manifests and no netpath spec:
    no file has a `netpath:` key, and some document has `apiVersion` or `kind`."""
    try:
        if path.is_dir():
            files = list_directory(path, _SUFFIXES)
        else:
            files = [path] if path.is_file() else []
    except OSError:
        return False  # read_spec reports it
    found = False
    for file in files:  # a spec directory's first file usually decides: every one has netpath:
        verdict = _looks_like(file, limit)
        if verdict == "spec":
            return False
        found = found or verdict == "manifests"
    return found


def _looks_like(path: Path, limit: int | None) -> str | None:
    text, _ = read_text_file(path, str(path), limit)
    return None if text is None else looks_like(text, str(path))


def looks_like(text: str, shown: str) -> str | None:
    """"spec" (a netpath spec), "manifests" (Kubernetes objects) or None, for one file's text."""
    if re.search(_SPEC_KEY, text, re.M):
        return "spec"
    if re.search(_KUBE_KEY, text, re.M):
        return "manifests"
    # kubectl's JSON (`-o json`): one key a line, indented.
    if looks_like_json(text) and re.search(_JSON_KUBE_KEY, text, re.M) and not re.search(
            _JSON_SPEC_KEY, text, re.M):
        return "manifests"
    # Flow style or odd layout: only parsing can tell (rare, and such files are small).
    documents, _ = parse_manifest_text(text, shown)
    maps = [d.data for d in documents if isinstance(d.data, dict)]
    if any("netpath" in m for m in maps):
        return "spec"
    return "manifests" if any("kind" in m or "apiVersion" in m for m in maps) else None


def manifest_spec(display: str, is_file: bool) -> LoadedDocuments:
    """The spec a `--spec` of plain manifests stands for: one cluster, `cluster`, with the
    defaults of a Kubernetes-only spec, whose manifests are that path (relative to the working
    directory, as the user wrote it: load it with `base_dir=Path()` and `display_dir=""`)."""
    data = {"netpath": 1, "clusters": {KUBE_ONLY_CLUSTER: {"cni": "calico",
                                                           "manifests": [display]}}}
    # Errors about the cluster itself point at the file's start (a directory has no position).
    source_map = SourceMap(display, {(): RawPosition(0, 0)}) if is_file else SourceMap()
    return LoadedDocuments(data, source_map, (display,))
