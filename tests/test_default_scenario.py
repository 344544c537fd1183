"""The embedded default scenario: the issue's four promises, and that it is the guide's design.

The engine computes every answer here; the test only states what the guide and the issue say
must hold.
"""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from netpath.engine import prepare, trace
from netpath.engine.trace import Query, Trace
from netpath.spec.load import load_spec, scenario_names
from netpath.spec.schema import validate


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
    assert blocked.fix == "add an inbound rule to sg-db allowing tcp/22 from sg-node"


def test_the_internet_cannot_reach_the_database(network) -> None:  # type: ignore[no-untyped-def]
    blocked = run(network, "internet", "orders-db", 5432).blocked_by
    assert blocked is not None and blocked.code == "NO_PUBLIC_IP"


def test_the_internet_reaches_a_node_through_the_alb(network) -> None:  # type: ignore[no-untyped-def]
    result = run(network, "internet", "myapp.example.com", 443)
    assert result.reachable
    components = [h.component for h in result.hops]
    assert components[0] == "dns"
    assert "load-balancer" in components and "target-group" in components
    node = result.hops[-1]
    assert node.component == "instance"
    assert node.packet.dst_port == 30080
    assert str(node.packet.src_ip).startswith("10.0.")  # the ALB node, not the client
