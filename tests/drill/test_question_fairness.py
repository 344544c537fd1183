"""Fair questions across the library: one right answer a learner can defend, distractors that
are plausible and distinct. Each test states a defect the drill review found (D5-D15) as an
invariant over every scenario, or pins it on the scenario the review reproduced it with."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from netpath.checks.expectations import DEFAULT_FILE, load_expectations
from netpath.checks.groups import GroupError, Groups
from netpath.drill.generate import generate, load
from netpath.drill.grading import judge
from netpath.drill.model import Question
from netpath.drill.questions import path as questions_path
from netpath.drill.questions import reachable as questions_reachable
from netpath.drill.questions import rules as questions_rules
from netpath.drill.questions.common import (
    Builder,
    machine,
    path_components,
    runs,
    who,
)
from netpath.engine.hops import Query, Trace
from netpath.load.source import SourceMap
from netpath.sources.loader import scenario_names

SCENARIOS = scenario_names()
MINE = ["next-hop", "order-hops", "source-seen", "deciding-rule", "reachable"]
PSEUDO = {"internet internet", "internet client"}
STEP = re.compile(r"\bstep \d", re.IGNORECASE)


@pytest.fixture(scope="module")
def library() -> list[Question]:
    return [q for name in SCENARIOS for difficulty in (1, 2, 3) for seed in (1, 2)
            for q in generate(name, rng=random.Random(f"{seed}{name}"), count=24,
                              difficulty=difficulty, kinds=MINE)]


def of_kind(library: list[Question], kind: str) -> list[Question]:
    found = [q for q in library if q.kind == kind]
    assert len(found) > 40, kind  # enough to mean something
    return found


def built(builder: Builder, name: str, seeds: int = 12) -> Iterator[tuple[Trace, Question]]:
    s = load(name)
    for t in s.traces:
        for seed in range(seeds):
            q = builder(s, t, random.Random(seed), 1 + seed % 2)
            if q is not None:
                yield t, q


# --- every kind --------------------------------------------------------------------------------


def test_no_question_names_a_step_of_a_trace_the_learner_has_not_seen(
        library: list[Question]) -> None:
    for q in library:
        assert not STEP.search(q.prompt), q.prompt
        assert not STEP.search(q.explanation), q.explanation


def test_no_choice_or_sentence_names_the_internets_stand_ins(library: list[Question]) -> None:
    for q in library:
        assert not PSEUDO & {q.answer, *q.choices}, q
        for text in (q.prompt, q.explanation, q.answer):
            assert not any(p in text for p in PSEUDO), text
        assert not q.prompt.startswith("Can internet "), q.prompt


def test_no_two_choices_look_alike(library: list[Question]) -> None:
    """Distinct once case, spacing and a direction label are set aside, and one face per
    machine (`instance node-1` and `node node-1` are one host)."""
    for q in library:
        looks = [re.sub(r"^(in|out)bound ", "", c.lower().replace(" ", "")) for c in q.choices]
        assert len(set(looks)) == len(looks), q.choices
        hosts = [machine(c) for c in q.choices]
        assert len(set(hosts)) == len(hosts), q.choices


def test_the_request_ends_are_named_as_the_choices_name_them(library: list[Question]) -> None:
    """three-tier's queries say `pod-a` and `backend-service`; the questions say what the
    choices and the setup say: `default/pod-a`."""
    three = [q for q in library if q.scenario == "three-tier"]
    assert any("default/pod-a" in q.prompt for q in three)
    for q in three:
        assert not re.search(r"(?<![\w/-])(pod-a|pod-b|backend-service)\b", q.prompt), q.prompt


def test_a_deny_step_never_shows_an_allow_rule(library: list[Question]) -> None:
    head = re.compile(r"^ {0,2}\d{1,3}  \S+ \S+  (deny|drop)  (.*)$")
    for q in library:
        for line in q.excerpt:
            found = head.match(line)
            if found:
                assert not re.match(r"#\d+ allow ", found.group(2)), line


# --- next-hop and order-hops (D5, D6, D11, D12) ------------------------------------------------


def test_next_hop_answers_are_components_a_packet_crosses(library: list[Question]) -> None:
    for q in of_kind(library, "next-hop"):
        kind = q.answer.split(" ", 1)[0]
        assert kind not in ("target-group", "kube-proxy"), q.answer
        assert q.answer not in PSEUDO
        assert machine(q.answer) not in {machine(c) for c in q.choices if c != q.answer}, q


def test_after_the_internet_gateway_comes_the_host(library: list[Question]) -> None:
    """D5: node-1 -> api.example.com has just left igw-prod: next is api.example.com."""
    found = [q for _, q in built(questions_path.next_hop, "flow-pod-to-internet")
             if "has just left internet-gateway" in q.prompt
             and "-> api.example.com" in q.prompt]
    assert found
    for q in found:
        assert q.answer == "internet api.example.com"


def test_after_a_load_balancer_comes_no_target_nor_target_group() -> None:
    """D6: a target group is configuration; the target (a pod for IP targets, a node, the
    NodePort Service) would read as right too, so none of them is offered."""
    found = 0
    for name in ("interview-3-tier-eks", "flow-internet-to-pod-alb", "flow-internet-to-pod-nlb"):
        for _, q in built(questions_path.next_hop, name):
            if "has just left load-balancer" not in q.prompt:
                continue
            found += 1
            kinds = {c.split(" ", 1)[0] for c in (q.answer, *q.choices)}
            assert not kinds & {"target-group", "pod", "node", "instance", "service"}, q
    assert found >= 5


def test_a_service_and_its_kube_proxy_are_one_step() -> None:
    """D11: kube-proxy's rules implement the Service on that node: never two hops to order,
    never the Service's node as a distractor when the Service is the answer."""
    s = load("flow-pod-to-service")
    services = 0
    for t, q in built(questions_path.next_hop, "flow-pod-to-service"):
        assert "has just left kube-proxy" not in q.prompt
        if q.answer.startswith("service "):
            services += 1
            run = next(r for r in runs(t.hops) if who(r[0]) == q.answer)
            nodes = {h.name for h in run if h.component == "kube-proxy"}
            assert nodes and not {c.split(" ", 1)[1] for c in q.choices} & nodes, q
    assert services
    for t in s.traces:
        ordered = questions_path.order_hops(s, t, random.Random(1), 3)
        if ordered is not None:
            assert "kube-proxy" not in ordered.answer and "kube-proxy" not in ordered.prompt


def test_order_hops_items_are_one_per_machine_and_never_configuration(
        library: list[Question]) -> None:
    for q in of_kind(library, "order-hops"):
        items = q.answer.split(", ")
        assert not any(i.split(" ", 1)[0] in ("kube-proxy", "target-group") for i in items)
        assert not PSEUDO & set(items)
        assert len({machine(i) for i in items}) == len(items), items


def test_path_components_offer_one_face_per_machine_and_no_stand_in() -> None:
    for name in SCENARIOS:
        s = load(name)
        for t in s.traces:
            found = path_components(s.network, t)
            assert not PSEUDO & set(found), found
            assert len({machine(c) for c in found}) == len(found), found


# --- source-seen (D15) -------------------------------------------------------------------------


def test_the_load_balancer_opens_the_connection_not_its_target_group(
        library: list[Question]) -> None:
    balanced = [q for q in of_kind(library, "source-seen") if "load balancer" in q.explanation]
    assert balanced
    for q in of_kind(library, "source-seen"):
        assert not re.search(r"target-group \S+ (makes|rewrites)", q.explanation), q.explanation
    for q in balanced:
        assert "opens a new connection" in q.explanation


# --- deciding-rule (D8, D10) -------------------------------------------------------------------


def test_nacl_rules_of_the_other_list_are_labelled_and_last() -> None:
    """D8: the other direction's rules say so, come only when this list has too few, and a
    rule number two choices share is no answer on its own."""
    custom = [name for name in SCENARIOS
              if any(not a.implicit and not a.is_default
                     for a in load(name).model.network_acls.values())]
    checked = 0
    for q in (q for name in custom for _, q in built(questions_rules.deciding_rule, name)):
        found = re.search(r"^\S+ -> \S+ \(\S+\): (\S+) judges (in|out)bound ", q.prompt)
        if found is None or not q.choices:
            continue
        checked += 1
        s = load(q.scenario)
        acl = s.model.network_acls[found.group(1)]
        inbound = found.group(2) == "in"
        mine = {str(r) for r in (acl.inbound if inbound else acl.outbound)}
        labelled = [c for c in q.choices if re.match(r"(in|out)bound #", c)]
        for choice in labelled:
            assert choice.startswith("outbound " if inbound else "inbound ")
            assert choice.split(" ", 1)[1] not in mine
        unlabelled = [c for c in q.choices if c not in labelled]
        assert set(unlabelled) <= mine | {questions_rules.IMPLICIT_DENY}, q.choices
        if labelled:  # only when this list could not fill the choices
            assert mine | {questions_rules.IMPLICIT_DENY} <= set(q.choices), q.choices
        numbers = [n for c in q.choices if (n := re.search(r"#(\d+) ", c))]
        number = q.answer.split(" ", 1)[0]
        if [n.group(0).strip() for n in numbers].count(number) > 1:
            assert not judge(q, number.lstrip("#")).correct
            assert not judge(q, number).correct
    assert checked >= 10


def test_route_questions_show_the_table(library: list[Question]) -> None:
    """D10: the table's routes are in the setup (in the order written), so two 0.0.0.0/0
    routes of two tables are told apart by reading, not by guessing from names."""
    checked = 0
    for q in of_kind(library, "deciding-rule"):
        found = re.search(r" is routed by (\S+)\. ", q.prompt)
        if found is None:
            continue
        checked += 1
        table = load(q.scenario).model.route_tables[found.group(1)]
        line = f"Route table {table.name} (routes as written): " + ", ".join(
            str(r) for r in table.routes)
        assert line in q.setup.splitlines(), q.setup
        assert q.answer in [str(r) for r in table.routes]
    assert checked >= 10


# Security group and NetworkPolicy distractors (D13, N9): tests/drill/test_deciding_rule_choices.py


# --- reachable (D9, D15) -----------------------------------------------------------------------


def _intended(name: str) -> dict[Query, tuple[str | None, str, str]]:
    """Queries the scenario's expectations say stay blocked: (the code they name, if any, the
    expectation's name, its description), read here independently of the builder."""
    s = load(name)
    path = Path(questions_reachable.__file__).parents[2] / "scenarios" / name / DEFAULT_FILE
    found, _, errors = load_expectations([(path, "x")], None, SourceMap())
    assert not errors
    groups = Groups(s.network)
    intended: dict[Query, tuple[str | None, str, str]] = {}
    for exp in found.expectations:
        if exp.reachable:
            continue
        try:
            pairs = [(a, b) for a in groups.members(exp.source)
                     for b in groups.members(exp.destination) if a != b]
        except GroupError:
            continue
        for a, b in pairs:
            intended.setdefault(Query(a, b, exp.port, exp.protocol),
                                (exp.code, exp.name, exp.description))
    return intended


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_block_the_scenario_expects_is_told_in_its_words(name: str) -> None:
    """D9, N2: an expected block is neither "fixed" by the engine nor called a design (some
    expectations record a pitfall and its fix): the explanation quotes the expectation's name
    and description. Any other block gets the engine's fix."""
    s = load(name)
    intended = _intended(name)
    for t in s.traces:
        if t.blocked_by is None:
            continue
        q = questions_reachable.reachable(s, t, random.Random(1), 1)  # always asked
        assert q is not None
        assert "nothing to fix" not in q.explanation and "by design" not in q.explanation
        code, title, description = intended.get(t.query, ("-", "", ""))
        if code is None or code == t.blocked_by.code:
            assert f'The scenario expects it blocked: "{title}".' in q.explanation, q
            assert " ".join(description.split()) in q.explanation, q
            assert "Fix:" not in q.explanation, q
        else:
            assert "Fix:" in q.explanation and "expects it blocked" not in q.explanation, q


@pytest.mark.parametrize(("name", "query", "words"), [
    ("interview-3-tier-eks", Query("orders-db", "api.example.com", 443),
     '"the database has no way out".'),
    ("interview-3-tier-eks", Query("internet", "shop.example.com", 80), "expects it blocked"),
    ("three-tier", Query("node-1", "orders-db", 22), "expects it blocked"),
    # N2: pitfalls whose expectations say what to do, not "nothing to fix"
    ("flow-pod-to-rds", Query("default/billing", "orders-db", 5432), "Add a rule for sg-billing"),
    ("interview-multi-region", Query("shop-west/web-0", "sessions-db", 3306),
     "across Regions, write the CIDR."),
    ("interview-secure-pod-to-pod", Query("shop/backend-0", "kube-system/kube-dns", 53, "tcp"),
     "retried over TCP/53"),
])
def test_the_reviewers_expected_blocks(name: str, query: Query, words: str) -> None:
    s = load(name)
    t = next(t for t in s.traces if t.query == query)
    q = questions_reachable.reachable(s, t, random.Random(1), 1)
    assert q is not None and q.answer == "no"
    assert words in q.explanation and "Fix:" not in q.explanation, q.explanation


def test_a_broken_scenarios_block_still_gets_its_fix() -> None:
    s = load("trouble-pods-cannot-reach-each-other-broken")
    blocked = [t for t in s.traces if t.blocked_by is not None
               and t.blocked_by.code == "SG_INGRESS_DENIED"]
    assert blocked
    for t in blocked:
        q = questions_reachable.reachable(s, t, random.Random(1), 1)
        assert q is not None and t.blocked_by is not None
        assert f"Fix: {t.blocked_by.fix.rstrip('.')}" in q.explanation


def test_a_client_on_the_internet_is_asked_about_as_one(library: list[Question]) -> None:
    asked = [q for q in of_kind(library, "reachable") if q.prompt.startswith("Can a client on "
                                                                             "the internet ")]
    assert asked
    for q in asked:
        assert "internet internet" not in q.explanation
