"""`netpath matrix`'s engine: classes of pods must give exactly the all-pairs answer, fast."""

from __future__ import annotations

import importlib.util
import time
from dataclasses import replace
from ipaddress import IPv4Address
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netpath.engine.errors import QueryError
from netpath.engine.matrix import (
    Matrix,
    MatrixPod,
    Verdict,
    build_matrix,
    pair_verdict,
    select_pods,
)
from netpath.engine.matrix_paths import trace_pair, verdict_of
from netpath.engine.network import prepare
from netpath.engine.network_policy import build_policy_index
from netpath.model.kubernetes import Cluster, Requirement
from netpath.model.resources import Model
from netpath.model.vocabulary import Code
from tests.engine.test_network_policy import (
    ALLOW_FRONTEND,
    BACKEND,
    DB,
    DENY_ALL,
    FRONTEND,
    OTHER_FRONTEND,
    cluster,
    peer,
    pod,
    policy,
    port,
    rule,
    scene,
    sel,
)
from tests.engine.test_network_policy_property import to_model, worlds

ROOT = Path(__file__).resolve().parents[2]


def kube_cluster() -> ModuleType:
    """bench/kube_cluster.py, the generator `make bench` uses too (bench is no package)."""
    spec = importlib.util.spec_from_file_location("kube_cluster", ROOT / "bench" /
                                                  "kube_cluster.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_cluster(pods: int, services: int, policies: int, seed: int) -> Cluster:
    made: Cluster = kube_cluster().make_cluster(pods, services, policies, seed)
    return made


def make_vpc_model(pods: int, services: int, policies: int, seed: int,
                   cni: str = "aws-vpc-cni") -> Model:
    made: Model = kube_cluster().make_vpc_model(pods, services, policies, seed, cni=cni)
    return made


def brute_force(clusters: dict[str, Cluster], matrix: Matrix) -> dict[tuple[str, str], Verdict]:
    indexes = {name: build_policy_index(c) for name, c in clusters.items()}
    return {(a.name, b.name): pair_verdict(indexes, a, b, matrix.protocol, matrix.port)
            for a in matrix.pods for b in matrix.pods if a is not b}


def by_name(matrix: Matrix) -> dict[tuple[str, str], Verdict]:
    return {(matrix.pods[i].name, matrix.pods[j].name): v for i, j, v in matrix.pairs()}


def test_classes_give_the_all_pairs_answer_on_a_generated_cluster() -> None:
    c = make_cluster(pods=150, services=30, policies=80, seed=3)
    clusters = {c.name: c}
    for number in (8080, 5432, 53, 443):
        for protocol in ("tcp", "udp"):
            matrix = build_matrix(clusters, select_pods(clusters), protocol, number)
            assert matrix.classes < len(matrix.pods)  # the point of classes
            assert by_name(matrix) == brute_force(clusters, matrix), (protocol, number)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds(), protocol=st.sampled_from(("tcp", "udp", "sctp")),
       number=st.sampled_from((53, 80, 8080, 9090)))
def test_classes_give_the_all_pairs_answer_on_random_worlds(world: dict[str, object],
                                                            protocol: str, number: int) -> None:
    c = to_model(world)
    clusters = {c.name: c}
    matrix = build_matrix(clusters, select_pods(clusters), protocol, number)
    assert by_name(matrix) == brute_force(clusters, matrix)


def test_a_host_network_source_reaches_pods_of_its_own_node_only() -> None:
    agent = pod("default/agent-0", "", {"app": "agent"}, node="node-1", host=True)
    twin = replace(BACKEND, name="backend-1", node="node-2", ip=IPv4Address("10.0.10.11"))
    c = cluster([agent, BACKEND, twin], [DENY_ALL])
    clusters = {c.name: c}
    matrix = build_matrix(clusters, select_pods(clusters), "tcp", 8080)
    pairs = by_name(matrix)
    assert pairs[("default/agent-0", "default/backend-0")].reachable  # same node
    assert pairs[("default/agent-0", "default/backend-1")] == Verdict(
        False, "NETPOL_INGRESS_DENIED")
    assert pairs == brute_force(clusters, matrix)


def test_egress_is_judged_first_and_a_pod_to_itself_is_left_out() -> None:
    deny_out = policy("default/deny-out", sel({"app": "frontend"}), ("Egress",))
    c = scene(DENY_ALL, ALLOW_FRONTEND, deny_out)
    clusters = {c.name: c}
    matrix = build_matrix(clusters, select_pods(clusters), "tcp", 8080)
    pairs = by_name(matrix)
    assert len(pairs) == 4 * 3
    assert all(a != b for a, b in pairs)
    assert pairs[("default/frontend-0", "default/backend-0")] == Verdict(
        False, "NETPOL_EGRESS_DENIED")
    assert pairs[("other/frontend-0", "default/backend-0")] == Verdict(
        False, "NETPOL_INGRESS_DENIED")
    assert pairs[("default/backend-0", "data/db-0")] == Verdict(True, None)


def test_a_pod_to_itself_is_admitted_and_says_nothing_of_its_class() -> None:
    """A pod cannot block access to itself (kubernetes.io, Network Policies): `pair_verdict`
    admits a pod to itself under a default-deny both ways, the matrix leaves that pair out,
    and two pods of one class are still judged as two."""
    deny_out = policy("default/deny-out", sel(), ("Egress",))
    twin = replace(BACKEND, name="backend-1", ip=IPv4Address("10.0.10.11"))
    c = cluster([BACKEND, twin], [DENY_ALL, deny_out])
    clusters = {c.name: c}
    indexes = {c.name: build_policy_index(c)}
    matrix = build_matrix(clusters, select_pods(clusters), "tcp", 8080)
    assert matrix.classes == 1
    for mp in matrix.pods:
        assert pair_verdict(indexes, mp, mp, "tcp", 8080) == Verdict(True, None)
    assert by_name(matrix) == {
        ("default/backend-0", "default/backend-1"): Verdict(False, "NETPOL_EGRESS_DENIED"),
        ("default/backend-1", "default/backend-0"): Verdict(False, "NETPOL_EGRESS_DENIED")}
    with pytest.raises(ValueError, match="left out"):
        matrix.verdict(0, 0)


def test_tracing_a_pod_to_itself_is_reachable_on_a_vpc() -> None:
    """What the matrix leaves out, the trace answers: every pod of a generated VPC cluster
    (policies and all) reaches itself, when it has an address."""
    net = prepare(make_vpc_model(pods=40, services=5, policies=30, seed=4))
    for mp in select_pods(net.model.clusters):
        done = trace_pair(net, mp, mp, "tcp", 9000)
        if (mp.cluster, mp.pod.key) in net.kube.pods_without_ip:
            continue
        assert done.reachable, (mp.name, done.blocked_by)


def test_unenforced_policies_leave_everything_reachable_and_say_so() -> None:
    c = scene(DENY_ALL, cni="flannel")
    clusters = {c.name: c}
    matrix = build_matrix(clusters, select_pods(clusters), "tcp", 8080)
    assert all(v.reachable for _, _, v in matrix.pairs())
    assert matrix.notes == ("cluster c: flannel does not enforce NetworkPolicy, so every pair "
                            "is reachable as far as policies go",)


def test_named_ports_split_classes() -> None:
    # Two backends alike but for what they call "http": only one admits on 8080.
    by_name_port = policy("default/p", sel({"app": "backend"}),
                          ingress=[rule([peer(sel({"app": "frontend"}))], [port("http")])])
    other = replace(BACKEND, name="backend-1", ip=IPv4Address("10.0.10.11"),
                    ports=(replace(BACKEND.ports[0], port=9999),))
    c = cluster([FRONTEND, BACKEND, other], [by_name_port])
    clusters = {c.name: c}
    pairs = by_name(build_matrix(clusters, select_pods(clusters), "tcp", 8080))
    assert pairs[("default/frontend-0", "default/backend-0")].reachable
    assert not pairs[("default/frontend-0", "default/backend-1")].reachable


def test_labels_split_classes_only_where_a_selector_reads_them() -> None:
    a = pod("default/client-a", "10.0.10.21", {"app": "client", "role": "a", "hash": "1"})
    b = pod("default/client-b", "10.0.10.22", {"app": "client", "role": "b", "hash": "2"})
    a2 = pod("default/client-a2", "10.0.10.23", {"app": "client", "role": "a", "hash": "3"})
    only_a = policy("default/p", sel({"app": "backend"}),
                    ingress=[rule([peer(sel({}, expr_in("role", "a")))])])
    c = cluster([BACKEND, a, b, a2], [only_a])
    clusters = {c.name: c}
    matrix = build_matrix(clusters, select_pods(clusters), "tcp", 8080)
    pairs = by_name(matrix)
    assert pairs[("default/client-a", "default/backend-0")].reachable
    assert not pairs[("default/client-b", "default/backend-0")].reachable
    assert matrix.classes == 3  # backend, role=a (whatever the hash), role=b
    assert pairs == brute_force(clusters, matrix)


def expr_in(key: str, *values: str) -> Requirement:
    return Requirement(key, "In", values)


@pytest.mark.parametrize("side", ["destination", "source"])
def test_ip_blocks_split_classes(side: str) -> None:
    # Twin backends, same labels, different IPs: an ipBlock (with an except) tells them apart,
    # as destinations of frontend's egress, or as sources for db's ingress.
    twin = replace(BACKEND, name="backend-1", ip=IPv4Address("10.0.10.200"))
    block = peer(block="10.0.10.0/24", excepts=["10.0.10.128/25"])
    if side == "destination":
        p = policy("default/out", sel({"app": "frontend"}), ("Egress",), egress=[rule([block])])
        first, second = ("default/frontend-0", "default/backend-0"), ("default/frontend-0",
                                                                      "default/backend-1")
    else:
        p = policy("data/in", sel({"app": "db"}), ingress=[rule([block])])
        first, second = ("default/backend-0", "data/db-0"), ("default/backend-1", "data/db-0")
    c = cluster([FRONTEND, BACKEND, twin, DB], [p])
    clusters = {c.name: c}
    matrix = build_matrix(clusters, select_pods(clusters), "tcp", 8080)
    pairs = by_name(matrix)
    assert pairs[first].reachable
    assert not pairs[second].reachable
    assert pairs == brute_force(clusters, matrix)


# --- choosing the pods ----------------------------------------------------------------------


def test_select_by_namespace_and_selector() -> None:
    c = scene()
    clusters = {c.name: c}
    assert [p.name for p in select_pods(clusters)] == [
        "data/db-0", "default/backend-0", "default/frontend-0", "other/frontend-0"]
    assert [p.name for p in select_pods(clusters, ["default", "data"])] == [
        "data/db-0", "default/backend-0", "default/frontend-0"]
    assert [p.name for p in select_pods(clusters, (), ["app=frontend"])] == [
        "default/frontend-0", "other/frontend-0"]
    assert [p.name for p in select_pods(clusters, ["other"], ["app=frontend"])] == [
        "other/frontend-0"]


@pytest.mark.parametrize(("namespaces", "selectors", "message"), [
    (["nope"], [], "unknown namespace 'nope'"),
    ([], ["app=nothing"], "no pod matches --selector 'app=nothing'"),
    (["data"], ["app=frontend"], "no pod in namespace data matches --selector 'app=frontend'"),
    ([], ["app"], "bad --selector 'app'"),
    ([], ["app!=x"], "bad --selector 'app!=x'"),
])
def test_bad_choices_are_query_errors(namespaces: list[str], selectors: list[str],
                                      message: str) -> None:
    c = scene()
    with pytest.raises(QueryError) as caught:
        select_pods({c.name: c}, namespaces, selectors)
    assert caught.value.message == message


def test_no_pods_at_all_is_a_query_error() -> None:
    with pytest.raises(QueryError, match="no Kubernetes pods"):
        select_pods({})


def test_several_clusters_name_pods_with_their_cluster() -> None:
    one = replace(scene(), name="east")
    two = replace(cluster([OTHER_FRONTEND]), name="west")
    clusters = {"east": one, "west": two}
    pods = select_pods(clusters, ["other"])
    assert [p.name for p in pods] == ["east/other/frontend-0", "west/other/frontend-0"]
    assert isinstance(pods[0], MatrixPod)


# --- speed ----------------------------------------------------------------------------------


def test_500_pods_and_200_policies_well_under_3_seconds() -> None:
    c = make_cluster(pods=500, services=100, policies=200, seed=1)
    assert (len(c.pods), len(c.network_policies)) == (500, 200)
    clusters = {c.name: c}
    start = time.perf_counter()
    matrix = build_matrix(clusters, select_pods(clusters), "tcp", 8080)
    reachable = sum(v.reachable for _, _, v in matrix.pairs())
    elapsed = time.perf_counter() - start
    assert 0 < reachable < 500 * 499
    assert matrix.stats.traces == 0  # a flat pod network: NetworkPolicy is the whole story
    assert elapsed < 1.5, f"{elapsed:.2f} s ({matrix.classes} classes)"


@pytest.mark.parametrize("cni", ["aws-vpc-cni", "calico"])
def test_500_pods_on_a_vpc_well_under_3_seconds(cni: str) -> None:
    """The same cluster on EC2 nodes in three subnets (bench/kube_cluster.py): prepare, classes,
    one trace per path class pair, and every pair's verdict."""
    model = make_vpc_model(pods=500, services=100, policies=200, seed=1, cni=cni)
    start = time.perf_counter()
    net = prepare(model)
    pods = select_pods(net.model.clusters)
    matrix = build_matrix(net, pods, "tcp", 8080)
    codes = {v.code for _, _, v in matrix.pairs()}
    elapsed = time.perf_counter() - start
    assert len(pods) == 500
    assert {None, "NETPOL_EGRESS_DENIED", "NETPOL_INGRESS_DENIED"} < codes  # and the VPC's
    assert 0 < matrix.stats.traces < 300
    assert elapsed < 1.5, f"{elapsed:.2f} s ({matrix.stats})"


def test_the_vpc_variant_agrees_with_tracing_every_pair() -> None:
    net = prepare(make_vpc_model(pods=60, services=10, policies=30, seed=2))
    pods = select_pods(net.model.clusters)
    for protocol, number in (("tcp", 9000), ("udp", 53)):
        matrix = build_matrix(net, pods, protocol, number)
        assert matrix.classes < len(pods)
        assert by_name(matrix) == {
            (a.name, b.name): verdict_of(trace_pair(net, a, b, protocol, number))
            for a in pods for b in pods if a is not b}


def test_a_pod_without_an_ip_is_no_pod_ip_as_a_trace_says() -> None:
    """The VPC CNI ran out of addresses for some pods (interview 5): the matrix said they were
    reachable while `netpath trace` says NO_POD_IP, either way round."""
    from netpath.sources.loader import load_spec

    net = prepare(load_spec(Path("interview-ip-exhaustion")).model)
    pods = select_pods(net.model.clusters, namespaces=["shop"])
    matrix = build_matrix(net, pods, "tcp", 8080)
    lost = [i for i, p in enumerate(pods) if (p.cluster, p.pod.key) in net.kube.pods_without_ip]
    kept = [i for i in range(len(pods)) if i not in lost]
    assert lost and kept
    for source, destination in ((lost[0], kept[0]), (kept[0], lost[0]), (kept[0], kept[1])):
        expected = verdict_of(trace_pair(net, pods[source], pods[destination], "tcp", 8080))
        assert matrix.verdict(source, destination) == expected
    assert matrix.verdict(kept[0], lost[0]) == Verdict(False, Code.NO_POD_IP)
