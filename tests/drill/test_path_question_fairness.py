"""Next-hop and order-hops questions with one defensible answer (review 2: N5, N8, N10).

- N5: where the source pod's egress NetworkPolicies are enforced around a Service's DNAT
  depends on the CNI (netpath: after it; the EKS agent: on the veth, before it). No question
  hinges on that order.
- N8: a Service and the kube-proxy rules implementing it are one step: `kube-proxy node-1` (and
  `node-1` when nothing else on the path is that machine) name it too; X9 (review 3): in an
  order too `kube-proxy on node-1` and `node node-1`, and a bare `kube-proxy` when it is the
  only one on the path.
- N10: no pod the VPC CNI cannot give an address is offered, and no question gives its answer
  away by naming it as the destination among choices of its kind only.
"""

from __future__ import annotations

import random
import re

import pytest

from netpath.drill.generate import generate, load
from netpath.drill.grading import judge
from netpath.drill.model import Question
from netpath.drill.questions import path as questions_path
from netpath.drill.questions.common import Builder, Scenario, endpoints, machine, runs, who
from netpath.engine.capacity import pods_without_ip
from netpath.engine.hops import Hop, Trace
from netpath.sources.loader import scenario_names

SCENARIOS = scenario_names()


def _built(builder: Builder, difficulties: tuple[int, ...] = (1, 2, 3),
           seeds: int = 4) -> list[tuple[Scenario, Trace, Question]]:
    found = []
    for name in SCENARIOS:
        s = load(name)
        for t in s.traces:
            for seed in range(seeds):
                for difficulty in difficulties:
                    q = builder(s, t, random.Random(seed), difficulty)
                    if q is not None:
                        found.append((s, t, q))
    return found


@pytest.fixture(scope="module")
def next_hops() -> list[tuple[Scenario, Trace, Question]]:
    return _built(questions_path.next_hop)


@pytest.fixture(scope="module")
def orders() -> list[tuple[Scenario, Trace, Question]]:
    return _built(questions_path.order_hops, seeds=3)


def subject_and_next(t: Trace, q: Question) -> tuple[int, list[list[Hop]]]:
    """The index of the run the packet has just left, among the path's runs."""
    step = int(q.excerpt[0].split()[0])
    grouped = runs(t.hops)
    return next(i for i, run in enumerate(grouped) if run[0].step == step), grouped


def source_egress(s: Scenario, t: Trace) -> set[str]:
    """The policies selecting the request's sending pod for egress, read from the manifests."""
    sender = next((h.name for h in t.hops if h.action == "send" and h.component == "pod"), None)
    for cluster in s.model.clusters.values():
        pod = cluster.pods.get(sender or "")
        if pod is not None:
            return {p.key for p in cluster.network_policies.values()
                    if p.namespace == pod.namespace and "Egress" in p.policy_types
                    and p.pod_selector.matches(pod.labels)}
    return set()


def is_egress_run(run: list[Hop], egress: set[str]) -> bool:
    return run[0].component == "network-policy" and bool(
        {n.strip() for n in run[0].name.split(",")} & egress)


# --- N5 -----------------------------------------------------------------------------------------


def test_no_next_hop_hinges_on_where_egress_policies_sit_around_dnat(
        next_hops: list[tuple[Scenario, Trace, Question]]) -> None:
    around = 0
    for s, t, q in next_hops:
        egress = source_egress(s, t)
        if not egress:
            continue
        i, grouped = subject_and_next(t, q)
        subject, following = grouped[i], grouped[i + 1]
        if i == 0 or subject[0].component == "service":
            around += 1
            offered = {c.split(" ", 1)[1] for c in q.choices
                       if c.startswith("network-policy ") and c != q.answer}
            assert not offered & egress, (q.prompt, q.choices)
        if subject[0].component == "service":
            assert not is_egress_run(following, egress), q.prompt
        if is_egress_run(subject, egress):
            assert grouped[i - 1][0].component != "service", q.prompt
    assert around >= 10


def test_the_reviewers_dns_lookup_offers_no_egress_policy_after_the_pod() -> None:
    """interview-secure-pod-to-pod: shop/backend-0 -> kube-system/kube-dns has just left the
    pod; shop/secure-backend (its own egress policy) was offered as a wrong next hop."""
    s = load("interview-secure-pod-to-pod")
    asked = [q for t in s.traces if t.query.source == "shop/backend-0" and t.reachable
             and t.query.destination == "kube-system/kube-dns"
             for seed in range(20) for d in (1, 2)
             if (q := questions_path.next_hop(s, t, random.Random(seed), d)) is not None]
    around = [q for q in asked if re.search(r"has just left (pod shop/backend-0|service )",
                                            q.prompt)]
    assert around
    for q in around:
        assert "network-policy shop/secure-backend" not in q.choices, q
    for q in asked:
        assert q.answer != "network-policy shop/secure-backend", q


def test_no_order_puts_the_source_egress_policy_after_the_service(
        orders: list[tuple[Scenario, Trace, Question]]) -> None:
    checked = 0
    for s, t, q in orders:
        egress = source_egress(s, t)
        items = q.answer.split(", ")
        if not egress or not any(i.startswith("service ") for i in items):
            continue
        checked += 1
        grouped = runs(t.hops)
        dropped = {who(grouped[i][0]) for i in range(1, len(grouped))
                   if grouped[i - 1][0].component == "service"
                   and is_egress_run(grouped[i], egress)}
        assert not dropped & set(items), items
    assert checked >= 1


# --- N8 -----------------------------------------------------------------------------------------


def proxies(run: list[Hop]) -> list[str]:
    return [h.name for h in run if h.component == "kube-proxy"]


def test_a_service_step_may_be_named_by_its_kube_proxy(
        next_hops: list[tuple[Scenario, Trace, Question]]) -> None:
    checked = 0
    for s, t, q in next_hops:
        i, grouped = subject_and_next(t, q)
        following = grouped[i + 1]
        nodes = proxies(following)
        if following[0].component != "service" or not nodes:
            continue
        checked += 1
        assert judge(q, f"kube-proxy {nodes[0]}").correct, q
        others = [n for c in s.model.clusters.values() for n in c.nodes if n not in nodes]
        for other in others:
            assert not judge(q, f"kube-proxy {other}").correct, q
            assert not judge(q, other).correct, q
        elsewhere = {machine(who(r[0])) for r in grouped if r is not following}
        if nodes[0] not in elsewhere:
            assert judge(q, nodes[0]).correct, q
    assert checked >= 10


def test_the_reviewers_kube_proxy_spelling_after_the_node_group() -> None:
    """flow-internet-to-pod-alb: internet -> myapp.example.com has just left sg-node; the
    instance target's NodePort is rewritten by kube-proxy on node-1."""
    s = load("flow-internet-to-pod-alb")
    t = next(t for t in s.traces if t.query.destination == "myapp.example.com" and t.reachable)
    asked = [q for seed in range(30)
             if (q := questions_path.next_hop(s, t, random.Random(seed), 3)) is not None
             and "has just left security-group sg-node" in q.prompt]
    assert asked
    for q in asked:
        assert q.answer == "service default/web"
        for spelling in ("kube-proxy node-1", "node-1", "default/web"):
            assert judge(q, spelling).correct, spelling
        assert not judge(q, "node-2").correct


def test_an_order_may_name_the_service_step_by_its_kube_proxy(
        orders: list[tuple[Scenario, Trace, Question]]) -> None:
    checked = 0
    for s, t, q in orders:
        items = q.answer.split(", ")
        grouped = {who(run[0]): run for run in runs(t.hops)}
        services = [n for n, item in enumerate(items)
                    if item.startswith("service ") and proxies(grouped[item])]
        if not services:
            continue
        checked += 1
        n = services[0]
        node = proxies(grouped[items[n]])[0]
        spelled = items[:n] + [f"kube-proxy {node}"] + items[n + 1:]
        for separator in (", ", " -> ", "\n"):
            assert judge(q, separator.join(spelled)).correct, spelled
        others = [o for c in s.model.clusters.values() for o in c.nodes if o != node]
        wrong = items[:n] + [f"kube-proxy {others[0]}"] + items[n + 1:]
        assert not judge(q, ", ".join(wrong)).correct
        swapped = spelled[:]
        swapped[0], swapped[-1] = swapped[-1], swapped[0]
        assert not judge(q, ", ".join(swapped)).correct
        # X9: the spellings next-hop accepts, `kube-proxy on node-2` and `node node-2`
        on = items[:n] + [f"kube-proxy on {node}"] + items[n + 1:]
        assert judge(q, ", ".join(on)).correct, on
        assert judge(q, " -> ".join(on)).correct, on
        names = [i.split(" ", 1)[1] for i in items]
        names[n] = f"kube-proxy on {node}"
        if len(set(names)) == len(names):
            assert judge(q, ", ".join(names)).correct, names
        wrong_on = items[:n] + [f"kube-proxy on {others[0]}"] + items[n + 1:]
        assert not judge(q, ", ".join(wrong_on)).correct
        # Review 4's R7: a bare `kube-proxy` as next-hop takes it, when it is the only one.
        bare = items[:n] + ["kube-proxy"] + items[n + 1:]
        assert judge(q, ", ".join(bare)).correct == (len(services) == 1), bare
        if node not in {machine(i) for i in items} | {i.split(" ", 1)[1] for i in items}:
            as_node = items[:n] + [f"node {node}"] + items[n + 1:]
            assert judge(q, ", ".join(as_node)).correct, as_node
            assert not judge(q, ", ".join(items[:n] + [f"node {others[0]}"]
                                          + items[n + 1:])).correct
    assert checked >= 3


def test_the_reviewers_order_accepts_kube_proxy_on_and_node() -> None:
    """X9: flow-internet-to-pod-alb / seed 1 / d3 / order-hops/1 rejected "..., kube-proxy on
    node-2, ..." and "..., node node-2, ..." for the Service step."""
    s = load("flow-internet-to-pod-alb")
    asked = [q for q in generate(s.name, rng=random.Random(f"1/{s.name}"), count=12,
                                 difficulty=3, kinds=["order-hops"])
             if "kube-proxy on node-2" in q.explanation]
    assert asked
    for q in asked:
        items = q.answer.split(", ")
        n = next(i for i, item in enumerate(items) if item.startswith("service "))
        for spelling in ("kube-proxy on node-2", "node node-2", "kube-proxy node-2"):
            assert judge(q, ", ".join(items[:n] + [spelling] + items[n + 1:])).correct, spelling
        assert not judge(q, ", ".join(items[:n] + ["node node-1"] + items[n + 1:])).correct


def test_a_bare_kube_proxy_names_the_service_step_when_it_is_the_only_one(
        next_hops: list[tuple[Scenario, Trace, Question]]) -> None:
    """X9: flow-internet-to-pod-nlb / seed 5 / d3 / next-hop/5 rejected "kube-proxy" with one
    kube-proxy on the path."""
    alone = 0
    for _, t, q in next_hops:
        i, grouped = subject_and_next(t, q)
        following = grouped[i + 1]
        on_path = {h.name for h in t.hops if h.component == "kube-proxy"}
        if following[0].component == "service" and proxies(following) and len(on_path) == 1:
            alone += 1
            assert judge(q, "kube-proxy").correct, q
        else:
            assert not judge(q, "kube-proxy").correct, q
    assert alone >= 10


# --- N10 ----------------------------------------------------------------------------------------


def test_no_pod_without_an_address_is_offered(
        next_hops: list[tuple[Scenario, Trace, Question]]) -> None:
    unaddressed = {name: {pod for _, pod in pods_without_ip(load(name).model)}
                   for name in SCENARIOS}
    assert sum(map(len, unaddressed.values())) >= 3  # the IP exhaustion scenarios have some
    for s, _, q in next_hops:
        offered = {c.split(" ", 1)[1] for c in q.choices if c.startswith("pod ")}
        assert not offered & unaddressed[s.name], (q.prompt, q.choices)


def test_the_named_destination_is_never_the_only_kind_offered(
        next_hops: list[tuple[Scenario, Trace, Question]]) -> None:
    named = 0
    for s, t, q in next_hops:
        if not q.choices or q.answer.split(" ", 1)[1] != endpoints(t, s)[1]:
            continue
        named += 1
        kind = q.answer.split(" ", 1)[0]
        assert any(c.split(" ", 1)[0] != kind for c in q.choices), (q.prompt, q.choices)
    assert named >= 10


def test_the_reviewers_ip_exhaustion_questions() -> None:
    """trouble-ip-exhaustion-broken: node-2 -> shop/web-2 offered shop/web-50 (no IP) among
    pods only; interview-ip-exhaustion offered shop/web-24 (no IP). As the CLI plans them."""
    asked = 0
    for name, seeds in (("trouble-ip-exhaustion-broken", (2, 5)),
                        ("interview-ip-exhaustion", (1,))):
        unaddressed = {pod for _, pod in pods_without_ip(load(name).model)}
        assert unaddressed
        for seed in seeds:
            for d in (1, 2):
                for q in generate(name, rng=random.Random(f"{seed}/{name}"), count=12,
                                  difficulty=d):
                    if q.kind != "next-hop":
                        continue
                    asked += 1
                    assert not any(re.sub(r"^pod ", "", c) in unaddressed for c in q.choices)
                    kinds = {c.split(" ", 1)[0] for c in q.choices}
                    assert len(kinds) > 1 or not q.prompt.startswith("node-2 -> shop/web-2 ")
    assert asked >= 5
