"""The embedded default scenario: the issue's four promises, and that it is the guide's design.

The engine computes every answer here; the test only states what the guide and the issue say
must hold.
"""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from netpath.engine import prepare, trace
from netpath.engine.hops import Query, Trace
from netpath.load.schema import validate
from netpath.sources.loader import load_spec, scenario_names


@pytest.fixture(scope="module")
def network():  # type: ignore[no-untyped-def]
    return prepare(load_spec(None).model)


def run(network, source: str, destination: str, port: int | None = None) -> Trace:  # type: ignore[no-untyped-def]
    return trace(network, Query(source, destination, port))


def test_every_shipped_scenario_passes_the_schema() -> None:
    """The package's own scenarios skip the run-time schema check; this is where it happens."""
    for name in scenario_names():
        text = (resources.files("netpath") / "scenarios" / name / "netpath.yaml").read_text()
        assert validate(yaml.safe_load(text)) == [], name


def test_node_reaches_the_internet_through_nat_a(network) -> None:  # type: ignore[no-untyped-def]
    result = run(network, "node-1", "api.example.com", 443)
    assert result.reachable
    nat = [h for h in result.hops if h.component == "nat-gateway"]
    assert [(h.name, h.action) for h in nat] == [("nat-a", "translate")]
    delivered = result.hops[-1]
    assert (delivered.name, str(delivered.packet.src_ip)) == ("api.example.com", "198.51.100.10")


def test_node_reaches_the_database_over_the_local_route(network) -> None:  # type: ignore[no-untyped-def]
    result = run(network, "node-1", "orders-db")
    assert result.reachable
    assert result.flow.dst_port == 5432
    routes = [h for h in result.hops if h.component == "route-table"]
    assert [h.rule.text for h in routes if h.rule] == ["10.0.0.0/16 -> local"]


def test_ssh_to_the_database_is_blocked_by_sg_db(network) -> None:  # type: ignore[no-untyped-def]
    blocked = run(network, "node-1", "orders-db", 22).blocked_by
    assert blocked is not None
    assert (blocked.component, blocked.name, blocked.code) == (
        "security-group", "sg-db", "SG_INGRESS_DENIED")
    # RDS serves its engine's port only: opening 22 would just trade this for NO_LISTENER.
    assert blocked.fix == ("connect to port 5432: orders-db listens on nothing else, so a rule "
                           "for tcp/22 would not help")


def test_the_internet_cannot_reach_the_database(network) -> None:  # type: ignore[no-untyped-def]
    blocked = run(network, "internet", "orders-db", 5432).blocked_by
    assert blocked is not None and blocked.code == "NO_PUBLIC_IP"


def test_the_internet_reaches_a_frontend_pod_through_the_alb(network) -> None:  # type: ignore[no-untyped-def]
    result = run(network, "internet", "myapp.example.com", 443)
    assert result.reachable
    components = [h.component for h in result.hops]
    assert components[0] == "dns"
    assert "load-balancer" in components and "target-group" in components
    rule = next(h for h in result.hops if h.component == "load-balancer" and h.rule
                and "myapp.example.com" in h.rule.text)
    assert rule.name == "web-alb"
    node = next(h for h in result.hops if h.component == "kube-proxy")
    assert node.packet.dst_port == 8080  # NodePort 30080 DNATed to the pod's port
    pod = result.hops[-1]
    assert (pod.component, pod.name) == ("pod", "default/pod-a")
    assert str(pod.packet.src_ip).startswith("10.0.")  # the node after SNAT, not the client


def test_pod_reaches_the_internet_with_node_snat_and_nat_a(network) -> None:  # type: ignore[no-untyped-def]
    result = run(network, "pod-a", "api.example.com")
    assert result.reachable
    translations = [(h.component, h.name) for h in result.hops if h.action == "translate"]
    assert translations[:2] == [("node", "node-1"), ("nat-gateway", "nat-a")]
    assert result.hops[0].component == "dns" and "ndots" in (result.hops[0].note or "")


def test_pod_to_service_dns_dnat_and_reply_undnat(network) -> None:  # type: ignore[no-untyped-def]
    result = run(network, "pod-a", "backend-service", 8080)
    assert result.reachable
    assert result.hops[0].component == "dns" and "10.100.0.50" in result.hops[0].detail
    dnat = next(h for h in result.hops if h.component == "kube-proxy")
    assert str(dnat.packet.dst_ip) in ("10.0.10.10", "10.0.11.5", "10.0.11.15")
    undo = [h for h in result.return_path if h.component == "kube-proxy"]
    assert undo and str(undo[-1].packet.src_ip) == "10.100.0.50"
    assert str(result.return_path[-1].packet.src_ip) == "10.100.0.50"


def test_pod_reaches_the_database(network) -> None:  # type: ignore[no-untyped-def]
    assert run(network, "pod-a", "orders-db", 5432).reachable


def test_same_node_has_no_route_table_other_node_has(network) -> None:  # type: ignore[no-untyped-def]
    same = run(network, "pod-a", "10.0.10.6", 8080)
    other = run(network, "pod-a", "10.0.11.10", 8080)
    assert same.reachable and other.reachable
    assert "route-table" not in [h.component for h in same.hops]
    assert "route-table" in [h.component for h in other.hops]
