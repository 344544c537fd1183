"""Data-driven spec cases: a base spec, a patch per case, and the exact errors expected.

Each file of `fixtures/` (but `base.yaml`) holds `cases`, each with a `description`, a
`patch` deep-merged into the base (mappings merge, anything else replaces, `null` deletes) and
`errors`: `{path, message, hint}` with the path written as `format_path` shows it. A case runs
the stages as `netpath.sources.loader` does: the schema must accept the spec (unless the case says
`schema_invalid: true`, for checks the schema already makes but the model must not trust), then
the builder, then the semantic pass if the builder found nothing.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from netpath.load.errors import SpecError
from netpath.model.paths import format_path
from netpath.sources.netpath_spec.builder import build_model
from netpath.sources.netpath_spec.semantic import check_model

FIXTURES = Path(__file__).parent / "fixtures"


def deep_merge(base: dict[Any, Any], patch: dict[Any, Any]) -> dict[Any, Any]:
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def base_spec() -> dict[str, Any]:
    return yaml.safe_load((FIXTURES / "base.yaml").read_text())


@dataclass(frozen=True)
class Case:
    file: str
    description: str
    spec: dict[str, Any]
    errors: tuple[dict[str, Any], ...]
    schema_invalid: bool

    @property
    def id(self) -> str:
        return f"{self.file}: {self.description}"


def load_cases(prefix: str) -> list[Case]:
    base = base_spec()
    cases = []
    for path in sorted(FIXTURES.glob(f"{prefix}*.yaml")):
        if path.name == "base.yaml":
            continue
        doc = yaml.safe_load(path.read_text())
        for raw in doc["cases"]:
            spec = deep_merge(base, raw.get("patch") or {})
            expected = tuple(_expected(e) for e in raw.get("errors") or ())
            cases.append(Case(path.stem, raw["description"], spec, expected,
                              bool(raw.get("schema_invalid"))))
    return cases


def _expected(raw: dict[str, Any]) -> dict[str, Any]:
    return {"path": raw["path"], "message": raw["message"], "hint": raw.get("hint")}


def shown(error: SpecError) -> dict[str, Any]:
    return {"path": format_path(error.path), "message": error.message, "hint": error.hint}


def run_stages(spec: dict[str, Any]) -> list[SpecError]:
    """Builder errors, else the semantic pass's: what `load_spec` would report."""
    model, errors = build_model(spec)
    return errors or check_model(model)
