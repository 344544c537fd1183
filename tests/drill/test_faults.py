"""Fault injection: each fault really breaks the query, for the reason it states (its code),
changes only what it says, and its described fix really repairs the query."""

from __future__ import annotations

import random
from dataclasses import fields

import pytest

from netpath.drill.faults.inject import (
    FAULT_KINDS,
    Fault,
    NoFault,
    candidates,
    inject,
    repairs,
    stops_as_stated,
)
from netpath.drill.generate import load
from netpath.drill.questions.common import path_components
from netpath.engine import prepare, trace
from netpath.engine.hops import Query, Trace
from netpath.engine.network import Network
from netpath.sources.loader import scenario_names

# What each kind of fault may change in the model, and the codes it may cause.
CHANGES = {
    "route-removed": {"route_tables"},
    "sg-rule-removed": {"security_groups"},
    "pod-relabelled": {"clusters"},
    "nacl-no-ephemeral": {"network_acls"},
    "endpoint-stopped": {"clusters"},
    "policy-rule-removed": {"clusters"},
    "dns-egress-removed": {"clusters"},
}
CODES = {
    "route-removed": {"NO_ROUTE", "NO_RETURN_ROUTE", "NAT_NO_INTERNET_ROUTE"},
    "sg-rule-removed": {"SG_INGRESS_DENIED", "SG_EGRESS_DENIED"},
    "pod-relabelled": {"SERVICE_NO_ENDPOINTS", "NETPOL_INGRESS_DENIED", "NETPOL_EGRESS_DENIED"},
    "nacl-no-ephemeral": {"NACL_RETURN_DENIED"},
    "endpoint-stopped": {"SERVICE_NO_ENDPOINTS"},
    "policy-rule-removed": {"NETPOL_INGRESS_DENIED", "NETPOL_EGRESS_DENIED"},
    "dns-egress-removed": {"NETPOL_EGRESS_DENIED"},
}

Injected = tuple[str, Query, Fault, Network, Network, Trace, Trace]


@pytest.fixture(scope="module")
def injected() -> list[Injected]:
    """Every (scenario, reachable query, fault kind) the library supports, injected."""
    found: list[Injected] = []
    for name in scenario_names():
        s = load(name)
        for t in s.traces:
            if not t.reachable:
                continue
            for kind in FAULT_KINDS:
                try:
                    fault, broken, before, after = inject(s.network, t.query, random.Random(3),
                                                          kinds=(kind,))
                except NoFault:
                    continue
                found.append((name, t.query, fault, s.network, broken, before, after))
    return found


def test_every_fault_kind_occurs_in_the_library(injected: list[Injected]) -> None:
    kinds = {fault.kind for _, _, fault, *_ in injected}
    assert kinds == set(FAULT_KINDS)


def test_the_broken_network_fails_the_query_for_the_stated_reason(
        injected: list[Injected]) -> None:
    for name, query, fault, network, _, before, after in injected:
        assert before.reachable, (name, query)
        assert after.blocked_by is not None, (name, query, fault.kind)
        assert after.blocked_by.code == fault.code, (name, query, fault)
        assert fault.code in fault.expect and fault.code in CODES[fault.kind], fault
        again = trace(prepare(fault.apply(network.model)), query)  # apply is repeatable
        assert again.blocked_by == after.blocked_by


def test_the_fault_changes_only_what_it_says(injected: list[Injected]) -> None:
    for _, _, fault, network, broken, *_ in injected:
        changed = {f.name for f in fields(network.model)
                   if getattr(network.model, f.name) != getattr(broken.model, f.name)}
        assert changed and changed <= CHANGES[fault.kind], (fault.kind, changed)


def test_the_described_fix_repairs_the_query(injected: list[Injected]) -> None:
    for name, query, fault, network, broken, *_ in injected:
        assert repairs(fault, broken, query), (name, query, fault.kind, fault.fix)
        assert trace(network, query).reachable  # the working network is left as it was


def test_the_broken_component_is_on_the_original_path(injected: list[Injected]) -> None:
    for _, _, fault, network, _, before, _ in injected:
        components = path_components(network, before)
        assert fault.component in components, (fault.component, components)
        assert fault.name in fault.fix and fault.description and fault.keywords
        assert fault.component not in fault.related


def test_the_nat_route_removed() -> None:
    s = load("three-tier")
    query = Query("node-1", "api.example.com", 443)
    for seed in range(6):
        fault, broken, _, after = inject(s.network, query, random.Random(seed),
                                         kinds=("route-removed",))
        assert fault.component in ("route-table rt-private", "route-table rt-public")
        if fault.component == "route-table rt-private":
            assert after.blocked_by is not None
            assert (after.blocked_by.code, after.blocked_by.name) == ("NO_ROUTE", "rt-private")
            routes = [str(r) for r in broken.model.route_tables["rt-private"].routes]
            assert "0.0.0.0/0 -> nat-a" not in routes
            assert "0.0.0.0/0 -> nat-a" in fault.fix
            return
    pytest.fail("rt-private's NAT route was never chosen")


def test_the_custom_nacl_without_ephemeral_ports() -> None:
    s = load("three-tier")
    query = Query("node-1", "orders-db", 5432)
    fault, broken, _, after = inject(s.network, query, random.Random(1),
                                     kinds=("nacl-no-ephemeral",))
    acl = broken.model.network_acls["prod-default-nacl"]
    assert not acl.implicit and not acl.is_default
    assert [str(r) for r in acl.inbound] == ["#100 allow tcp/5432 0.0.0.0/0"]
    assert after.blocked_by is not None and after.blocked_by.direction == "return"
    assert "ephemeral" in fault.fix


def test_the_stopped_endpoints() -> None:
    s = load("three-tier")
    query = Query("pod-a", "backend-service", 8080)
    fault, broken, _, after = inject(s.network, query, random.Random(1),
                                     kinds=("endpoint-stopped",))
    pods = broken.model.clusters["eks-prod"].pods
    assert not any(pods[k].ready for k in ("default/backend-0", "default/backend-1",
                                           "default/backend-2"))
    assert fault.component == "pod default/backend-0"
    assert fault.related == ("service default/backend-service",)
    assert fault.aliases == ("pod default/backend-1", "pod default/backend-2")
    assert after.blocked_by is not None and after.blocked_by.component == "service"
    assert all(pod in fault.fix for pod in ("backend-0", "backend-1", "backend-2"))


def test_every_pod_a_fault_changes_is_its_answer(injected: list[Injected]) -> None:
    """A fault that changes several pods (all the backends of a Service) names each of them as
    broken (`component` or `aliases`), so that none is offered as a distractor, and its fix
    mends each of them, not only the pod the trace followed."""
    several = 0
    for name, _, fault, network, broken, *_ in injected:
        changed = {f"pod {key}" for cname, cluster in network.model.clusters.items()
                   for key, pod in cluster.pods.items()
                   if broken.model.clusters[cname].pods.get(key) != pod}
        if fault.kind in ("pod-relabelled", "endpoint-stopped"):
            assert changed == {fault.component, *fault.aliases}, (name, fault.description)
            assert all(c.split(" ", 1)[1] in fault.fix for c in changed), fault.fix
            several += len(changed) > 1
        else:
            assert not fault.aliases
    assert several > 0


def test_a_security_group_fault_wants_its_rules_direction(injected: list[Injected]) -> None:
    for _, _, fault, *_ in injected:
        if fault.kind != "sg-rule-removed":
            continue
        inbound = "the inbound rule" in fault.description
        wanted = {"inbound", "ingress"} if inbound else {"outbound", "egress"}
        banned = {"outbound", "egress"} if inbound else {"inbound", "ingress"}
        assert {w for w in fault.keywords if w[0] not in "!+"} == wanted, fault.keywords
        assert banned <= {w[1:] for w in fault.keywords if w.startswith("!")}, fault.keywords


def test_every_fault_wants_a_fix_that_mends(injected: list[Injected]) -> None:
    """A free-text fix must say what it does (add, allow, label...), and never undo instead."""
    for _, _, fault, *_ in injected:
        actions = {w for w in fault.keywords if w.startswith("+")}
        assert actions and {"!remove", "!delete", "!deny"} <= set(fault.keywords), fault


def test_relabelled_pods_for_a_service_and_for_a_policy() -> None:
    s = load("three-tier")
    query = Query("pod-a", "backend-service", 8080)
    before = trace(s.network, query)
    found = {f.component: f for f in candidates(s.network, before) if f.kind == "pod-relabelled"}
    assert set(found) == {"pod default/backend-0", "pod default/pod-a"}
    service, policy = found["pod default/backend-0"], found["pod default/pod-a"]
    assert service.expect == ("SERVICE_NO_ENDPOINTS",)
    assert policy.related == ("network-policy default/secure-backend",)
    after = trace(prepare(policy.apply(s.network.model)), query)
    assert after.blocked_by is not None
    assert after.blocked_by.code == "NETPOL_INGRESS_DENIED"
    assert s.network.model.clusters["eks-prod"].pods["default/pod-a"].labels["app"] == "frontend"


def test_the_dns_egress_removed() -> None:
    s = load("interview-3-tier-eks")
    query = Query("web/web-0", "api.app", 8080)
    fault, broken, _, after = inject(s.network, query, random.Random(1),
                                     kinds=("dns-egress-removed",))
    assert fault.component == "network-policy web/allow-dns"
    assert after.blocked_by is not None and after.blocked_by.step == 1  # the lookup fails
    assert "resolve" in after.blocked_by.reason
    assert repairs(fault, broken, query)


def test_a_blocked_query_cannot_be_broken() -> None:
    s = load("three-tier")
    with pytest.raises(NoFault):
        inject(s.network, Query("node-1", "orders-db", 22), random.Random(1))
    with pytest.raises(NoFault):
        inject(s.network, Query("node-1", "orders-db", 5432), random.Random(1), kinds=())


def test_the_same_seed_breaks_the_same_thing() -> None:
    s = load("interview-3-tier-eks")
    query = Query("internet", "shop.example.com", 443)
    first = [inject(s.network, query, random.Random(seed))[0] for seed in range(5)]
    again = [inject(s.network, query, random.Random(seed))[0] for seed in range(5)]
    assert [(f.kind, f.component, f.description) for f in first] == \
        [(f.kind, f.component, f.description) for f in again]
    assert len({f.kind for f in first}) > 1  # and the seeds vary the fault


def test_the_broken_trace_stops_where_the_fault_says(injected: list[Injected]) -> None:
    """Where the broken trace stops is the broken component, or one the fault names as part
    of its story (the Service of a relabelled pod...), or (a removed route) the route table
    or the NAT gateway whose subnet lost its internet route."""
    for _, query, fault, _, _, _, after in injected:
        blocked = after.blocked_by
        assert blocked is not None and stops_as_stated(fault, after)
        stopped = {f"{blocked.component} {n.strip()}" for n in blocked.name.split(",")}
        if fault.kind == "route-removed":
            assert fault.component in stopped or blocked.component == "nat-gateway", stopped
        else:
            assert fault.at and stopped & set(fault.at), (query, fault.kind, stopped)


def test_the_pod_an_allow_policy_selects_is_relabelled_out_of_it() -> None:
    """The reviewer's N3: dev/frontend loses the label frontend-egress selects; the default
    deny still isolates its egress, so the flow fails there, and relabelling mends it."""
    s = load("interview-namespace-isolation")
    query = Query("dev/frontend", "dev/backend", 8080)
    before = trace(s.network, query)
    selected = [f for f in candidates(s.network, before)
                if f.kind == "pod-relabelled" and f.component == "pod dev/frontend"
                and "network-policy dev/frontend-egress" in f.related]
    assert len(selected) == 1
    fault = selected[0]
    broken = prepare(fault.apply(s.network.model))
    after = trace(broken, query)
    assert after.blocked_by is not None and stops_as_stated(fault, after)
    assert after.blocked_by.code == "NETPOL_EGRESS_DENIED"
    still = {n.strip() for n in after.blocked_by.name.split(",")}
    assert "dev/frontend-egress" not in still and "dev/default-deny-all" in still
    assert repairs(fault, broken, query)


def test_the_rule_that_admitted_the_flow_is_deleted() -> None:
    """The reviewer's N4: backend-from-frontend loses its ingress rule, still selects pod-b."""
    s = load("flow-pod-to-pod-same-node")
    query = Query("default/pod-a", "default/pod-b", 8080)
    fault, broken, _, after = inject(s.network, query, random.Random(1),
                                     kinds=("policy-rule-removed",))
    assert fault.component == "network-policy default/backend-from-frontend"
    policy = broken.model.clusters["eks-prod"].network_policies["default/backend-from-frontend"]
    assert policy.ingress == () and "Ingress" in policy.policy_types
    assert after.blocked_by is not None and after.blocked_by.code == "NETPOL_INGRESS_DENIED"
    assert "app=frontend" in fault.fix and "tcp/8080" in fault.fix
    assert repairs(fault, broken, query)


def test_a_load_balancer_target_is_never_relabelled_out_of_a_policy() -> None:
    """The third review's X1: web/web-0 is an ALB ip target. Relabelled, it would leave its
    Service too, and the AWS Load Balancer Controller would deregister it while web-1 kept
    serving; target groups built when the spec loaded cannot show that, so no such fault."""
    s = load("interview-3-tier-eks")
    query = Query("internet", "shop.example.com", 443)
    before = trace(s.network, query)
    assert before.reachable
    targets = {t.target for g in s.network.model.target_groups.values() for t in g.targets}
    pods = {p.key: p for c in s.network.model.clusters.values() for p in c.pods.values()}
    policy_relabels = [f for f in candidates(s.network, before) if f.kind == "pod-relabelled"
                       and any(r.startswith("network-policy ") for r in f.related)]
    for fault in policy_relabels:
        pod = pods[fault.component.removeprefix("pod ")]
        assert str(pod.ip) not in targets, fault.description
    assert "10.0.10.5" in targets  # web-0 is a target: the guard is what keeps it out
