"""What each kind of question says is what the engine says: answers recomputed from the traces,
distractors that are wrong under the engine (not merely different strings), topics by path."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator

import pytest

from netpath.checks.expectations import load_expectations
from netpath.drill.faults.inject import inject
from netpath.drill.generate import generate, load
from netpath.drill.model import Question
from netpath.drill.questions import capacity as questions_capacity
from netpath.drill.questions import design as questions_design
from netpath.drill.questions import path as questions_path
from netpath.drill.questions import reachable as questions_reachable
from netpath.drill.questions import rules as questions_rules
from netpath.drill.questions.common import Scenario, runs, who
from netpath.drill.questions.fault import find_fault
from netpath.engine.hops import Hop, Query, Trace
from netpath.engine.nacls import evaluate_nacl
from netpath.sources.loader import scenario_names

SCENARIOS = scenario_names()
Builder = Callable[[Scenario, Trace | None, random.Random, int], Question | None]


def built(builder: Builder, seeds: int = 3) -> Iterator[tuple[Scenario, Trace, Question]]:
    for name in SCENARIOS:
        s = load(name)
        for t in s.traces:
            for seed in range(seeds):
                q = builder(s, t, random.Random(seed), 1 + seed % 3)
                if q is not None:
                    yield s, t, q


def excerpt_steps(q: Question) -> list[int]:
    """The steps of the excerpt's head lines (the trace lines shown after the answer): the
    prompt names no step, since the learner has not seen the trace."""
    heads = (re.match(r"^ {0,2}(\d{1,3})  \S", line) for line in q.excerpt)
    return [int(m.group(1)) for m in heads if m]


def hop_of(t: Trace, q: Question) -> Hop:
    """The hop a deciding-rule question is about: its excerpt's only head line."""
    step = excerpt_steps(q)[0]
    return next(h for h in (*t.hops, *t.return_path) if h.step == step)


# Hops that stand for no component between two a packet crosses: name lookups, the internet
# itself, the NetworkPolicy hop of a pod that no policy selects.
SKIPPED = {"dns", "internet", "network-policy"}


def test_next_hop_is_the_component_after_the_one_left() -> None:
    count = 0
    for _, t, q in built(questions_path.next_hop):
        count += 1
        assert not re.search(r"\bstep \d", f"{q.prompt} {q.explanation}", re.IGNORECASE), q
        grouped = runs(t.hops)
        at = next(i for i, run in enumerate(grouped) if run[0].step == excerpt_steps(q)[0])
        subject, following = grouped[at], grouped[at + 1]
        assert f"has just left {who(subject[0])}" in q.prompt
        assert q.answer == who(following[0])
        # nothing but stand-ins between the hop left and the answer's
        between = [h for h in t.hops if subject[-1].step < h.step < following[0].step]
        assert all(h.component in SKIPPED for h in between), between
        names = {h.name for h in (*subject, *following)}
        said = " ".join(f"{h.detail} {h.rule.text if h.rule else ''}" for h in subject)
        for choice in q.choices:
            if choice == q.answer:
                continue
            name = choice.split(" ", 1)[1]
            # never another face of the subject or the answer (the node of the kube-proxy
            # that implements the Service...), never what the subject names as its next hop
            # (a route's target, a load balancer's targets)
            assert name not in names, (q.prompt, choice)
            assert not re.search(rf"(?<![\w/.-]){re.escape(name)}(?![\w/-])", said), choice
    assert count > 50


def test_source_seen_is_the_delivered_source_and_agrees_with_the_expectations() -> None:
    checked = 0
    for name in SCENARIOS:
        s = load(name)
        from importlib import resources
        from pathlib import Path

        folder = Path(str(resources.files("netpath") / "scenarios" / name))
        found, _, _ = load_expectations([(folder / "netpath-expect.yaml", "x")], None,
                                        _source_map(name))
        seen = {(e.source, e.destination, e.port): e.source_ip_seen
                for e in found.expectations if e.source_ip_seen}
        for t in s.traces:
            q = questions_path.source_seen(s, t, random.Random(1), 2)
            if q is None:
                continue
            delivered = [h for h in t.hops if h.action == "deliver"][-1]
            assert q.answer == str(delivered.packet.src_ip)
            expected = seen.get((t.query.source, t.query.destination, t.query.port))
            if expected is not None:
                assert q.answer == expected, (name, t.query)
                checked += 1
    assert checked >= 8


def _source_map(name: str) -> object:
    from pathlib import Path

    from netpath.sources.loader import load_spec

    return load_spec(Path(name)).source_map


def test_order_hops_numbers_follow_the_prompts_listing() -> None:
    for _, t, q in built(questions_path.order_hops, seeds=1):
        listing = dict(re.findall(r"^\s+(\d+)\) (.+)$", q.prompt, re.MULTILINE))
        numbers = [n.strip() for n in q.accepted[0].split(",")]
        assert [listing[n] for n in numbers] == q.answer.split(", ")
        steps = {who(h): h.step for h in t.hops}
        order = [steps[item] for item in q.answer.split(", ")]
        assert order == sorted(order) and 5 <= len(order) <= 7


def test_deciding_rules_are_the_engines_decisions() -> None:
    seen: set[str] = set()
    for s, t, q in built(questions_rules.deciding_rule):
        assert not re.search(r"\bstep \d", f"{q.prompt} {q.explanation}", re.IGNORECASE), q
        hop = hop_of(t, q)
        seen.add(hop.component)
        assert hop.rule is not None
        if hop.component == "route-table":
            assert q.answer == hop.rule.text
            if q.choices and hop.candidates:  # the routes that matched and lost come first
                assert any(c.text in q.choices for c in hop.candidates)
        elif hop.component == "network-acl":
            acl = s.model.network_acls[hop.name]
            inbound = "inbound" in q.prompt.split("judges", 1)[1].split()[0]
            rules = acl.inbound if inbound else acl.outbound
            peer = hop.packet.src_ip if inbound else hop.packet.dst_ip
            decision = evaluate_nacl(rules, hop.packet.protocol, peer, hop.packet.dst_port)
            assert q.answer == str(decision.rule)
        elif hop.component == "security-group":
            assert q.answer == f"{hop.name}: {hop.rule.text}"
        else:
            assert q.answer.startswith(hop.rule.text + ":")
            assert q.topic == "kubernetes"
    assert seen == {"route-table", "network-acl", "security-group", "network-policy"}


def test_reachable_answers_name_the_blocking_component_and_code() -> None:
    for _, t, q in built(questions_reachable.reachable):
        blocked = t.blocked_by
        if q.difficulty == 1:
            assert q.answer == ("yes" if blocked is None else "no")
            continue
        if blocked is None:
            assert q.answer == "reachable"
            continue
        assert q.answer == f"blocked by {blocked.name}: {blocked.code}"
        for choice in q.choices:
            if choice not in (q.answer, "reachable"):
                # neither the component nor the code of the answer: either alone answers
                assert blocked.code not in choice and f" {blocked.name}:" not in choice


def test_find_fault_answers_the_injected_fault_and_never_offers_its_accomplices() -> None:
    count = 0
    for name in SCENARIOS:
        s = load(name)
        for t in s.traces:
            for difficulty in (1, 2, 3):
                q = find_fault(s, t, random.Random(difficulty), difficulty)
                if q is None:
                    continue
                fault, _, _, after = inject(s.network, t.query, random.Random(difficulty))
                count += 1
                assert after.blocked_by is not None
                assert after.blocked_by.code in q.prompt  # the code, at every difficulty
                if difficulty < 3:
                    assert q.answer == fault.component
                    # neither the story (the Service) nor the pods the fault broke alike
                    assert not set(q.choices) & {*fault.related, *fault.aliases}
                    if difficulty == 2:
                        assert after.blocked_by.reason not in q.prompt
                else:
                    assert q.answer.startswith(f"{fault.name}: ")
                    names, words = q.keywords
                    assert {fault.name, fault.component} <= set(names)
                    assert {n for n in names if " " in n} == {fault.component, *fault.aliases}
                    assert words == fault.keywords
    assert count > 100


DESIGNS = {
    "three-tier": {"private subnets whose default route goes to a NAT gateway",
                   "private subnets with no route to the internet at all", "NodePort"},
    "interview-grpc-nlb-alb": {"an HTTPS listener (443), with backend-protocol-version: GRPC",
                               "grpc-nlb (NLB, ip targets, client IP preservation on)",
                               questions_design.BALANCER_RIGHT},
    "flow-internet-to-pod-nlb": {
        "echo-local-nlb (NLB, instance targets, client IP preservation on, "
        "externalTrafficPolicy Local)"},
}


def _traced(q: Question) -> bool:
    """A design question shown by traces (IP capacity ones quote `netpath capacity`)."""
    return q.excerpt[:1] != (questions_capacity.REPORT,)


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_design_questions_are_verified_on_the_scenario(name: str) -> None:
    answers = {q.answer for seed in range(8)
               for q in generate(name, rng=random.Random(seed), count=12, kinds=["design"],
                                 difficulty=1) if _traced(q)}
    assert answers == DESIGNS[name]


def test_design_questions_stay_away_from_scenarios_that_cannot_show_them() -> None:
    asked = generate("flow-pod-to-pod-same-node", rng=random.Random(1), count=6,
                     kinds=["design"])
    assert [q.answer for q in asked if _traced(q)] == []
    assert asked, "its VPC CNI nodes still have IP capacity questions"


@pytest.mark.parametrize(("query", "topic"), [
    (Query("node-1", "api.example.com", 443), "aws"),
    (Query("pod-a", "backend-service", 8080), "kubernetes"),
    (Query("internet", "myapp.example.com", 443), "eks"),
    (Query("pod-a", "orders-db", 5432), "eks"),
])
def test_topics_follow_the_path(query: Query, topic: str) -> None:
    s = load("three-tier")
    t = next(t for t in s.traces if t.query == query)
    for builder in (questions_path.source_seen, questions_reachable.reachable):
        q = builder(s, t, random.Random(1), 2)
        assert q is not None and q.topic == topic


def test_the_nat_hop_excerpt_reads_like_the_trace() -> None:
    s = load("three-tier")
    t = next(t for t in s.traces if t.query == Query("node-1", "api.example.com", 443))
    q = questions_path.source_seen(s, t, random.Random(1), 1)
    assert q is not None and q.answer == "198.51.100.10"
    assert q.excerpt[0].startswith("  7  nat-gateway nat-a  translate  source 10.0.10.100:")
    assert "-> 10.0.1.20:" in q.excerpt[0]
    assert any(line.strip().startswith("note: a NAT gateway") for line in q.excerpt)


# A policy distractor never admits the flow, at the judged pod nor (being a rule of the same
# direction) at the other end: tests/drill/test_deciding_rule_choices.py.
