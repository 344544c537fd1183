"""Assembling clusters (netpath/sources/kubernetes/clusters.py, settings.py, pods.py,
services.py): workloads expanded into pods, deterministic placement and addresses, namespaces,
ClusterIPs and NodePorts, and the notes that say what netpath chose.
"""

from __future__ import annotations

import zlib
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

import pytest
import yaml

from netpath.model.kubernetes import NAMESPACE_NAME_LABEL
from netpath.sources.netpath_spec.builder import build_model
from netpath.sources.netpath_spec.semantic import check_model
from tests.sources.kubernetes.test_objects import (
    CONTAINERS,
    files_pods,
    files_services,
    kube,
    kube_errors,
    spec,
)
from tests.sources.netpath_spec.speccases import base_spec, deep_merge, shown

ip = IPv4Address
net = IPv4Network


def deployment(name: str, replicas: int = 1, namespace: str = "default", **spec: Any) -> Any:
    """A Deployment of `replicas` pods; `spec` is its pod spec (one container unless given)."""
    labels = {"app": name}
    pod_spec = {"containers": CONTAINERS, **spec}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": pod_spec}}}


def workload(kind: str, name: str, **spec: Any) -> Any:
    doc = deployment(name, **spec)
    doc["kind"] = kind
    return doc


# --- workloads into pods -----------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "replicas", "names"), [
    ("Deployment", 3, ["web-0", "web-1", "web-2"]),
    ("StatefulSet", 2, ["web-0", "web-1"]),
    ("ReplicaSet", 1, ["web-0"]),
    ("Deployment", 0, []),
    ("DaemonSet", 5, ["web-node-1", "web-node-2"]),  # one per node; replicas do not count
])
def test_workload_pod_names(kind: str, replicas: int, names: list[str]) -> None:
    cluster, _ = kube([workload(kind, "web", replicas=replicas)])
    pods = files_pods(cluster)
    assert sorted(p.name for p in pods.values()) == names
    assert {p.owner for p in pods.values()} <= {f"{kind}/web"}
    assert all(p.labels == {"app": "web"} for p in pods.values())


def test_replicas_default_to_one() -> None:
    doc = deployment("web")
    del doc["spec"]["replicas"]
    cluster, _ = kube([doc])
    assert list(files_pods(cluster)) == ["default/web-0"]


def test_daemonset_honours_its_node_selector() -> None:
    cluster, _ = kube([workload("DaemonSet", "agent",
                                nodeSelector={"topology.kubernetes.io/zone": "us-east-1b"})])
    assert [(p.name, p.node) for p in files_pods(cluster).values()] == [
        ("agent-node-2", "node-2")]


def test_placement_follows_the_documented_formula() -> None:
    """Pod i of a workload runs on node (crc32("namespace/name") + i) mod N, nodes sorted."""
    cluster, _ = kube([deployment("web", 4, namespace="shop")])
    start = zlib.crc32(b"shop/web")
    expected = {f"shop/web-{i}": ["node-1", "node-2"][(start + i) % 2] for i in range(4)}
    assert {key: pod.node for key, pod in files_pods(cluster).items()} == expected
    assert all(pod.assigned == ("node", "ip") for pod in files_pods(cluster).values())


def test_node_name_and_node_selector_restrict_placement() -> None:
    cluster, _ = kube([deployment("pinned", 3, nodeName="node-2"),
                       deployment("zoned", 3, nodeSelector={"kubernetes.io/hostname": "node-1"})])
    assert {p.node for p in cluster.pods.values() if p.name.startswith("pinned")} == {"node-2"}
    assert {p.node for p in cluster.pods.values() if p.name.startswith("zoned")} == {"node-1"}
    assert cluster.pods["default/pinned-0"].assigned == ("ip",)


def test_a_pod_with_a_written_ip_runs_on_a_node_whose_subnet_holds_it() -> None:
    cluster, _ = kube([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}"},
                        "spec": {"containers": CONTAINERS},
                        "status": {"podIP": f"10.0.{10 + i % 2}.{50 + i}"}} for i in range(6)])
    assert {k: p.node for k, p in files_pods(cluster).items()} == {
        f"default/p{i}": ("node-1", "node-2")[i % 2] for i in range(6)}


def test_the_same_spec_gives_the_same_pods_every_time() -> None:
    docs = [deployment(f"app-{i}", 3, namespace=f"ns-{i % 3}") for i in range(12)]
    first, _ = kube(docs)
    second, _ = kube(docs)
    assert first.pods == second.pods
    assert [(p.node, p.ip) for p in first.pods.values()] == [
        (p.node, p.ip) for p in second.pods.values()]


# --- addresses -----------------------------------------------------------------------------------


def test_vpc_cni_addresses_skip_every_used_address_and_go_in_name_order() -> None:
    """node-1 is 10.0.10.100 in private-a, app-1 holds 10.0.10.10 (the fixtures' base), a
    written pod IP 10.0.10.4: web-0..web-11 take the rest from .4 up, web-2 before web-10."""
    cluster, model = kube([
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "fixed"},
         "spec": {"nodeName": "node-1", "containers": CONTAINERS},
         "status": {"podIP": "10.0.10.4"}},
        deployment("web", 12, nodeName="node-1"),
    ])
    web = [cluster.pods[f"default/web-{i}"].ip for i in range(12)]
    assert web == [ip(f"10.0.10.{n}") for n in (5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17)]
    assert cluster.pods["default/fixed"].assigned == ()
    assert "assigned 12 pod IPs to default/web (Deployment) in 10.0.10.0/24" in model.notes


def test_vpc_cni_addresses_skip_standalone_interfaces() -> None:
    docs = [deployment("web", 1, nodeName="node-1")]
    cluster, _ = kube(docs)
    assert cluster.pods["default/web-0"].ip == ip("10.0.10.4")
    taken = {"vpcs": {"prod": {"network_interfaces": {
        "eni-x": {"subnet": "private-a", "private_ip": "10.0.10.4"}}}}}
    model, errors = build_model(deep_merge(spec(docs), taken))
    assert errors == []
    assert model.clusters["eks"].pods["default/web-0"].ip == ip("10.0.10.5")


def test_overlay_nodes_take_the_next_slash_24_and_pods_take_dot_2_up() -> None:
    docs = [
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "a"},
         "spec": {"podCIDR": "10.244.0.0/24"},
         "status": {"addresses": [{"type": "InternalIP", "address": "192.168.1.1"}]}},
        deployment("web", 2, nodeName="b"),
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"},
         "spec": {"nodeName": "b", "containers": CONTAINERS}, "status": {"podIP": "10.244.1.2"}},
    ]
    cluster, model = kube(docs, vpc=None, nodes={"b": {"ip": "192.168.1.2"},
                                                 "c": {"ip": "192.168.1.3"}})
    assert (cluster.cni, cluster.overlay, cluster.enforces_network_policy) == ("calico", True,
                                                                               True)
    assert {n: str(node.pod_cidr) for n, node in cluster.nodes.items()} == {
        "a": "10.244.0.0/24", "b": "10.244.1.0/24", "c": "10.244.2.0/24"}
    assert [cluster.pods[f"default/web-{i}"].ip for i in range(2)] == [
        ip("10.244.1.3"), ip("10.244.1.4")]


def test_a_subnet_without_free_addresses_is_an_error() -> None:
    patch = {"vpcs": {"prod": {"subnets": {"tiny": {"cidr": "10.0.99.0/28", "az": "us-east-1a"}},
                               "instances": {"small": {"subnet": "tiny",
                                                       "private_ip": "10.0.99.4"}}}}}
    data = deep_merge(spec([deployment("web", 12, nodeName="small")],
                           nodes={"small": {"instance": "small"}}), patch)
    model, errors = build_model(data)
    assert [shown(e) for e in errors] == [{
        "path": "clusters.eks.manifests[0]", "hint": "write status.podIP, or give the node a "
        "larger subnet or pod CIDR", "message": "no free address left in subnet 'tiny' "
        "(10.0.99.0/28) for pod default/web-10"}]
    # .5 to .14; the implicit CoreDNS finds no address left either, which is only a note
    assert len(files_pods(model.clusters["eks"])) == 10


def test_two_clusters_in_one_vpc_never_share_an_address() -> None:
    data = deep_merge(base_spec(), yaml.safe_load("""
        vpcs: {prod: {instances: {n1: {subnet: private-a, private_ip: 10.0.10.100},
                                  n2: {subnet: private-a, private_ip: 10.0.10.101}}}}
        clusters:
          a:
            vpc: prod
            nodes: {n1: {instance: n1}}
            manifests:
              - {apiVersion: v1, kind: Pod, metadata: {name: p},
                 spec: {containers: [{name: app, image: a}]}}
          b:
            vpc: prod
            nodes: {n2: {instance: n2}}
            manifests:
              - {apiVersion: v1, kind: Pod, metadata: {name: q}, status: {podIP: 10.0.10.4},
                 spec: {containers: [{name: app, image: a}]}}
    """))
    model, errors = build_model(data)
    assert errors == [] and check_model(model) == []
    assert model.clusters["a"].pods["default/p"].ip == ip("10.0.10.5")
    assert any(n.startswith("cluster a: assigned 1 pod IP to default/p") for n in model.notes)


# --- namespaces ------------------------------------------------------------------------------


def test_implicit_namespaces_exist_with_the_metadata_label() -> None:
    cluster, _ = kube([deployment("web", 1, namespace="shop"),
                       {"apiVersion": "v1", "kind": "Namespace",
                        "metadata": {"name": "declared", "labels": {"x": "y"}}}])
    assert list(cluster.namespaces) == ["declared", "default", "kube-system", "shop"]
    for name, namespace in cluster.namespaces.items():
        assert namespace.labels[NAMESPACE_NAME_LABEL] == name
    assert cluster.namespaces["shop"].path == ("clusters", "eks", "manifests", 0)


# --- Services ----------------------------------------------------------------------------------


def test_cluster_ips_and_node_ports_skip_written_ones_in_name_order() -> None:
    services = [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
         "spec": {"type": kind, **({"clusterIP": cip} if cip else {}),
                  "ports": [{"port": 80, **({"nodePort": np} if np else {})}]}}
        for name, kind, cip, np in (
            ("svc-10", "NodePort", None, None),
            ("svc-2", "NodePort", "10.100.0.2", 30000),
            ("svc-1", "LoadBalancer", None, None),
            ("headless", "ClusterIP", "None", None),
        )]
    cluster, model = kube(services, service_cidr="10.100.0.0/16",
                          dns={"ip": "10.100.0.3"})
    found = {k: (str(s.cluster_ip), s.ports[0].node_port, s.assigned)
             for k, s in files_services(cluster).items()}
    assert found == {
        "default/svc-10": ("10.100.0.5", 30002, ("cluster_ip", "node_port")),
        "default/svc-2": ("10.100.0.2", 30000, ()),
        "default/svc-1": ("10.100.0.4", 30001, ("cluster_ip", "node_port")),
        "default/headless": ("None", None, ()),
    }
    assert list(cluster.services) == ["default/svc-10", "default/svc-2", "default/svc-1",
                                      "default/headless",  # as written
                                      "kube-system/kube-dns"]  # then the implicit one
    assert ("cluster eks: assigned 2 ClusterIPs from 10.100.0.0/16 and 2 NodePorts from "
            "30000-32767 (left out of the manifests)") in model.notes


def test_load_balancer_without_node_ports() -> None:
    # An NLB with ip targets: the one load balancer that needs no NodePort.
    annotations = {"service.beta.kubernetes.io/aws-load-balancer-type": "external",
                   "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip"}
    cluster, _ = kube([{"apiVersion": "v1", "kind": "Service",
                        "metadata": {"name": "lb", "annotations": annotations},
                        "spec": {"type": "LoadBalancer", "allocateLoadBalancerNodePorts": False,
                                 "ports": [{"port": 80}]}}])
    assert cluster.services["default/lb"].ports[0].node_port is None


def test_cluster_settings_defaults() -> None:
    cluster, _ = kube([])
    assert (cluster.cni, cluster.enforces_network_policy, cluster.pod_cidr) == (
        "aws-vpc-cni", False, None)
    assert (cluster.service_cidr, cluster.dns_ip, cluster.dns_domain) == (
        net("10.96.0.0/12"), ip("10.96.0.10"), "cluster.local")
    # POD_SECURITY_GROUP_ENFORCING_MODE defaults to strict (amazon-vpc-cni-k8s README)
    assert (cluster.kube_proxy_mode, cluster.pod_security_group_mode) == ("iptables",
                                                                          "strict")
    agent, _ = kube([], network_policy_agent=True, external_snat=True,
                    exclude_snat_cidrs=["10.1.0.0/16"], kube_proxy="ipvs")
    assert (agent.enforces_network_policy, agent.external_snat, agent.exclude_snat_cidrs,
            agent.kube_proxy_mode) == (True, True, (net("10.1.0.0/16"),), "ipvs")
    flannel, _ = kube([], cni="flannel")
    assert (flannel.enforces_network_policy, flannel.pod_cidr) == (False,
                                                                   net("10.244.0.0/16"))
    forced, _ = kube([], cni="flannel", enforce_network_policy=True)
    assert forced.enforces_network_policy is True


def test_a_kubernetes_only_cluster_without_nodes_gets_three() -> None:
    cluster, model = kube([deployment("web", 3)], vpc=None, nodes=None)
    assert {n: str(node.ip) for n, node in cluster.nodes.items()} == {
        "node-0": "192.168.0.10", "node-1": "192.168.0.11", "node-2": "192.168.0.12"}
    assert len(files_pods(cluster)) == 3 and cluster.vpc is None


# --- errors of the builder ---------------------------------------------------------------------


@pytest.mark.parametrize(("docs", "cluster", "expected"), [
    ([deployment("web", 1, nodeName="node-9")], {},
     [("clusters.eks.manifests[0].spec.template.spec.nodeName",
       "node 'node-9' is not a node of cluster 'eks'", "did you mean 'node-2'?")]),
    ([deployment("web", 2, nodeSelector={"disk": "ssd"})], {},
     [("clusters.eks.manifests[0].spec.template.spec.nodeSelector",
       "nodeSelector disk=ssd matches no node of cluster 'eks'", None)]),
    ([deployment("web", 2), {**workload("StatefulSet", "db"), "metadata": {"name": "web"}}], {},
     [("clusters.eks.manifests[1]", "pod default/web-0 of StatefulSet default/web has the name "
       "of the pod of Deployment default/web (clusters.eks.manifests[0])", None)]),
    ([deployment("web")], {"nodes": {}},
     [("clusters.eks", "cluster 'eks' has no nodes to run its pods on",
       "list them under `nodes:` or as Node manifests")]),
    ([], {"nodes": {"n": {"instance": "nod-1"}}},
     [("clusters.eks.nodes.n.instance", "instance 'nod-1' does not exist",
       "did you mean 'node-1'?")]),
    ([], {"nodes": {"n": {}}},
     [("clusters.eks.nodes.n", "node 'n' has no address",
       "give it `instance:` (an EC2 instance of the AWS part) in the cluster's nodes")]),
    ([], {"vpc": None, "cni": "aws-vpc-cni"},
     [("clusters.eks.cni", "the VPC CNI gives pods addresses of the VPC: the cluster needs a "
       "`vpc`", "add `vpc`, or use an overlay CNI (calico, cilium, flannel)")]),
    ([], {"vpc": "prd"}, [("clusters.eks.vpc", "VPC 'prd' does not exist",
                           "did you mean 'prod'?")]),
    ([], {"cni": "calico", "network_policy_agent": True},
     [("clusters.eks.network_policy_agent", "network_policy_agent is a VPC CNI setting; this "
       "cluster's CNI is calico", "use enforce_network_policy")]),
    ([], {"pod_cidr": "10.244.0.0/16"},
     [("clusters.eks.pod_cidr", "with the VPC CNI pods take addresses of their node's "
       "subnet: pod_cidr is for overlay CNIs", None)]),
    ([], {"load_balancer_subnets": {"internal": ["private-c"]}},
     [("clusters.eks.load_balancer_subnets.internal[0]", "subnet 'private-c' does not exist",
       "did you mean 'private-b'?")]),
])
def test_builder_errors(docs: list[Any], cluster: dict[str, Any],
                        expected: list[tuple[str, str, str | None]]) -> None:
    assert kube_errors(docs, **cluster) == [
        {"path": path, "message": message, "hint": hint} for path, message, hint in expected]


# --- the cluster entry's schema --------------------------------------------------------------


def test_the_documented_cluster_entry_validates() -> None:
    """The `clusters:` example of docs/kubernetes.md passes the spec's JSON Schema."""
    from netpath.load.schema import validate

    doc = (Path(__file__).resolve().parents[3] / "docs" / "kubernetes.md").read_text()
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    clusters = yaml.safe_load(example)["clusters"]
    assert validate({"netpath": 1, "clusters": clusters}) == []


@pytest.mark.parametrize(("entry", "message"), [
    ({"cni": "weave"}, "clusters.eks.cni: 'weave' is not one of aws-vpc-cni, calico, cilium, "
     "flannel"),
    ({"manifests": [1]}, "clusters.eks.manifests[0]: expected a string or a mapping, got 1"),
    ({"manifests": "k8s/"}, "clusters.eks.manifests: expected a list, got 'k8s/' (write "
     "[k8s/])"),
    ({"nodes": {"n": {"instance": "i", "ipp": "10.0.0.1"}}},
     "clusters.eks.nodes.n.ipp: unknown key 'ipp' (did you mean 'ip'?)"),
    ({"servce_cidr": "10.96.0.0/12"},
     "clusters.eks.servce_cidr: unknown key 'servce_cidr' (did you mean 'service_cidr'?)"),
])
def test_schema_of_a_cluster_entry(entry: dict[str, Any], message: str) -> None:
    from netpath.load.schema import validate

    assert [str(e) for e in validate({"netpath": 1, "clusters": {"eks": entry}})] == [message]
