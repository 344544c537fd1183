"""Loading a spec, end to end: files -> YAML with positions -> schema -> model -> semantic pass.

Every stage reports all of its errors; a later stage runs only when the earlier ones found none
(a model built from data that failed the schema would only add noise). Errors leave here
located (file:line:column) through the one source map.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from netpath.model.resources import Model
from netpath.spec.errors import SpecError, SpecErrors
from netpath.spec.source import SourceMap

DEFAULT_SCENARIO = "three-tier"
SPEC_FILE = "netpath.yaml"


@dataclass(frozen=True)
class LoadedSpec:
    model: Model
    source_map: SourceMap
    files: tuple[str, ...]
    is_default: bool = False
    scenario: str | None = None  # the library scenario's name, when one was loaded
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage


def resolve_spec_path(option: str | None, environ: Mapping[str, str],
                      cwd: Path) -> tuple[Path | None, str]:
    """--spec, else $NETPATH_SPEC, else ./netpath.yaml, else None (the embedded default)."""
    if option:
        return Path(option), "--spec"
    if environ.get("NETPATH_SPEC"):
        return Path(environ["NETPATH_SPEC"]), "$NETPATH_SPEC"
    local = cwd / SPEC_FILE
    if local.exists():
        return Path(SPEC_FILE), f"./{SPEC_FILE}"
    return None, "default"


def scenario_names() -> list[str]:
    root = resources.files("netpath") / "scenarios"
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / SPEC_FILE).is_file())


def load_spec(path: Path | None, *, environ: Mapping[str, str] | None = None) -> LoadedSpec:
    """Load and check a spec; `None` loads the embedded default scenario. Raises SpecErrors.

    `environ` is where NETPATH_MAX_SPEC_BYTES is read (default: the process environment)."""
    from netpath.spec.files import max_spec_bytes, read_spec, read_spec_text

    timings: dict[str, float] = {}
    started = time.perf_counter()
    scenario = None
    if path is None or (not path.exists() and str(path) in scenario_names()):
        scenario = DEFAULT_SCENARIO if path is None else str(path)
        resource = resources.files("netpath") / "scenarios" / scenario / SPEC_FILE
        documents = read_spec_text(resource.read_text(encoding="utf-8"),
                                   f"scenarios/{scenario}/{SPEC_FILE}")
    else:
        documents = read_spec(path, display=str(path), limit=max_spec_bytes(environ))
    timings["read"] = time.perf_counter() - started
    source_map = documents.source_map
    # The scenarios shipped in the package are schema-checked by the test suite; skipping the
    # check at run time spares every default-scenario start jsonschema's import.
    model = _check(documents.data, source_map, timings, trusted=scenario is not None)
    timings["total"] = time.perf_counter() - started
    return LoadedSpec(model, source_map, tuple(documents.files), path is None, scenario,
                      timings)


def _check(data: dict[str, object], source_map: SourceMap, timings: dict[str, float], *,
           trusted: bool = False) -> Model:
    from netpath.spec.build import build_model
    from netpath.spec.semantic import check_model

    if not trusted:
        from netpath.spec.schema import validate

        started = time.perf_counter()
        errors = validate(data)
        timings["schema"] = time.perf_counter() - started
        _raise_located(errors, source_map)
    started = time.perf_counter()
    model, errors = build_model(data)
    timings["build"] = time.perf_counter() - started
    started = time.perf_counter()
    # The semantic checks tolerate a model built with errors, so both kinds come out at once.
    errors += check_model(model)
    timings["semantic"] = time.perf_counter() - started
    _raise_located(errors, source_map)
    return model


def _raise_located(errors: list[SpecError], source_map: SourceMap) -> None:
    if errors:
        located = [source_map.locate_error(e) for e in errors]
        located.sort(key=lambda e: (e.file or "", e.line or 0, e.column or 0))
        raise SpecErrors(located)
