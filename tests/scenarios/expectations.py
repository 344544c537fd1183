"""A tiny local evaluator of `netpath-expect.yaml` files (docs/check.md), for the scenario library.

It exists until `netpath check` does: each expectation is traced with the engine and its
`reachable`, `code`, `via`, `not_via` and `source_ip_seen` are compared with the trace. Group
forms (`{namespace: ...}`, `{selector: ...}`, `{subnet: ...}`, `{cluster: ...}`) are the check
module's business and are reported as `GROUP` here, for the test to skip.

Run it by hand while writing a scenario:

    .venv/bin/python -m tests.scenarios.expectations flow-pod-to-internet
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from netpath.engine import Network, prepare, trace
from netpath.engine.hops import Query, Trace

FILE_NAME = "netpath-expect.yaml"
TOP_KEYS = {"netpath-expect", "ignore", "expectations"}
KEYS = {"name", "description", "from", "to", "port", "protocol", "reachable", "via", "not_via",
        "code", "source_ip_seen"}
GROUP = "group"


@dataclass(frozen=True)
class Outcome:
    name: str
    problems: tuple[str, ...]  # empty: the expectation holds; ("group",): not evaluated here
    trace: Trace | None = None

    @property
    def is_group(self) -> bool:
        return self.problems == (GROUP,)


def read(path: Path) -> list[dict[str, Any]]:
    """The expectations of a file, checked for the keys docs/check.md allows."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path}: not a mapping"
    assert data.get("netpath-expect") == 1, f"{path}: needs `netpath-expect: 1`"
    assert set(data) <= TOP_KEYS, f"{path}: unknown keys {sorted(set(data) - TOP_KEYS)}"
    expectations = data.get("expectations")
    assert isinstance(expectations, list) and expectations, f"{path}: no expectations"
    for item in expectations:
        assert set(item) <= KEYS, f"{path}: unknown keys {sorted(set(item) - KEYS)} in {item}"
        assert "from" in item and "to" in item, f"{path}: from and to are required: {item}"
        assert "reachable" in item or "code" in item, f"{path}: reachable or code: {item}"
    return expectations


def name_of(item: dict[str, Any]) -> str:
    if "name" in item:
        return str(item["name"])
    port = f":{item['port']}" if "port" in item else ""
    return f"{_text(item['from'])} -> {_text(item['to'])}{port}"


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    return yaml.safe_dump(value, default_flow_style=True).strip()


def evaluate(network: Network, item: dict[str, Any]) -> Outcome:
    name = name_of(item)
    if not isinstance(item["from"], str) or not isinstance(item["to"], str):
        return Outcome(name, (GROUP,))
    result = trace(network, Query(item["from"], item["to"], item.get("port"),
                                  item.get("protocol", "tcp")))
    return Outcome(name, tuple(problems(item, result)), result)


def problems(item: dict[str, Any], result: Trace) -> list[str]:
    found: list[str] = []
    want_reachable = bool(item.get("reachable", "code" not in item))
    if "code" in item:
        want_reachable = False
    blocked = result.blocked_by
    if result.reachable != want_reachable:
        why = f" ({blocked.code} at {blocked.component} {blocked.name})" if blocked else ""
        found.append(f"expected {'reachable' if want_reachable else 'blocked'}, "
                     f"got {result.verdict}{why}")
    if "code" in item and blocked is not None and blocked.code != item["code"]:
        found.append(f"expected code {item['code']}, got {blocked.code} "
                     f"at {blocked.component} {blocked.name}")
    # Whole hop names, as `netpath check` matches them: a hop that names several components
    # ("web/default-deny, web/web-from-alb") is matched by that whole text only.
    names = [hop.name for hop in result.hops]
    for wanted in item.get("via", []):
        if wanted not in names:
            found.append(f"the path does not cross {wanted!r} (it crosses {names})")
    for unwanted in item.get("not_via", []):
        if unwanted in names:
            found.append(f"the path crosses {unwanted!r}")
    if "source_ip_seen" in item:
        seen = str(result.hops[-1].packet.src_ip) if result.reachable else None
        if seen != str(item["source_ip_seen"]):
            found.append(f"the destination sees {seen}, not {item['source_ip_seen']}")
    return found


def main(argv: list[str]) -> int:
    from netpath.sources.loader import load_spec

    failed = 0
    for scenario in argv:
        folder = Path(__file__).resolve().parents[2] / "netpath" / "scenarios" / scenario
        # The file, not the folder: a folder spec would merge netpath-expect.yaml into the spec.
        network = prepare(load_spec(folder / "netpath.yaml").model)
        for item in read(folder / FILE_NAME):
            outcome = evaluate(network, item)
            mark = "skip" if outcome.is_group else ("FAIL" if outcome.problems else "ok")
            failed += mark == "FAIL"
            print(f"{mark:4}  {scenario}: {outcome.name}")
            if mark == "FAIL":
                for problem in outcome.problems:
                    print(f"        {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
