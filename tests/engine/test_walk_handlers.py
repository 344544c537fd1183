"""Each handler of the walk, from a single position: what it records and where it sends the
packet next, without a whole trace. The networks are the engine cases' base network and the
embedded default scenario; every expected position is what AWS or Kubernetes does there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from ipaddress import IPv4Address
from typing import Any

import pytest
import yaml

from netpath.engine import Network, prepare, trace
from netpath.engine.hops import Packet
from netpath.engine.ports import EPHEMERAL
from netpath.engine.walk.loop import MAX_STEPS, walk
from netpath.engine.walk.position import (
    COMPONENT_AT,
    STOP,
    At,
    Context,
    Flow,
    Leaving,
    NodeAt,
    PodAt,
    RouteTo,
    Sender,
    Stop,
    Tunnel,
    Walk,
    Where,
)
from netpath.engine.walk.table import HANDLERS
from netpath.model.vocabulary import Action, Code, Component
from netpath.sources.loader import load_spec
from tests.engine.casekit import CASES, build, load_cases

REQUEST = Flow(reply=False, ephemeral=EPHEMERAL["linux"])
REPLY = Flow(reply=True, ephemeral=EPHEMERAL["linux"])


def ip(text: str) -> IPv4Address:
    return IPv4Address(text)


def tcp(src: str, dst: str, port: int = 443, sport: int | None = 40000) -> Packet:
    return Packet("tcp", ip(src), sport, ip(dst), port)


@pytest.fixture(scope="module")
def base() -> Network:
    return prepare(build(yaml.safe_load((CASES / "base.yaml").read_text())))


@pytest.fixture(scope="module")
def eks() -> Network:
    return prepare(load_spec(None).model)


def step(net: Network, at: At[object], *, reply: bool = False) -> tuple[Walk, object]:
    w = Walk(Context(net), connection=1, reply=reply)
    return w, HANDLERS[at.where](w, at)


# --- the table ---------------------------------------------------------------------------------


def test_every_kind_of_position_has_one_handler_and_a_component() -> None:
    assert set(HANDLERS) == set(Where)
    assert set(COMPONENT_AT) == set(Where)


# --- inside a VPC ------------------------------------------------------------------------------


def test_route_table_sends_the_internet_to_the_nat_gateway(base: Network) -> None:
    at = At(Where.ROUTE_TABLE, Leaving("private-a"), tcp("10.0.10.100", "192.0.2.80"), REQUEST)
    w, following = step(base, at)
    assert following == at.to(Where.NAT_GATEWAY, RouteTo("private-a", "nat-a"))
    [hop] = w.hops
    assert (hop.component, hop.name, hop.action) == (Component.ROUTE_TABLE, "rt-private",
                                                     Action.FORWARD)
    assert hop.rule is not None and hop.rule.text == "0.0.0.0/0 -> nat-a"


def test_route_table_sends_the_vpc_cidr_to_the_local_route(base: Network) -> None:
    at = At(Where.ROUTE_TABLE, Leaving("private-a"), tcp("10.0.10.100", "10.0.11.100"), REQUEST)
    _, following = step(base, at)
    assert following == at.to(Where.LOCAL_ROUTE, Leaving("private-a"))


def test_route_table_sends_the_peer_cidr_over_the_peering(base: Network) -> None:
    at = At(Where.ROUTE_TABLE, Leaving("private-a"), tcp("10.0.10.100", "10.1.1.10"), REQUEST)
    _, following = step(base, at)
    assert following == at.to(Where.VPC_PEERING, RouteTo("private-a", "pcx-prod-dev"))


def test_a_table_without_a_matching_route_blocks_a_request_and_a_reply(base: Network) -> None:
    packet = tcp("10.0.20.50", "192.0.2.80")
    w, following = step(base, At(Where.ROUTE_TABLE, Leaving("db-a"), packet, REQUEST))
    assert following is STOP and w.blocked is not None and w.blocked.code == Code.NO_ROUTE
    w, _ = step(base, At(Where.ROUTE_TABLE, Leaving("db-a"), packet, REPLY), reply=True)
    assert w.blocked is not None and w.blocked.code == Code.NO_RETURN_ROUTE
    assert w.blocked.direction == "return"


def test_the_local_route_crosses_both_nacls_to_the_owning_interface(base: Network) -> None:
    at = At(Where.LOCAL_ROUTE, Leaving("private-a"), tcp("10.0.10.100", "10.0.11.100"), REQUEST)
    w, following = step(base, at)
    assert isinstance(following, At) and following.where == Where.INTERFACE
    assert base.enis[following.subject].private_ip == ip("10.0.11.100")
    assert [h.component for h in w.hops] == [Component.NETWORK_ACL, Component.NETWORK_ACL]


def test_the_local_route_to_an_unused_address_finds_nothing(base: Network) -> None:
    at = At(Where.LOCAL_ROUTE, Leaving("private-a"), tcp("10.0.10.100", "10.0.11.99"), REQUEST)
    w, following = step(base, at)
    assert following is STOP and w.blocked is not None
    assert (w.blocked.code, w.blocked.name) == (Code.UNKNOWN_ENDPOINT, "private-b")


def _eni_of(net: Network, address: str) -> str:
    [name] = net.enis_by_address[int(ip(address))]
    return name


def test_an_interface_admits_by_its_security_groups_then_hands_to_its_owner(
        base: Network) -> None:
    eni = _eni_of(base, "10.0.20.50")
    allowed = At(Where.INTERFACE, eni, tcp("10.0.10.100", "10.0.20.50", 5432), REQUEST)
    w, following = step(base, allowed)
    assert following == allowed.to(Where.INTERFACE_OWNER, eni)
    assert [(h.name, h.action) for h in w.hops] == [("sg-db", Action.ALLOW)]
    denied = replace(allowed, packet=tcp("10.0.1.50", "10.0.20.50", 5432))
    w, following = step(base, denied)
    assert following is STOP and w.blocked is not None
    assert w.blocked.code == Code.SG_INGRESS_DENIED


def test_a_reply_passes_security_groups_by_connection_tracking(base: Network) -> None:
    eni = _eni_of(base, "10.0.20.50")
    at = At(Where.INTERFACE, eni, tcp("10.0.1.50", "10.0.20.50", 40000, 5432), REPLY)
    w, following = step(base, at, reply=True)
    assert following == at.to(Where.INTERFACE_OWNER, eni)
    assert "connection tracking" in w.hops[0].detail


def test_a_database_accepts_only_its_own_port(base: Network) -> None:
    eni = _eni_of(base, "10.0.20.50")
    w, following = step(base, At(Where.INTERFACE_OWNER, eni,
                                 tcp("10.0.10.100", "10.0.20.50", 22), REQUEST))
    assert following is STOP and w.blocked is not None and w.blocked.code == Code.NO_LISTENER
    w, following = step(base, At(Where.INTERFACE_OWNER, eni,
                                 tcp("10.0.10.100", "10.0.20.50", 5432), REQUEST))
    assert following is STOP and w.arrival is not None and w.arrival.name == "db"
    assert w.hops[-1].action == Action.DELIVER


def test_an_instance_sends_through_its_security_groups_to_its_subnet(base: Network) -> None:
    eni = _eni_of(base, "10.0.10.100")
    at = At(Where.INTERFACE_SENDS, Sender(eni, "app-1"), tcp("10.0.10.100", "192.0.2.80"),
            REQUEST)
    w, following = step(base, at)
    assert following == at.to(Where.ROUTE_TABLE, Leaving("private-a"))
    assert [h.component for h in w.hops] == [Component.INSTANCE, Component.SECURITY_GROUP]


# --- gateways and the internet -------------------------------------------------------------------


def test_the_nat_gateway_translates_and_leaves_by_its_own_subnet(base: Network) -> None:
    packet = tcp("10.0.10.100", "192.0.2.80")
    at = At(Where.NAT_GATEWAY, RouteTo("private-a", "nat-a"), packet, REQUEST)
    w, following = step(base, at)
    assert isinstance(following, At) and following.where == Where.ROUTE_TABLE
    assert following.subject == Leaving("public-a")
    assert following.packet.src_ip == ip("10.0.1.20") and following.packet.dst_ip == packet.dst_ip
    assert following.flow.ephemeral == EPHEMERAL["nat-gateway"]
    assert w.hops[-1].action == Action.TRANSLATE
    assert len(w.ctx.sessions) == 1  # so that the reply can be translated back


def test_the_nat_gateway_refuses_a_connection_from_outside(base: Network) -> None:
    at = At(Where.NAT_GATEWAY_INBOUND, "nat-a", tcp("192.0.2.80", "10.0.1.20", 22), REQUEST)
    w, following = step(base, at)
    assert following is STOP and w.blocked is not None
    assert w.blocked.code == Code.NAT_INBOUND_REFUSED


def test_the_internet_gateway_gives_the_instance_its_public_address(base: Network) -> None:
    at = At(Where.INTERNET_GATEWAY, RouteTo("public-a", "igw-prod"),
            tcp("10.0.1.50", "192.0.2.80"), REQUEST)
    _, following = step(base, at)
    assert isinstance(following, At) and following.where == Where.INTERNET
    assert following.packet.src_ip == ip("198.51.100.50")


def test_the_internet_gateway_drops_private_destinations(base: Network) -> None:
    at = At(Where.INTERNET_GATEWAY, RouteTo("public-a", "igw-prod"),
            tcp("10.0.1.50", "172.16.0.1"), REQUEST)
    w, following = step(base, at)
    assert following is STOP and w.blocked is not None
    assert w.blocked.code == Code.PRIVATE_ADDRESS_ON_INTERNET


def test_the_internet_delivers_to_a_host_or_into_a_vpc(base: Network) -> None:
    to_host = At(Where.INTERNET, None, tcp("198.51.100.50", "192.0.2.80"), REQUEST)
    w, following = step(base, to_host)
    assert following is STOP and w.arrival is not None
    assert (w.arrival.kind, w.arrival.name) == ("host", "api.example.com")
    inbound = At(Where.INTERNET, None, tcp("203.0.113.10", "198.51.100.50"), REQUEST)
    _, following = step(base, inbound)
    assert following == inbound.to(Where.INTERNET_GATEWAY_INBOUND, _eni_of(base, "10.0.1.50"))


def test_peering_carries_the_packet_to_the_peer_vpcs_interface(base: Network) -> None:
    at = At(Where.VPC_PEERING, RouteTo("private-a", "pcx-prod-dev"),
            tcp("10.0.10.100", "10.1.1.10"), REQUEST)
    w, following = step(base, at)
    assert following == at.to(Where.INTERFACE, _eni_of(base, "10.1.1.10"))
    assert Component.VPC_PEERING in [h.component for h in w.hops]


def test_peering_is_not_transitive(base: Network) -> None:
    at = At(Where.VPC_PEERING, RouteTo("private-a", "pcx-prod-dev"),
            tcp("10.0.10.100", "10.2.0.5"), REQUEST)
    w, _ = step(base, at)
    assert w.blocked is not None and w.blocked.code == Code.PEERING_NOT_TRANSITIVE


# --- Kubernetes ---------------------------------------------------------------------------------


def test_a_pod_to_a_cluster_ip_is_dnated_on_its_node(eks: Network) -> None:
    at = At(Where.POD_SENDS, PodAt("eks-prod", "default/pod-a"),
            tcp("10.0.10.5", "10.100.0.50", 8080), REQUEST)
    w, following = step(eks, at)
    assert isinstance(following, At)
    assert following.packet.dst_ip != ip("10.100.0.50")  # an endpoint, not the ClusterIP
    endpoint = eks.kube.pods_by_ip[("eks-prod", int(following.packet.dst_ip))]
    assert endpoint.labels["app"] == "backend"
    assert [h.component for h in w.hops][:3] == [Component.POD, Component.SERVICE,
                                                 Component.KUBE_PROXY]


def test_a_pod_to_a_pod_on_its_own_node_never_leaves_the_node(eks: Network) -> None:
    at = At(Where.POD_SENDS, PodAt("eks-prod", "default/pod-a"),
            tcp("10.0.10.5", "10.0.10.6", 8080), REQUEST)
    w, following = step(eks, at)
    assert isinstance(following, At) and following.where == Where.POD_RECEIVES
    assert following.subject == PodAt("eks-prod", "default/pod-b")
    assert w.hops[-1].component == Component.NODE


def test_a_pod_to_the_internet_is_snated_to_its_node(eks: Network) -> None:
    at = At(Where.POD_SENDS, PodAt("eks-prod", "default/pod-a"),
            tcp("10.0.10.5", "192.0.2.80"), REQUEST)
    _, following = step(eks, at)
    assert isinstance(following, At) and following.where == Where.NODE_SENDS
    assert following.subject == NodeAt("eks-prod", "node-1")
    assert following.packet.src_ip == ip("10.0.10.100")


def test_a_node_opens_a_tunnel_and_judges_the_inner_packet_again(eks: Network) -> None:
    node_eni = eks.model.instances["node-2"].enis[0]
    inner = tcp("10.0.10.5", "10.0.11.5", 8080)
    outer = Packet("udp", ip("10.0.10.100"), 50000, ip("10.0.11.100"), 8472)
    flow = replace(REQUEST, reply=False,
                   tunnel=Tunnel(inner, PodAt("eks-prod", "default/backend-1"), True))
    at = At(Where.NODE_RECEIVES, node_eni, outer, flow)
    w, following = step(eks, at)
    assert isinstance(following, At) and following.where == Where.POD_RECEIVES
    assert following.packet == inner and following.flow.tunnel is None
    assert following.flow.reply  # the inner packet is a reply again once out of the tunnel
    assert "decapsulates" in w.hops[0].detail


def test_a_node_port_forwards_to_an_endpoint(eks: Network) -> None:
    at = At(Where.NODE_LOCAL, NodeAt("eks-prod", "node-1"),
            tcp("10.0.1.10", "10.0.10.100", 30080), REQUEST)
    w, following = step(eks, at)
    assert isinstance(following, At)
    assert [h.component for h in w.hops][:2] == [Component.SERVICE, Component.KUBE_PROXY]
    assert eks.kube.pods_by_ip[("eks-prod", int(following.packet.dst_ip))].key == "default/pod-a"


# --- the loop ------------------------------------------------------------------------------------


def test_the_loop_stops_a_packet_that_comes_back_to_where_it_was(base: Network) -> None:
    def bounce(w: Walk, at: At[Leaving]) -> At[Leaving]:
        other = "private-b" if at.subject.subnet == "private-a" else "private-a"
        return at.to(Where.ROUTE_TABLE, Leaving(other))

    start = At(Where.ROUTE_TABLE, Leaving("private-a"), tcp("10.0.10.100", "10.9.9.9"), REQUEST)
    w = walk(Walk(Context(base), connection=1, reply=False), start,
             {**HANDLERS, Where.ROUTE_TABLE: bounce})
    assert w.blocked is not None and w.blocked.code == Code.ROUTING_LOOP
    assert w.blocked.name == "private-a"  # where the packet came back to


def test_the_loop_bounds_a_walk_that_never_repeats(base: Network) -> None:
    calls: list[int] = []

    def wander(w: Walk, at: At[Leaving]) -> At[Leaving] | Stop:
        calls.append(1)
        port = (at.packet.dst_port or 0) + 1
        return at.to(Where.ROUTE_TABLE, at.subject, replace(at.packet, dst_port=port))

    start = At(Where.ROUTE_TABLE, Leaving("private-a"), tcp("10.0.10.100", "10.9.9.9", 1),
               REQUEST)
    w = walk(Walk(Context(base), connection=1, reply=False), start,
             {**HANDLERS, Where.ROUTE_TABLE: wander})
    assert len(calls) == MAX_STEPS
    assert w.blocked is not None and w.blocked.code == Code.ROUTING_LOOP


# --- every handler, from every position the engine cases reach -------------------------------


@dataclass
class Step:
    net: Network
    ctx: Context
    connection: int
    reply: bool
    visited: set[tuple[str, int]]
    at: At[object]
    following: object
    blocked: Code | None
    arrived: str | None


def _recorded_steps(monkeypatch: pytest.MonkeyPatch) -> list[Step]:
    """Every position the walks of every engine case hold, with the state the handler saw (the
    trace's translations so far, the route tables crossed) and what it answered."""
    from netpath.engine import tracer

    steps: list[Step] = []

    def recording(w: Walk, start: At[object], handlers: Mapping[Where, Any] = HANDLERS) -> Walk:
        def wrap(handler: Any) -> Any:
            def recorded(w: Walk, at: At[object]) -> object:
                ctx = Context(w.net, dict(w.ctx.sessions), w.ctx.client_ephemeral,
                              w.ctx.endpoint_preference)
                visited = set(w.visited)
                following = handler(w, at)
                steps.append(Step(w.net, ctx, w.connection, w.reply, visited, at, following,
                                  w.blocked.code if w.blocked else None,
                                  w.arrival.name if w.arrival else None))
                return following
            return recorded

        return walk(w, start, {where: wrap(h) for where, h in handlers.items()})

    monkeypatch.setattr(tracer, "walk", recording)
    for case in load_cases():
        trace(prepare(build(case.spec)), case.query)
    return steps


def test_each_handler_answers_the_same_from_its_position_alone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Run alone, from the position and the state it had in a whole trace, each handler sends
    the packet to the same next position (or stops it for the same reason): a handler depends
    on nothing else, and every kind of position is reached by some case."""
    steps = _recorded_steps(monkeypatch)
    assert {s.at.where for s in steps} == set(Where)
    for s in steps:
        w = Walk(s.ctx, connection=s.connection, reply=s.reply)
        w.visited = set(s.visited)
        following = HANDLERS[s.at.where](w, s.at)
        assert following == s.following, s.at
        assert (w.blocked.code if w.blocked else None) == s.blocked, s.at
        assert (w.arrival.name if w.arrival else None) == s.arrived, s.at
