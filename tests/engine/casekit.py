"""Data-driven engine cases: a base spec, a patch per case, a query and what to expect.

Patches deep-merge into the base (mappings merge, anything else replaces, `null` deletes, a key
ending in `+` appends to a list), so a case states only what differs from the network everyone
knows.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from netpath.engine import prepare, trace
from netpath.engine.hops import Query, Trace
from netpath.model.resources import Model

CASES = Path(__file__).parent / "cases"


def deep_merge(base: dict[Any, Any], patch: dict[Any, Any]) -> dict[Any, Any]:
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(key, str) and key.endswith("+"):  # `manifests+: [...]` appends
            out[key[:-1]] = [*out.get(key[:-1], []), *copy.deepcopy(value)]
        elif value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def build(data: dict[str, Any]) -> Model:
    """Schema, builder and semantic pass, as `netpath.sources.loader` runs them; errors fail."""
    from netpath.load.schema import validate
    from netpath.sources.netpath_spec.builder import build_model
    from netpath.sources.netpath_spec.semantic import check_model

    errors = validate(data)
    assert not errors, "\n".join(str(e) for e in errors)
    model, errors = build_model(data)
    errors += check_model(model)
    assert not errors, "\n".join(str(e) for e in errors)
    return model


@dataclass(frozen=True)
class Case:
    file: str
    description: str
    spec: dict[str, Any]
    query: Query
    expect: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.file}: {self.description}"


CASE_KEYS = {"description", "patch", "query", "expect"}
EXPECT_KEYS = {"verdict", "code", "blocked_at", "direction", "partial", "fix", "blocked_rule",
               "blocked_rule_path", "via", "not_via", "return_not_via", "mentions",
               "not_mentions", "source_ip_seen", "destination_ip"}


def load_cases() -> list[Case]:
    base = yaml.safe_load((CASES / "base.yaml").read_text())
    cases: list[Case] = []
    for path in sorted(CASES.glob("*.yaml")):
        if path.name == "base.yaml":
            continue
        doc = yaml.safe_load(path.read_text())
        start = deep_merge(base, doc.get("base_patch") or {})
        for raw in doc["cases"]:
            # A misspelt key would silently test less than it says.
            unknown = set(raw) - CASE_KEYS
            assert not unknown, f"{path.name}: {raw.get('description')}: unknown {unknown}"
            unknown = set(raw["expect"]) - EXPECT_KEYS
            assert not unknown, f"{path.name}: {raw['description']}: unknown expect {unknown}"
            q = raw["query"]
            query = Query(str(q["from"]), str(q["to"]), q.get("port"), q.get("protocol", "tcp"),
                          host=q.get("host"), url_path=q.get("path", "/"),
                          endpoint=q.get("endpoint"))
            spec = deep_merge(start, raw.get("patch") or {})
            cases.append(Case(path.stem, raw["description"], spec, query, raw["expect"]))
    return cases


def run(case: Case) -> Trace:
    return trace(prepare(build(case.spec)), case.query)


def describe(result: Trace) -> str:
    lines = [f"{h.step:>2} {h.component} {h.name} {h.action}: {h.detail}"
             for h in (*result.hops, *result.return_path)]
    lines.append(f"blocked_by: {result.blocked_by}")
    return "\n".join(lines)


def check(case: Case, result: Trace) -> None:
    expect = case.expect
    context = describe(result)
    assert result.verdict == expect["verdict"], context
    blocked = result.blocked_by
    if "code" in expect:
        assert blocked is not None and blocked.code == expect["code"], context
    if "blocked_at" in expect:
        assert blocked is not None, context
        assert f"{blocked.component} {blocked.name}" == expect["blocked_at"], context
    if "direction" in expect:
        assert blocked is not None and blocked.direction == expect["direction"], context
    if "partial" in expect:
        assert blocked is not None and blocked.partial == expect["partial"], context
    if "fix" in expect:
        assert blocked is not None and blocked.fix == expect["fix"], context
    if "blocked_rule" in expect:  # the rule (or part of a resource) the blocking step names
        stop = next((h for h in reversed((*result.hops, *result.return_path))
                     if h.action in ("deny", "drop")), None)
        assert stop is not None and stop.rule is not None, context
        assert stop.rule.text == expect["blocked_rule"], context
        if "blocked_rule_path" in expect:
            assert stop.rule.path is not None, context
            assert ".".join(str(p) for p in stop.rule.path).endswith(
                expect["blocked_rule_path"]), (stop.rule.path, context)
    names = {h.name for h in result.hops} | {
        part.strip() for h in result.hops for part in h.name.split(",")}
    for name in expect.get("via", []):
        assert name in names, f"{name!r} not on the path\n{context}"
    for name in expect.get("not_via", []):
        assert name not in names, f"{name!r} on the path\n{context}"
    back = {h.name for h in result.return_path}
    for name in expect.get("return_not_via", []):
        assert name not in back, f"{name!r} on the return path\n{context}"
    said = "\n".join(f"{h.detail}\n{h.note or ''}\n{h.rule.text if h.rule else ''}"
                     for h in (*result.hops, *result.return_path))
    for text in expect.get("mentions", []):
        assert text in said, f"{text!r} is not said\n{context}"
    for text in expect.get("not_mentions", []):
        assert text not in said, f"{text!r} is said\n{context}"
    delivered = [h for h in result.hops if h.action == "deliver"]
    if "source_ip_seen" in expect:
        assert delivered, context
        assert str(delivered[-1].packet.src_ip) == expect["source_ip_seen"], context
    if "destination_ip" in expect:
        assert str(result.flow.dst_ip) == expect["destination_ip"], context
