"""The troubleshooting pairs of the scenario library: each broken spec fails for its documented
reason, and its fixed twin passes.

Every `trouble-*-broken` directory under netpath/scenarios has a `-fixed` twin. Both carry the
same intent in `netpath-expect.yaml`. The broken one's README says why it fails in one
machine-readable line:

    Expected failure: SG_INGRESS_DENIED      (the explanation code the trace ends with)
    Expected failure: not_via nat-a          (a reachable path that crosses what it must not)

Expectations are evaluated by `netpath check`'s own runner (netpath.checks.runner) when it
exists, else by the small local evaluator below (docs/check.md: plain and group forms,
reachable, code, via, not_via, source_ip_seen), which goes through the real loader and engine;
while both exist, a test keeps them in agreement. And `netpath check --spec NAME` itself must
exit 1 on each broken spec and 0 on its fixed twin, as a CI job would see it.

Run it by hand while writing a scenario:

    .venv/bin/python -m tests.scenarios.test_pairs trouble-high-latency-broken
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from netpath.engine import Network, prepare, trace
from netpath.engine.hops import Query, Trace
from netpath.sources.loader import load_spec

SCENARIOS = Path(__file__).resolve().parents[2] / "netpath" / "scenarios"
SPEC_FILE = "netpath.yaml"
EXPECT_FILE = "netpath-expect.yaml"
# "Expected failure: CODE" or "Expected failure: via NAME" / "not_via NAME" / "source_ip_seen IP"
EXPECTED_FAILURE = re.compile(
    r"^Expected failure:\s*`?(?:(?P<code>[A-Z][A-Z0-9_]+)|(?P<key>not_via|via|source_ip_seen)\s+"
    r"(?P<value>\S+?))`?\s*$", re.MULTILINE)


# --- the local evaluator -------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    source: str
    destination: str
    verdict: str  # reachable | blocked
    code: str | None  # the blocking code
    problems: tuple[str, ...]  # empty: the pair meets the expectation

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Outcome:
    name: str
    pairs: tuple[Pair, ...]

    @property
    def passed(self) -> bool:
        return all(p.passed for p in self.pairs)

    @property
    def failures(self) -> tuple[Pair, ...]:
        return tuple(p for p in self.pairs if not p.passed)


def read_expectations(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data.get("netpath-expect") == 1, \
        f"{path}: needs `netpath-expect: 1`"
    items = data.get("expectations")
    assert isinstance(items, list) and items, f"{path}: no expectations"
    return items


def name_of(item: dict[str, Any]) -> str:
    if "name" in item:
        return str(item["name"])
    return f"{item['from']} -> {item['to']}:{item.get('port', 443)}"


def members(network: Network, value: object) -> list[str]:
    """What a `from`/`to` stands for: itself, or every member of a group (docs/check.md)."""
    if isinstance(value, str):
        return [value]
    assert isinstance(value, dict), f"not a name or a group: {value!r}"
    model = network.model
    if "subnet" in value:
        return sorted(str(e.private_ip) for e in model.enis.values()
                      if e.subnet == value["subnet"])
    found = []
    for cluster in model.clusters.values():
        if "cluster" in value and cluster.name != value["cluster"]:
            continue
        for pod in cluster.pods.values():
            if "namespace" in value and pod.namespace != value["namespace"]:
                continue
            selector = value.get("selector") or {}
            if all(pod.labels.get(k) == v for k, v in selector.items()):
                found.append(pod.key)
    assert found, f"the group {value!r} has no member"
    return sorted(found)


def judge(item: dict[str, Any], result: Trace) -> list[str]:
    problems: list[str] = []
    want = False if "code" in item else bool(item.get("reachable", True))
    blocked = result.blocked_by
    if result.reachable != want:
        why = f" ({blocked.code} at {blocked.component} {blocked.name})" if blocked else ""
        problems.append(f"expected {'reachable' if want else 'blocked'}, got "
                        f"{result.verdict}{why}")
    if "code" in item and blocked is not None and blocked.code != item["code"]:
        problems.append(f"expected code {item['code']}, got {blocked.code}")
    # Hop names, as in trace output; a hop may name several things ("sg-a, sg-b").
    names = {h.name for h in result.hops} | {
        part.strip() for h in result.hops for part in h.name.split(",")}
    problems += [f"the path does not cross {n!r}" for n in item.get("via", []) if n not in names]
    problems += [f"the path crosses {n!r}" for n in item.get("not_via", []) if n in names]
    if "source_ip_seen" in item:
        delivered = [h for h in result.hops if h.action == "deliver"]
        seen = str(delivered[-1].packet.src_ip) if result.reachable and delivered else None
        if seen != str(item["source_ip_seen"]):
            problems.append(f"the destination sees {seen}, not {item['source_ip_seen']}")
    return problems


def evaluate(network: Network, item: dict[str, Any]) -> Outcome:
    pairs = []
    for source in members(network, item["from"]):
        for destination in members(network, item["to"]):
            if source == destination:
                continue  # a pod to itself is left out
            result = trace(network, Query(source, destination, item.get("port"),
                                          item.get("protocol", "tcp")))
            code = result.blocked_by.code if result.blocked_by else None
            pairs.append(Pair(source, destination, result.verdict, code,
                              tuple(judge(item, result))))
    return Outcome(name_of(item), tuple(pairs))


def local_outcomes(folder: Path) -> list[Outcome]:
    # The spec file, not the folder: the folder also holds netpath-expect.yaml.
    network = prepare(load_spec(folder / SPEC_FILE).model)
    return [evaluate(network, item) for item in read_expectations(folder / EXPECT_FILE)]


def runner_outcomes(folder: Path) -> list[Outcome] | None:
    """`netpath check`'s own evaluation (netpath.checks.runner), in this file's terms; None
    while netpath has no runner."""
    try:
        from netpath.checks.expectations import load_expectations
        from netpath.checks.runner import run_expectations
    except ImportError:
        return None
    loaded = load_spec(folder / SPEC_FILE)
    expect = folder / EXPECT_FILE
    # load_expectations returns the expectation set, the check's source map and the errors.
    expectations, _, errors = load_expectations([(expect, str(expect))], None,
                                                loaded.source_map)
    assert not errors, errors
    results, errors = run_expectations(prepare(loaded.model), expectations.expectations)
    assert not errors, errors
    return [Outcome(r.name, tuple(
        Pair(p.source, p.destination, p.verdict, p.code, () if p.passed else (p.problem or "?",))
        for p in r.pairs)) for r in results]


def outcomes(folder: Path) -> list[Outcome]:
    found = runner_outcomes(folder)
    return found if found is not None else local_outcomes(folder)


# --- the pairs -----------------------------------------------------------------------------


def broken_scenarios() -> list[str]:
    return sorted(p.name for p in SCENARIOS.glob("trouble-*-broken") if p.is_dir())


def expected_failure(folder: Path) -> dict[str, str]:
    readme = (folder / "README.md").read_text(encoding="utf-8")
    found = EXPECTED_FAILURE.findall(readme)
    assert len(found) == 1, f"{folder.name}/README.md: needs one 'Expected failure: ...' line"
    code, key, value = found[0]
    return {"code": code} if code else {key: value}


def test_there_are_five_pairs() -> None:
    """The guide's five troubleshooting cases, each broken and fixed."""
    assert len(broken_scenarios()) == 5, broken_scenarios()
    for name in broken_scenarios():
        assert (SCENARIOS / name.replace("-broken", "-fixed") / SPEC_FILE).is_file(), name


@pytest.mark.parametrize("name", broken_scenarios())
def test_broken_fails_for_the_documented_reason(name: str) -> None:
    folder = SCENARIOS / name
    reason = expected_failure(folder)
    failed = [o for o in outcomes(folder) if not o.passed]
    assert failed, f"{name}: every expectation holds, but the spec is meant to be broken"
    pairs = [p for o in failed for p in o.failures]
    if "code" in reason:
        # Every failing pair was blocked, and with the documented code.
        assert {p.code for p in pairs} == {reason["code"]}, [(o.name, o.failures) for o in failed]
    else:
        # A reachable path that took the wrong way: the path crossed (or missed) a component.
        key, value = next(iter(reason.items()))
        wanted = {"not_via": "crosses", "via": "does not cross", "source_ip_seen": "sees"}[key]
        assert all(p.verdict == "reachable" for p in pairs), pairs
        assert all(any(wanted in text and value in text for text in p.problems)
                   for p in pairs), pairs


@pytest.mark.parametrize("name", [n.replace("-broken", "-fixed") for n in broken_scenarios()])
def test_fixed_twin_holds_every_expectation(name: str) -> None:
    failed = [(o.name, o.failures) for o in outcomes(SCENARIOS / name) if not o.passed]
    assert not failed, failed


@pytest.mark.parametrize("name", broken_scenarios())
def test_the_twins_share_their_intent(name: str) -> None:
    """Same expectations on both sides: the fix changes the network, never the intent."""
    broken = read_expectations(SCENARIOS / name / EXPECT_FILE)
    fixed = read_expectations(SCENARIOS / name.replace("-broken", "-fixed") / EXPECT_FILE)
    assert broken == fixed


@pytest.mark.parametrize("name", broken_scenarios())
def test_netpath_check_exit_codes(name: str) -> None:
    """The command a CI job runs: exit 1 on the broken spec, 0 on the fixed one (docs/check.md)."""
    from tests.cli.helpers import run_cli

    broken = run_cli("check", "--spec", name)
    if "No such command" in broken.stderr:
        pytest.skip("netpath check is not there yet")
    assert broken.exit_code == 1, broken.output
    fixed = run_cli("check", "--spec", name.replace("-broken", "-fixed"))
    assert fixed.exit_code == 0, fixed.output


@pytest.mark.parametrize("name", [
    *broken_scenarios(), *(n.replace("-broken", "-fixed") for n in broken_scenarios())])
def test_the_local_evaluator_agrees_with_netpath_check(name: str) -> None:
    official = runner_outcomes(SCENARIOS / name)
    if official is None:
        pytest.skip("netpath.checks.runner is not there yet")

    def summary(found: list[Outcome]) -> list[tuple[str, list[tuple[str, str, bool, str | None]]]]:
        return [(o.name, sorted((p.source, p.destination, p.passed, p.code) for p in o.pairs))
                for o in found]

    assert summary(local_outcomes(SCENARIOS / name)) == summary(official)


# --- by hand -------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    failed = 0
    for name in argv:
        for outcome in outcomes(SCENARIOS / name):
            failed += not outcome.passed
            print(f"{'ok' if outcome.passed else 'FAIL':4}  {name}: {outcome.name}"
                  f"  ({len(outcome.pairs)} pair{'s' if len(outcome.pairs) != 1 else ''})")
            for pair in outcome.failures:
                print(f"        {pair.source} -> {pair.destination}: {pair.verdict}"
                      f"{' ' + pair.code if pair.code else ''}: {'; '.join(pair.problems)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
