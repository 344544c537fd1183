"""What teams have, read as it is (fixtures/dumps/): a `kubectl get ... -A -o yaml` dump of an EKS
cluster and the same as `-o json`, the API's own lists (`PodList`, `NetworkPolicyList`: items
without `kind`), manifests whose only cluster DNS is the implicit one, the ingress-nginx
controller's published manifest; and what netpath infers from them, recorded as inferences.

Loading and the model here; traces, `netpath check` and `--spec -` in tests/cli/test_dumps.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from netpath.load.errors import SpecErrors
from netpath.model.addr import Address
from netpath.model.kubernetes import Cluster
from netpath.sources.loader import LoadedSpec, load_spec
from tests.sources.kubernetes.test_objects import files_pods

DUMPS = Path(__file__).parent / "fixtures" / "dumps"
EKS_PODS = [
    "kube-system/aws-node-7k2xq", "kube-system/aws-node-m9z4d",
    "kube-system/coredns-5d4c8b9f6d-8fkrm", "kube-system/coredns-5d4c8b9f6d-tq7vn",
    "kube-system/kube-proxy-4hx8s", "kube-system/kube-proxy-wd2pl",
    "shop/api-6b8f7c9d5-h2m9x", "shop/api-6b8f7c9d5-q8w3r", "shop/db-0",
    "shop/web-7d4b9c8f6-lx5zt", "shop/web-7d4b9c8f6-r4n8k"]
WEB_PUBLIC = "a3f1c9e2b7d54e0c9a1b2c3d4e5f6a7b-1234567890.us-east-1.elb.amazonaws.com"
SHOP_ALB = "k8s-shop-web-8f2a1c9d3e-1987654321.us-east-1.elb.amazonaws.com"


@pytest.fixture
def dumps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of fixtures/dumps/ as the working directory (paths are shown as written)."""
    shutil.copytree(DUMPS, tmp_path / "dumps")
    monkeypatch.chdir(tmp_path / "dumps")
    return tmp_path / "dumps"


def cluster_of(path: str) -> tuple[Cluster, LoadedSpec]:
    loaded = load_spec(Path(path))
    return loaded.model.clusters["cluster"], loaded


def inferred(cluster: Cluster) -> list[str]:
    return [str(i) for i in cluster.inferences]


# --- the EKS dump ----------------------------------------------------------------------------


def test_the_fixture_is_what_kubectl_prints() -> None:
    """The shapes the loader must take: a List with managedFields, ownerReferences, status..."""
    dump = yaml.safe_load((DUMPS / "eks-dump.yaml").read_text())
    assert (dump["apiVersion"], dump["kind"], dump["metadata"]) == ("v1", "List",
                                                                    {"resourceVersion": ""})
    kinds = [item["kind"] for item in dump["items"]]
    # In the order of the command line (pods,svc,endpointslices,netpol,ingress,nodes,ns).
    assert kinds == sorted(kinds, key=["Pod", "Service", "EndpointSlice", "NetworkPolicy",
                                       "Ingress", "Node", "Namespace"].index)
    pod = dump["items"][10]
    assert pod["metadata"]["ownerReferences"][0]["controller"] is True
    assert {f["manager"] for f in pod["metadata"]["managedFields"]} == {
        "kube-controller-manager", "kubelet"}
    assert set(pod["status"]) >= {"podIP", "podIPs", "hostIP", "phase", "conditions",
                                  "containerStatuses"}
    node = next(item for item in dump["items"] if item["kind"] == "Node")
    assert [a["type"] for a in node["status"]["addresses"]] == ["InternalIP", "InternalDNS",
                                                                  "Hostname"]
    assert json.loads((DUMPS / "eks-dump.json").read_text()) == dump


def test_an_eks_dump_loads_as_it_is(dumps: Path) -> None:
    cluster, loaded = cluster_of("eks-dump.yaml")
    # Each pod once: the Deployment's pods are the ReplicaSet's pods of the dump, not three
    # more from its template; the finished migration pod holds no IP.
    assert sorted(cluster.pods) == EKS_PODS
    web = cluster.pods["shop/web-7d4b9c8f6-lx5zt"]
    assert (web.ip, web.node, web.owner, web.assigned) == (
        Address("10.0.1.52"), "ip-10-0-1-23.ec2.internal", "ReplicaSet/web-7d4b9c8f6", ())
    assert cluster.pods["kube-system/aws-node-7k2xq"].ip == Address("10.0.1.23")  # host network
    assert cluster.pods["shop/api-6b8f7c9d5-h2m9x"].ip == Address("10.0.1.87")  # reused
    node = cluster.nodes["ip-10-0-1-23.ec2.internal"]
    assert node.ip == Address("10.0.1.23")
    assert {k: node.labels[k] for k in ("eks.amazonaws.com/nodegroup", "kubernetes.io/os",
                                        "topology.kubernetes.io/zone")} == {
        "eks.amazonaws.com/nodegroup": "general", "kubernetes.io/os": "linux",
        "topology.kubernetes.io/zone": "us-east-1a"}
    assert (str(cluster.service_cidr), str(cluster.dns_ip), str(cluster.pod_cidr)) == (
        "172.20.0.0/16", "172.20.0.10", "10.0.0.0/16")
    assert cluster.services["shop/web-public"].external_addresses == (WEB_PUBLIC,)
    assert cluster.ingresses["shop/web"].external_addresses == (SHOP_ALB,)
    assert [str(e.ip) for e in cluster.services["default/kubernetes"].endpoints] == [
        "10.0.1.211", "10.0.2.96"]  # the API server's, from its EndpointSlice
    assert not any(p.implicit for p in cluster.pods.values())  # the dump has CoreDNS
    assert loaded.source_map.locate(web.path).line == 1811  # located in the dump
    assert loaded.model.notes == (
        "1 pod not running (Succeeded): no IP, no Service endpoint, not reachable "
        "(shop/migrate-28567340-x7k2p)",
        "cluster cluster has no AWS part: its Ingresses and LoadBalancer Services get no AWS "
        "load balancer")  # and no word about the EndpointSlices the controller computed


def test_an_eks_dump_says_what_it_inferred(dumps: Path) -> None:
    cluster, _ = cluster_of("eks-dump.yaml")
    assert inferred(cluster) == [
        "service CIDR 172.20.0.0/16: the ClusterIP 172.20.0.1 of Service default/kubernetes, "
        "the first address of the service CIDR, and the 5 ClusterIPs it must hold",
        "cluster DNS IP 172.20.0.10: the ClusterIP of Service kube-system/kube-dns",
        "pod CIDR 10.0.0.0/16: the common prefix of the 7 pod IPs in the files",
        f"external address of Service shop/web-public {WEB_PUBLIC}: "
        "status.loadBalancer.ingress; the cloud's load balancer, modelled as Kubernetes describes "
        "it (to the Service's NodePort on a healthy node); the dump gives only its DNS name, so "
        "netpath gives it the stand-in address 198.51.100.10",
        f"external address of Ingress shop/web {SHOP_ALB}: status.loadBalancer.ingress; no "
        "load balancer is modelled for it (the spec has no AWS part)"]
    assert cluster.inferences[1].subjects == ("dns:cluster",)


def test_the_json_dump_is_the_same_cluster(dumps: Path) -> None:
    from_yaml, _ = cluster_of("eks-dump.yaml")
    from_json, loaded = cluster_of("eks-dump.json")
    assert from_json == from_yaml
    # Positions survive JSON: the pod is where kubectl's JSON wrote it.
    assert loaded.source_map.locate(from_json.pods["shop/db-0"].path).file == "eks-dump.json"
    assert loaded.source_map.locate(from_json.pods["shop/db-0"].path).line > 1


def test_a_mistake_in_a_json_dump_is_located_in_it(dumps: Path) -> None:
    text = (dumps / "eks-dump.json").read_text()
    (dumps / "eks-dump.json").write_text(text.replace('"containerPort": 5432',
                                                      '"containerPort": "5432"', 1))
    with pytest.raises(SpecErrors) as caught:
        load_spec(Path("eks-dump.json"))
    [error] = caught.value.errors
    line = text[: text.index('"containerPort": 5432')].count("\n") + 1
    assert (error.file, error.line) == ("eks-dump.json", line)
    assert "expected a port number 1-65535, got '5432'" in error.message


def test_json_that_is_not_json_is_a_located_error(dumps: Path) -> None:
    (dumps / "broken.json").write_text('{\n    "apiVersion": "v1",\n    "kind": "List",\n'
                                       '    "items": [\n        {"kind": "Pod",}\n    ]\n}\n')
    with pytest.raises(SpecErrors) as caught:
        load_spec(Path("broken.json"))
    [error] = caught.value.errors
    assert (error.file, error.line, error.column) == ("broken.json", 5, 24)  # at the `}`
    assert error.message.startswith("invalid JSON: Expecting property name")


def test_json_files_beside_yaml_in_a_directory(dumps: Path) -> None:
    (dumps / "mixed").mkdir()
    shutil.copy(dumps / "eks-dump.json", dumps / "mixed" / "cluster.json")
    (dumps / "mixed" / "extra.yaml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: extra}\n")
    cluster, loaded = cluster_of("mixed")
    assert "extra" in cluster.namespaces and "shop/db-0" in cluster.pods
    assert loaded.files == ("mixed", "mixed/cluster.json", "mixed/extra.yaml")


# --- the API's own lists ---------------------------------------------------------------------


def test_raw_api_lists_give_kind_once(dumps: Path) -> None:
    """`kubectl get --raw .../pods` (one line of JSON) and `.../networkpolicies | jq .`."""
    cluster, loaded = cluster_of("raw")
    assert sorted(files_pods(cluster)) == [
        "shop/api-5f7b9c6d48-2kq9w", "shop/api-5f7b9c6d48-9xr7t", "shop/web-64c8d7f5b9-7hq2m",
        "shop/web-64c8d7f5b9-c4z8n"]  # the Failed and the Pending one hold no IP
    assert sorted(cluster.network_policies) == [
        "shop/allow-dns", "shop/api-from-web", "shop/default-deny", "shop/web-to-api"]
    # A running pod holds the address the Failed one had.
    assert cluster.pods["shop/web-64c8d7f5b9-c4z8n"].ip == Address("172.30.133.9")
    assert loaded.model.notes[-1] == (
        "2 pods not running (Failed, Pending): no IP, no Service endpoint, not reachable "
        "(shop/report-28571520-q2w8e, shop/web-64c8d7f5b9-wv5kd)")


def test_nodes_named_by_pods_exist_and_the_pod_cidr_is_theirs(dumps: Path) -> None:
    cluster, _ = cluster_of("raw")
    assert {n: str(node.ip) for n, node in cluster.nodes.items()} == {
        "worker-1": "10.10.0.11", "worker-2": "10.10.0.12"}  # their pods' status.hostIP
    assert cluster.nodes["worker-1"].labels == {
        "kubernetes.io/hostname": "worker-1", "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64"}
    assert str(cluster.pod_cidr) == "172.30.0.0/16"
    # Each node's /24 is the one its pods' addresses share (no other node's pods are in it).
    assert {n: str(node.pod_cidr) for n, node in cluster.nodes.items()} == {
        "worker-1": "172.30.86.0/24", "worker-2": "172.30.133.0/24"}
    for pod in cluster.pods.values():
        if not pod.implicit:
            assert pod.ip in cluster.nodes[pod.node].pod_cidr
    assert inferred(cluster) == [
        "pod CIDR 172.30.0.0/16: the common prefix of the 4 pod IPs in the files",
        "cluster DNS Deployment kube-system/coredns (2 pods, k8s-app=kube-dns) and Service "
        "kube-system/kube-dns at 10.96.0.10: the files hold no CoreDNS: netpath models the "
        "standard one (kubeadm and EKS install it)",
        "node worker-1 10.10.0.11: named by pod shop/api-5f7b9c6d48-2kq9w (spec.nodeName), no "
        "Node object; its address from the pods' status.hostIP",
        "node worker-2 10.10.0.12: named by pod shop/api-5f7b9c6d48-9xr7t (spec.nodeName), no "
        "Node object; its address from the pods' status.hostIP"]


def test_a_node_named_like_an_ec2_instance_has_that_address(dumps: Path) -> None:
    """`kubectl get pods,svc,endpointslices -A -o yaml`: no Node objects, and (for a pod whose
    node went away) no hostIP."""
    items = yaml.safe_load((dumps / "eks-dump.yaml").read_text())["items"]
    kept = [item for item in items if item["kind"] in ("Pod", "Service", "EndpointSlice")]
    for item in kept:
        if item["kind"] == "Pod":
            del item["status"]["hostIP"]
    (dumps / "pods.yaml").write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List",
                                                     "items": kept}))
    cluster, _ = cluster_of("pods.yaml")
    assert {n: str(node.ip) for n, node in cluster.nodes.items()} == {
        "ip-10-0-1-23.ec2.internal": "10.0.1.23", "ip-10-0-2-145.ec2.internal": "10.0.2.145"}
    # Their zones from the EndpointSlices' endpoints that name them.
    assert {n: node.labels["topology.kubernetes.io/zone"] for n, node in
            cluster.nodes.items()} == {"ip-10-0-1-23.ec2.internal": "us-east-1a",
                                       "ip-10-0-2-145.ec2.internal": "us-east-1b"}
    assert sum("its address from its EC2 name" in line for line in inferred(cluster)) == 2


# --- the implicit cluster DNS ------------------------------------------------------------------


def test_manifests_without_coredns_get_the_standard_one(dumps: Path) -> None:
    cluster, _ = cluster_of("implicit-dns")
    dns = [p for p in cluster.pods.values() if p.implicit]
    assert [(p.key, p.labels, p.owner) for p in dns] == [
        ("kube-system/coredns-0", {"k8s-app": "kube-dns"}, "Deployment/coredns"),
        ("kube-system/coredns-1", {"k8s-app": "kube-dns"}, "Deployment/coredns")]
    assert [(p.name, p.port, p.protocol) for p in dns[0].ports] == [
        ("dns", 53, "udp"), ("dns-tcp", 53, "tcp"), ("metrics", 9153, "tcp")]
    service = cluster.services["kube-system/kube-dns"]
    assert (str(service.cluster_ip), service.selector, service.assigned) == (
        "10.96.0.10", {"k8s-app": "kube-dns"}, ("implicit",))
    assert cluster.namespaces["kube-system"].labels == {
        "kubernetes.io/metadata.name": "kube-system"}
    # Their addresses come after every pod of the files: the files' pods keep theirs.
    last = max(int(p.ip) for p in files_pods(cluster).values() if p.node == dns[0].node)
    assert int(dns[0].ip) > last


def test_an_explicit_coredns_takes_the_place_of_the_implicit_one(dumps: Path) -> None:
    cluster, _ = cluster_of("eks-dump.yaml")
    assert "kube-system/coredns-0" not in cluster.pods
    assert cluster.services["kube-system/kube-dns"].assigned == ()


# --- ingress-nginx, as published -----------------------------------------------------------------


def test_the_ingress_nginx_manifest_loads(dumps: Path) -> None:
    cluster, _ = cluster_of("ingress-nginx")
    controller = cluster.pods["ingress-nginx/ingress-nginx-controller-0"]
    assert cluster.nodes[controller.node].labels["kubernetes.io/os"] == "linux"
    assert cluster.ingress_classes == {"nginx": "k8s.io/ingress-nginx"}
    assert cluster.services["ingress-nginx/ingress-nginx-controller"].type == "LoadBalancer"


# --- scale, duplicates, placement --------------------------------------------------------------


def deployment(name: str, replicas: int, namespace: str = "shop", **spec: Any) -> str:
    return yaml.safe_dump({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": name, "image": "app"}],
                                       **spec}}}})


def test_a_manifests_only_cluster_of_a_thousand_pods_loads(tmp_path: Path) -> None:
    (tmp_path / "k8s").mkdir()
    for team in range(10):
        docs = [deployment(f"app-{team}-{i}", 10, f"team-{team}") for i in range(10)]
        (tmp_path / "k8s" / f"team-{team}.yaml").write_text("---\n".join(docs))
    loaded = load_spec(tmp_path / "k8s")
    cluster = loaded.model.clusters["cluster"]
    assert len(files_pods(cluster)) == 1000
    # As many nodes as the pods need at the kubelet's 110 a node, each with its /24.
    assert sorted(cluster.nodes, key=lambda n: int(n.split("-")[1])) == [
        f"node-{i}" for i in range(10)]
    per_node: dict[str, int] = {}
    for pod in cluster.pods.values():
        per_node[pod.node] = per_node.get(pod.node, 0) + 1
    assert max(per_node.values()) <= 110
    assert len({pod.ip for pod in cluster.pods.values()}) == len(cluster.pods)
    assert inferred(cluster)[-1] == (
        "10 nodes node-0..node-9 at 192.168.0.10-19: no Node objects and no pod names its "
        "node: netpath assumes 10 for 1002 pods, 110 a node (the kubelet's default max-pods)")


def test_an_object_defined_twice_is_the_last_one_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "a.yaml").write_text(deployment("web", 2))
    three = deployment("web", 3)
    (tmp_path / "k8s" / "b.yaml").write_text(three + "---\n" + three)
    second = three.count("\n") + 2  # where b.yaml's second document starts
    loaded = load_spec(tmp_path / "k8s")
    pods = files_pods(loaded.model.clusters["cluster"])
    assert sorted(pods) == ["shop/web-0", "shop/web-1", "shop/web-2"]
    warnings = [n for n in loaded.model.notes if n.startswith("warning:")]
    root = tmp_path / "k8s"
    # The same text twice in b.yaml is one object: only a.yaml's differs.
    assert warnings == [
        f"warning: Deployment shop/web is defined twice, differently: {root}/a.yaml:1:1 and "
        f"{root}/b.yaml:{second}:1; netpath reads the last, as `kubectl apply` of these files "
        "leaves it"]


def test_a_selector_no_inferred_node_matches_is_a_warning(tmp_path: Path) -> None:
    manifest = tmp_path / "gpu.yaml"
    train = deployment("train", 1, nodeSelector={"nvidia.com/gpu.present": "true"})
    manifest.write_text(train + "---\n" + deployment("web", 1, affinity={"nodeAffinity": {
                            "requiredDuringSchedulingIgnoredDuringExecution": {
                                "nodeSelectorTerms": [{"matchExpressions": [{
                                    "key": "kubernetes.io/arch", "operator": "In",
                                    "values": ["arm64"]}]}]}}}))
    loaded = load_spec(manifest)
    assert files_pods(loaded.model.clusters["cluster"]) == {}
    warnings = [n for n in loaded.model.notes if n.startswith("warning:")]
    assert warnings == [
        "warning: the pods of Deployment shop/train would stay Pending: nodeSelector "
        "nvidia.com/gpu.present=true matches no node of cluster cluster (its nodes are "
        f"inferred; {manifest}:1)",
        "warning: the pods of Deployment shop/web would stay Pending: node affinity "
        "(kubernetes.io/arch In (arm64)) matches no node of cluster cluster (its nodes are "
        f"inferred; {manifest}:{train.count(chr(10)) + 2})"]
