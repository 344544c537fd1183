"""NetworkPolicy, rule by rule (docs/../shared/semantics.md, "NetworkPolicy"), with clusters built
straight from model objects. The builders at the top are shared with the matrix tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network

import pytest

from netpath.engine.network_policy import PolicyDirection as Direction
from netpath.engine.network_policy import admits, build_policy_index
from netpath.engine.network_policy_decision import NetpolDecision, evaluate
from netpath.engine.network_policy_fix import FixPlan, dns_note, plan_fix
from netpath.model.kubernetes import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    ContainerPort,
    IpBlock,
    LabelSelector,
    Namespace,
    NetpolPeer,
    NetpolPort,
    NetpolRule,
    NetworkPolicy,
    Node,
    Pod,
    Requirement,
    Service,
    ServicePort,
)

NODES = {"node-1": "192.168.0.11", "node-2": "192.168.0.12"}

# --- builders ---------------------------------------------------------------------------------


def sel(labels: Mapping[str, str] | None = None, *exprs: Requirement) -> LabelSelector:
    return LabelSelector(tuple(sorted((labels or {}).items())), tuple(exprs))


def expr(key: str, operator: str, *values: str) -> Requirement:
    return Requirement(key, operator, tuple(values))


def peer(pods: LabelSelector | None = None, namespaces: LabelSelector | None = None,
         block: str | None = None, excepts: Iterable[str] = ()) -> NetpolPeer:
    ip_block = None
    if block is not None:
        ip_block = IpBlock(IPv4Network(block), tuple(IPv4Network(e) for e in excepts))
    return NetpolPeer(pods, namespaces, ip_block, ())


def port(number: int | str | None, protocol: str = "tcp", end: int | None = None) -> NetpolPort:
    return NetpolPort(protocol, number, end, ())


def rule(peers: Iterable[NetpolPeer] = (), ports: Iterable[NetpolPort] = ()) -> NetpolRule:
    return NetpolRule(tuple(peers), tuple(ports), ())


def policy(key: str, selector: LabelSelector, types: Iterable[str] = ("Ingress",),
           ingress: Iterable[NetpolRule] = (), egress: Iterable[NetpolRule] = ()
           ) -> NetworkPolicy:
    namespace, name = key.split("/")
    return NetworkPolicy(namespace, name, selector, tuple(types), tuple(ingress), tuple(egress),
                         ("networkpolicies", key))


def pod(key: str, ip: str, labels: Mapping[str, str] | None = None, node: str = "node-1",
        ports: Iterable[tuple[str | None, int, str]] = (), host: bool = False) -> Pod:
    namespace, name = key.split("/")
    address = IPv4Address(NODES[node] if host else ip)
    return Pod(namespace, name, dict(labels or {}), node, address, host,
               tuple(ContainerPort(n, p, proto) for n, p, proto in ports), True, None, (), (),
               ("pods", key))


def cluster(pods: Iterable[Pod], policies: Iterable[NetworkPolicy] = (),
            namespaces: Mapping[str, Mapping[str, str]] | None = None, cni: str = "calico",
            enforced: bool | None = None, services: Iterable[Service] = ()) -> Cluster:
    made = Cluster(
        name="c", vpc=None, cni=cni,
        enforces_network_policy=cni in ("calico", "cilium") if enforced is None else enforced,
        pod_cidr=IPv4Network("10.0.0.0/16"), service_cidr=IPv4Network("10.100.0.0/16"),
        dns_ip=IPv4Address("10.100.0.10"), dns_domain="cluster.local", external_snat=False,
        exclude_snat_cidrs=(), kube_proxy_mode="iptables", pod_security_group_mode="standard")
    for name, ip in NODES.items():
        made.nodes[name] = Node(name, IPv4Address(ip), None, None, {}, ("nodes", name))
    for p in pods:
        made.pods[p.key] = p
    names = {p.namespace for p in made.pods.values()} | set(namespaces or {})
    for name in sorted(names):
        labels = {NAMESPACE_NAME_LABEL: name, **(namespaces or {}).get(name, {})}
        made.namespaces[name] = Namespace(name, labels, ("namespaces", name))
    for np in policies:
        made.network_policies[np.key] = np
    for s in services:
        made.services[s.key] = s
    return made


def judge(c: Cluster, direction: Direction, at: str, other: str, protocol: str = "tcp",
          number: int | None = 8080) -> NetpolDecision:
    """Evaluate at pod `at`; `other` is a pod key or a bare IP."""
    index = build_policy_index(c)
    me = c.pods[at]
    peer_pod = c.pods.get(other)
    ip = peer_pod.ip if peer_pod else IPv4Address(other)
    decision = evaluate(index, direction, me, ip, peer_pod, protocol, number)
    assert admits(index, direction, me, ip, peer_pod, protocol, number) == decision.allowed
    return decision


def apply_fix(c: Cluster, plan: FixPlan) -> Cluster:
    """The cluster with `plan` carried out, as a user would edit the manifests."""
    policies = dict(c.network_policies)
    field = plan.direction
    if plan.kind == "new-policy":
        assert plan.selector is not None and plan.peer is not None
        kind = "Ingress" if field == "ingress" else "Egress"
        new = policy(f"{plan.namespace}/netpath-fix", plan.selector, (kind,),
                     **{field: (rule([plan.peer], plan.ports),)})
        policies[new.key] = new
    else:
        assert plan.policy is not None
        old = policies[plan.policy]
        rules = list(getattr(old, field))
        if plan.kind == "add-port":
            assert plan.rule is not None
            target = rules[plan.rule]
            rules[plan.rule] = replace(target, ports=target.ports + plan.ports)
        else:
            assert plan.peer is not None
            rules.append(rule([plan.peer], plan.ports))
        policies[old.key] = replace(old, **{field: tuple(rules)})
    return replace(c, network_policies=policies)


# --- the scene most tests use -----------------------------------------------------------------

FRONTEND = pod("default/frontend-0", "10.0.10.5", {"app": "frontend"},
               ports=[("http", 80, "tcp")])
BACKEND = pod("default/backend-0", "10.0.10.10", {"app": "backend"},
              ports=[("http", 8080, "tcp"), ("metrics", 9090, "tcp")])
DB = pod("data/db-0", "10.0.11.5", {"app": "db"}, node="node-2",
         ports=[("postgres", 5432, "tcp")])
OTHER_FRONTEND = pod("other/frontend-0", "10.0.11.6", {"app": "frontend"}, node="node-2")
DENY_ALL = policy("default/default-deny", sel(), ("Ingress",))
ALLOW_FRONTEND = policy("default/allow-frontend", sel({"app": "backend"}), ("Ingress",),
                        ingress=[rule([peer(sel({"app": "frontend"}))], [port(8080)])])


def scene(*policies: NetworkPolicy, **kw: object) -> Cluster:
    return cluster([FRONTEND, BACKEND, DB, OTHER_FRONTEND], policies, **kw)  # type: ignore[arg-type]


# --- isolation ----------------------------------------------------------------------------


def test_no_policy_means_not_isolated() -> None:
    d = judge(scene(), "ingress", BACKEND.key, FRONTEND.key)
    assert (d.isolated, d.allowed, d.policies, d.code) == (False, True, (), None)
    assert d.line == "no NetworkPolicy selects default/backend-0 for ingress: not isolated, allowed"


def test_isolation_is_per_direction() -> None:
    c = scene(DENY_ALL)
    assert not judge(c, "ingress", BACKEND.key, FRONTEND.key).allowed
    egress = judge(c, "egress", BACKEND.key, FRONTEND.key)
    assert (egress.isolated, egress.allowed) == (False, True)


def test_rules_of_a_direction_the_types_leave_out_are_ignored() -> None:
    # policyTypes [Egress] with ingress rules written: the ingress rules do nothing.
    only_egress = policy("default/p", sel({"app": "backend"}), ("Egress",),
                         ingress=[rule()], egress=[rule([peer(sel({"app": "db"}))])])
    c = scene(only_egress)
    assert judge(c, "ingress", BACKEND.key, FRONTEND.key).isolated is False
    assert not judge(c, "egress", BACKEND.key, FRONTEND.key).allowed


def test_union_of_every_selecting_policy_no_order() -> None:
    metrics = policy("default/metrics", sel({"app": "backend"}), ("Ingress",),
                     ingress=[rule([peer(namespaces=sel())], [port(9090)])])
    c = scene(DENY_ALL, ALLOW_FRONTEND, metrics)
    assert judge(c, "ingress", BACKEND.key, FRONTEND.key, number=8080).allowed
    assert judge(c, "ingress", BACKEND.key, DB.key, number=9090).allowed
    d = judge(c, "ingress", BACKEND.key, DB.key, number=8080)
    assert not d.allowed
    assert d.policies == ("default/allow-frontend", "default/default-deny", "default/metrics")


def test_allow_all_and_deny_all_forms() -> None:
    allow_all = policy("default/all", sel(), ("Ingress",), ingress=[rule()])
    assert judge(scene(DENY_ALL, allow_all), "ingress", BACKEND.key, "203.0.113.9",
                 "udp", 5353).allowed
    empty = policy("default/none", sel(), ("Ingress",), ingress=[])
    assert not judge(scene(empty), "ingress", BACKEND.key, FRONTEND.key).allowed


# --- peers --------------------------------------------------------------------------------


def test_pod_selector_alone_means_the_policys_namespace() -> None:
    c = scene(ALLOW_FRONTEND)
    assert judge(c, "ingress", BACKEND.key, FRONTEND.key).allowed
    assert not judge(c, "ingress", BACKEND.key, OTHER_FRONTEND.key).allowed


def test_namespace_selector_alone_admits_every_pod_of_matching_namespaces() -> None:
    p = policy("default/p", sel({"app": "backend"}),
               ingress=[rule([peer(namespaces=sel({"team": "data"}))])])
    c = scene(p, namespaces={"data": {"team": "data"}})
    assert judge(c, "ingress", BACKEND.key, DB.key).allowed
    assert not judge(c, "ingress", BACKEND.key, FRONTEND.key).allowed  # own ns, not labelled


def test_empty_namespace_selector_means_every_namespace() -> None:
    p = policy("default/p", sel({"app": "backend"}),
               ingress=[rule([peer(sel({"app": "frontend"}), sel())])])
    c = scene(p)
    assert judge(c, "ingress", BACKEND.key, OTHER_FRONTEND.key).allowed
    assert not judge(c, "ingress", BACKEND.key, DB.key).allowed
    # ...but pods only: an external address matches no selector.
    assert not judge(c, "ingress", BACKEND.key, "203.0.113.9").allowed


def test_both_selectors_in_one_entry_are_and_separate_entries_are_or() -> None:
    ns = {"other": {"team": "web"}, "data": {"team": "web"}}
    both = policy("default/p", sel({"app": "backend"}),
                  ingress=[rule([peer(sel({"app": "frontend"}), sel({"team": "web"}))])])
    c = scene(both, namespaces=ns)
    assert judge(c, "ingress", BACKEND.key, OTHER_FRONTEND.key).allowed
    assert not judge(c, "ingress", BACKEND.key, DB.key).allowed  # team=web but not frontend
    assert not judge(c, "ingress", BACKEND.key, FRONTEND.key).allowed  # default: no team label
    either = policy("default/p", sel({"app": "backend"}),
                    ingress=[rule([peer(sel({"app": "frontend"})),
                                   peer(namespaces=sel({"team": "web"}))])])
    c = scene(either, namespaces=ns)
    for source in (OTHER_FRONTEND, DB, FRONTEND):
        assert judge(c, "ingress", BACKEND.key, source.key).allowed, source.key


def test_the_guides_allow_frontend_to_backend_admits_all_of_production() -> None:
    """The guide's policy puts namespaceSelector and podSelector in separate entries: an OR."""
    guide = policy("production/allow-frontend-to-backend", sel({"app": "backend"}),
                   ingress=[rule([peer(namespaces=sel({"name": "production"})),
                                  peer(sel({"app": "frontend"}))], [port(8080)])])
    backend = pod("production/backend-0", "10.0.20.10", {"app": "backend"})
    frontend = pod("production/frontend-0", "10.0.20.11", {"app": "frontend"})
    batch = pod("production/batch-0", "10.0.20.12", {"app": "batch"})
    elsewhere = pod("staging/frontend-0", "10.0.21.11", {"app": "frontend"})
    # `name` is not set automatically: without it, only same-namespace frontends get in.
    c = cluster([backend, frontend, batch, elsewhere], [guide])
    assert judge(c, "ingress", backend.key, frontend.key).allowed
    assert not judge(c, "ingress", backend.key, batch.key).allowed
    assert not judge(c, "ingress", backend.key, elsewhere.key).allowed
    # Once someone labels the namespace name=production, every pod of it is admitted.
    c = cluster([backend, frontend, batch, elsewhere], [guide],
                namespaces={"production": {"name": "production"}})
    d = judge(c, "ingress", backend.key, batch.key)
    assert d.allowed
    assert d.line == ("allowed by policy production/allow-frontend-to-backend, ingress rule 1 "
                      "(from every pod in namespaces name=production, tcp/8080)")


def test_the_automatic_namespace_name_label() -> None:
    p = policy("default/p", sel({"app": "backend"}),
               ingress=[rule([peer(namespaces=sel({NAMESPACE_NAME_LABEL: "data"}))])])
    c = scene(p)
    del c.namespaces["data"]  # used but never declared: it still carries the label
    assert judge(c, "ingress", BACKEND.key, DB.key).allowed


@pytest.mark.parametrize(("requirement", "admitted"), [
    (expr("app", "In", "frontend", "db"), {"default/frontend-0", "data/db-0"}),
    (expr("app", "NotIn", "frontend"), {"data/db-0", "data/plain-0"}),
    (expr("app", "Exists"), {"default/frontend-0", "data/db-0"}),
    (expr("app", "DoesNotExist"), {"data/plain-0"}),
])
def test_match_expressions(requirement: Requirement, admitted: set[str]) -> None:
    plain = pod("data/plain-0", "10.0.11.7", {})
    p = policy("default/p", sel({"app": "backend"}),
               ingress=[rule([peer(sel({}, requirement), sel())])])
    c = cluster([FRONTEND, BACKEND, DB, plain], [p])
    got = {k for k in ("default/frontend-0", "data/db-0", "data/plain-0")
           if judge(c, "ingress", BACKEND.key, k).allowed}
    assert got == admitted


def test_ip_block_with_except() -> None:
    p = policy("default/p", sel({"app": "backend"}),
               ingress=[rule([peer(block="203.0.113.0/24", excepts=["203.0.113.128/25"])])])
    c = scene(p)
    assert judge(c, "ingress", BACKEND.key, "203.0.113.5").allowed
    assert not judge(c, "ingress", BACKEND.key, "203.0.113.200").allowed
    assert not judge(c, "ingress", BACKEND.key, "198.51.100.1").allowed


def test_ip_blocks_match_pod_ips_and_say_it_is_implementation_specific() -> None:
    p = policy("default/p", sel({"app": "backend"}),
               ingress=[rule([peer(block="10.0.11.0/24")])])
    d = judge(scene(p), "ingress", BACKEND.key, DB.key)
    assert d.allowed
    assert any("Cilium" in note for note in d.notes)


# --- ports --------------------------------------------------------------------------------


def _one_port(entry: NetpolPort) -> Cluster:
    return scene(policy("default/p", sel({"app": "backend"}),
                        ingress=[rule([peer(sel({"app": "frontend"}))], [entry])]))


def test_port_by_number_and_protocol() -> None:
    c = _one_port(port(8080))
    assert judge(c, "ingress", BACKEND.key, FRONTEND.key, "tcp", 8080).allowed
    assert not judge(c, "ingress", BACKEND.key, FRONTEND.key, "tcp", 8081).allowed
    assert not judge(c, "ingress", BACKEND.key, FRONTEND.key, "udp", 8080).allowed
    assert not judge(c, "ingress", BACKEND.key, FRONTEND.key, "sctp", 8080).allowed


def test_end_port_is_an_inclusive_range() -> None:
    c = _one_port(port(8000, end=8080))
    for number, ok in ((7999, False), (8000, True), (8080, True), (8081, False)):
        assert judge(c, "ingress", BACKEND.key, FRONTEND.key, number=number).allowed is ok


def test_a_port_entry_without_port_is_every_port_of_its_protocol() -> None:
    c = _one_port(port(None, "udp"))
    assert judge(c, "ingress", BACKEND.key, FRONTEND.key, "udp", 5353).allowed
    assert not judge(c, "ingress", BACKEND.key, FRONTEND.key, "tcp", 5353).allowed


def test_named_port_resolves_on_the_destination_pod() -> None:
    c = _one_port(port("http"))
    # ingress: the selected pod (backend) names 8080 "http"; the frontend's own "http" is 80.
    assert judge(c, "ingress", BACKEND.key, FRONTEND.key, number=8080).allowed
    assert not judge(c, "ingress", BACKEND.key, FRONTEND.key, number=80).allowed
    # egress: the peer pod's named port.
    out = scene(DENY_ALL, policy("default/out", sel({"app": "backend"}), ("Egress",),
                                 egress=[rule(ports=[port("postgres")])]))
    assert judge(out, "egress", BACKEND.key, DB.key, number=5432).allowed
    assert not judge(out, "egress", BACKEND.key, FRONTEND.key, number=5432).allowed
    assert not judge(out, "egress", BACKEND.key, "203.0.113.9", number=5432).allowed


def test_a_flow_without_ports_only_matches_rules_without_ports() -> None:
    c = scene(policy("default/p", sel({"app": "backend"}),
                     ingress=[rule(ports=[port(None)]), rule([peer(block="10.0.10.5/32")])]))
    d = judge(c, "ingress", BACKEND.key, FRONTEND.key, "icmp", None)
    assert d.allowed and d.allowed_by is not None and d.allowed_by.rule == 1


# --- the pod and the peer after DNAT, hostNetwork, the local node -------------------------


def test_a_cluster_ip_is_not_a_pod_policies_judge_after_dnat() -> None:
    c = scene(DENY_ALL, policy("default/out", sel({"app": "frontend"}), ("Egress",),
                               egress=[rule([peer(sel({"app": "backend"}))])]))
    assert judge(c, "egress", FRONTEND.key, BACKEND.key).allowed
    assert not judge(c, "egress", FRONTEND.key, "10.100.0.50").allowed


def test_host_network_pods_are_not_selected_and_match_only_by_ip() -> None:
    agent = pod("default/agent-0", "", {"app": "backend"}, node="node-2", host=True)
    p = policy("default/p", sel({"app": "backend"}), ("Ingress", "Egress"),
               ingress=[rule([peer(sel({"app": "backend"}))])])
    c = cluster([FRONTEND, BACKEND, agent], [p])
    own = judge(c, "ingress", agent.key, FRONTEND.key)
    assert (own.isolated, own.allowed) == (False, True)
    assert "uses hostNetwork" in own.line
    assert not judge(c, "ingress", BACKEND.key, agent.key).allowed  # podSelector ignores it
    by_ip = scene(policy("default/p", sel({"app": "backend"}),
                         ingress=[rule([peer(block="192.168.0.12/32")])]))
    by_ip.pods[agent.key] = agent
    assert judge(by_ip, "ingress", BACKEND.key, agent.key).allowed


def test_ingress_from_the_pods_own_node_is_always_allowed() -> None:
    c = scene(DENY_ALL)
    d = judge(c, "ingress", BACKEND.key, NODES["node-1"])
    assert (d.isolated, d.allowed, d.from_own_node) == (True, True, True)
    assert "always allowed" in d.line
    assert not judge(c, "ingress", BACKEND.key, NODES["node-2"]).allowed


# --- enforcement ----------------------------------------------------------------------------


@pytest.mark.parametrize(("cni", "hint"), [("flannel", ""), ("aws-vpc-cni", "agent")])
def test_unenforced_policies_deny_nothing_but_are_named(cni: str, hint: str) -> None:
    d = judge(scene(DENY_ALL, cni=cni), "ingress", BACKEND.key, FRONTEND.key)
    assert (d.enforced, d.isolated, d.allowed, d.would_allow, d.code) == (
        False, True, True, False, None)
    assert f"{cni} does not enforce NetworkPolicy" in d.line
    assert "would deny tcp/8080 from default/frontend-0" in d.line
    assert hint in d.line


# --- words: allowed by, denied because, fix -------------------------------------------------


def test_allowed_by_names_policy_rule_peer_and_port() -> None:
    d = judge(scene(DENY_ALL, ALLOW_FRONTEND), "ingress", BACKEND.key, FRONTEND.key)
    assert d.allowed_by is not None
    assert d.allowed_by.path == ()
    assert d.line == ("allowed by policy default/allow-frontend, ingress rule 1 (from pods "
                      "app=frontend in namespace default, tcp/8080)")


def test_denied_names_every_selecting_policy() -> None:
    d = judge(scene(DENY_ALL, ALLOW_FRONTEND), "ingress", BACKEND.key, FRONTEND.key,
              number=5432)
    assert d.code == "NETPOL_INGRESS_DENIED"
    assert d.reason == ("no ingress rule of the policies selecting default/backend-0 "
                        "(allow-frontend, default-deny) admits tcp/5432 from "
                        "default/frontend-0 (10.0.10.5)")
    assert d.line == d.reason


def test_fix_adds_the_port_to_the_rule_that_already_admits_the_peer() -> None:
    c = scene(DENY_ALL, ALLOW_FRONTEND)
    d = judge(c, "ingress", BACKEND.key, FRONTEND.key, number=9090)
    assert d.fix == ("add tcp/9090 to the ports of default/allow-frontend's ingress rule 1 (it "
                     "already admits from that peer, on tcp/8080)")
    _fix_works(c, "ingress", BACKEND, FRONTEND, "tcp", 9090)


def test_fix_adds_a_rule_with_both_selectors_in_one_entry() -> None:
    c = scene(DENY_ALL, ALLOW_FRONTEND)
    d = judge(c, "ingress", BACKEND.key, DB.key, number=8080)
    assert d.fix == ("add to default/allow-frontend's ingress a rule from namespaceSelector "
                     "kubernetes.io/metadata.name=data and podSelector app=db (one entry: "
                     "both selectors together) on tcp/8080")
    _fix_works(c, "ingress", BACKEND, DB, "tcp", 8080)


def test_fix_is_a_new_policy_when_only_default_deny_selects_the_pod() -> None:
    c = scene(DENY_ALL)
    d = judge(c, "ingress", BACKEND.key, "203.0.113.9", number=8080)
    assert d.fix == ("add a NetworkPolicy in namespace default with podSelector app=backend, "
                     "policyTypes [Ingress] and an ingress rule from ipBlock 203.0.113.9/32 on "
                     "tcp/8080")
    _fix_works(c, "ingress", BACKEND, None, "tcp", 8080, IPv4Address("203.0.113.9"))


def _fix_works(c: Cluster, direction: Direction, at: Pod, other: Pod | None, protocol: str,
               number: int | None, ip: IPv4Address | None = None) -> None:
    index = build_policy_index(c)
    address = other.ip if other else ip
    assert address is not None
    policies = index.selecting(at, direction)
    plan = plan_fix(index, direction, at, policies, address, other, protocol, number)
    fixed = build_policy_index(apply_fix(c, plan))
    assert admits(fixed, direction, at, address, other, protocol, number)


# --- DNS ------------------------------------------------------------------------------------

COREDNS = pod("kube-system/coredns-0", "10.0.12.2", {"k8s-app": "kube-dns"},
              ports=[("dns", 53, "udp"), ("dns-tcp", 53, "tcp")])
KUBE_DNS = Service("kube-system", "kube-dns", "ClusterIP", IPv4Address("10.100.0.10"),
                   (ServicePort("dns", "udp", 53, 53, None, ()),), {"k8s-app": "kube-dns"}, (),
                   None, "Cluster", "Cluster", {}, None, (), ("services", "kube-dns"))


def test_the_guides_scenario_7_dns_rule_allows_udp_53_anywhere_but_not_tcp() -> None:
    secure = policy("default/secure-backend", sel({"app": "backend"}), ("Ingress", "Egress"),
                    ingress=[rule([peer(sel({"app": "frontend"}))], [port(8080)])],
                    egress=[rule([peer(sel({"app": "database"}))], [port(5432)]),
                            rule([], [port(53, "udp")])])  # `to: []`: every destination
    c = cluster([FRONTEND, BACKEND, COREDNS], [secure], services=[KUBE_DNS])
    assert judge(c, "egress", BACKEND.key, COREDNS.key, "udp", 53).allowed
    assert judge(c, "egress", BACKEND.key, "8.8.8.8", "udp", 53).allowed
    assert not judge(c, "egress", BACKEND.key, COREDNS.key, "tcp", 53).allowed
    assert not judge(c, "egress", BACKEND.key, "8.8.8.8", "tcp", 443).allowed
    note = dns_note(build_policy_index(c), BACKEND)
    assert note is not None
    assert "allow udp/53 to the cluster DNS (kube-system/coredns-0, 10.0.12.2) but not tcp/53" \
        in note
    assert "truncated" in note


def test_egress_default_deny_without_dns_breaks_name_resolution() -> None:
    deny_out = policy("default/deny-out", sel(), ("Egress",))
    c = cluster([FRONTEND, BACKEND, COREDNS], [deny_out], services=[KUBE_DNS])
    note = dns_note(build_policy_index(c), BACKEND)
    assert note == ("default/backend-0's egress is isolated by deny-out and no rule allows DNS "
                    "to the cluster DNS (kube-system/coredns-0, 10.0.12.2): name resolution "
                    "breaks (every lookup times out); allow udp/53 and tcp/53 to "
                    "namespaceSelector kubernetes.io/metadata.name=kube-system and podSelector "
                    "k8s-app=kube-dns (one entry: both selectors together)")
    d = judge(c, "egress", BACKEND.key, COREDNS.key, "udp", 53)
    assert d.fix is not None and "udp/53 and tcp/53" in d.fix
    _fix_works(c, "egress", BACKEND, COREDNS, "udp", 53)
    _fix_works(c, "egress", BACKEND, COREDNS, "tcp", 53)


def test_no_dns_note_when_dns_is_allowed_or_egress_is_open() -> None:
    dns = rule([peer(sel({"k8s-app": "kube-dns"}), sel())], [port(53, "udp"), port(53, "tcp")])
    fine = policy("default/deny-out", sel(), ("Egress",), egress=[dns])
    c = cluster([BACKEND, COREDNS], [fine], services=[KUBE_DNS])
    assert dns_note(build_policy_index(c), BACKEND) is None
    assert dns_note(build_policy_index(cluster([BACKEND, COREDNS])), BACKEND) is None
    unenforced = cluster([BACKEND, COREDNS], [policy("default/d", sel(), ("Egress",))],
                         cni="flannel")
    assert dns_note(build_policy_index(unenforced), BACKEND) is None


# --- speed ------------------------------------------------------------------------------------


def test_one_evaluation_is_well_under_a_millisecond_on_a_large_cluster() -> None:
    import importlib.util
    import random
    import time
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "kube_cluster.py"
    spec = importlib.util.spec_from_file_location("kube_cluster", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    big: Cluster = module.make_cluster(pods=5000, services=1000, policies=500, seed=1)
    index = build_policy_index(big)
    pods = list(big.pods.values())
    rng = random.Random(7)
    pairs = [(rng.choice(pods), rng.choice(pods)) for _ in range(500)]
    start = time.perf_counter()
    for a, b in pairs:
        evaluate(index, "ingress", b, a.ip, a, "tcp", 8080)
        evaluate(index, "egress", a, b.ip, b, "tcp", 8080)
    per_call = (time.perf_counter() - start) / (2 * len(pairs))
    assert per_call < 0.001, f"{per_call * 1000:.3f} ms per evaluation"
