"""Services: endpoints from selectors and EndpointSlices, named targetPorts per pod, traffic
policies, and the endpoint kube-proxy picks. Clusters are built directly (no manifests)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from ipaddress import IPv4Address, IPv4Network

import pytest

from netpath.engine import service_choice, services
from netpath.engine.errors import QueryError
from netpath.model.kubernetes import (
    Cluster,
    ContainerPort,
    EndpointPort,
    Node,
    Pod,
    Service,
    ServiceEndpoint,
    ServicePort,
)

# --- a small kit to build clusters (test_coredns and test_capacity use it too) -----------------


def make_pod(key: str, ip: str, node: str = "node-1", labels: Mapping[str, str] | None = None,
             ports: Iterable[tuple[str | None, int]] = (), *, ready: bool = True,
             owner: str | None = None, host_network: bool = False,
             protocol: str = "tcp") -> Pod:
    namespace, name = key.split("/")
    return Pod(namespace, name, dict(labels or {}), node, IPv4Address(ip), host_network,
               tuple(ContainerPort(n, p, protocol) for n, p in ports), ready, owner, (), (),
               ("pods", key))


def make_port(port: int, target: int | str, name: str | None = None, node_port: int | None = None,
              protocol: str = "tcp") -> ServicePort:
    return ServicePort(name, protocol, port, target, node_port, ("ports", port))


def make_service(key: str, ports: Iterable[ServicePort] = (), *,
                 cluster_ip: str | None = "10.100.0.50",
                 selector: Mapping[str, str] | None = None, type: str = "ClusterIP",
                 endpoints: Iterable[ServiceEndpoint] = (), etp: str = "Cluster",
                 itp: str = "Cluster", external_name: str | None = None) -> Service:
    namespace, name = key.split("/")
    return Service(namespace, name, type, IPv4Address(cluster_ip) if cluster_ip else None,
                   tuple(ports), selector, tuple(endpoints), external_name, etp, itp, {}, None,
                   (), ("services", key))


def make_endpoint(ip: str, ports: Iterable[tuple[str | None, int]] = (), *, ready: bool = True,
                  node: str | None = None) -> ServiceEndpoint:
    return ServiceEndpoint(IPv4Address(ip), ready, node,
                           tuple(EndpointPort(n, p, "tcp") for n, p in ports), ("endpoints", ip))


def make_cluster(pods: Iterable[Pod] = (), svcs: Iterable[Service] = (), *,
                 vpc: str | None = None, nodes: Iterable[Node] = (),
                 kube_proxy: str = "iptables", cni: str = "calico") -> Cluster:
    cluster = Cluster("eks", vpc, cni, True, None, IPv4Network("10.100.0.0/16"),
                      IPv4Address("10.100.0.10"), "cluster.local", False, (), kube_proxy,
                      "standard")
    for n in nodes:
        cluster.nodes[n.name] = n
    for p in pods:
        cluster.pods[p.key] = p
    for s in svcs:
        cluster.services[s.key] = s
    return cluster


BACKEND = {"app": "backend"}


def backend_cluster(*, itp: str = "Cluster", etp: str = "Cluster", ready: bool = True,
                    kube_proxy: str = "iptables") -> Cluster:
    """The guide's backend-service: three endpoints on two nodes, targetPort by name."""
    pods = [
        make_pod("default/backend-0", "10.0.10.10", "node-1", BACKEND, [("http", 8080)]),
        make_pod("default/backend-1", "10.0.11.5", "node-2", BACKEND, [("http", 8080)],
                 ready=ready),
        make_pod("default/backend-2", "10.0.11.15", "node-2", BACKEND, [("http", 8080)]),
        make_pod("default/pod-a", "10.0.10.5", "node-1", {"app": "frontend"}),
    ]
    svc = make_service("default/backend-service", [make_port(8080, "http", node_port=30080)],
                       selector=BACKEND, type="NodePort", itp=itp, etp=etp)
    return make_cluster(pods, [svc], kube_proxy=kube_proxy)


def svc_of(cluster: Cluster) -> Service:
    return cluster.services["default/backend-service"]


# --- endpoints ----------------------------------------------------------------------------------


def test_selector_gives_every_ready_pod_at_its_named_port() -> None:
    cluster = backend_cluster()
    found = services.backends_for(cluster, svc_of(cluster), "tcp", 8080)
    assert found.problem is None
    assert [(b.pod, str(b.ip), b.port, b.node) for b in found.backends] == [
        ("default/backend-0", "10.0.10.10", 8080, "node-1"),
        ("default/backend-1", "10.0.11.5", 8080, "node-2"),
        ("default/backend-2", "10.0.11.15", 8080, "node-2"),
    ]


def test_named_target_port_resolves_per_pod_and_skips_pods_without_the_name() -> None:
    pods = [
        make_pod("shop/web-0", "10.0.1.10", labels={"app": "web"}, ports=[("http", 8080)]),
        make_pod("shop/web-1", "10.0.1.11", labels={"app": "web"}, ports=[("http", 9090)]),
        make_pod("shop/web-2", "10.0.1.12", labels={"app": "web"}, ports=[("metrics", 9100)]),
    ]
    svc = make_service("shop/web", [make_port(80, "http")], selector={"app": "web"})
    found = services.backends_for(make_cluster(pods, [svc]), svc, "tcp", 80)
    assert [(b.label, b.port) for b in found.backends] == [("shop/web-0", 8080),
                                                           ("shop/web-1", 9090)]
    assert found.excluded == (("shop/web-2", "declares no tcp container port named 'http'"),)


def test_named_target_port_no_pod_exposes_is_target_port_not_exposed() -> None:
    pods = [make_pod("shop/web-0", "10.0.1.10", labels={"app": "web"}, ports=[("web", 8080)])]
    svc = make_service("shop/web", [make_port(80, "http")], selector={"app": "web"})
    found = services.backends_for(make_cluster(pods, [svc]), svc, "tcp", 80)
    assert found.backends == ()
    assert found.problem is not None and found.problem.code == "TARGET_PORT_NOT_EXPOSED"
    assert "no ready one declares a tcp container port named 'http'" in found.problem.reason
    assert "name a container port 'http'" in found.problem.fix


def test_numeric_target_port_is_not_checked_but_noted() -> None:
    pods = [make_pod("shop/web-0", "10.0.1.10", labels={"app": "web"}, ports=[("http", 8080)])]
    svc = make_service("shop/web", [make_port(80, 9999)], selector={"app": "web"})
    found = services.backends_for(make_cluster(pods, [svc]), svc, "tcp", 80)
    assert found.problem is None and found.backends[0].port == 9999
    assert "Kubernetes does not check numeric targetPorts" in found.notes[0]


def test_selector_matching_no_pod_is_service_no_endpoints() -> None:
    pods = [make_pod("other/backend-0", "10.0.1.10", labels=BACKEND)]
    svc = make_service("default/backend", [make_port(80, 8080)], selector=BACKEND)
    found = services.backends_for(make_cluster(pods, [svc]), svc, "tcp", 80)
    assert found.problem is not None and found.problem.code == "SERVICE_NO_ENDPOINTS"
    assert "matches no pod in namespace 'default'" in found.problem.reason
    assert "other/backend-0" in found.problem.reason  # the likely mistake, named
    assert "connection refused" in found.problem.reason


def test_pods_matching_but_none_ready_is_service_no_endpoints() -> None:
    pods = [make_pod("default/b-0", "10.0.1.10", labels=BACKEND, ready=False)]
    svc = make_service("default/backend", [make_port(80, 8080)], selector=BACKEND)
    found = services.backends_for(make_cluster(pods, [svc]), svc, "tcp", 80)
    assert found.problem is not None and found.problem.code == "SERVICE_NO_ENDPOINTS"
    assert "none is ready (default/b-0)" in found.problem.reason
    assert found.excluded == (("default/b-0", "not ready"),)


def test_not_ready_pod_is_left_out() -> None:
    cluster = backend_cluster(ready=False)
    found = services.backends_for(cluster, svc_of(cluster), "tcp", 8080)
    assert [b.label for b in found.backends] == ["default/backend-0", "default/backend-2"]


def test_selectorless_service_uses_its_endpoints_matched_by_port_name() -> None:
    db = make_pod("data/db-0", "10.0.2.20", "node-2")
    svc = make_service("default/legacy", [make_port(5432, 5432, name="pg")], endpoints=[
        make_endpoint("192.0.2.44", [("pg", 15432)]),
        make_endpoint("10.0.2.20", [("pg", 5432)]),
        make_endpoint("10.0.2.21", [("pg", 5432)], ready=False),
        make_endpoint("10.0.2.22", [("other", 5432)]),
    ])
    found = services.backends_for(make_cluster([db], [svc]), svc, "tcp", 5432)
    assert found.problem is None
    # pods (known to the spec) first, then bare addresses; the pod lends its node
    assert [(b.label, b.port, b.node) for b in found.backends] == [
        ("data/db-0", 5432, "node-2"), ("192.0.2.44", 15432, None)]
    assert ("10.0.2.21", "not ready") in found.excluded
    assert ("10.0.2.22", "its EndpointSlice lists no tcp port named 'pg'") in found.excluded


def test_selectorless_service_without_endpoints() -> None:
    svc = make_service("default/legacy", [make_port(80, 80)])
    found = services.backends_for(make_cluster([], [svc]), svc, "tcp", 80)
    assert found.problem is not None and found.problem.code == "SERVICE_NO_ENDPOINTS"
    assert "has no selector and the spec gives it no endpoints" in found.problem.reason


def test_empty_selector_means_no_selector_as_the_api_says() -> None:
    pods = [make_pod("default/anything", "10.0.1.10", labels={"app": "x"})]
    svc = make_service("default/ext", [make_port(80, 80)], selector={},
                       endpoints=[make_endpoint("192.0.2.5", [(None, 80)])])
    found = services.backends_for(make_cluster(pods, [svc]), svc, "tcp", 80)
    assert [b.label for b in found.backends] == ["192.0.2.5"]
    assert "`selector: {}`" in found.notes[0]


def test_unknown_port_and_external_name() -> None:
    cluster = backend_cluster()
    found = services.backends_for(cluster, svc_of(cluster), "tcp", 9999)
    assert found.problem is not None and found.problem.code == "NO_LISTENER"
    assert "has no tcp port 9999 (ports: 8080/tcp -> http)" in found.problem.reason
    ext = make_service("default/api", cluster_ip=None, type="ExternalName",
                       external_name="api.example.com")
    found = services.backends_for(make_cluster([], [ext]), ext, "tcp", 443)
    assert found.problem is not None and "only a DNS CNAME to api.example.com" in \
        found.problem.reason


def test_node_port_finds_the_service_port() -> None:
    cluster = backend_cluster()
    found = services.backends_for(cluster, svc_of(cluster), "tcp", 30080, node_port=True)
    assert found.service_port is not None and found.service_port.port == 8080
    assert len(found.backends) == 3


# --- finding Services ---------------------------------------------------------------------------


def test_find_service_by_key_dns_name_short_forms_and_addresses() -> None:
    cluster = backend_cluster()
    svc = svc_of(cluster)
    for text in ("default/backend-service", "backend-service",
                 "backend-service.default.svc.cluster.local.", "backend-service.default.svc",
                 "backend-service.default"):
        assert services.find_service(cluster, text) is svc, text
    assert services.find_service(cluster, "nope") is None
    hit = services.service_at(cluster, IPv4Address("10.100.0.50"), 8080)
    assert hit is not None and hit.service is svc and hit.port is not None
    hit = services.service_at(cluster, IPv4Address("10.100.0.50"), 81)
    assert hit is not None and hit.port is None
    assert services.service_at(cluster, IPv4Address("10.100.0.51"), 8080) is None
    by_node_port = services.service_by_node_port(cluster, 30080)
    assert by_node_port is not None and by_node_port.service is svc


def test_find_service_short_name_in_several_namespaces_is_ambiguous() -> None:
    a = make_service("a/web", cluster_ip="10.100.0.1")
    b = make_service("b/web", cluster_ip="10.100.0.2")
    cluster = make_cluster([], [a, b])
    assert services.find_service(cluster, "web", namespace="b") is b
    with pytest.raises(QueryError, match="names several Services"):
        services.find_service(cluster, "web")


# --- traffic policies and the choice ------------------------------------------------------------


def test_default_choice_is_the_first_and_endpoint_picks_another() -> None:
    cluster = backend_cluster()
    found = services.backends_for(cluster, svc_of(cluster), "tcp", 8080)
    choice = service_choice.choose_backend(found, "node-1", None)
    assert choice.backend is not None and choice.backend.label == "default/backend-0"
    assert len(choice.pool) == 3 and not choice.snat_to_node
    for preference in ("10.0.11.15", "default/backend-2", "backend-2"):
        choice = service_choice.choose_backend(found, "node-1", preference)
        assert choice.backend is not None and choice.backend.label == "default/backend-2"


def test_endpoint_that_is_not_a_backend_is_a_query_error() -> None:
    cluster = backend_cluster()
    found = services.backends_for(cluster, svc_of(cluster), "tcp", 8080)
    with pytest.raises(QueryError, match=r"'10\.9\.9\.9' is not an endpoint of the Service"):
        service_choice.choose_backend(found, "node-1", "10.9.9.9")


def test_internal_traffic_policy_local_keeps_the_clients_node() -> None:
    cluster = backend_cluster(itp="Local")
    found = services.backends_for(cluster, svc_of(cluster), "tcp", 8080)
    choice = service_choice.choose_backend(found, "node-2", None)
    assert [b.label for b in choice.pool] == ["default/backend-1", "default/backend-2"]
    with pytest.raises(QueryError, match="traffic policy \\(Local\\) leaves only"):
        service_choice.choose_backend(found, "node-2", "backend-0")


def test_internal_traffic_policy_local_without_local_endpoint_fails() -> None:
    cluster = backend_cluster(itp="Local")
    cluster.pods.pop("default/backend-0")
    found = services.backends_for(cluster, svc_of(cluster), "tcp", 8080)
    choice = service_choice.choose_backend(found, "node-1", None)
    assert choice.backend is None and choice.problem is not None
    assert choice.problem.code == "SERVICE_NO_ENDPOINTS"
    assert "none on node-1, and its internalTrafficPolicy: Local" in choice.problem.reason
    assert "kube-proxy does not forward the traffic" in choice.problem.reason


def test_external_traffic_policy_cluster_snats_and_local_keeps_the_client() -> None:
    cluster = backend_cluster()
    found = services.backends_for(cluster, svc_of(cluster), "tcp", 30080, node_port=True)
    choice = service_choice.choose_backend(found, "node-1", None, external=True)
    assert choice.snat_to_node and len(choice.pool) == 3
    assert "SNATs to its own IP" in choice.notes[0]
    cluster = backend_cluster(etp="Local")
    found = services.backends_for(cluster, svc_of(cluster), "tcp", 30080, node_port=True)
    choice = service_choice.choose_backend(found, "node-2", None, external=True)
    assert not choice.snat_to_node and [b.node for b in choice.pool] == ["node-2", "node-2"]
    # internal traffic ignores externalTrafficPolicy
    assert len(service_choice.eligible(found.backends, cluster, svc_of(cluster), "node-3",
                                 external=False)) == 3


def test_external_traffic_policy_local_node_without_endpoint_drops_and_fails_health() -> None:
    cluster = backend_cluster(etp="Local")
    found = services.backends_for(cluster, svc_of(cluster), "tcp", 30080, node_port=True)
    assert service_choice.node_has_local_backend(found, "node-2")
    assert not service_choice.node_has_local_backend(found, "node-3")
    choice = service_choice.choose_backend(found, "node-3", None, external=True)
    assert choice.problem is not None and choice.problem.code == "SERVICE_NO_ENDPOINTS"
    assert "node-3 drops NodePort traffic for it and fails the load balancer's health check" \
        in choice.problem.reason


def test_kube_proxy_words_by_mode() -> None:
    cluster = backend_cluster()
    found = services.backends_for(cluster, svc_of(cluster), "tcp", 8080)
    pool, first = found.backends, found.backends[0]
    assert "(iptables) picks one of the 3 endpoints at random" in \
        service_choice.kube_proxy_words("iptables", pool, first)
    assert "round-robin" in service_choice.kube_proxy_words("ipvs", pool, first)
    assert "the only endpoint" in service_choice.kube_proxy_words("ipvs", pool[:1], first)
    assert service_choice.reply_words("node-1", IPv4Address("10.100.0.50"), 8080, first) == (
        "conntrack on node-1 rewrites the reply's source 10.0.10.10:8080 back to "
        "10.100.0.50:8080, so the client sees the ClusterIP answer")


def test_headless_ready_addresses_ignore_ports() -> None:
    cluster = backend_cluster(ready=False)
    svc = make_service("default/backend-headless", cluster_ip=None, selector=BACKEND)
    assert [str(ip) for ip, _ in services.ready_addresses(cluster, svc)] == [
        "10.0.10.10", "10.0.11.15"]
