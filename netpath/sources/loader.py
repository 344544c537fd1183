"""Loading a spec, end to end: files -> YAML with positions -> schema -> model -> semantic pass.

What `--spec` names picks the source: plain Kubernetes manifests become a Kubernetes-only spec
(`sources.kubernetes`), anything else is a netpath spec (`sources.netpath_spec`, whose clusters
bring their manifests through `sources.kubernetes`). `--spec -` reads standard input, either
kind, shown as `<stdin>` (`kubectl get ... -o yaml | netpath trace --spec - ...`). This module
sits above the sources, so that they depend on `netpath.load` and never the other way round.

Every stage reports all of its errors; a later stage runs only when the earlier ones found none
(a model built from data that failed the schema would only add noise). Errors leave here
located (file:line:column) through the one source map.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from netpath.load import collector
from netpath.load.errors import SpecError, SpecErrors
from netpath.load.source import SourceMap
from netpath.model.record import record
from netpath.model.resources import Model

if TYPE_CHECKING:
    from netpath.load.files import LoadedDocuments

DEFAULT_SCENARIO = "three-tier"
DEFAULT_NAMESPACE = "default"  # where Kubernetes objects without a namespace go, as kubectl's
SPEC_FILE = "netpath.yaml"
STDIN_SPEC = "-"  # `--spec -`: the spec is standard input
# The library scenarios, shipped in the package as plain files (as its manifest paths need). Not
# `importlib.resources`: its import (zipfile, tempfile...) cost every start more than a percent.
SCENARIOS = Path(__file__).parent.parent / "scenarios"


@record
class LoadedSpec:
    model: Model
    source_map: SourceMap
    files: tuple[str, ...]
    is_default: bool = False
    scenario: str | None = None  # the library scenario's name, when one was loaded
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    expect: object = None  # the spec's `expect:` section as written (`netpath check` reads it)


def resolve_spec_path(option: str | None, environ: Mapping[str, str],
                      cwd: Path) -> tuple[Path | None, str]:
    """--spec, else $NETPATH_SPEC, else ./netpath.yaml, else None (the embedded default)."""
    if option:
        return Path(option), "--spec"
    if environ.get("NETPATH_SPEC"):
        return Path(environ["NETPATH_SPEC"]), "$NETPATH_SPEC"
    local = cwd / SPEC_FILE
    if os.path.lexists(local):  # a dangling link is reported, not taken for no spec at all
        return Path(SPEC_FILE), f"./{SPEC_FILE}"
    return None, "default"


def scenario_names() -> list[str]:
    return sorted(p.name for p in SCENARIOS.iterdir() if p.is_dir() and (p / SPEC_FILE).is_file())


def load_spec(path: Path | None, *, environ: Mapping[str, str] | None = None,
              namespace: str = DEFAULT_NAMESPACE, stdin: IO[str] | None = None) -> LoadedSpec:
    """Load and check a spec; `None` loads the embedded default scenario, `Path("-")` reads
    `stdin`. Raises SpecErrors.

    `environ` is where NETPATH_MAX_SPEC_BYTES is read (default: the process environment).
    `namespace` is the namespace of Kubernetes objects written without one (`--namespace`)."""
    # Building the model allocates hundreds of thousands of objects that all stay alive: the
    # cyclic collector would scan them again and again for nothing (about 40% of a large load).
    with collector.paused():
        return _load_spec(path, environ, namespace, stdin)


def _load_spec(path: Path | None, environ: Mapping[str, str] | None,
               namespace: str = DEFAULT_NAMESPACE, stdin: IO[str] | None = None) -> LoadedSpec:
    from netpath.load.files import max_spec_bytes, read_spec, read_spec_text

    timings: dict[str, float] = {}
    started = time.perf_counter()
    scenario = None
    limit = max_spec_bytes(environ)
    # The schema checks what a person wrote. A library scenario is schema-checked by the test
    # suite, and the spec netpath makes for plain manifests is valid as made (a test checks
    # it): neither is checked again at run time, which spares their every start jsonschema's
    # import (the manifests themselves are checked by their parsers, never by the schema).
    trusted = False
    if path is not None and str(path) == STDIN_SPEC:
        documents, root, trusted = _read_stdin(stdin, limit)
    elif path is None or (not path.exists() and str(path) in scenario_names()):
        scenario = DEFAULT_SCENARIO if path is None else str(path)
        folder = SCENARIOS / scenario
        documents = read_spec_text((folder / SPEC_FILE).read_text(encoding="utf-8"),
                                   f"scenarios/{scenario}/{SPEC_FILE}")
        # Manifest files of a scenario sit beside it.
        root = _Root(folder, f"scenarios/{scenario}", limit)
        trusted = True
    else:
        from netpath.sources.kubernetes.manifests import is_manifest_spec, manifest_spec

        if is_manifest_spec(path, limit):
            # Plain Kubernetes manifests: a Kubernetes-only spec (docs/kubernetes.md), whose
            # manifests are the path as the user wrote it, relative to the working directory.
            documents = manifest_spec(str(path), path.is_file())
            root = _Root(Path(), "", limit)
            trusted = True
        else:
            documents = read_spec(path, display=str(path), limit=limit)
            is_dir = path.is_dir()
            root = _Root(path if is_dir else path.parent,
                         str(path) if is_dir else os.path.dirname(str(path)), limit)
    timings["read"] = time.perf_counter() - started
    source_map = documents.source_map
    model, manifest_files = _check(documents.data, source_map, timings, root, trusted=trusted,
                                   namespace=namespace)
    timings["total"] = time.perf_counter() - started
    files = tuple(dict.fromkeys((*documents.files, *manifest_files)))
    return LoadedSpec(model, source_map, files, path is None, scenario, timings,
                      documents.data.get("expect"))


@record
class _Root:
    """Where a spec's manifest paths resolve, and how they are shown."""

    base_dir: Path
    display_dir: str
    limit: int
    texts: Mapping[str, str] | None = None  # manifest entries read already (`<stdin>`)


def _read_stdin(stdin: IO[str] | None, limit: int) -> tuple[LoadedDocuments, _Root, bool]:
    """Standard input as a spec: plain manifests (a Kubernetes-only spec whose one manifest
    file is `<stdin>`), else a netpath spec whose manifest paths resolve in the working
    directory; and whether netpath made the spec (from manifests), which needs no schema."""
    from netpath.load.files import read_spec_text, read_stream
    from netpath.sources.kubernetes.manifests import STDIN, looks_like, manifest_spec

    if stdin is None:
        raise SpecErrors([SpecError("--spec - reads the spec from standard input, and there is "
                                    "none", hint="pipe it in: kubectl get pods,svc -A -o yaml | "
                                    "netpath show --spec -")])
    text, errors = read_stream(stdin, STDIN, limit)
    if text is None:
        raise SpecErrors(errors)
    if not text.strip():
        raise SpecErrors([SpecError("standard input is empty: expected Kubernetes manifests "
                                    "or a netpath spec", file=STDIN)])
    if looks_like(text, STDIN) == "manifests":
        return manifest_spec(STDIN, True), _Root(Path(), "", limit, {STDIN: text}), True
    return read_spec_text(text, STDIN, limit), _Root(Path(), "", limit), False


def _check(data: dict[str, object], source_map: SourceMap, timings: dict[str, float],
           root: _Root | None = None, *, trusted: bool = False,
           namespace: str = DEFAULT_NAMESPACE) -> tuple[Model, list[str]]:
    from netpath.sources.netpath_spec.builder import build_model
    from netpath.sources.netpath_spec.semantic import check_model

    if not trusted:
        from netpath.load.schema import validate

        started = time.perf_counter()
        errors = validate(data)
        timings["schema"] = time.perf_counter() - started
        _raise_located(errors, source_map)
    manifests = None
    if data.get("clusters") and root is not None:
        from netpath.sources.kubernetes.manifests import read_manifests

        started = time.perf_counter()
        manifests, errors = read_manifests(data, base_dir=root.base_dir,
                                           display_dir=root.display_dir, limit=root.limit,
                                           source_map=source_map, texts=root.texts)
        timings["manifests"] = time.perf_counter() - started
        _raise_located(errors, source_map)
    started = time.perf_counter()
    model, errors = build_model(data, manifests, namespace)
    timings["build"] = time.perf_counter() - started
    started = time.perf_counter()
    # The semantic checks tolerate a model built with errors, so both kinds come out at once.
    errors += check_model(model)
    timings["semantic"] = time.perf_counter() - started
    _raise_located(errors, source_map)
    return model, manifests.files if manifests is not None else []


def _raise_located(errors: list[SpecError], source_map: SourceMap) -> None:
    if errors:
        from netpath.sources.kubernetes.manifests import in_document

        located = [in_document(source_map.locate_error(e)) for e in errors]
        located.sort(key=lambda e: (e.file or "", e.line or 0, e.column or 0))
        raise SpecErrors(located)
