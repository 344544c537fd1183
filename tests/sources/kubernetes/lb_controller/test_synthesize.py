"""Load balancers synthesized from Kubernetes objects (netpath.sources.kubernetes.lb_controller).

Clusters are built by hand here, over the engine cases' base network, so these tests do not
depend on the manifest reader: what they pin is what the AWS Load Balancer Controller would
make of an Ingress or a LoadBalancer Service.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest
import yaml

from netpath.engine import balancers as engine_balancers
from netpath.load.errors import SpecError
from netpath.model.addr import Address, PortRange, Prefix
from netpath.model.kubernetes import (
    Cluster,
    ContainerPort,
    Ingress,
    IngressBackend,
    IngressPath,
    IngressRule,
    Node,
    Pod,
    Service,
    ServicePort,
)
from netpath.model.resources import Model
from netpath.sources.kubernetes.lb_controller import infra
from netpath.sources.kubernetes.lb_controller.infra import load_balancer_name
from netpath.sources.kubernetes.lb_controller.synthesize import (
    load_balancer_subnets,
    synthesize_load_balancers,
)
from tests.engine.casekit import CASES, build, deep_merge

A = "alb.ingress.kubernetes.io/"
S = "service.beta.kubernetes.io/"

NETWORK = {
    "vpcs": {"prod": {
        "subnets": {"public-b": {"cidr": "10.0.2.0/24", "az": "us-east-1b",
                                 "route_table": "rt-public"}},
        "security_groups": {"sg-node": {"ingress": [
            {"protocol": "all", "security_group": "sg-node"}]}},
        "instances": {
            "node-1": {"subnet": "private-a", "private_ip": "10.0.10.10",
                       "security_groups": ["sg-node"]},
            "node-2": {"subnet": "private-b", "private_ip": "10.0.11.10",
                       "security_groups": ["sg-node"]},
        },
        "load_balancers": {"web-alb": {
            "type": "application", "scheme": "internet-facing", "security_groups": ["sg-web"],
            "subnets": {"public-a": {"private_ip": "10.0.1.10", "public_ip": "198.51.100.20"},
                        "public-b": {"private_ip": "10.0.2.10", "public_ip": "198.51.100.21"}},
            "listeners": {"443": {"protocol": "HTTPS", "target_group": "tg-web", "rules": [
                {"priority": 7, "hosts": ["old.example.com"], "target_group": "tg-web"}]}},
        }},
        "target_groups": {"tg-web": {"protocol": "HTTP", "port": 8080, "targets": ["web-1"]}},
    }},
}


@pytest.fixture(scope="module")
def aws() -> Model:
    base = yaml.safe_load((CASES / "base.yaml").read_text())
    return build(deep_merge(base, NETWORK))


def meta(kind: str, name: str) -> tuple[Any, ...]:
    return ("clusters", "eks", "manifests", f"{kind}/{name}")


def pod(name: str, node: str, ip: str, labels: Mapping[str, str], *, ready: bool = True,
        port: int = 8080) -> Pod:
    return Pod("default", name, dict(labels), node, Address(ip), False,
               (ContainerPort("http", port, "tcp"),), ready, None, (), (), meta("Pod", name))


def service(name: str, selector: Mapping[str, str], *, kind: str = "NodePort",
            port: int = 8080, target: int | str = "http", node_port: int | None = 30080,
            policy: str = "Cluster", annotations: Mapping[str, str] | None = None) -> Service:
    path = meta("Service", name)
    cluster_ip = Address("10.100.0.50") + sum(name.encode())  # distinct per name
    return Service("default", name, kind, cluster_ip,
                   (ServicePort("http", "tcp", port, target, node_port, (*path, "spec")),),
                   dict(selector), (), None, policy, "Cluster", dict(annotations or {}), None,
                   (), path)


def ingress(name: str, rules: list[tuple[str | None, list[tuple[str, str, str, int | str]]]],
            annotations: Mapping[str, str] | None = None,
            default: tuple[str, int | str] | None = None) -> Ingress:
    path = meta("Ingress", name)
    built = []
    for r, (host, paths) in enumerate(rules):
        items = []
        for i, (p, kind, svc, port) in enumerate(paths):
            spec_path = (*path, "spec", "rules", r, "http", "paths", i)
            items.append(IngressPath(p, kind, IngressBackend(svc, port, (*spec_path, "backend")),
                                     spec_path))
        built.append(IngressRule(host, tuple(items), (*path, "spec", "rules", r)))
    backend = IngressBackend(default[0], default[1], (*path, "spec", "defaultBackend")) \
        if default else None
    return Ingress("default", name, "alb", None, tuple(built), backend, (),
                   dict(annotations or {}), None, path)


def cluster(services: list[Service], ingresses: list[Ingress], pods: list[Pod],
            cni: str = "aws-vpc-cni") -> Cluster:
    nodes = {
        "node-1": Node("node-1", Address("10.0.10.10"), "node-1", None, {}, meta("Node", "n1")),
        "node-2": Node("node-2", Address("10.0.11.10"), "node-2", None, {}, meta("Node", "n2")),
    }
    return Cluster("eks", "prod", cni, True, None, Prefix("10.100.0.0/16"),
                   Address("10.100.0.10"), "cluster.local", False, (), "iptables", "standard",
                   nodes=nodes, pods={p.key: p for p in pods},
                   services={s.key: s for s in services},
                   ingresses={i.key: i for i in ingresses}, path=("clusters", "eks"))


FRONTEND = {"app": "frontend"}
API = {"app": "api"}
PODS = [pod("web-0", "node-1", "10.0.10.20", FRONTEND),
        pod("api-0", "node-2", "10.0.11.20", API),
        pod("api-1", "node-2", "10.0.11.21", API, ready=False)]
SERVICES = [service("web", FRONTEND, port=80, node_port=30080),
            service("api", API, node_port=30081)]


def synth(aws: Model, c: Cluster, **kw: Any) -> tuple[Model, list[SpecError]]:
    return synthesize_load_balancers(replace(aws, clusters={"eks": c}), **kw)


def ok(aws: Model, c: Cluster) -> Model:
    model, errors = synth(aws, c)
    assert errors == [], errors
    return model


SHOP = [("myapp.example.com", [("/", "Prefix", "web", 80), ("/api", "Prefix", "api", "http")])]


def test_an_ingress_becomes_an_internal_alb_with_rules_in_controller_order(aws: Model) -> None:
    model = ok(aws, cluster(SERVICES, [ingress("shop", SHOP)], PODS))
    lb = model.load_balancers["k8s-default-shop"]
    assert (lb.type, lb.scheme) == ("application", "internal")  # the controller's default
    assert lb.security_groups == ("k8s-default-shop-sg", "k8s-traffic-eks")
    [listener] = lb.listeners
    assert (listener.port, listener.protocol, listener.target_group) == (80, "HTTP", None)
    # Prefix paths longest first, priorities from 1; Prefix /api covers /api and below.
    assert [(r.priority, r.hosts, r.paths, r.target_group) for r in listener.rules] == [
        (1, ("myapp.example.com",), ("/api", "/api/*"), "k8s-default-api-8080"),
        (2, ("myapp.example.com",), ("/*",), "k8s-default-web-80"),
    ]
    assert listener.rules[0].path == meta("Ingress", "shop") + (
        "spec", "rules", 0, "http", "paths", 1)
    assert model.clusters["eks"].ingresses["default/shop"].load_balancer == "k8s-default-shop"
    # Nodes in the private subnet of each AZ that holds the cluster's nodes, highest addresses.
    enis = [model.enis[e] for e in lb.enis]
    assert [(e.subnet, str(e.private_ip), e.public_ip) for e in enis] == [
        ("private-a", "10.0.10.254", None), ("private-b", "10.0.11.254", None)]
    assert any("no defaultBackend" not in n and "k8s-default-shop" in n for n in model.notes)


def test_instance_targets_are_every_node_on_the_node_port(aws: Model) -> None:
    model = ok(aws, cluster(SERVICES, [ingress("shop", SHOP)], PODS))
    group = model.target_groups["k8s-default-api-8080"]
    assert (group.target_type, group.port, group.protocol) == ("instance", 30081, "HTTP")
    assert [(t.target, t.port, t.healthy) for t in group.targets] == [
        ("node-1", 30081, True), ("node-2", 30081, True)]


def test_local_traffic_policy_marks_nodes_without_a_ready_pod_unhealthy(aws: Model) -> None:
    api = service("api", API, node_port=30081, policy="Local")
    model = ok(aws, cluster([SERVICES[0], api], [ingress("shop", SHOP)], PODS))
    group = model.target_groups["k8s-default-api-8080"]
    assert [(t.target, t.healthy) for t in group.targets] == [("node-1", False),
                                                              ("node-2", True)]


def test_a_service_without_ready_endpoints_fails_every_health_check(aws: Model) -> None:
    lonely = service("api", {"app": "nobody"}, node_port=30081)
    model = ok(aws, cluster([SERVICES[0], lonely], [ingress("shop", SHOP)], PODS))
    assert not any(t.healthy for t in model.target_groups["k8s-default-api-8080"].targets)


def test_ip_targets_are_the_ready_pods_on_the_resolved_target_port(aws: Model) -> None:
    shop = ingress("shop", SHOP, {A + "target-type": "ip"})
    model = ok(aws, cluster(SERVICES, [shop], PODS))
    group = model.target_groups["k8s-default-api-8080-ip"]
    assert group.target_type == "ip"
    assert [(t.target, t.port) for t in group.targets] == [("10.0.11.20", 8080)]  # api-1 unready


def test_the_controller_opens_node_groups_to_its_backend_group(aws: Model) -> None:
    model = ok(aws, cluster(SERVICES, [ingress("shop", SHOP)], PODS))
    added = [r for r in model.security_groups["sg-node"].ingress
             if r.description == infra.CONTROLLER_RULE_DESCRIPTION]
    assert [(r.protocol, r.ports, r.security_group) for r in added] == [
        ("tcp", PortRange(30081, 30081), "k8s-traffic-eks"),
        ("tcp", PortRange(30080, 30080), "k8s-traffic-eks")]
    assert added[0].path == meta("Ingress", "shop")
    front = model.security_groups["k8s-default-shop-sg"]
    assert [(r.protocol, r.ports, str(r.cidr)) for r in front.ingress] == [
        ("tcp", PortRange(80, 80), "0.0.0.0/0")]
    assert aws.security_groups["sg-node"].ingress == model.security_groups["sg-node"].ingress[:1]


def test_internet_facing_with_a_certificate_listens_on_https_443(aws: Model) -> None:
    shop = ingress("shop", SHOP, {A + "scheme": "internet-facing",
                                  A + "certificate-arn": "arn:aws:acm:cert/1",
                                  A + "inbound-cidrs": "203.0.113.0/24"})
    model = ok(aws, cluster(SERVICES, [shop], PODS))
    lb = model.load_balancers["k8s-default-shop"]
    assert [(x.port, x.protocol) for x in lb.listeners] == [(443, "HTTPS")]
    enis = [model.enis[e] for e in lb.enis]
    assert [e.subnet for e in enis] == ["public-a", "public-b"]
    # Public addresses count down from 198.51.100.254; .20/.21 belong to web-alb already.
    assert [str(e.public_ip) for e in enis] == ["198.51.100.254", "198.51.100.253"]
    assert str(model.security_groups["k8s-default-shop-sg"].ingress[0].cidr) == \
        "203.0.113.0/24"


def test_listen_ports_and_the_default_backend(aws: Model) -> None:
    shop = ingress("shop", SHOP, {A + "listen-ports": '[{"HTTP": 80}, {"HTTPS": 8443}]'},
                   default=("web", "http"))
    model = ok(aws, cluster(SERVICES, [shop], PODS))
    lb = model.load_balancers["k8s-default-shop"]
    assert [(x.port, x.protocol, x.target_group, len(x.rules)) for x in lb.listeners] == [
        (80, "HTTP", "k8s-default-web-80", 2), (8443, "HTTPS", "k8s-default-web-80", 2)]


def test_an_ingress_group_shares_one_alb_in_group_order(aws: Model) -> None:
    first = ingress("b-first", [(None, [("/b", "Exact", "web", 80)])],
                    {A + "group.name": "shop", A + "group.order": "1"})
    second = ingress("a-second", [(None, [("/a", "Exact", "api", 8080)])],
                     {A + "group.name": "shop", A + "group.order": "2"})
    model = ok(aws, cluster(SERVICES, [second, first], PODS))
    [listener] = model.load_balancers["k8s-shop"].listeners
    assert [(r.priority, r.paths) for r in listener.rules] == [(1, ("/b",)), (2, ("/a",))]
    ingresses = model.clusters["eks"].ingresses
    assert {i.load_balancer for i in ingresses.values()} == {"k8s-shop"}


def test_exact_paths_come_first_then_longer_prefixes(aws: Model) -> None:
    shop = ingress("shop", [(None, [("/", "Prefix", "web", 80),
                                    ("/v1/*", "ImplementationSpecific", "api", 8080),
                                    ("/api/", "Prefix", "api", 8080),
                                    ("/health", "Exact", "web", 80)])])
    model = ok(aws, cluster(SERVICES, [shop], PODS))
    [listener] = model.load_balancers["k8s-default-shop"].listeners
    assert [r.paths for r in listener.rules] == [
        ("/health",), ("/api", "/api/*"), ("/*",), ("/v1/*",)]
    assert all(r.hosts == () for r in listener.rules)


def test_attaching_to_a_load_balancer_of_the_spec(aws: Model) -> None:
    shop = ingress("shop", SHOP, {A + "load-balancer-name": "web-alb",
                                  A + "listen-ports": '[{"HTTPS": 443}]'})
    model = ok(aws, cluster(SERVICES, [shop], PODS))
    lb = model.load_balancers["web-alb"]
    assert lb.enis == aws.load_balancers["web-alb"].enis
    assert lb.security_groups == ("sg-web",)  # as written: netpath does not touch them
    [listener] = lb.listeners
    assert listener.target_group == "tg-web"  # no defaultBackend: the written default stays
    assert [(r.priority, r.target_group) for r in listener.rules] == [
        (7, "tg-web"), (8, "k8s-default-api-8080"), (9, "k8s-default-web-80")]
    assert "k8s-traffic-eks" not in model.security_groups
    assert model.clusters["eks"].ingresses["default/shop"].load_balancer == "web-alb"


def test_attaching_with_another_protocol_is_an_error(aws: Model) -> None:
    shop = ingress("shop", SHOP, {A + "load-balancer-name": "web-alb",
                                  A + "listen-ports": '[{"HTTP": 443}]'})
    _, errors = synth(aws, cluster(SERVICES, [shop], PODS))
    assert [(e.path, e.message) for e in errors] == [
        ((*meta("Ingress", "shop"), "metadata", "annotations", A + "listen-ports"),
         "listener 443 of 'web-alb' is HTTPS, but the Ingress listens with HTTP")]


def test_instance_targets_need_a_node_port(aws: Model) -> None:
    internal = service("api", API, kind="ClusterIP", node_port=None)
    _, errors = synth(aws, cluster([SERVICES[0], internal], [ingress("shop", SHOP)], PODS))
    [error] = errors
    assert error.path == (*meta("Ingress", "shop"), "spec", "rules", 0, "http", "paths", 1,
                          "backend")
    assert error.message == ("Service 'default/api' is ClusterIP: target-type instance sends "
                             "to a NodePort, which it does not have")
    assert error.hint == "make it a NodePort Service, or use target-type ip"


def test_bad_backends_and_wildcards_are_located(aws: Model) -> None:
    shop = ingress("shop", [("a.example.com", [("/x*", "Prefix", "web", 80),
                                               ("/y", "Exact", "nope", 80),
                                               ("/z", "Exact", "web", 9999)])])
    _, errors = synth(aws, cluster(SERVICES, [shop], PODS))
    rules = (*meta("Ingress", "shop"), "spec", "rules", 0, "http", "paths")
    assert [(e.path, e.message) for e in errors] == [
        ((*rules, 1, "backend"), "Service 'nope' does not exist in namespace 'default'"),
        ((*rules, 2, "backend"), "Service 'default/web' has no port 9999 (ports: http)"),
        ((*rules, 0), "a Prefix path cannot hold wildcards: '/x*'"),
    ]


def test_backend_protocol_grpc_is_refused_with_the_annotation_that_means_it(aws: Model) -> None:
    # The guide writes `backend-protocol: GRPC`; the controller accepts only HTTP and HTTPS there.
    shop = ingress("shop", SHOP, {A + "backend-protocol": "GRPC"})
    _, errors = synth(aws, cluster(SERVICES, [shop], PODS))
    assert {(e.path, e.message, e.hint) for e in errors} == {(
        (*meta("Ingress", "shop"), "metadata", "annotations", A + "backend-protocol"),
        "backend-protocol 'GRPC' is not one the AWS Load Balancer Controller accepts "
        "(HTTP, HTTPS)",
        "use backend-protocol: HTTPS with backend-protocol-version: GRPC")}


def test_a_services_own_bad_protocol_version_is_located_on_the_service(aws: Model) -> None:
    web = service("web", FRONTEND, port=80, annotations={A + "backend-protocol-version": "h2"})
    _, errors = synth(aws, cluster([web, SERVICES[1]], [ingress("shop", SHOP)], PODS))
    [error] = errors
    assert error.path == (*meta("Service", "web"), "metadata", "annotations",
                          A + "backend-protocol-version")
    assert error.hint == "one of HTTP1, HTTP2, GRPC"


def test_valid_backend_protocols_are_accepted_in_any_case(aws: Model) -> None:
    shop = ingress("shop", SHOP, {A + "backend-protocol": "https",
                                  A + "backend-protocol-version": "GRPC"})
    model = ok(aws, cluster(SERVICES, [shop], PODS))
    made = set(model.target_groups) - set(aws.target_groups)
    assert made and {model.target_groups[name].protocol for name in made} == {"HTTPS"}


def test_ip_targets_need_pod_ips_in_the_vpc(aws: Model) -> None:
    shop = ingress("shop", SHOP, {A + "target-type": "ip"})
    _, errors = synth(aws, cluster(SERVICES, [shop], PODS, cni="calico"))
    assert {e.message for e in errors} == {
        "target-type ip sends to pod IPs, which the calico overlay keeps out of the VPC"}


def test_a_made_up_name_that_the_spec_uses_is_an_error(aws: Model) -> None:
    shop = ingress("shop", SHOP, {A + "load-balancer-name": "tg-web"})
    _, errors = synth(aws, cluster(SERVICES, [shop], PODS))
    assert errors[0].message == ("the ALB netpath would create is named 'tg-web', which the "
                                 "spec already uses")


def test_two_default_backends_in_one_group_are_an_error(aws: Model) -> None:
    one = ingress("one", [], {A + "group.name": "g"}, default=("web", 80))
    two = ingress("two", [], {A + "group.name": "g"}, default=("api", 8080))
    _, errors = synth(aws, cluster(SERVICES, [one, two], PODS))
    assert errors[0].path == (*meta("Ingress", "two"), "spec", "defaultBackend")


def test_ssl_redirect_leaves_http_listeners_without_rules(aws: Model) -> None:
    shop = ingress("shop", SHOP, {A + "listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
                                  A + "certificate-arn": "arn:aws:acm:cert/1",
                                  A + "ssl-redirect": "443"}, default=("web", 80))
    model = ok(aws, cluster(SERVICES, [shop], PODS))
    listeners = model.load_balancers["k8s-default-shop"].listeners
    assert [(x.port, x.target_group, len(x.rules)) for x in listeners] == [
        (80, None, 0), (443, "k8s-default-web-80", 2)]


def test_two_groups_cannot_make_one_named_alb(aws: Model) -> None:
    one = ingress("one", SHOP, {A + "load-balancer-name": "shared"})
    two = ingress("two", SHOP, {A + "load-balancer-name": "shared"})
    model, errors = synth(aws, cluster(SERVICES, [one, two], PODS))
    assert [(e.path[-1], e.message) for e in errors] == [
        (A + "load-balancer-name", "another Ingress group already makes the ALB 'shared'; the "
                                   "controller gives each group its own")]
    assert model.clusters["eks"].ingresses["default/one"].load_balancer == "shared"
    assert model.clusters["eks"].ingresses["default/two"].load_balancer is None


def test_an_external_service_becomes_an_internal_nlb(aws: Model) -> None:
    lb_svc = service("api", API, kind="LoadBalancer", node_port=30081,
                     annotations={S + "aws-load-balancer-type": "external"})
    model = ok(aws, cluster([lb_svc], [], PODS))
    lb = model.load_balancers["k8s-default-api-nlb"]
    assert (lb.type, lb.scheme) == ("network", "internal")
    assert [(x.port, x.protocol, x.target_group) for x in lb.listeners] == [
        (8080, "TCP", "k8s-default-api-8080-tcp")]
    group = model.target_groups["k8s-default-api-8080-tcp"]
    assert (group.target_type, group.preserve_client_ip) == ("instance", True)
    assert model.clusters["eks"].services["default/api"].load_balancer == lb.name
    # The client IP is preserved: node groups let the clients (the VPC, internal) in.
    added = [r for r in model.security_groups["sg-node"].ingress if r.ports is not None]
    assert [(str(r.cidr), r.ports) for r in added] == [("10.0.0.0/16", PortRange(30081, 30081))]


def test_nlb_ip_targets_do_not_preserve_the_client_ip(aws: Model) -> None:
    lb_svc = service("api", API, kind="LoadBalancer", target=8080, node_port=30081,
                     annotations={S + "aws-load-balancer-type": "external",
                                  S + "aws-load-balancer-nlb-target-type": "ip",
                                  S + "aws-load-balancer-scheme": "internet-facing"})
    model = ok(aws, cluster([lb_svc], [], PODS))
    group = model.target_groups["k8s-default-api-8080-ip-tcp"]
    assert (group.preserve_client_ip, [t.target for t in group.targets]) == (
        False, ["10.0.11.20"])
    added = model.security_groups["sg-node"].ingress[-1]
    assert (added.security_group, added.ports) == ("k8s-traffic-eks", PortRange(8080, 8080))


def test_a_service_without_the_annotation_gets_a_classic_load_balancer(aws: Model) -> None:
    lb_svc = service("web", FRONTEND, kind="LoadBalancer", port=80, node_port=30080)
    model = ok(aws, cluster([lb_svc], [], PODS))
    lb = model.load_balancers["k8s-default-web-clb"]
    assert (lb.type, lb.scheme, lb.security_groups) == (
        "classic", "internet-facing", ("k8s-default-web-clb-sg",))
    added = model.security_groups["sg-node"].ingress[-1]
    assert (added.protocol, added.security_group) == ("all", "k8s-default-web-clb-sg")


def test_a_cluster_without_an_aws_part_gets_no_load_balancer(aws: Model) -> None:
    c = replace(cluster(SERVICES, [ingress("shop", SHOP)], PODS), vpc=None)
    model, errors = synth(aws, c)
    assert errors == [] and model.load_balancers == aws.load_balancers
    assert "cluster eks has no AWS part" in model.notes[-1]


def test_written_subnets_are_used_and_checked(aws: Model) -> None:
    c = cluster(SERVICES, [ingress("shop", SHOP)], PODS)
    model, errors = synth(aws, c, lb_subnets={"eks": {"internal": ["db-a", "nope"]}})
    assert [(e.path, e.message) for e in errors] == [
        (("clusters", "eks", "load_balancer_subnets", "internal", 1),
         "subnet 'nope' for k8s-default-shop is not a subnet of VPC 'prod'")]
    assert [model.enis[e].subnet for e in model.load_balancers["k8s-default-shop"].enis] == \
        ["db-a"]
    assert load_balancer_subnets({"clusters": {"eks": {"load_balancer_subnets": {
        "internal": ["db-a"]}}}}) == {"eks": {"internal": ("db-a",)}}


def test_synthesis_is_deterministic(aws: Model) -> None:
    c = cluster(SERVICES, [ingress("shop", SHOP, {A + "scheme": "internet-facing"})], PODS)
    assert synth(aws, c) == synth(aws, c)


def test_long_names_are_cut_to_aws_limit_and_stay_distinct() -> None:
    one = load_balancer_name(["production-payments", "checkout-frontend-v2"], "-nlb")
    two = load_balancer_name(["production-payments", "checkout-frontend-v3"], "-nlb")
    assert len(one) <= 32 and len(two) <= 32 and one != two
    assert one.startswith("k8s-producti-checkout-") and one.endswith("-nlb")
    assert load_balancer_name(["default", "web"]) == "k8s-default-web"


def test_engine_and_builder_agree_on_the_controller_rule_mark() -> None:
    assert engine_balancers.CONTROLLER_RULE_DESCRIPTION == \
        infra.CONTROLLER_RULE_DESCRIPTION


def test_the_synthesized_model_passes_the_semantic_checks(aws: Model) -> None:
    from netpath.sources.netpath_spec.semantic import check_model

    model = ok(aws, cluster(SERVICES + [service("lb", API, kind="LoadBalancer", node_port=30090)],
                            [ingress("shop", SHOP, {A + "scheme": "internet-facing"})], PODS))
    assert check_model(model) == []


def test_a_synthesized_alb_carries_a_trace_to_the_right_node_port(aws: Model) -> None:
    """Through the engine, with the cluster left out so that only the AWS objects the synthesis
    made are walked (the node's kube-proxy is the Kubernetes layer's business)."""
    from netpath.engine import prepare, trace
    from netpath.engine.hops import Query

    shop = ingress("shop", SHOP, {A + "scheme": "internet-facing"})
    model = ok(aws, cluster(SERVICES, [shop], PODS))
    net = prepare(replace(model, clusters={}))
    result = trace(net, Query("internet", "k8s-default-shop", 80, host="MyApp.example.com",
                              url_path="/api/orders?id=1"))
    assert result.reachable, result
    [rule_hop] = [h for h in result.hops if h.rule and h.rule.text.startswith("rule ")]
    assert rule_hop.rule is not None and rule_hop.rule.text == (
        "rule 1: host myapp.example.com, path /api or /api/* -> k8s-default-api-8080")
    [group_hop] = [h for h in result.hops if h.component == "target-group"]
    assert (str(group_hop.packet.dst_ip), group_hop.packet.dst_port) == ("10.0.10.10", 30081)
    assert group_hop.note is not None and "the AWS Load Balancer Controller added the rule " \
        "'tcp/30081 from k8s-traffic-eks' to sg-node" in group_hop.note
    unmatched = trace(net, Query("internet", "k8s-default-shop", 80, host="other.example.com"))
    assert unmatched.blocked_by is not None and unmatched.blocked_by.code == "NO_TARGETS"
    assert "fixed response" in unmatched.blocked_by.reason


def test_two_clusters_with_the_same_service_get_distinct_target_groups() -> None:
    """The same namespace/name in two clusters (one per Region, say) must not clash."""
    import copy

    from tests.engine.casekit import build

    vpc = {"cidr": "10.0.0.0/16", "region": "us-east-1",
           "subnets": {"a": {"cidr": "10.0.1.0/24", "az": "us-east-1a"}},
           "instances": {"n": {"subnet": "a", "private_ip": "10.0.1.10"}}}
    manifests = [
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-0", "labels": {"app": "web"}},
         "spec": {"nodeName": "n", "containers": [{"name": "w", "image": "w"}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {
            "name": "web", "annotations": {
                "service.beta.kubernetes.io/aws-load-balancer-type": "external"}},
         "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 80}]}},
    ]
    west = copy.deepcopy(vpc)
    west["region"], west["cidr"] = "us-west-2", "10.1.0.0/16"
    west["subnets"] = {"b": {"cidr": "10.1.1.0/24", "az": "us-west-2a"}}
    west["instances"] = {"m": {"subnet": "b", "private_ip": "10.1.1.10"}}
    west_manifests = copy.deepcopy(manifests)
    west_manifests[0]["spec"]["nodeName"] = "m"
    spec = {"netpath": 1, "vpcs": {"east": vpc, "west": west}, "clusters": {
        "east": {"vpc": "east", "nodes": {"n": {"instance": "n"}}, "manifests": manifests,
                 "load_balancer_subnets": {"internal": ["a"]}},
        "west": {"vpc": "west", "nodes": {"m": {"instance": "m"}}, "manifests": west_manifests,
                 "load_balancer_subnets": {"internal": ["b"]}}}}
    model = build(spec)
    groups = sorted(name for name in model.target_groups if "web" in name)
    assert len(groups) == 2 and groups[0] != groups[1]
    assert any("east" in g for g in groups) and any("west" in g for g in groups)
    balancers = sorted(n for n in model.load_balancers if "web" in n)
    assert len(balancers) == 2 and balancers[0] != balancers[1]
