"""CoreDNS and the pod resolver: search list order, ndots, absolute names, each record kind,
ExternalName, headless Services, pod records, and NXDOMAIN with every name tried."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Address

from netpath.engine import coredns
from netpath.engine.coredns import Upstream, resolve_in_cluster
from netpath.engine.resolve import DnsAnswer
from netpath.model.kubernetes import Cluster, Pod
from tests.engine.test_services import (
    BACKEND,
    backend_cluster,
    make_pod,
    make_port,
    make_service,
)

ROUTE53 = {"api.example.com": "192.0.2.80", "db.internal.example": "10.0.20.50"}


def fake_vpc_resolver(records: dict[str, str] | None = None) -> Upstream:
    """What the lead passes on AWS: a wrapper of resolve_dns(net, name, vpc)."""
    table = ROUTE53 if records is None else records

    def resolve(name: str) -> DnsAnswer | None:
        if name not in table:
            return None
        return DnsAnswer(name, (IPv4Address(table[name]),), (), "Route 53")

    return Upstream("the VPC resolver (10.0.0.2)", resolve, "ec2.internal",
                    IPv4Address("10.0.0.2"))


def cluster_and_pod() -> tuple[Cluster, Pod]:
    cluster = backend_cluster()
    return cluster, cluster.pods["default/pod-a"]


def test_search_list_on_aws_and_resolv_conf() -> None:
    cluster, pod = cluster_and_pod()
    conf = coredns.resolv_conf(cluster, pod, fake_vpc_resolver())
    assert str(conf) == ("nameserver 10.100.0.10; search default.svc.cluster.local "
                         "svc.cluster.local cluster.local ec2.internal; options ndots:5")
    assert coredns.resolv_conf(cluster, pod).search[-1] == "cluster.local"  # Kubernetes-only


def test_vpc_search_domain_rule() -> None:
    assert coredns.vpc_search_domain("us-east-1") == "ec2.internal"
    assert coredns.vpc_search_domain("eu-west-1") == "eu-west-1.compute.internal"


def test_external_name_goes_through_the_search_list_first() -> None:
    cluster, pod = cluster_and_pod()
    answer = resolve_in_cluster(cluster, pod, "api.example.com", fake_vpc_resolver())
    assert [(t.name, t.outcome, t.server) for t in answer.tried] == [
        ("api.example.com.default.svc.cluster.local", "NXDOMAIN", "CoreDNS"),
        ("api.example.com.svc.cluster.local", "NXDOMAIN", "CoreDNS"),
        ("api.example.com.cluster.local", "NXDOMAIN", "CoreDNS"),
        ("api.example.com.ec2.internal", "NXDOMAIN", "the VPC resolver (10.0.0.2)"),
        ("api.example.com", "answer", "the VPC resolver (10.0.0.2)"),
    ]
    assert answer.addresses == (IPv4Address("192.0.2.80"),)
    assert answer.answered_by == "the VPC resolver (10.0.0.2)" and answer.code is None
    assert answer.reason == (
        "default/pod-a asked api.example.com: tried api.example.com.default.svc.cluster.local "
        "(NXDOMAIN), api.example.com.svc.cluster.local (NXDOMAIN), api.example.com.cluster.local"
        " (NXDOMAIN), api.example.com.ec2.internal (NXDOMAIN from the VPC resolver (10.0.0.2)), "
        "then api.example.com (forwarded to the VPC resolver (10.0.0.2): Route 53 answers "
        "192.0.2.80)")
    assert any("ndots:5: api.example.com has 2 dot(s), fewer than 5" in n and
               "4 wasted queries" in n for n in answer.notes)
    dns = answer.as_dns_answer()
    assert dns is not None and dns.addresses == answer.addresses


def test_trailing_dot_is_absolute_only() -> None:
    cluster, pod = cluster_and_pod()
    answer = resolve_in_cluster(cluster, pod, "api.example.com.", fake_vpc_resolver())
    assert [t.name for t in answer.tried] == ["api.example.com"]
    assert answer.resolved and not any("ndots" in n for n in answer.notes)


def test_name_with_ndots_dots_is_tried_as_written_first() -> None:
    cluster, pod = cluster_and_pod()
    name = "a.b.c.d.example.com"
    answer = resolve_in_cluster(cluster, pod, name, fake_vpc_resolver({name: "192.0.2.9"}))
    assert [t.name for t in answer.tried] == [name]
    answer = resolve_in_cluster(cluster, pod, "x.y.z.w.v.nowhere", fake_vpc_resolver())
    assert answer.tried[0].name == "x.y.z.w.v.nowhere"  # absolute first, then the search list
    assert answer.tried[1].name == "x.y.z.w.v.nowhere.default.svc.cluster.local"


def test_service_short_name_answers_on_the_first_search_domain() -> None:
    cluster, pod = cluster_and_pod()
    answer = resolve_in_cluster(cluster, pod, "backend-service")
    assert [t.outcome for t in answer.tried] == ["answer"]
    assert answer.fqdn == "backend-service.default.svc.cluster.local"
    assert answer.addresses == (IPv4Address("10.100.0.50"),)
    assert answer.service == "default/backend-service" and answer.answered_by == "CoreDNS"
    assert answer.record == "Service default/backend-service (NodePort): ClusterIP 10.100.0.50"
    assert answer.reason == ("default/pod-a asked backend-service: tried "
                             "backend-service.default.svc.cluster.local (Service "
                             "default/backend-service (NodePort): ClusterIP 10.100.0.50)")


def test_other_namespace_needs_the_namespace_in_the_name() -> None:
    cluster, _ = cluster_and_pod()
    shop = make_pod("shop/client", "10.0.10.7")
    cluster.pods[shop.key] = shop
    answer = resolve_in_cluster(cluster, shop, "backend-service.default")
    assert [t.name for t in answer.tried[:2]] == [
        "backend-service.default.shop.svc.cluster.local",
        "backend-service.default.svc.cluster.local"]
    assert answer.resolved and answer.service == "default/backend-service"
    missing = resolve_in_cluster(cluster, shop, "backend-service")
    assert missing.code == "DNS_NXDOMAIN"
    assert missing.fix is not None and "ask for backend-service.default" in missing.fix


def test_fully_qualified_service_name() -> None:
    cluster, pod = cluster_and_pod()
    answer = resolve_in_cluster(cluster, pod, "backend-service.default.svc.cluster.local")
    # 4 dots < 5: the search list first, where the doubled names fail
    assert answer.tried[0].name.endswith(".default.svc.cluster.local.default.svc.cluster.local")
    assert answer.fqdn == "backend-service.default.svc.cluster.local"


def test_headless_service_answers_ready_pod_ips_and_statefulset_hostnames() -> None:
    cluster, pod = cluster_and_pod()
    for key in ("default/backend-0", "default/backend-1"):
        cluster.pods[key] = replace(cluster.pods[key], owner="StatefulSet/backend")
    cluster.services["default/backend"] = make_service("default/backend", cluster_ip=None,
                                                       selector=BACKEND)
    answer = resolve_in_cluster(cluster, pod, "backend")
    assert [str(a) for a in answer.addresses] == ["10.0.10.10", "10.0.11.5", "10.0.11.15"]
    assert answer.record is not None and answer.record.startswith("headless Service")
    answer = resolve_in_cluster(cluster, pod, "backend-1.backend")
    assert answer.addresses == (IPv4Address("10.0.11.5"),)
    assert answer.pod == "default/backend-1"
    # backend-2 is not a StatefulSet pod: no hostname record
    assert not resolve_in_cluster(cluster, pod, "backend-2.backend").resolved


def test_headless_service_without_ready_endpoints() -> None:
    cluster, pod = cluster_and_pod()
    cluster.services["default/nobody"] = make_service("default/nobody", cluster_ip=None,
                                                      selector={"app": "none"})
    answer = resolve_in_cluster(cluster, pod, "nobody")
    assert not answer.resolved and answer.code == "SERVICE_NO_ENDPOINTS"
    assert answer.tried[0].outcome == "NODATA"


def test_external_name_is_a_cname_resolved_upstream() -> None:
    cluster, pod = cluster_and_pod()
    cluster.services["default/payments"] = make_service(
        "default/payments", [make_port(443, 443)], cluster_ip=None, type="ExternalName",
        external_name="api.example.com")
    answer = resolve_in_cluster(cluster, pod, "payments", fake_vpc_resolver())
    assert answer.chain == ("api.example.com",)
    assert answer.addresses == (IPv4Address("192.0.2.80"),)
    assert answer.answered_by == "CoreDNS" and answer.service == "default/payments"
    assert answer.record is not None and "CNAME api.example.com" in answer.record
    gone = resolve_in_cluster(cluster, pod, "payments", coredns.NO_UPSTREAM)
    assert not gone.resolved and "which does not resolve" in gone.tried[0].detail


def test_pod_a_record_uses_dashes_and_the_dotted_form_fails() -> None:
    cluster, pod = cluster_and_pod()
    answer = resolve_in_cluster(cluster, pod, "10-0-10-10.default.pod.cluster.local")
    assert answer.addresses == (IPv4Address("10.0.10.10"),)
    assert answer.pod == "default/backend-0"
    unknown = resolve_in_cluster(cluster, pod, "10-9-9-9.default.pod")
    assert unknown.addresses == (IPv4Address("10.9.9.9"),)
    assert unknown.record is not None and "pods insecure" in unknown.record
    dotted = resolve_in_cluster(cluster, pod, "10.0.10.10.default.pod.cluster.local")
    assert not dotted.resolved and dotted.code == "DNS_NXDOMAIN"
    assert any("pod A records use dashes: 10-0-10-10.default.pod.cluster.local" in n
               for n in dotted.notes)


def test_nxdomain_lists_every_name_tried() -> None:
    cluster, pod = cluster_and_pod()
    answer = resolve_in_cluster(cluster, pod, "nothing.example", fake_vpc_resolver())
    assert answer.code == "DNS_NXDOMAIN" and not answer.resolved
    assert [t.name for t in answer.tried] == [
        "nothing.example.default.svc.cluster.local", "nothing.example.svc.cluster.local",
        "nothing.example.cluster.local", "nothing.example.ec2.internal", "nothing.example"]
    assert answer.reason.startswith("default/pod-a asked nothing.example: tried ")
    assert answer.reason.endswith("nothing.example (NXDOMAIN from the VPC resolver (10.0.0.2));"
                                  " no address")


def test_kubernetes_only_upstream_knows_nothing() -> None:
    cluster, pod = cluster_and_pod()
    answer = resolve_in_cluster(cluster, pod, "api.example.com")
    assert answer.code == "DNS_NXDOMAIN" and len(answer.tried) == 4


def test_host_network_pod_uses_the_nodes_resolver() -> None:
    cluster, _ = cluster_and_pod()
    agent = make_pod("kube-system/agent", "10.0.10.100", host_network=True)
    answer = resolve_in_cluster(cluster, agent, "backend-service", fake_vpc_resolver())
    assert answer.resolv_conf.policy == "Default"
    assert [t.server for t in answer.tried] == ["the VPC resolver (10.0.0.2)"] * 2
    assert not answer.resolved
    assert any("ClusterFirstWithHostNet" in n for n in answer.notes)
