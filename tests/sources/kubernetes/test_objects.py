"""Every kind netpath reads, parsed from a manifest into the model
(netpath/sources/kubernetes/objects.py and policies.py). Manifests are inline in a spec built
from data; file reading, positions and located errors are tested in test_manifests.py.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from typing import Any

import pytest
import yaml

from netpath.model.kubernetes import (
    Cluster,
    ContainerPort,
    EndpointPort,
    IngressBackend,
    IpBlock,
    LabelSelector,
    NetpolPort,
    Pod,
    Requirement,
    Service,
    ServiceEndpoint,
)
from netpath.model.resources import Model
from netpath.sources.netpath_spec.builder import build_model
from netpath.sources.netpath_spec.semantic import check_model
from tests.sources.netpath_spec.speccases import base_spec, deep_merge, shown

ip = IPv4Address
net = IPv4Network
NODES = """
vpcs:
  prod:
    instances:
      node-1: {subnet: private-a, private_ip: 10.0.10.100, security_groups: [sg-app]}
      node-2: {subnet: private-b, private_ip: 10.0.11.100, security_groups: [sg-app]}
"""


# A pod needs containers (the API server refuses one without): the pods of these tests run one.
CONTAINERS = [{"name": "app", "image": "nginx"}]


def spec(manifests: str | list[Any], **cluster: Any) -> dict[str, Any]:
    """The fixtures' base spec with a cluster `eks` on two nodes of VPC prod (unless `cluster`
    says otherwise) holding `manifests` (YAML text of a list, or the list)."""
    docs = yaml.safe_load(manifests) if isinstance(manifests, str) else manifests
    entry = {"vpc": "prod", "nodes": {"node-1": {"instance": "node-1"},
                                      "node-2": {"instance": "node-2"}}}
    entry.update(cluster)
    entry = {k: v for k, v in entry.items() if v is not None}
    return deep_merge(base_spec(), {**yaml.safe_load(NODES),
                                    "clusters": {"eks": {**entry, "manifests": docs}}})


def kube(manifests: str | list[Any], **cluster: Any) -> tuple[Cluster, Model]:
    """The cluster built from `manifests`; any error fails the test."""
    model, errors = build_model(spec(manifests, **cluster))
    errors = errors or check_model(model)
    assert [shown(e) for e in errors] == []
    return model.clusters["eks"], model


def files_pods(cluster: Cluster) -> dict[str, Pod]:
    """The pods of the files: without the implicit CoreDNS netpath adds to every cluster whose
    files have none (docs/kubernetes.md, "The cluster DNS")."""
    return {key: pod for key, pod in cluster.pods.items() if not pod.implicit}


def files_services(cluster: Cluster) -> dict[str, Service]:
    return {key: s for key, s in cluster.services.items() if "implicit" not in s.assigned}


def kube_errors(manifests: str | list[Any], **cluster: Any) -> list[dict[str, Any]]:
    model, errors = build_model(spec(manifests, **cluster))
    return [shown(e) for e in errors or check_model(model)]


# --- Namespace, Node, Pod ----------------------------------------------------------------------


def test_namespace_gets_the_metadata_name_label() -> None:
    cluster, _ = kube("""
        - {apiVersion: v1, kind: Namespace, metadata: {name: shop, labels: {team: a,
           kubernetes.io/metadata.name: wrong}}}
    """)
    shop = cluster.namespaces["shop"]
    assert shop.labels == {"team": "a", "kubernetes.io/metadata.name": "shop"}
    assert shop.path == ("clusters", "eks", "manifests", 0)


def test_node_manifest_and_nodes_entry_merge() -> None:
    cluster, _ = kube("""
        - apiVersion: v1
          kind: Node
          metadata: {name: node-1, labels: {pool: general}}
          status: {addresses: [{type: Hostname, address: x}, {type: InternalIP,
                                                               address: 10.0.10.100}]}
    """)
    node = cluster.nodes["node-1"]
    assert (node.ip, node.instance) == (ip("10.0.10.100"), "node-1")
    # The labels every kubelet sets (linux on amd64 unless a Node object says), its zone from
    # its instance's subnet, and the Node object's own.
    assert node.labels == {"kubernetes.io/hostname": "node-1", "pool": "general",
                           "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                           "topology.kubernetes.io/zone": "us-east-1a"}


def test_node_manifest_address_must_agree_with_the_instance() -> None:
    assert kube_errors("""
        - apiVersion: v1
          kind: Node
          metadata: {name: node-1}
          status: {addresses: [{type: InternalIP, address: 10.0.10.99}]}
    """) == [{"path": "clusters.eks.manifests[0]", "hint": None,
              "message": "Node 'node-1' has InternalIP 10.0.10.99, but the cluster's nodes give "
                         "it 10.0.10.100"}]


def test_pod_fields() -> None:
    cluster, _ = kube("""
        - apiVersion: v1
          kind: Pod
          metadata: {name: a, namespace: shop, labels: {app: a}}
          spec:
            nodeName: node-2
            containers:
              - name: c
                image: registry.example.com/shop/a:1.0
                ports: [{name: http, containerPort: 8080}, {containerPort: 53, protocol: UDP}]
          status: {podIP: 10.0.11.50}
    """)
    pod = cluster.pods["shop/a"]
    assert (pod.node, pod.ip, pod.labels, pod.owner, pod.assigned, pod.ready) == (
        "node-2", ip("10.0.11.50"), {"app": "a"}, None, (), True)
    assert pod.ports == (ContainerPort("http", 8080, "tcp"), ContainerPort(None, 53, "udp"))
    assert pod.port_named("http", "tcp") == 8080
    assert "shop" in cluster.namespaces  # used, not declared: implicit


@pytest.mark.parametrize(("status", "ready"), [
    ({}, True),
    ({"phase": "Pending", "podIP": "10.0.10.60"}, True),  # started: pulling its images
    ({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}, True),
    ({"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}]}, False),
    ({"conditions": [{"type": "PodScheduled", "status": "True"},
                     {"type": "Ready", "status": "Unknown"}]}, False),
])
def test_pod_readiness(status: dict[str, Any], ready: bool) -> None:
    cluster, _ = kube([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"},
                        "spec": {"nodeName": "node-1", "containers": CONTAINERS},
                        "status": status}])
    assert cluster.pods["default/a"].ready is ready


@pytest.mark.parametrize("status", [
    {"phase": "Succeeded", "podIP": "10.0.10.60"},
    {"phase": "Failed", "podIP": "10.0.10.60",
     "conditions": [{"type": "Ready", "status": "True"}]},
    {"phase": "Pending"},  # not scheduled, or its sandbox not up: no address yet
])
def test_pods_that_do_not_run_hold_no_ip(status: dict[str, Any]) -> None:
    # A running pod may hold the address a finished one had (the kubelet reuses it).
    cluster, model = kube([
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"},
         "spec": {"nodeName": "node-1", "containers": CONTAINERS}, "status": status},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"},
         "spec": {"nodeName": "node-1", "containers": CONTAINERS},
         "status": {"phase": "Running", "podIP": "10.0.10.60"}}])
    assert list(files_pods(cluster)) == ["default/b"]
    assert f"1 pod not running ({status['phase']}): no IP, no Service endpoint, not " \
        "reachable (default/a)" in model.notes


def test_host_network_pod_has_its_node_address() -> None:
    cluster, _ = kube("""
        - {apiVersion: v1, kind: Pod, metadata: {name: agent},
           spec: {nodeName: node-1, hostNetwork: true, containers: [{name: app, image: a}]}}
    """)
    pod = cluster.pods["default/agent"]
    assert (pod.ip, pod.host_network, pod.assigned) == (ip("10.0.10.100"), True, ())


# --- Services and endpoints ----------------------------------------------------------------------


def test_service_defaults() -> None:
    cluster, _ = kube("""
        - apiVersion: v1
          kind: Service
          metadata: {name: web, annotations: {a: b}}
          spec:
            selector: {app: web}
            ports: [{port: 80}]
    """)
    service = cluster.services["default/web"]
    assert (service.type, service.headless, service.selector, service.annotations) == (
        "ClusterIP", False, {"app": "web"}, {"a": "b"})
    port = service.ports[0]
    assert (port.name, port.protocol, port.port, port.target_port, port.node_port) == (
        None, "tcp", 80, 80, None)
    assert (service.external_traffic_policy, service.internal_traffic_policy) == (
        "Cluster", "Cluster")
    assert service.load_balancer is None
    assert service.path == ("clusters", "eks", "manifests", 0)
    assert port.path == ("clusters", "eks", "manifests", 0, "spec", "ports", 0)


@pytest.mark.parametrize(("spec_", "kind", "headless", "cluster_ip", "external"), [
    ({"clusterIP": "None", "selector": {"app": "db"}}, "ClusterIP", True, None, None),
    ({"clusterIP": "10.96.5.5"}, "ClusterIP", False, ip("10.96.5.5"), None),
    ({"clusterIPs": ["10.96.5.6"]}, "ClusterIP", False, ip("10.96.5.6"), None),
    ({"clusterIP": ""}, "ClusterIP", False, ip("10.96.0.2"), None),
    ({"type": "ExternalName", "externalName": "db.example.com"}, "ExternalName", False, None,
     "db.example.com"),
    ({"type": "LoadBalancer", "selector": {}, "externalTrafficPolicy": "Local"},
     "LoadBalancer", False, ip("10.96.0.2"), None),
])
def test_service_types(spec_: dict[str, Any], kind: str, headless: bool, cluster_ip: Any,
                       external: Any) -> None:
    cluster, _ = kube([{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
                        "spec": {"ports": [{"port": 5432}], **spec_}}])
    service = cluster.services["default/s"]
    assert (service.type, service.headless, service.cluster_ip, service.external_name) == (
        kind, headless, cluster_ip, external)


def test_service_ports_by_name_and_protocol() -> None:
    cluster, _ = kube("""
        - apiVersion: v1
          kind: Service
          metadata: {name: dns, namespace: kube-system}
          spec:
            type: NodePort
            selector: {k8s-app: kube-dns}
            ports:
              - {name: dns, port: 53, protocol: UDP, targetPort: dns, nodePort: 30053}
              - {name: dns-tcp, port: 53, protocol: TCP, targetPort: 5353}
    """)
    ports = cluster.services["kube-system/dns"].ports
    assert [(p.name, p.protocol, p.target_port, p.node_port) for p in ports] == [
        ("dns", "udp", "dns", 30053), ("dns-tcp", "tcp", 5353, 30000)]


def test_endpoint_slices_and_endpoints_of_selectorless_services() -> None:
    cluster, _ = kube("""
        - {apiVersion: v1, kind: Service, metadata: {name: ext}, spec: {ports: [{port: 5432}]}}
        - apiVersion: discovery.k8s.io/v1
          kind: EndpointSlice
          metadata: {name: ext-1, labels: {kubernetes.io/service-name: ext}}
          addressType: IPv4
          ports: [{name: pg, port: 5432}]
          endpoints:
            - {addresses: [10.0.20.50], conditions: {ready: true}, nodeName: node-1}
            - {addresses: [10.0.20.51], conditions: {ready: false}}
        - {apiVersion: v1, kind: Service, metadata: {name: legacy}, spec: {ports: [{port: 80}]}}
        - apiVersion: v1
          kind: Endpoints
          metadata: {name: legacy}
          subsets:
            - addresses: [{ip: 10.0.20.60}]
              notReadyAddresses: [{ip: 10.0.20.61}]
              ports: [{port: 8080, protocol: TCP}]
    """)
    ext = cluster.services["default/ext"]
    assert ext.selector is None
    assert ext.endpoints == (
        ServiceEndpoint(ip("10.0.20.50"), True, "node-1", (EndpointPort("pg", 5432, "tcp"),),
                        ("clusters", "eks", "manifests", 1, "endpoints", 0)),
        ServiceEndpoint(ip("10.0.20.51"), False, None, (EndpointPort("pg", 5432, "tcp"),),
                        ("clusters", "eks", "manifests", 1, "endpoints", 1)),
    )
    legacy = cluster.services["default/legacy"].endpoints
    assert [(e.ip, e.ready, e.ports) for e in legacy] == [
        (ip("10.0.20.60"), True, (EndpointPort(None, 8080, "tcp"),)),
        (ip("10.0.20.61"), False, (EndpointPort(None, 8080, "tcp"),))]


@pytest.mark.parametrize(("manifests", "path"), [
    ("""
        - {apiVersion: v1, kind: Service, metadata: {name: ext}, spec: {ports: [{port: 5432}]}}
        - apiVersion: discovery.k8s.io/v1
          kind: EndpointSlice
          metadata: {name: ext-1, labels: {kubernetes.io/service-name: ext}}
          addressType: IPv4
          endpoints: [{addresses: [10.0.20.50], nodeName: 7}]
    """, "clusters.eks.manifests[1].endpoints[0].nodeName"),
    ("""
        - apiVersion: v1
          kind: Pod
          metadata: {name: a}
          spec: {containers: [{name: c, image: i, ports: [5, {containerPort: 80}]}]}
    """, "clusters.eks.manifests[0].spec.containers[0].ports[0]"),
    ("- {apiVersion: v1, kind: Service, metadata: {name: s}, spec: {ports: [5, {port: 80}]}}",
     "clusters.eks.manifests[0].spec.ports[0]"),
    ("- {apiVersion: v1, kind: Service, metadata: {name: s}, spec: {ports: 5}}",
     "clusters.eks.manifests[0].spec.ports"),
])
def test_a_field_of_the_wrong_type_is_reported_once(manifests: str, path: str) -> None:
    """Fields read by two checks (the API server's rules and the reader) are read once."""
    assert [e["path"] for e in kube_errors(manifests)] == [path]


# --- NetworkPolicy -------------------------------------------------------------------------------

POLICY = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
          "metadata": {"name": "p", "namespace": "shop"}}


def policy(spec_: str) -> Any:
    cluster, _ = kube([{**POLICY, "spec": yaml.safe_load(spec_)}])
    return cluster.network_policies["shop/p"]


@pytest.mark.parametrize(("spec_", "types", "ingress", "egress"), [
    ("{podSelector: {}}", ("Ingress",), 0, 0),
    ("{podSelector: {}, ingress: []}", ("Ingress",), 0, 0),
    ("{podSelector: {}, ingress: [{}]}", ("Ingress",), 1, 0),
    ("{podSelector: {}, egress: [{}]}", ("Ingress", "Egress"), 0, 1),
    ("{podSelector: {}, egress: []}", ("Ingress",), 0, 0),
    ("{podSelector: {}, policyTypes: [Egress]}", ("Egress",), 0, 0),
    ("{podSelector: {}, policyTypes: [Egress, Ingress], ingress: [{}]}", ("Ingress", "Egress"),
     1, 0),
    ("{podSelector: {}, policyTypes: []}", ("Ingress",), 0, 0),
])
def test_effective_policy_types(spec_: str, types: tuple[str, ...], ingress: int,
                                egress: int) -> None:
    """policyTypes left out: Ingress always, Egress only when there are egress rules."""
    found = policy(spec_)
    assert (found.policy_types, len(found.ingress), len(found.egress)) == (types, ingress,
                                                                           egress)


def test_policy_selectors_peers_and_ports() -> None:
    found = policy("""
        podSelector:
          matchLabels: {app: api}
          matchExpressions:
            - {key: tier, operator: In, values: [a, b]}
            - {key: legacy, operator: DoesNotExist}
        ingress:
          - from:
              - namespaceSelector: {matchLabels: {team: x}}
                podSelector: {matchLabels: {role: client}}
              - podSelector: {matchExpressions: [{key: env, operator: NotIn, values: [dev]}]}
              - namespaceSelector: {}
              - ipBlock: {cidr: 192.0.2.0/24, except: [192.0.2.128/25]}
            ports:
              - {port: 8080}
              - {protocol: UDP, port: dns}
              - {port: 30000, endPort: 32767}
              - {protocol: SCTP}
    """)
    assert found.pod_selector == LabelSelector(
        (("app", "api"),), (Requirement("tier", "In", ("a", "b")),
                            Requirement("legacy", "DoesNotExist")))
    peers = found.ingress[0].peers
    assert (peers[0].namespace_selector, peers[0].pod_selector) == (
        LabelSelector((("team", "x"),)), LabelSelector((("role", "client"),)))
    assert (peers[1].namespace_selector, peers[1].pod_selector) == (
        None, LabelSelector((), (Requirement("env", "NotIn", ("dev",)),)))
    assert (peers[2].namespace_selector, peers[2].pod_selector) == (LabelSelector(), None)
    assert peers[3].ip_block == IpBlock(net("192.0.2.0/24"), (net("192.0.2.128/25"),))
    ports = [(p.protocol, p.port, p.end_port) for p in found.ingress[0].ports]
    assert ports == [("tcp", 8080, None), ("udp", "dns", None), ("tcp", 30000, 32767),
                     ("sctp", None, None)]
    assert isinstance(found.ingress[0].ports[0], NetpolPort)


def test_ip_block_accepts_host_bits_and_leaves_ipv6_out() -> None:
    found = policy("""
        podSelector: {}
        egress:
          - to: [{ipBlock: {cidr: 10.1.2.3/16}}, {ipBlock: {cidr: "::/0"}}]
          - to: [{ipBlock: {cidr: "2001:db8::/32"}}]
    """)
    # The IPv6-only rule admits no IPv4 peer: it is dropped, never read as "every peer".
    assert [[p.ip_block for p in r.peers] for r in found.egress] == [
        [IpBlock(net("10.1.0.0/16"), ())]]


# --- Ingress, IngressClass, SecurityGroupPolicy ------------------------------------------------


def test_ingress_rules_default_backend_tls_and_class() -> None:
    cluster, model = kube("""
        - {apiVersion: v1, kind: Service, metadata: {name: fallback},
           spec: {selector: {app: x}, ports: [{name: http, port: 80}]}}
        - {apiVersion: v1, kind: Service, metadata: {name: api},
           spec: {selector: {app: x}, ports: [{port: 8080}]}}
        - {apiVersion: v1, kind: Service, metadata: {name: web},
           spec: {selector: {app: x}, ports: [{port: 80}]}}
        - {apiVersion: v1, kind: Service, metadata: {name: old},
           spec: {selector: {app: x}, ports: [{port: 81}]}}
        - apiVersion: networking.k8s.io/v1
          kind: Ingress
          metadata:
            name: web
            annotations: {alb.ingress.kubernetes.io/scheme: internal,
                          alb.ingress.kubernetes.io/target-type: ip}
          spec:
            ingressClassName: alb
            tls: [{hosts: [myapp.example.com]}]
            defaultBackend: {service: {name: fallback, port: {name: http}}}
            rules:
              - host: myapp.example.com
                http:
                  paths:
                    - {path: /api, pathType: Exact,
                       backend: {service: {name: api, port: {number: 8080}}}}
                    - backend: {service: {name: web, port: {number: 80}}}
              - http:
                  paths:
                    - {path: /, pathType: ImplementationSpecific,
                       backend: {serviceName: old, servicePort: 81}}
    """)
    ingress = cluster.ingresses["default/web"]
    assert (ingress.ingress_class, ingress.controller, ingress.tls_hosts) == (
        "alb", "ingress.k8s.aws/alb", ("myapp.example.com",))
    assert ingress.default_backend == IngressBackend(
        "fallback", "http", ("clusters", "eks", "manifests", 4, "spec", "defaultBackend"))
    rules = [(r.host, [(p.path, p.path_type, p.backend.service, p.backend.port) for p in r.paths])
             for r in ingress.rules]
    assert rules == [
        ("myapp.example.com", [("/api", "Exact", "api", 8080), ("/", "Prefix", "web", 80)]),
        (None, [("/", "ImplementationSpecific", "old", 81)])]
    assert ingress.annotations == {"alb.ingress.kubernetes.io/scheme": "internal",
                                   "alb.ingress.kubernetes.io/target-type": "ip"}
    assert any("no pathType; netpath reads it as Prefix" in n for n in model.notes)


@pytest.mark.parametrize(("classes", "written", "annotation", "expected"), [
    ([], None, None, (None, None)),
    ([], "nginx", None, ("nginx", None)),
    ([], None, "alb", ("alb", "ingress.k8s.aws/alb")),
    ([("nginx", "k8s.io/ingress-nginx", False)], "nginx", None, ("nginx", "k8s.io/ingress-nginx")),
    ([("alb", "example.com/other", False)], "alb", None, ("alb", "example.com/other")),
    ([("public", "ingress.k8s.aws/alb", True)], None, None, ("public", "ingress.k8s.aws/alb")),
])
def test_ingress_class_and_controller(classes: list[tuple[str, str, bool]], written: Any,
                                      annotation: Any, expected: tuple[Any, Any]) -> None:
    docs: list[Any] = [
        {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
         "metadata": {"name": name, "annotations": {
             "ingressclass.kubernetes.io/is-default-class": "true" if default else "false"}},
         "spec": {"controller": controller}} for name, controller, default in classes]
    ingress: dict[str, Any] = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                               "metadata": {"name": "i"}, "spec": {}}
    if written:
        ingress["spec"]["ingressClassName"] = written
    if annotation:
        ingress["metadata"]["annotations"] = {"kubernetes.io/ingress.class": annotation}
    cluster, _ = kube([*docs, ingress])
    found = cluster.ingresses["default/i"]
    assert (found.ingress_class, found.controller) == expected
    assert cluster.ingress_classes == {name: controller for name, controller, _ in classes}


def test_security_group_policy_gives_matching_pods_their_groups() -> None:
    cluster, _ = kube("""
        - apiVersion: vpcresources.k8s.aws/v1beta1
          kind: SecurityGroupPolicy
          metadata: {name: db-access}
          spec:
            podSelector: {matchLabels: {role: db-client}}
            securityGroups: {groupIds: [sg-app]}
        - {apiVersion: v1, kind: Pod, metadata: {name: a, labels: {role: db-client}},
           spec: {containers: [{name: app, image: a}]}}
        - {apiVersion: v1, kind: Pod, metadata: {name: b},
           spec: {containers: [{name: app, image: a}]}}
        - {apiVersion: v1, kind: Pod, metadata: {name: c, namespace: other,
                                                 labels: {role: db-client}},
           spec: {containers: [{name: app, image: a}]}}
        - {apiVersion: v1, kind: Pod, metadata: {name: h, labels: {role: db-client}},
           spec: {hostNetwork: true, containers: [{name: app, image: a}]}}
    """)
    groups = {key: pod.security_groups for key, pod in files_pods(cluster).items()}
    assert groups == {"default/a": ("sg-app",), "default/b": (), "default/h": (),
                      "other/c": ()}
    policy = cluster.security_group_policies["default/db-access"]
    assert (policy.pod_selector, policy.security_groups) == (
        LabelSelector((("role", "db-client"),)), ("sg-app",))


def test_security_group_policies_need_the_vpc_cni() -> None:
    cluster, model = kube("""
        - apiVersion: vpcresources.k8s.aws/v1beta1
          kind: SecurityGroupPolicy
          metadata: {name: p}
          spec: {podSelector: {}, securityGroups: {groupIds: [sg-app]}}
        - {apiVersion: v1, kind: Pod, metadata: {name: a},
           spec: {containers: [{name: app, image: a}]}}
    """, cni="calico")
    assert cluster.pods["default/a"].security_groups == ()
    assert any("SecurityGroupPolicies need the VPC CNI" in n for n in model.notes)


def test_kinds_of_other_api_groups_are_ignored_not_misread() -> None:
    cluster, _ = kube("""
        - {apiVersion: serving.knative.dev/v1, kind: Service, metadata: {name: hello}}
        - {apiVersion: v1, kind: ConfigMap, metadata: {name: cfg, namespace: shop}}
        - {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: r}}
    """)
    assert files_services(cluster) == {}
    assert cluster.ignored == (
        "Service (serving.knative.dev/v1) default/hello (clusters.eks.manifests[0])",
        "ConfigMap shop/cfg (clusters.eks.manifests[1])",
        "ClusterRole r (clusters.eks.manifests[2])")


def test_manifests_yaml_1_1_numbers_in_fields_netpath_reads_are_type_errors() -> None:
    # A YAML 1.1 reading such as `containerPort: 0800` stays text: reported by its parser.
    assert kube_errors("""
        - {apiVersion: v1, kind: Pod, metadata: {name: a},
           spec: {containers: [{name: c, image: nginx, ports: [{containerPort: "80"}]}]}}
    """) == [{"path": "clusters.eks.manifests[0].spec.containers[0].ports[0].containerPort",
              "message": "expected a port number 1-65535, got '80'",
              "hint": "write it without quotes"}]
