"""Find-the-fault questions have exactly one right answer under the engine.

Over the whole library: every fault netpath could have injected on the query (`candidates`
that stop as stated) is traced here, by the test itself; a fault whose broken trace agrees with
everything the prompt shows (the code, the dropped packet, the reason) is a right answer too,
so none of its components may be offered (difficulties 1 and 2), and its own fix must be judged
right (difficulty 3). Also: the symptom at difficulty 1 never names the broken component, the
intermittent symptom never says "can no longer reach", and the free-text fix needs the rule's
direction.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

import pytest

from netpath.drill.fault_record import Fault
from netpath.drill.fault_symptoms import hide
from netpath.drill.faults import candidates, inject, stops_as_stated
from netpath.drill.generate import load
from netpath.drill.judge import judge
from netpath.drill.model import Question
from netpath.drill.questions_common import Scenario
from netpath.drill.questions_fault import find_fault
from netpath.engine import prepare, trace
from netpath.engine.errors import QueryError
from netpath.engine.trace import Hop, Query, Trace
from netpath.spec.load import scenario_names

SEEDS = range(3)
Asked = tuple[Scenario, Trace, Fault, Trace, Question]


@pytest.fixture(scope="module")
def library() -> dict[int, list[Asked]]:
    """Every find-fault question the library makes, by difficulty, with the fault injected and
    its broken trace (the builder injects first, with the same rng)."""
    found: dict[int, list[Asked]] = {1: [], 2: [], 3: []}
    for name in scenario_names():
        s = load(name)
        for t in s.traces:
            for difficulty in found:
                for seed in SEEDS:
                    q = find_fault(s, t, random.Random(seed), difficulty)
                    if q is None:
                        continue
                    fault, _, _, after = inject(s.network, t.query, random.Random(seed))
                    found[difficulty].append((s, t, fault, after, q))
    return found


def asked(library: dict[int, list[Asked]], *difficulties: int) -> Iterator[Asked]:
    for difficulty in difficulties:
        yield from library[difficulty]


_others: dict[tuple[str, Query], list[tuple[Fault, Trace]]] = {}


def others(s: Scenario, before: Trace) -> list[tuple[Fault, Trace]]:
    """The faults netpath could have injected on this query, each with its broken trace."""
    key = (s.name, before.query)
    if key not in _others:
        _others[key] = []
        for fault in candidates(s.network, before):
            try:
                after = trace(prepare(fault.apply(s.network.model)), before.query)
            except QueryError:
                continue
            if stops_as_stated(fault, after):
                _others[key].append((fault, after))
    return _others[key]


def stop_hop(after: Trace) -> Hop:
    assert after.blocked_by is not None
    return next(h for h in (*after.hops, *after.return_path)
                if h.step == after.blocked_by.step)


def names_of(s: Scenario) -> list[str]:
    """Every name a reason could hide (a stricter mask than the builder's: all pods too)."""
    m = s.model
    found = [*m.security_groups, *m.network_acls, *m.route_tables]
    for cluster in m.clusters.values():
        found += [*cluster.pods, *cluster.network_policies]
        found += [key.split("/", 1)[-1] for key in cluster.network_policies]
    return sorted(set(found), key=len, reverse=True)


def masked(s: Scenario, text: str) -> str:
    pattern = "|".join(re.escape(n) for n in names_of(s))
    return re.sub(rf"(?<![\w/.-])(?:{pattern})(?![\w/-])", "X", text)


def fits(s: Scenario, q: Question, shown: Trace, other: Trace) -> bool:
    """Whether the broken trace `other` agrees with all the prompt shows of `shown`."""
    a, b = shown.blocked_by, other.blocked_by
    assert a is not None and b is not None
    if not re.search(rf"\b{b.code}\b", q.prompt) or a.partial != b.partial:
        return False
    if " for the request " in q.prompt or " for the reply " in q.prompt:
        pa, pb = stop_hop(shown).packet, stop_hop(other).packet
        if (a.direction, pa.src_ip, pa.dst_ip, pa.dst_port) != \
                (b.direction, pb.src_ip, pb.dst_ip, pb.dst_port):
            return False
    if "now says" in q.prompt:
        return (a.direction, masked(s, a.reason)) == (b.direction, masked(s, b.reason))
    return True


def components(fault: Fault) -> set[str]:
    return {fault.component, *fault.aliases}


def test_no_offered_distractor_is_a_right_answer_too(library: dict[int, list[Asked]]) -> None:
    count = rivals = 0
    for s, t, fault, after, q in asked(library, 1, 2):
        count += 1
        assert q.answer == fault.component and q.answer in q.choices
        for other, broken in others(s, t):
            if not fits(s, q, after, broken):
                continue
            offered = (components(other) - {q.answer}) & set(q.choices)
            assert not offered, (s.name, q.prompt, q.choices, other.kind, other.description)
            rivals += other.component != fault.component
    assert count > 300
    assert rivals > 0  # the library does have faults that read alike (D2, D3)


def test_the_free_text_fix_of_every_fault_that_fits_is_right(
        library: dict[int, list[Asked]]) -> None:
    count = 0
    for s, t, fault, after, q in asked(library, 3):
        count += 1
        assert not q.choices and re.search(rf"\b{fault.code}\b", q.prompt), q.prompt
        assert judge(q, f"{fault.name}: {fault.fix}").correct
        for alias in fault.aliases:  # every pod the fault broke is as right
            assert judge(q, f"{alias.split(' ', 1)[1]}: {fault.fix}").correct
        for other, broken in others(s, t):
            right = judge(q, f"{other.name}: {other.fix}").correct
            if fits(s, q, after, broken):
                assert right, (s.name, q.prompt, other.kind, other.description)
            elif not components(other) & components(fault):
                assert not right, (s.name, q.prompt, other.kind, other.description)
    assert count > 150


def test_the_easiest_symptom_never_names_the_broken_component(
        library: dict[int, list[Asked]]) -> None:
    count = 0
    for _, _, fault, after, q in asked(library, 1):
        assert after.blocked_by is not None
        told = q.prompt.split("`netpath trace`", 1)[1]
        assert after.blocked_by.code in told
        for component in components(fault):
            name = component.split(" ", 1)[1]
            assert not re.search(rf"(?<![\w/.-]){re.escape(name)}(?![\w/-])", told), q.prompt
            count += 1
    assert count > 150


def test_the_symptom_reads_like_what_the_user_sees(library: dict[int, list[Asked]]) -> None:
    partial = 0
    for _, t, _, after, q in asked(library, 1, 2, 3):
        assert after.blocked_by is not None
        assert not q.prompt.startswith("internet ") and " -> " not in q.prompt.split(".")[0]
        if t.query.source == "internet":
            assert q.prompt.startswith("A client on the internet can no longer reach ") or \
                q.prompt.startswith("Connections from a client on the internet to ")
        if after.blocked_by.partial:
            partial += 1
            assert "can no longer reach" not in q.prompt and "intermittently" in q.prompt
        else:
            assert "intermittently" not in q.prompt.split(".")[0]
    assert partial > 0


def sg_question(library: dict[int, list[Asked]], direction: str) -> tuple[Question, Fault]:
    for _, _, fault, _, q in asked(library, 3):
        if fault.kind == "sg-rule-removed" and f"the {direction} rule" in fault.fix:
            return q, fault
    raise AssertionError(f"no {direction} security group fault at difficulty 3")


@pytest.mark.parametrize(("direction", "other"), [("outbound", "inbound"),
                                                   ("inbound", "outbound")])
def test_a_security_group_fix_needs_the_rules_direction(
        library: dict[int, list[Asked]], direction: str, other: str) -> None:
    q, fault = sg_question(library, direction)
    group = fault.name
    assert judge(q, f"{group}: add the {direction} rule back").correct
    assert judge(q, f"{group} allow {direction}").correct
    assert not judge(q, f"{group}: remove the allow rule").correct  # "allow" is no direction
    assert not judge(q, f"{group}: add the allow rule back").correct
    assert not judge(q, f"{group}: add the {other} rule back").correct  # the wrong one
    assert not judge(q, f"{group}: add {direction} and {other} rules").correct  # a guess
    assert not judge(q, f"add the {direction} rule back").correct  # which group?


def test_hiding_names() -> None:
    hidden = {"sg-node": "security-group", "k8s-traffic": "security-group",
              "default/web-0": "pod", "default/web-1": "pod", "allow-dns": "network-policy",
              "default-deny": "network-policy"}
    assert hide("no inbound rule of sg-node, k8s-traffic on node-1 allows tcp/80", hidden) == \
        "no inbound rule of the security groups on node-1 allows tcp/80"
    assert hide("sg-node-2 and xsg-node keep their names; sg-node.", hidden) == \
        "sg-node-2 and xsg-node keep their names; the security group."
    assert hide("2 pod(s) match default/web but none is ready (default/web-0, default/web-1): "
                "refused", hidden) == "2 pod(s) match default/web but none is ready: refused"
    assert hide("isolated by allow-dns, default-deny and no rule", hidden) == \
        "isolated by the network policies and no rule"
    assert hide("to default/web-0 (10.0.0.5)", hidden) == "to a pod (10.0.0.5)"
    assert hide("nothing hidden", {}) == "nothing hidden"


@pytest.mark.parametrize(("name", "destination", "groups"), [
    ("interview-grpc-nlb-alb", "grpc-nlb.example.com", {"grpc-nlb-sg", "sg-node"}),
    ("trouble-high-latency-broken", "orders.example.com", {"orders-alb-sg", "sg-node"}),
])
def test_two_groups_that_deny_the_same_way_are_never_both_offered(
        name: str, destination: str, groups: set[str]) -> None:
    """The reviewer's D3: removing either group's rule gives SG_INGRESS_DENIED on this path, so
    when the code alone is shown, the group that is not the answer is not offered."""
    s = load(name)
    seen = set()
    for t in (t for t in s.traces if t.query.destination == destination):
        denying = {f.name for f, after in others(s, t) if after.blocked_by is not None
                   and after.blocked_by.code == "SG_INGRESS_DENIED"}
        assert groups <= denying  # the premise: both groups deny this way
        for seed in range(12):
            q = find_fault(s, t, random.Random(seed), 2)
            if q is None or "SG_INGRESS_DENIED" not in q.prompt or " for the " in q.prompt:
                continue
            offered = {c.split(" ", 1)[1] for c in q.choices if c.startswith("security-group ")}
            assert offered & groups == {q.answer.split(" ", 1)[1]}, (q.prompt, q.choices)
            seen.add(q.answer)
    assert {f"security-group {g}" for g in groups} <= seen
