"""Deciding-rule questions a learner can answer and not guess (review 2: N6, N9, N14).

- N6: the setup lists the rules in question, as a route question lists its table: the NACL's
  list for the direction, the rules of the groups on the interface, of the policies selecting
  the pod. At difficulty 3 the learner types the rule, so it must be there to read.
- N9 (D13): the distractors are the other rules of that list, same direction, none matching;
  never a rule of a group that does not apply, nor of a policy that does not select the pod
  unless labelled so (in the choice and the setup). Fewer than two: no multiple choice.
- X7 (review 3): toward the two also count a "none: ..." lure and the labelled rules, so
  NetworkPolicy questions are asked at difficulties 1 and 2 again, and more security group ones.
- N14: no question on a table or list whose only rule answers itself.
"""

from __future__ import annotations

import random
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from netpath.drill.generate import generate, load
from netpath.drill.grading import judge
from netpath.drill.model import Question
from netpath.drill.questions import rules as questions_rules
from netpath.drill.questions.common import Scenario
from netpath.engine.hops import Hop, Trace
from netpath.engine.network_policy import first_match
from netpath.engine.security_groups import evaluate_security_groups
from netpath.model.kubernetes import NetworkPolicy, Pod
from netpath.sources.loader import scenario_names

SCENARIOS = scenario_names()
SG_PROMPT = re.compile(r": (\S+) \(security groups: ([^)]*)\) (receives|sends) (\S+) "
                       r"(?:from|to) (\S+)\. ")
NACL_PROMPT = re.compile(r": (\S+) judges (in|out)bound ")
POLICY_PROMPT = re.compile(r"the NetworkPolicies of (\S+) judge (ingress|egress) ")
ROUTE_PROMPT = re.compile(r" is routed by (\S+)\. ")


@pytest.fixture(scope="module")
def library() -> list[tuple[Scenario, Trace, Question]]:
    """Every deciding-rule question the builder makes on the library's traces, with its trace."""
    found = []
    for name in SCENARIOS:
        s = load(name)
        for t in s.traces:
            for seed in range(4):
                for difficulty in (1, 2, 3):
                    q = questions_rules.deciding_rule(s, t, random.Random(seed), difficulty)
                    if q is not None:
                        found.append((s, t, q))
    return found


def hop_of(t: Trace, q: Question) -> Hop:
    """The hop a question is about: its excerpt's head line."""
    step = int(q.excerpt[0].split()[0])
    return next(h for h in (*t.hops, *t.return_path) if h.step == step)


def setup_line(q: Question, start: str) -> str:
    lines = [line for line in q.setup.splitlines() if line.startswith(start)]
    assert len(lines) == 1, (start, q.setup)
    return lines[0]


def selecting(s: Scenario, pod_key: str, direction: str
              ) -> tuple[str, Pod, list[NetworkPolicy]]:
    """The pod's cluster, the pod, and the policies that select it for `direction`, from the
    manifests."""
    kind = "Ingress" if direction == "ingress" else "Egress"
    for cluster in s.model.clusters.values():
        pod = cluster.pods.get(pod_key)
        if pod is not None:
            return cluster.name, pod, [p for p in cluster.network_policies.values()
                                       if p.namespace == pod.namespace
                                       and kind in p.policy_types
                                       and p.pod_selector.matches(pod.labels)]
    raise AssertionError(pod_key)


# --- N6: the rules are shown ----------------------------------------------------------------


def test_nacl_questions_show_the_list_in_rule_order(
        library: list[tuple[Scenario, Trace, Question]]) -> None:
    checked = 0
    for s, _, q in library:
        found = NACL_PROMPT.search(q.prompt)
        if found is None or "NetworkPolicies" in q.prompt:
            continue
        acl = s.model.network_acls[found.group(1)]
        inbound = found.group(2) == "in"
        rules = acl.inbound if inbound else acl.outbound
        line = setup_line(q, f"Network ACL {acl.name}, {found.group(2)}bound rules")
        listed = line.split(": ", 1)[1].split(", ")
        assert listed == [*(str(r) for r in rules), questions_rules.IMPLICIT_DENY], line
        assert q.answer in listed
        checked += q.difficulty == 3
    assert checked >= 5


def test_security_group_questions_show_the_rules_of_the_groups_on_the_interface(
        library: list[tuple[Scenario, Trace, Question]]) -> None:
    checked = 0
    for s, _, q in library:
        found = SG_PROMPT.search(q.prompt)
        if found is None:
            continue
        ingress = found.group(3) == "receives"
        way = "inbound" if ingress else "outbound"
        for name in found.group(2).split(", "):
            group = s.model.security_groups[name]
            line = setup_line(q, f"Security group {name}, {way} rules: ")
            shown = line.split(": ", 1)[1].split("; ")
            assert shown == [str(r) for r in (group.ingress if ingress else group.egress)]
        owner, rule = q.answer.split(": ", 1)
        line = setup_line(q, f"Security group {owner}, {way} rules: ")
        assert rule in line.split(": ", 1)[1].split("; ")
        other = "outbound" if ingress else "inbound"
        assert f", {other} rules: " not in q.setup
        if q.difficulty == 3:  # typed from the setup, the rule alone or with its group
            checked += 1
            assert judge(q, f"{owner}: {rule}").correct and judge(q, rule).correct
    assert checked >= 10


def test_policy_questions_show_the_rules_of_the_policies_selecting_the_pod(
        library: list[tuple[Scenario, Trace, Question]]) -> None:
    checked = 0
    for s, _, q in library:
        found = POLICY_PROMPT.search(q.prompt)
        if found is None:
            continue
        direction = found.group(2)
        _, _, policies = selecting(s, found.group(1), direction)
        pod = found.group(1)
        lines = [line for line in q.setup.splitlines() if line.startswith("NetworkPolicy ")]
        assert sorted(line.split(",", 1)[0] for line in lines
                      if f"(does not select {pod})" not in line) == \
            sorted(f"NetworkPolicy {p.key} (selects {pod})" for p in policies)
        key, rest = q.answer.split(f" {direction} rule ", 1)
        number, words = rest.split(": ", 1)
        line = setup_line(q, f"NetworkPolicy {key} (selects {pod}), {direction} rules: ")
        assert f"rule {number}: {words}" in line
        if q.difficulty == 3:
            checked += 1
            assert judge(q, f"{key} {direction} rule {number}").correct
    assert checked >= 5


# --- N14: no rule that answers itself -------------------------------------------------------


def test_no_question_on_a_table_or_list_with_one_rule(
        library: list[tuple[Scenario, Trace, Question]]) -> None:
    routes = 0
    for s, _, q in library:
        table = ROUTE_PROMPT.search(q.prompt)
        if table is not None:
            routes += 1
            assert len(s.model.route_tables[table.group(1)].routes) >= 2, q.setup
        shown = [line.split(": ", 1)[1] for line in q.setup.splitlines()
                 if line.startswith(("Security group ", "NetworkPolicy "))]
        if shown:  # more than the answer to choose from
            assert sum(len(rules.split("; ")) for rules in shown) >= 2, q.setup
    assert routes >= 10


def test_the_reviewers_one_route_table_is_not_asked_about() -> None:
    """flow-pod-to-pod-cross-node's rt-private holds the local route only."""
    s = load("flow-pod-to-pod-cross-node")
    assert len(s.model.route_tables["rt-private"].routes) == 1
    assert any(h.component == "route-table" and h.name == "rt-private" and h.rule is not None
               for t in s.traces for h in t.hops)  # a question it could have asked
    asked = [q for d in (1, 2, 3) for seed in range(1, 6)
             for q in generate(s.name, rng=random.Random(f"{seed}/{s.name}"), count=12,
                               difficulty=d, kinds=["deciding-rule"])]
    assert not any("routed by rt-private" in q.prompt for q in asked)


# --- N9: distractors are the other rules of the list ----------------------------------------


def _sg_rule_admits(s: Scenario, q: Question, hop: Hop, choice: str, ingress: bool) -> bool:
    """Whether the rule `choice` names, alone on the interface, admits the hop's packet."""
    name, text = choice.split(": ", 1)
    group = s.model.security_groups[name]
    rule = next(r for r in (group.ingress if ingress else group.egress) if str(r) == text)
    lone = replace(group, ingress=(rule,) if ingress else (), egress=() if ingress else (rule,))
    network = replace(s.network, model=replace(s.model, security_groups={
        **s.model.security_groups, name: lone}))
    packet = hop.packet
    mine, peer = (packet.dst_ip, packet.src_ip) if ingress else (packet.src_ip, packet.dst_ip)
    eni = s.network.eni_at(group.vpc, mine)
    assert eni is not None, q
    return evaluate_security_groups(network, replace(eni, security_groups=(name,)),
                                    "ingress" if ingress else "egress", packet.protocol, peer,
                                    packet.dst_port).allowed


def test_security_group_distractors_are_other_rules_of_the_interface(
        library: list[tuple[Scenario, Trace, Question]]) -> None:
    checked = 0
    for s, t, q in library:
        found = SG_PROMPT.search(q.prompt)
        if found is None or not q.choices:
            continue
        checked += 1
        ingress = found.group(3) == "receives"
        groups = found.group(2).split(", ")
        mine = {f"{g}: {r}" for g in groups for r in (
            s.model.security_groups[g].ingress if ingress else s.model.security_groups[g].egress)}
        assert set(q.choices) - {questions_rules.SG_LURE} <= mine, (q.prompt, q.choices)
        assert len(q.choices) >= 3
        assert len([c for c in q.choices if c in mine]) >= 2  # never the answer and lures only
        hop = hop_of(t, q)
        for choice in set(q.choices) & mine:
            assert _sg_rule_admits(s, q, hop, choice, ingress) == (choice == q.answer), choice
    assert checked >= 20


def test_security_group_choices_count_the_lure_where_the_interface_has_two_rules(
        library: list[tuple[Scenario, Trace, Question]]) -> None:
    """X7: an interface with the answer and one other rule is asked as a multiple choice (the
    lure third); one with the answer alone is not."""
    lured = 0
    for s, _, q in library:
        found = SG_PROMPT.search(q.prompt)
        if found is None or not q.choices:
            continue
        ingress = found.group(3) == "receives"
        rules = [r for g in found.group(2).split(", ") for r in (
            s.model.security_groups[g].ingress if ingress else s.model.security_groups[g].egress)]
        assert len(rules) >= 2, q.setup
        lured += len(rules) == 2 and questions_rules.SG_LURE in q.choices
    assert lured >= 10


def test_the_reviewers_security_group_question_offers_no_rule_of_another_group() -> None:
    """N9: "default/pod-b (security groups: sg-node) receives tcp/8080 ..." offered sg-node's
    outbound rule and sg-gpu's rule; sg-node has too few inbound rules for a fair choice."""
    s = load("flow-pod-to-pod-cross-node")
    for q in (q for d in (1, 2) for seed in range(1, 6)
              for q in generate(s.name, rng=random.Random(f"{seed}/{s.name}"), count=12,
                                difficulty=d, kinds=["deciding-rule"])):
        assert not any(c.startswith("sg-gpu:") or " to " in c for c in q.choices
                       if "(security groups: sg-node)" in q.prompt), q


POLICIES = """
---
# Two more ingress rules for the backend: another source, another port (review 2, N9).
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: backend-extra, namespace: default}
spec:
  podSelector: {matchLabels: {app: backend}}
  policyTypes: [Ingress]
  ingress:
    - from: [{podSelector: {matchLabels: {app: batch}}}]
      ports: [{protocol: TCP, port: 9090}]
    - from: [{podSelector: {matchLabels: {app: frontend}}}]
      ports: [{protocol: TCP, port: 9100}]
---
# Rules that must never be offered: another pod's policy, the backend's egress.
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: batch-in, namespace: default}
spec:
  podSelector: {matchLabels: {app: batch}}
  policyTypes: [Ingress]
  ingress:
    - ports: [{protocol: TCP, port: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: backend-out, namespace: default}
spec:
  podSelector: {matchLabels: {app: backend}}
  policyTypes: [Egress]
  egress:
    - ports: [{protocol: TCP, port: 8080}]
"""


@pytest.fixture(scope="module")
def more_rules(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """flow-pod-to-pod-same-node with more rules around default/pod-b's ingress."""
    folder = tmp_path_factory.mktemp("spec") / "same-node-more-rules"
    shutil.copytree(Path(questions_rules.__file__).parents[2] / "scenarios" /
                    "flow-pod-to-pod-same-node", folder)
    with (folder / "k8s" / "policy.yaml").open("a") as out:
        out.write(POLICIES)
    return load(str(folder))


def test_policy_distractors_are_other_rules_of_the_policies_selecting_the_pod(
        more_rules: Scenario) -> None:
    s = more_rules
    checked = labelled = 0
    for t in s.traces:
        for seed in range(6):
            q = questions_rules.deciding_rule(s, t, random.Random(seed), 1 + seed % 2)
            found = POLICY_PROMPT.search(q.prompt) if q is not None else None
            if q is None or found is None:
                continue
            checked += 1
            direction = found.group(2)
            cluster, pod, policies = selecting(s, found.group(1), direction)
            rules = {f"{p.key} {direction} rule {i + 1}": (p, rule)
                     for p in policies for i, rule in enumerate(getattr(p, direction))}
            label = f" (does not select {pod.key})"
            mine = {p.key for p in policies}
            offered = [c for c in q.choices if not c.startswith("none: ")
                       and c.split(f" {direction} rule ")[0] in mine]
            assert len(offered) >= 2, q.choices
            hop = hop_of(t, q)
            peer_ip = hop.packet.src_ip if direction == "ingress" else hop.packet.dst_ip
            index = s.network.kube.policy_indexes[cluster]
            peer = s.network.kube.pods_by_ip.get((cluster, int(peer_ip)))
            for choice in offered:
                policy, rule = rules[choice.split(":", 1)[0]]  # a rule of a selecting policy
                alone = replace(policy, **{direction: (rule,)})
                admits = first_match(index, direction, pod, (alone,), peer_ip, peer,
                                     hop.packet.protocol, hop.packet.dst_port) is not None
                assert admits == (choice == q.answer), choice
            # batch-in admits the packet but does not select the pod: its rules are in the setup
            # labelled so (the choice carries no label: that would give the answer away);
            # backend-out has no ingress rule to offer.
            assert not any("backend-out" in c for c in q.choices)
            for choice in q.choices:
                if "batch-in" in choice:
                    labelled += 1
                    assert choice == "default/batch-in ingress rule 1: from anywhere " \
                        "on tcp/8080", choice
                    assert f"NetworkPolicy default/batch-in{label}, ingress rules: rule 1: " \
                        "from anywhere on tcp/8080" in q.setup.splitlines()
    assert checked >= 3 and labelled >= 1


def test_without_two_other_rules_a_policy_question_is_free_text_only(
        more_rules: Scenario) -> None:
    """The library's own policies: default/pod-b has one ingress rule and its namespace no
    other policy, nothing to choose from but the "none" lure (free text neither: the setup
    would show the answer alone)."""
    s = load("flow-pod-to-pod-same-node")
    asked = [questions_rules.deciding_rule(s, t, random.Random(seed), d)
             for t in s.traces for seed in range(4) for d in (1, 2, 3)]
    assert not any(q is not None and POLICY_PROMPT.search(q.prompt) for q in asked)
    richer = [questions_rules.deciding_rule(more_rules, t, random.Random(seed), 3)
              for t in more_rules.traces for seed in range(4)]
    assert any(q is not None and POLICY_PROMPT.search(q.prompt) for q in richer)


def test_policy_questions_are_multiple_choice_at_difficulties_1_and_2(
        library: list[tuple[Scenario, Trace, Question]]) -> None:
    """X7: the library asks "which NetworkPolicy rule admits it?" at difficulties 1 and 2, each
    with one right choice: the "none" lure is false (a policy selects the pod), a labelled rule's
    policy does not select it, and its rules are in the setup under the same label."""
    asked = 0
    for s, _, q in library:
        found = POLICY_PROMPT.search(q.prompt)
        if found is None or q.difficulty == 3:
            continue
        asked += 1
        direction = found.group(2)
        _, pod, policies = selecting(s, found.group(1), direction)
        assert policies and q.answer in q.choices and len(q.choices) >= 3
        mine = {f"{p.key} {direction} rule {i + 1}" for p in policies
                for i in range(len(getattr(p, direction)))}
        label = f" (does not select {pod.key})"
        for choice in q.choices:
            head, words = choice.split(": ", 1)
            if head == "none":
                assert words.startswith(f"no policy isolates {pod.key} for {direction}")
            elif head.split(f" {direction} rule ")[0] not in {p.key for p in policies}:
                assert label not in head  # the setup says it, not the choice (review 4's R1)
                key = head.split(f" {direction} rule ")[0]
                assert key.split("/")[0] == pod.namespace
                number = head.split(f" {direction} rule ")[1].split()[0]
                line = setup_line(q, f"NetworkPolicy {key}{label}, {direction} rules: ")
                assert f"rule {number}: {words}" in line
            else:
                assert head in mine, choice
    assert asked >= 10


# --- X10 (review 3): what a choice needs is in the setup ------------------------------------


def test_route_choices_are_routes_of_the_table_shown(
        library: list[tuple[Scenario, Trace, Question]]) -> None:
    """flow-pod-to-internet / seed 1 / d1 / deciding-rule/2 showed rt-private and offered
    `0.0.0.0/0 -> igw-prod`, a route of rt-public."""
    checked = 0
    for s, _, q in library:
        table = ROUTE_PROMPT.search(q.prompt)
        if table is None or not q.choices:
            continue
        checked += 1
        mine = [str(r) for r in s.model.route_tables[table.group(1)].routes]
        line = setup_line(q, f"Route table {table.group(1)} (routes as written): ")
        assert line.split(": ", 1)[1] == ", ".join(mine)
        lure = f"none: no route of {table.group(1)} matches "
        assert {c for c in q.choices if not c.startswith(lure)} <= set(mine), (q.choices, mine)
        assert sum(c.startswith(lure) for c in q.choices) <= 1
        assert sum(c in mine for c in q.choices) >= 2  # never the answer and the lure only
    assert checked >= 5


def test_the_reviewers_route_question_offers_no_route_of_another_table() -> None:
    """flow-pod-to-internet / seed 1 / d1: rt-private shown, igw-prod (rt-public's) offered."""
    s = load("flow-pod-to-internet")
    asked = [q for d in (1, 2) for seed in range(1, 6)
             for q in generate(s.name, rng=random.Random(f"{seed}/{s.name}"), count=12,
                               difficulty=d, kinds=["deciding-rule"])
             if "routed by rt-private" in q.prompt]
    assert asked
    for q in asked:
        assert not any("igw-prod" in c for c in q.choices), q.choices


def test_a_load_balancer_source_is_named_in_the_setup(
        library: list[tuple[Scenario, Trace, Question]]) -> None:
    """flow-internet-to-pod-alb / deciding-rule/3: "node-1 receives tcp/30080 from 10.0.1.254"
    is answered by "from k8s-traffic-eks-prod": the Hosts line shows 10.0.1.254 is a node of
    the ALB and k8s-traffic-eks-prod one of its groups."""
    checked = 0
    for s, _, q in library:
        found = SG_PROMPT.search(q.prompt)
        if found is None:
            continue
        for lb in s.model.load_balancers.values():
            nodes = [str(s.model.enis[e].private_ip) for e in lb.enis]
            if found.group(5) not in nodes:
                continue
            checked += 1
            hosts = setup_line(q, "Hosts: ")
            shown = f"{lb.kind_word} {lb.name} ({lb.scheme}; nodes {', '.join(nodes)}; " \
                f"groups {', '.join(lb.security_groups)})"
            assert shown in hosts, hosts
            group = q.answer.split(": ", 1)[1].rsplit(" from ", 1)[-1]
            assert group in lb.security_groups or not group.startswith(("sg-", "k8s-")), q
    assert checked >= 5
