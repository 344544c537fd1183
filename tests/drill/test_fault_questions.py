"""Find-the-fault questions have exactly one right answer under the engine.

Over the whole library: every fault netpath could have injected on the query (`candidates`
that stop as stated) is traced here, by the test itself; a fault whose broken trace agrees with
everything the prompt shows (the code, the dropped packet, the reason, the policies and labels
`kubectl` shows) is a right answer too, so none of its components may be offered (difficulties
1 and 2), and its own fix must be judged right (difficulty 3). The same for faults netpath does
not inject, tried here on every offered pod and NetworkPolicy: any label of the pod changed,
any rule of the policy deleted. Also: the symptom at difficulty 1 never names the broken
component nor says the fix, a symptom is "intermittent" only when connections still work now
and then, and the free-text fix needs the component, what the fix is about and what it does.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import replace

import pytest

from netpath.drill.faults.inject import candidates, inject, stops_as_stated
from netpath.drill.faults.record import Fault
from netpath.drill.faults.symptoms import CODE, REASON, Hidden, hide, symptom
from netpath.drill.generate import load
from netpath.drill.grading import judge
from netpath.drill.model import Question
from netpath.drill.questions.common import Scenario, path_components
from netpath.drill.questions.fault import find_fault
from netpath.engine import prepare, trace
from netpath.engine.errors import QueryError
from netpath.engine.hops import Hop, Query, Trace
from netpath.engine.network import Network
from netpath.model.addr import PortRange
from netpath.model.kubernetes import Pod
from netpath.model.resources import Model
from netpath.sources.loader import scenario_names

SEEDS = range(3)
Asked = tuple[Scenario, Trace, Fault, Trace, Network, Question]
Broken = tuple[Trace, Network]  # a broken trace, and the network it ran on


@pytest.fixture(scope="module")
def library() -> dict[int, list[Asked]]:
    """Every find-fault question the library makes, by difficulty, with the fault injected,
    its broken trace and network (the builder injects first, with the same rng)."""
    found: dict[int, list[Asked]] = {1: [], 2: [], 3: []}
    for name in scenario_names():
        s = load(name)
        for t in s.traces:
            for difficulty in found:
                for seed in SEEDS:
                    q = find_fault(s, t, random.Random(seed), difficulty)
                    if q is None:
                        continue
                    fault, broken, _, after = inject(s.network, t.query, random.Random(seed))
                    found[difficulty].append((s, t, fault, after, broken, q))
    return found


def asked(library: dict[int, list[Asked]], *difficulties: int) -> Iterator[Asked]:
    for difficulty in difficulties:
        yield from library[difficulty]


def broken_by(s: Scenario, query: Query, model: Model) -> Broken | None:
    """The query traced on a changed model: None unless the change blocks it."""
    network = prepare(model)
    try:
        after = trace(network, query)
    except QueryError:
        return None
    return (after, network) if after.blocked_by is not None else None


_others: dict[tuple[str, Query], list[tuple[Fault, Trace, Network]]] = {}


def others(s: Scenario, before: Trace) -> list[tuple[Fault, Trace, Network]]:
    """The faults netpath could have injected on this query, each with its broken trace."""
    key = (s.name, before.query)
    if key not in _others:
        _others[key] = []
        for fault in candidates(s.network, before):
            found = broken_by(s, before.query, fault.apply(s.network.model))
            if found is not None and stops_as_stated(fault, found[0]):
                _others[key].append((fault, *found))
    return _others[key]


_shapes: dict[tuple[str, Query], list[tuple[str, str, Trace, Network]]] = {}


def _balanced(s: Scenario, before: Trace, pod: Pod) -> bool:
    if not any(h.component == "load-balancer" for h in before.hops):
        return False
    return any(t.target == str(pod.ip) for g in s.model.target_groups.values()
               for t in g.targets)


def shapes(s: Scenario, before: Trace) -> list[tuple[str, str, Trace, Network]]:
    """Faults netpath need not inject, on every pod and NetworkPolicy of the path (the
    reviewer's N3 and N4): each label of a pod changed (it leaves a Service, a rule's
    podSelector, or the policy that admitted its traffic), each rule of a policy deleted.
    (component, what changed, broken trace, broken network) for those that block the query."""
    key = (s.name, before.query)
    if key in _shapes:
        return _shapes[key]
    found: list[tuple[str, str, Trace, Network]] = []
    m = s.model
    for component in path_components(s.network, before):
        kind, name = component.split(" ", 1)
        for cname, cluster in m.clusters.items():
            changed: list[tuple[str, Model]] = []
            # A load balancer's ip target relabelled would be deregistered by the controller
            # (the other replicas serve): the loaded model cannot show it, so it is no shape.
            if kind == "pod" and name in cluster.pods and not _balanced(s, before,
                                                                         cluster.pods[name]):
                pod = cluster.pods[name]
                for label, value in pod.labels.items():
                    moved = replace(pod, labels={**pod.labels, label: f"{value}-v2"})
                    changed.append((f"{label}={value}-v2", with_cluster(
                        m, cname, replace(cluster, pods={**cluster.pods, name: moved}))))
            if kind == "network-policy" and name in cluster.network_policies:
                policy = cluster.network_policies[name]
                for direction in ("ingress", "egress"):
                    rules = getattr(policy, direction)
                    for i in range(len(rules)):
                        cut = replace(policy, **{direction: rules[:i] + rules[i + 1:]})
                        changed.append((f"{direction} rule {i + 1} deleted", with_cluster(
                            m, cname, replace(cluster, network_policies={
                                **cluster.network_policies, name: cut}))))
            for what, model in changed:
                broken = broken_by(s, before.query, model)
                if broken is not None:
                    found.append((component, what, *broken))
    _shapes[key] = found
    return found


def with_cluster(model: Model, name: str, cluster: object) -> Model:
    return replace(model, clusters={**model.clusters, name: cluster})  # type: ignore[dict-item]


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
    text = re.sub(r";\s+(?:allow|add|keep)\b.*$", "", text)  # the fix a reason may end with
    return re.sub(rf"(?<![\w/.-])(?:{pattern})(?![\w/-])", "X", text)


def kube_view(after: Trace, network: Network) -> object:
    """What `kubectl` shows of a NetworkPolicy denial, read here from the model: the judging
    pod's labels and the peer's, and its namespace's policies for that direction (whom they
    select, their rules)."""
    blocked = after.blocked_by
    assert blocked is not None
    direction = {"NETPOL_INGRESS_DENIED": "ingress",
                 "NETPOL_EGRESS_DENIED": "egress"}.get(blocked.code)
    if direction is None:
        return None
    packet = stop_hop(after).packet
    mine, theirs = ((packet.dst_ip, packet.src_ip) if direction == "ingress"
                    else (packet.src_ip, packet.dst_ip))
    for cluster in network.model.clusters.values():
        by_ip = {int(p.ip): p for p in cluster.pods.values() if not p.host_network}
        pod = cluster.pods.get(blocked.name) or by_ip.get(int(mine))
        if pod is None:
            continue
        peer = by_ip.get(int(theirs))
        policies = sorted(
            (p.name, p.pod_selector.matches(pod.labels), str(p.pod_selector),
             [([(e.pod_selector, e.namespace_selector, e.ip_block) for e in r.peers],
               [(e.protocol, e.port, e.end_port) for e in r.ports])
              for r in getattr(p, direction)])
            for p in cluster.network_policies.values()
            if p.namespace == pod.namespace and direction.title() in p.policy_types)
        return (sorted(pod.labels.items()), peer and sorted(peer.labels.items()), policies)
    return None


def fits(s: Scenario, q: Question, shown: Broken, other: Broken) -> bool:
    """Whether the broken trace `other` agrees with all the prompt shows of `shown`."""
    a, b = shown[0].blocked_by, other[0].blocked_by
    assert a is not None and b is not None
    if not re.search(rf"\b{b.code}\b", q.prompt) or a.partial != b.partial:
        return False
    if " for the request " in q.prompt or " for the reply " in q.prompt:
        pa, pb = stop_hop(shown[0]).packet, stop_hop(other[0]).packet
        if (a.direction, pa.src_ip, pa.dst_ip, pa.dst_port) != \
                (b.direction, pb.src_ip, pb.dst_ip, pb.dst_port):
            return False
    if "`kubectl` shows" in q.prompt and kube_view(*shown) != kube_view(*other):
        return False
    if "now says" in q.prompt:
        return (a.direction, masked(s, a.reason)) == (b.direction, masked(s, b.reason))
    return True


def components(fault: Fault) -> set[str]:
    return {fault.component, *fault.aliases}


def test_no_offered_distractor_is_a_right_answer_too(library: dict[int, list[Asked]]) -> None:
    count = rivals = 0
    for s, t, fault, after, broken, q in asked(library, 1, 2):
        count += 1
        assert q.answer == fault.component and q.answer in q.choices
        for other, other_after, other_broken in others(s, t):
            if not fits(s, q, (after, broken), (other_after, other_broken)):
                continue
            offered = (components(other) - {q.answer}) & set(q.choices)
            assert not offered, (s.name, q.prompt, q.choices, other.kind, other.description)
            rivals += other.component != fault.component
    assert count > 300
    assert rivals > 0  # the library does have faults that read alike (D2, D3)


def test_no_pod_or_policy_offered_fits_under_another_fault(
        library: dict[int, list[Asked]]) -> None:
    """The reviewer's N3/N4 shapes: no offered pod or policy (difficulties 1 and 2), no other
    pod or policy of the path (difficulty 3), breaks the query as the prompt shows when one of
    its labels changes or one of its rules goes."""
    tried = 0
    for s, t, fault, after, broken, q in asked(library, 1, 2, 3):
        right = {*components(fault), *fault.named_by}
        suspects = set(q.choices) if q.choices else set(path_components(s.network, t))
        for component, what, other_after, other_broken in shapes(s, t):
            if component in right or component not in suspects:
                continue
            tried += 1
            assert not fits(s, q, (after, broken), (other_after, other_broken)), (
                s.name, q.difficulty, q.prompt, q.answer, component, what)
    assert tried > 100


def test_the_free_text_fix_of_every_fault_that_fits_is_right(
        library: dict[int, list[Asked]]) -> None:
    count = policies = 0
    for s, t, fault, after, broken, q in asked(library, 3):
        count += 1
        assert not q.choices and re.search(rf"\b{fault.code}\b", q.prompt), q.prompt
        assert judge(q, f"{fault.name}: {fault.fix}").correct
        for alias in fault.aliases:  # every pod the fault broke is as right
            assert judge(q, f"{alias.split(' ', 1)[1]}: {fault.fix}").correct
        for other, other_after, other_broken in others(s, t):
            right = judge(q, f"{other.name}: {other.fix}").correct
            if fits(s, q, (after, broken), (other_after, other_broken)):
                assert right, (s.name, q.prompt, other.kind, other.description)
            elif not components(other) & components(fault):
                assert not right, (s.name, q.prompt, other.kind, other.description)
        policies += "`kubectl` shows" in q.prompt
    assert count > 150
    assert policies > 10  # NetworkPolicy denials are asked at difficulty 3 (D2, N4)


def test_the_easiest_symptom_never_names_the_broken_component_nor_the_fix(
        library: dict[int, list[Asked]]) -> None:
    count = 0
    for _, _, fault, after, _, q in asked(library, 1):
        assert after.blocked_by is not None
        told = q.prompt.split("`netpath trace`", 1)[1]
        assert after.blocked_by.code in told
        for component in components(fault):
            name = component.split(" ", 1)[1]
            assert not re.search(rf"(?<![\w/.-]){re.escape(name)}(?![\w/-])", told), q.prompt
            count += 1
        # The reviewer's N11: a reason that ends with what to do ("...; allow udp/53 and
        # tcp/53 to ...") is shown without it.
        suggested = re.search(r"; ((?:allow|add|keep) .*)$", after.blocked_by.reason)
        if suggested:
            assert suggested.group(1).rstrip(".") not in told, q.prompt
    assert count > 150  # (a reason with a fix: see test_the_dns_symptom_does_not_say_the_fix)


def open_ports(network: Network, hop: Hop) -> int:
    """How many ports the NACL where a reply stopped lets replies reach, at most (the sizes
    of its allow rules that take part of the ephemeral ports 1024-65535)."""
    acl = network.model.network_acls[hop.name]
    return sum(r.ports.size for r in (*acl.inbound, *acl.outbound)
               if r.action == "allow" and r.ports is not None and r.ports.high >= 1024)


def test_the_symptom_reads_like_what_the_user_sees(library: dict[int, list[Asked]]) -> None:
    partial = 0
    for _, t, _, after, broken, q in asked(library, 1, 2, 3):
        assert after.blocked_by is not None
        assert not q.prompt.startswith("internet ") and " -> " not in q.prompt.split(".")[0]
        if t.query.source == "internet":
            assert q.prompt.startswith("A client on the internet can no longer reach ") or \
                q.prompt.startswith("Connections from a client on the internet to ")
        if after.blocked_by.partial:
            # The reviewer's N12: the faults open a port or two of a range of at least 16,384
            # (Windows' is the smallest): an outage to the user, not intermittent failures.
            partial += 1
            assert open_ports(broken, stop_hop(after)) * 100 < 16384
            assert "can no longer reach" in q.prompt, q.prompt
        assert "intermittently" not in q.prompt.split(".")[0]
    assert partial > 0


@pytest.mark.parametrize(("last", "intermittent"), [(32768, False), (40000, True)])
def test_intermittent_only_when_a_fair_share_of_the_replies_pass(
        last: int, intermittent: bool) -> None:
    """A custom NACL whose replies reach the client's ports 32768..`last` only: one port of
    Linux's 28,232 is an outage; a quarter of them, intermittent failures."""
    s = load("three-tier")
    query = Query("node-1", "orders-db", 5432)
    fault, broken, before, _ = inject(s.network, query, random.Random(1),
                                      kinds=("nacl-no-ephemeral",))
    acl = broken.model.network_acls["prod-default-nacl"]
    some = replace(acl.inbound[0], number=200, ports=PortRange(32768, last))
    opened = replace(acl, inbound=(*acl.inbound, some), outbound=(*acl.outbound, some))
    model = replace(broken.model, network_acls={**broken.model.network_acls, acl.name: opened})
    after = trace(prepare(model), query)
    assert after.blocked_by is not None and after.blocked_by.partial  # the premise
    told = symptom(before, after, CODE, Hidden({}, {}), ("node-1", "orders-db"))
    assert ("intermittently" in told) is intermittent
    assert ("can no longer reach" in told) is not intermittent


def test_the_dns_symptom_does_not_say_the_fix() -> None:
    """The reviewer's N11: the engine's reason ends with the fix; the symptom stops before."""
    s = load("interview-pod-no-internet")
    query = Query("default/app", "api.example.com", 443)
    _, _, before, after = inject(s.network, query, random.Random(1),
                                 kinds=("dns-egress-removed",))
    assert after.blocked_by is not None and "allow udp/53" in after.blocked_by.reason
    told = symptom(before, after, REASON, Hidden({}, {}), ("default/app", "api.example.com"))
    assert "no rule allows DNS" in told and "udp/53" not in told


def sg_question(library: dict[int, list[Asked]], direction: str) -> tuple[Question, Fault]:
    for _, _, fault, _, _, q in asked(library, 3):
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
        denying = {f.name for f, after, _ in others(s, t) if after.blocked_by is not None
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
