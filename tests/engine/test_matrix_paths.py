"""`netpath matrix` where a cluster has a VPC: classes of pods must give exactly what tracing every
pair with `trace` gives.

The worlds are specs (the YAML a user writes, as dicts) built by the real loader: a VPC with two
node subnets whose NACLs are drawn at random, three nodes (two in one subnet), node security
groups whose rules leave some ports or peers out, security groups for pods through a
SecurityGroupPolicy (standard or strict mode), pods with random labels, named ports and
sometimes hostNetwork or the ingress-nginx controller's label, a NodePort Service, and random
NetworkPolicies (the strategy of the NetworkPolicy property test, its CIDRs moved onto the
node subnets so that ipBlocks split them). The reference is brute force: `trace` for every
ordered pair of distinct pods.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netpath.engine import Network, prepare, trace
from netpath.engine.hops import Query
from netpath.engine.matrix import Matrix, MatrixPod, Verdict, build_matrix, select_pods
from netpath.engine.matrix_paths import (
    Spans,
    path_verdict,
    pod_query_name,
    trace_pair,
    verdict_of,
    without_network_policies,
)
from netpath.engine.network_policy import admits
from netpath.sources.loader import load_spec
from tests.engine.casekit import build
from tests.engine.test_network_policy_property import NAMED, NAMESPACES, NS_LABELS, POD_LABELS
from tests.engine.test_network_policy_property import labels as label_sets
from tests.engine.test_network_policy_property import policies as raw_policies

Raw = dict[str, Any]
NODES = {"n1": ("nodes-a", "10.0.10.100", 1), "n2": ("nodes-a", "10.0.10.101", 2),
         "n3": ("nodes-b", "10.0.11.100", 3)}
# The NetworkPolicy strategy's CIDRs, moved onto the node subnets (containment kept).
MOVED = {"10.0.0.0/29": "10.0.10.0/29", "10.0.0.0/30": "10.0.10.0/30",
         "10.0.0.4/30": "10.0.10.4/30", "192.168.0.0/24": "10.0.11.0/24"}
RULE_PORTS = (53, 80, 8080, 9090, 30080, "32768-60999", "1024-65535", "0-65535")
RULE_CIDRS = ("10.0.10.0/24", "10.0.11.0/24", "10.0.10.0/29", "10.0.0.0/16", "0.0.0.0/0")
QUERY_PORTS = (53, 80, 8080, 9090, 30080)
NODE_PORT = 30080


# --- the AWS part -------------------------------------------------------------------------------

@st.composite
def nacls(draw: st.DrawFn, name: str) -> Raw:
    def rules() -> list[Raw]:
        out = []
        for k in range(draw(st.integers(0, 3))):
            protocol = draw(st.sampled_from(("tcp", "udp", "all", "4")))
            rule: Raw = {"rule": 100 + 10 * k, "action": draw(st.sampled_from(("allow", "deny"))),
                         "protocol": protocol, "cidr": draw(st.sampled_from(RULE_CIDRS))}
            if protocol in ("tcp", "udp"):
                rule["port"] = draw(st.sampled_from(RULE_PORTS))
            out.append(rule)
        if draw(st.integers(0, 2)):  # most NACLs end with an allow-all
            out.append({"rule": 200, "action": "allow", "protocol": "all", "cidr": "0.0.0.0/0"})
        return out

    return {"inbound": rules(), "outbound": rules()}


@st.composite
def sg_rules(draw: st.DrawFn, peers: Sequence[str], most: int) -> list[Raw]:
    out = []
    for _ in range(draw(st.integers(0, most))):
        protocol = draw(st.sampled_from(("tcp", "udp", "all", "4")))
        peer = draw(st.sampled_from((*peers, *RULE_CIDRS[2:])))
        rule: Raw = {"protocol": protocol}
        rule["security_group" if peer.startswith("sg-") else "cidr"] = peer
        if protocol in ("tcp", "udp"):
            rule["port"] = draw(st.sampled_from(RULE_PORTS))
        out.append(rule)
    return out


@st.composite
def security_groups(draw: st.DrawFn) -> Raw:
    groups: Raw = {}
    for name in ("sg-nodes", "sg-pods"):
        group: Raw = {"ingress": draw(sg_rules(("sg-nodes", "sg-pods"), 3))}
        if draw(st.integers(0, 3)) == 0:  # else AWS's default allow-all outbound
            group["egress"] = draw(sg_rules(("sg-nodes", "sg-pods"), 2))
        groups[name] = group
    return groups


def aws(network_acls: dict[str, Raw], groups: Raw) -> Raw:
    subnets: Raw = {"nodes-a": {"cidr": "10.0.10.0/24", "az": "us-east-1a", "route_table": "rt"},
                    "nodes-b": {"cidr": "10.0.11.0/24", "az": "us-east-1b", "route_table": "rt"}}
    for subnet in network_acls:
        subnets[subnet]["network_acl"] = f"nacl-{subnet}"
    instances = {name: {"subnet": subnet, "private_ip": ip, "security_groups": ["sg-nodes"]}
                 for name, (subnet, ip, _) in NODES.items()}
    return {"netpath": 1, "vpcs": {"prod": {
        "cidr": "10.0.0.0/16", "region": "us-east-1", "subnets": subnets,
        "route_tables": {"rt": {"routes": {}}},
        "network_acls": {f"nacl-{s}": acl for s, acl in network_acls.items()},
        "security_groups": groups, "instances": instances}}}


# --- the cluster --------------------------------------------------------------------------------

def pod_ip(node: str, octet: int, overlay: bool) -> str:
    _, node_ip, k = NODES[node]
    if overlay:
        return f"10.244.{k}.{octet}"
    return f"{node_ip.rsplit('.', 1)[0]}.{octet}"


@st.composite
def manifests(draw: st.DrawFn, overlay: bool) -> list[Raw]:
    docs: list[Raw] = [{"apiVersion": "v1", "kind": "Namespace",
                        "metadata": {"name": ns, "labels": draw(label_sets(NS_LABELS))}}
                       for ns in NAMESPACES]
    octets = draw(st.lists(st.sampled_from((4, 5, 6, 7, 20, 21, 22)), min_size=2,
                           max_size=6, unique=True))
    for i, octet in enumerate(octets):
        node = draw(st.sampled_from(sorted(NODES)))
        pod_labels = draw(label_sets(POD_LABELS))
        if draw(st.integers(0, 9)) == 0:
            pod_labels["app.kubernetes.io/name"] = "ingress-nginx"
        named = draw(st.lists(st.sampled_from(NAMED), max_size=2, unique_by=lambda x: x[0]))
        host = draw(st.integers(0, 7)) == 0
        spec: Raw = {"nodeName": node, "hostNetwork": host, "containers": [{
            "name": "c", "image": "c", "ports": [
                {"name": n, "containerPort": p, "protocol": proto} for n, p, proto in named]}]}
        pod: Raw = {"apiVersion": "v1", "kind": "Pod", "spec": spec, "metadata": {
            "name": f"pod{i}", "namespace": draw(st.sampled_from(NAMESPACES)),
            "labels": pod_labels}}
        if not host:
            pod["status"] = {"podIP": pod_ip(node, octet, overlay)}
        docs.append(pod)
    docs.append({"apiVersion": "v1", "kind": "Service",
                 "metadata": {"name": "web", "namespace": "a"},
                 "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [
                     {"port": 80, "targetPort": 8080, "nodePort": NODE_PORT}]}})
    if not overlay and draw(st.booleans()):
        docs.append({"apiVersion": "vpcresources.k8s.aws/v1beta1", "kind": "SecurityGroupPolicy",
                     "metadata": {"name": "own", "namespace": draw(st.sampled_from(NAMESPACES))},
                     "spec": {"podSelector": {"matchLabels": {
                         "app": draw(st.sampled_from(POD_LABELS["app"]))}},
                         "securityGroups": {"groupIds": ["sg-pods"]}}})
    for i in range(draw(st.integers(0, 4))):
        raw = json.loads(_move_cidrs(json.dumps(draw(raw_policies(i)))))
        docs.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", **raw})
    return docs


def _move_cidrs(text: str) -> str:
    for old, new in MOVED.items():
        text = text.replace(f'"{old}"', f'"{new}"')
    return text


@st.composite
def worlds(draw: st.DrawFn, overlay: bool) -> Raw:
    subnets = draw(st.sets(st.sampled_from(("nodes-a", "nodes-b"))))
    spec = aws({s: draw(nacls(s)) for s in sorted(subnets)}, draw(security_groups()))
    nodes: Raw = {name: {"instance": name} for name in NODES}
    cluster: Raw = {"vpc": "prod", "service_cidr": "10.100.0.0/16", "nodes": nodes,
                    "manifests": draw(manifests(overlay))}
    if overlay:
        cluster["cni"] = draw(st.sampled_from(("calico", "cilium", "flannel")))
        cluster["pod_cidr"] = "10.244.0.0/16"
        for name, (_, _, k) in NODES.items():
            nodes[name]["pod_cidr"] = f"10.244.{k}.0/24"
    else:
        cluster["cni"] = "aws-vpc-cni"
        cluster["network_policy_agent"] = draw(st.integers(0, 4)) > 0
        cluster["pod_security_group_mode"] = draw(st.sampled_from(("standard", "strict")))
    spec["clusters"] = {"eks": cluster}
    return spec


# --- the checks ---------------------------------------------------------------------------------

def brute_force(net: Network, pods: Sequence[MatrixPod], protocol: str,
                port: int) -> dict[tuple[str, str], Verdict]:
    return {(a.name, b.name): verdict_of(trace_pair(net, a, b, protocol, port))
            for a in pods for b in pods if a is not b}


def by_name(matrix: Matrix) -> dict[tuple[str, str], Verdict]:
    return {(matrix.pods[i].name, matrix.pods[j].name): v for i, j, v in matrix.pairs()}


def check_world(spec: Raw, protocol: str, port: int) -> Matrix:
    net = prepare(build(spec))
    pods = select_pods(net.model.clusters)
    matrix = build_matrix(net, pods, protocol, port)
    assert by_name(matrix) == brute_force(net, pods, protocol, port)
    check_short_circuit(net, pods, protocol, port)
    return matrix


def check_short_circuit(net: Network, pods: Sequence[MatrixPod], protocol: str,
                        port: int) -> None:
    """What the matrix relies on when it judges NetworkPolicy with `admits` rather than a trace:
    a pair egress policy denies is NETPOL_EGRESS_DENIED in the trace, whatever the network; one
    ingress policy denies is NETPOL_INGRESS_DENIED unless the network blocks it on the way."""
    index = net.kube.policy_indexes["eks"]
    bare = without_network_policies(net)
    for a in pods:
        for b in pods:
            if a is b:
                continue
            code = verdict_of(trace_pair(net, a, b, protocol, port)).code
            src, dst = a.pod, b.pod
            if not admits(index, "egress", src, dst.ip, dst, protocol, port):
                assert code == "NETPOL_EGRESS_DENIED", (a.name, b.name)
                continue
            path = path_verdict(trace_pair(bare, a, b, protocol, port), a, b)
            if (path.direct and not path.forward
                    and not admits(index, "ingress", dst, src.ip, src, protocol, port)):
                assert code == "NETPOL_INGRESS_DENIED", (a.name, b.name)


SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(world=worlds(overlay=False), protocol=st.sampled_from(("tcp", "udp")),
       port=st.sampled_from(QUERY_PORTS))
def test_vpc_cni_classes_give_what_tracing_every_pair_gives(world: Raw, protocol: str,
                                                            port: int) -> None:
    check_world(world, protocol, port)


@SETTINGS
@given(world=worlds(overlay=True), protocol=st.sampled_from(("tcp", "udp")),
       port=st.sampled_from(QUERY_PORTS))
def test_overlay_classes_give_what_tracing_every_pair_gives(world: Raw, protocol: str,
                                                            port: int) -> None:
    check_world(world, protocol, port)


# --- worked examples ----------------------------------------------------------------------------

def _pod(name: str, node: str, octet: int, app: str, *, host: bool = False) -> Raw:
    pod: Raw = {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": "a", "labels": {"app": app}},
                "spec": {"nodeName": node, "hostNetwork": host,
                         "containers": [{"name": "c", "image": "c"}]}}
    if not host:
        pod["status"] = {"podIP": pod_ip(node, octet, overlay=False)}
    return pod


def _world(groups: Raw, docs: list[Raw], network_acls: dict[str, Raw] | None = None) -> Raw:
    spec = aws(network_acls or {}, groups)
    spec["clusters"] = {"eks": {"vpc": "prod", "cni": "aws-vpc-cni", "network_policy_agent": True,
                                "service_cidr": "10.100.0.0/16",
                                "nodes": {n: {"instance": n} for n in NODES},
                                "manifests": [{"apiVersion": "v1", "kind": "Namespace",
                                               "metadata": {"name": "a"}}, *docs]}}
    return spec


ONLY_8080 = {"sg-nodes": {"ingress": [{"protocol": "tcp", "port": 8080,
                                       "security_group": "sg-nodes"}]}, "sg-pods": {}}
DENY_ALL = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "deny", "namespace": "a"}, "spec": {"podSelector": {}}}


def test_same_node_pairs_skip_the_vpc_and_other_nodes_meet_the_node_group() -> None:
    spec = _world(ONLY_8080, [_pod("x", "n1", 5, "x"), _pod("y", "n1", 6, "y"),
                              _pod("z", "n3", 5, "z")])
    pairs = by_name(check_world(spec, "tcp", 9090))
    assert pairs[("a/x", "a/y")] == Verdict(True, None)  # same node: no security group
    assert pairs[("a/x", "a/z")] == Verdict(False, "SG_INGRESS_DENIED")
    assert by_name(check_world(spec, "tcp", 8080))[("a/x", "a/z")] == Verdict(True, None)


def test_the_network_blocks_before_the_destinations_policy_and_after_the_sources() -> None:
    spec = _world(ONLY_8080, [_pod("x", "n1", 5, "x"), _pod("y", "n1", 6, "y"),
                              _pod("z", "n3", 5, "z"), DENY_ALL])
    matrix = check_world(spec, "tcp", 9090)
    pairs = by_name(matrix)
    assert pairs[("a/x", "a/y")] == Verdict(False, "NETPOL_INGRESS_DENIED")
    assert pairs[("a/x", "a/z")] == Verdict(False, "SG_INGRESS_DENIED")  # the SG comes first
    assert matrix.stats.path_classes == 2  # n1's pods, n3's
    egress = {**DENY_ALL, "spec": {"podSelector": {}, "policyTypes": ["Egress"]}}
    spec = _world(ONLY_8080, [_pod("x", "n1", 5, "x"), _pod("z", "n3", 5, "z"), egress])
    assert by_name(check_world(spec, "tcp", 9090))[("a/x", "a/z")] == Verdict(
        False, "NETPOL_EGRESS_DENIED")  # egress policy before anything on the way


def test_a_security_group_policy_splits_pods_of_one_node() -> None:
    sgp = {"apiVersion": "vpcresources.k8s.aws/v1beta1", "kind": "SecurityGroupPolicy",
           "metadata": {"name": "own", "namespace": "a"},
           "spec": {"podSelector": {"matchLabels": {"app": "db"}},
                    "securityGroups": {"groupIds": ["sg-pods"]}}}
    groups = {"sg-nodes": {"ingress": [{"protocol": "all", "security_group": "sg-nodes"}]},
              "sg-pods": {"ingress": [{"protocol": "tcp", "port": 5432,
                                       "security_group": "sg-nodes"}]}}
    spec = _world(groups, [_pod("client", "n1", 5, "client"), _pod("db", "n3", 5, "db"),
                           _pod("web", "n3", 6, "web"), sgp])
    pairs = by_name(check_world(spec, "tcp", 8080))
    assert pairs[("a/client", "a/web")] == Verdict(True, None)
    assert pairs[("a/client", "a/db")] == Verdict(False, "SG_INGRESS_DENIED")
    assert pairs[("a/db", "a/client")] == Verdict(False, "SG_INGRESS_DENIED")  # not in sg-nodes


def test_a_nacl_between_the_subnets_and_the_return_path() -> None:
    return_denied = {"inbound": [{"rule": 100, "action": "allow", "protocol": "tcp",
                                  "port": 8080, "cidr": "10.0.0.0/16"}],
                     "outbound": [{"rule": 100, "action": "allow", "protocol": "all",
                                   "cidr": "0.0.0.0/0"}]}
    groups = {"sg-nodes": {"ingress": [{"protocol": "all", "security_group": "sg-nodes"}]},
              "sg-pods": {}}
    spec = _world(groups, [_pod("x", "n1", 5, "x"), _pod("z", "n3", 5, "z")],
                  {"nodes-b": return_denied})
    pairs = by_name(check_world(spec, "tcp", 8080))
    assert pairs[("a/x", "a/z")] == Verdict(True, None)
    assert pairs[("a/z", "a/x")] == Verdict(False, "NACL_RETURN_DENIED")  # replies to 32768+
    assert by_name(check_world(spec, "tcp", 9090))[("a/x", "a/z")] == Verdict(
        False, "NACL_INBOUND_DENIED")


def test_a_node_port_on_a_host_network_destination_is_traced_whole() -> None:
    # kube-proxy forwards 30080 on any node to the Service's endpoint: its policy judges.
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "a"},
               "spec": {"type": "NodePort", "selector": {"app": "web"},
                        "ports": [{"port": 80, "targetPort": 8080, "nodePort": NODE_PORT}]}}
    groups = {"sg-nodes": {"ingress": [{"protocol": "all", "security_group": "sg-nodes"}]},
              "sg-pods": {}}
    spec = _world(groups, [_pod("x", "n1", 5, "x"), _pod("agent", "n3", 0, "agent", host=True),
                           _pod("web", "n2", 6, "web"), service, DENY_ALL])
    matrix = check_world(spec, "tcp", NODE_PORT)
    assert by_name(matrix)[("a/x", "a/agent")] == Verdict(False, "NETPOL_INGRESS_DENIED")
    assert by_name(check_world(spec, "tcp", 9100))[("a/x", "a/agent")] == Verdict(True, None)


def test_a_destination_pod_key_resolves_to_the_pod_ip_without_dns() -> None:
    net = prepare(load_spec(None).model)
    pods = {p.pod.key: p for p in select_pods(net.model.clusters)}
    done = trace(net, Query(pod_query_name(net, pods["default/pod-a"]),
                            pod_query_name(net, pods["default/backend-1"]), 8080))
    assert done.flow.dst_ip == pods["default/backend-1"].pod.ip
    assert not [h for h in done.hops if h.component in ("dns", "coredns")
                or h.action == "resolve"]


def test_the_default_scenario_on_8080() -> None:
    net = prepare(load_spec(None).model)
    pods = select_pods(net.model.clusters)
    matrix = build_matrix(net, pods, "tcp", 8080)
    pairs = by_name(matrix)
    backends = [p.name for p in pods if p.pod.labels.get("app") == "backend"]
    assert len(backends) == 3
    for backend in backends:
        assert pairs[("default/pod-a", backend)] == Verdict(True, None)
        assert pairs[("default/pod-b", backend)] == Verdict(False, "NETPOL_INGRESS_DENIED")
    assert pairs == brute_force(net, pods, "tcp", 8080)
    assert matrix.stats.traces < len(pairs)


def test_two_clusters_with_the_same_pod_names() -> None:
    spec = _world(ONLY_8080, [_pod("x", "n1", 5, "x"), _pod("z", "n3", 5, "z")])
    flat = {"nodes": {"w1": {"ip": "192.168.1.10"}}, "manifests": [
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x", "namespace": "a"},
         "spec": {"nodeName": "w1", "containers": [{"name": "c", "image": "c"}]},
         "status": {"podIP": "10.244.0.5"}}]}
    spec["clusters"]["flat"] = flat
    net = prepare(build(spec))
    pods = select_pods(net.model.clusters)
    assert [p.name for p in pods] == ["eks/a/x", "eks/a/z", "flat/a/x"]
    assert pod_query_name(net, pods[0]) == "eks/a/x"
    assert pod_query_name(net, pods[1]) == "a/z"
    matrix = build_matrix(net, pods, "tcp", 8080)
    assert by_name(matrix) == brute_force(net, pods, "tcp", 8080)


def test_bare_clusters_with_a_vpc_are_refused() -> None:
    net = prepare(load_spec(None).model)
    clusters = net.model.clusters
    with pytest.raises(ValueError, match="pass the prepared Network"):
        build_matrix(clusters, select_pods(clusters), "tcp", 8080)
    model_matrix = build_matrix(net.model, select_pods(clusters), "tcp", 8080)
    assert by_name(model_matrix) == by_name(build_matrix(net, select_pods(clusters), "tcp", 8080))


def test_spans_answer_which_prefixes_hold_an_address() -> None:
    from ipaddress import IPv4Address, IPv4Network

    spans = Spans([IPv4Network("10.0.0.0/16"), IPv4Network("10.0.10.0/24"),
                   IPv4Network("10.0.10.5/32"), IPv4Network("0.0.0.0/0")])
    at = [spans.position(IPv4Address(a)) for a in
          ("10.0.10.4", "10.0.10.5", "10.0.10.6", "10.0.11.1", "10.1.0.0", "10.0.0.0")]
    assert at[0] == at[2] == (24, int(IPv4Address("10.0.10.0")) >> 8)
    assert at[1] == (32, int(IPv4Address("10.0.10.5")))
    assert at[3] == at[5] == (16, 10 << 8) and at[4] == (0, 0)
    assert Spans([IPv4Network("10.0.0.0/8")]).position(IPv4Address("11.0.0.1")) is None
