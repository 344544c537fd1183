"""Where a packet is (`At`), how it is judged (`Flow`), and the record of one walk (`Walk`).

A position names a kind of place (`Where`) and the thing there (its subject, by name: a subnet,
an interface, a pod), with the packet as it arrives. Subjects are names, not model objects, so a
position is a small hashable value: the loop can tell when a packet comes back to a place it
already was, and a test can write a position down.

A `Walk` is one direction of one connection. Handlers report what happens at a position to it
(the hops, and whether the packet was blocked or arrived); the loop in `loop.py` owns the
position and moves it on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, Generic, TypeVar

from netpath.engine.hops import Blocked, Choice, Crossing, Hop, OpenShare, Packet, RuleRef
from netpath.engine.listener_rules import HttpRequest
from netpath.engine.network import Network
from netpath.engine.ports import Ephemeral
from netpath.model.addr import Address
from netpath.model.record import record
from netpath.model.resources import Model
from netpath.model.vocabulary import FILTERS, Action, Code, Component, Direction

S = TypeVar("S", covariant=True)
T = TypeVar("T")


class Where(StrEnum):
    """The kinds of position; `table.HANDLERS` maps each to the handler that knows it."""

    # where a connection starts
    INTERNET_CLIENT = "internet-client"  # a client on the internet (or the internet replying)
    INTERFACE_SENDS = "interface-sends"  # an instance, database... sends from its interface
    POD_SENDS = "pod-sends"
    NODE_REPLIES = "node-replies"  # a node of a Kubernetes-only cluster answers
    SERVICE_REPLIES = "service-replies"  # an AWS service behind a gateway endpoint answers
    TARGET_GROUP = "target-group"  # a load balancer opens the connection to a target
    INGRESS_CONTROLLER = "ingress-controller"  # ingress-nginx opens the one to a backend pod
    # inside a VPC
    ROUTE_TABLE = "route-table"  # leaving a subnet: its route table decides
    LOCAL_ROUTE = "local-route"  # the local route: to the interface that owns the address
    INTERFACE = "interface"  # arriving at an interface: its security groups, then its owner
    INTERFACE_OWNER = "interface-owner"  # the instance, database... behind it takes the packet
    MIDDLEBOX = "middlebox"  # a route through an interface (an appliance)
    LOAD_BALANCER = "load-balancer"  # a load balancer node takes the client's connection
    NLB_RELAY = "nlb-relay"  # an NLB that kept the client IP carries the reply back
    CLOUD_LOAD_BALANCER = "cloud-load-balancer"  # a Service's, in a cluster without AWS part
    # gateways, and the internet beyond them
    INTERNET_GATEWAY = "internet-gateway"  # out to the internet: one-to-one NAT
    INTERNET = "internet"
    INTERNET_GATEWAY_INBOUND = "internet-gateway-inbound"  # in, to a public address
    NAT_GATEWAY = "nat-gateway"  # a route to a NAT gateway: source NAT
    NAT_GATEWAY_INBOUND = "nat-gateway-inbound"  # a packet addressed to the NAT gateway
    VPC_PEERING = "vpc-peering"
    TRANSIT_GATEWAY = "transit-gateway"  # into a transit gateway through an attachment
    TGW_ROUTE_TABLE = "tgw-route-table"  # the transit gateway's route table decides
    GATEWAY_ENDPOINT = "gateway-endpoint"
    # Kubernetes
    POD_RECEIVES = "pod-receives"
    NODE_HOST_SENDS = "node-host-sends"  # a node's own connection: kube-proxy on the node first
    NODE_SENDS = "node-sends"  # a packet leaves a node: its interface, or the cluster network
    NODE_RECEIVES = "node-receives"  # through the node's interface: a tunnel, a NAT, a NodePort
    NODE_LOCAL = "node-local"  # for the node's own address, without crossing an interface


# The component a trace would name for each kind of position (a forwarding loop is reported
# at it).
COMPONENT_AT: dict[Where, Component] = {
    Where.INTERNET_CLIENT: Component.INTERNET,
    Where.INTERFACE_SENDS: Component.ENI,
    Where.POD_SENDS: Component.POD,
    Where.NODE_REPLIES: Component.NODE,
    Where.SERVICE_REPLIES: Component.VPC_ENDPOINT,
    Where.TARGET_GROUP: Component.TARGET_GROUP,
    Where.INGRESS_CONTROLLER: Component.INGRESS,
    Where.ROUTE_TABLE: Component.ROUTE_TABLE,
    Where.LOCAL_ROUTE: Component.SUBNET,
    Where.INTERFACE: Component.ENI,
    Where.INTERFACE_OWNER: Component.ENI,
    Where.MIDDLEBOX: Component.ENI,
    Where.LOAD_BALANCER: Component.LOAD_BALANCER,
    Where.NLB_RELAY: Component.LOAD_BALANCER,
    Where.INTERNET_GATEWAY: Component.INTERNET_GATEWAY,
    Where.INTERNET: Component.INTERNET,
    Where.INTERNET_GATEWAY_INBOUND: Component.INTERNET_GATEWAY,
    Where.NAT_GATEWAY: Component.NAT_GATEWAY,
    Where.NAT_GATEWAY_INBOUND: Component.NAT_GATEWAY,
    Where.VPC_PEERING: Component.VPC_PEERING,
    Where.TRANSIT_GATEWAY: Component.TRANSIT_GATEWAY,
    Where.TGW_ROUTE_TABLE: Component.TRANSIT_GATEWAY,
    Where.GATEWAY_ENDPOINT: Component.VPC_ENDPOINT,
    Where.POD_RECEIVES: Component.POD,
    Where.NODE_HOST_SENDS: Component.NODE,
    Where.NODE_SENDS: Component.NODE,
    Where.NODE_RECEIVES: Component.NODE,
    Where.NODE_LOCAL: Component.NODE,
    Where.CLOUD_LOAD_BALANCER: Component.LOAD_BALANCER,
}


# --- subjects: what is at a position, by name --------------------------------------------------


@record
class Leaving:
    """A subnet a packet leaves through its route table (from a transit gateway or not)."""

    subnet: str
    via_tgw: bool = False

    def __str__(self) -> str:
        return self.subnet


@record
class RouteTo:
    """A route's target (a gateway, a peering, an appliance's interface) from a subnet."""

    subnet: str
    target: str

    def __str__(self) -> str:
        return self.target


@record
class Sender:
    """An interface that sends, and the name the trace calls it by."""

    eni: str
    label: str

    def __str__(self) -> str:
        return self.label


@record
class PodAt:
    cluster: str
    pod: str  # namespace/name

    def __str__(self) -> str:
        return self.pod


@record
class NodeAt:
    cluster: str
    node: str

    def __str__(self) -> str:
        return self.node


@record
class ServiceAt:
    cluster: str
    service: str  # namespace/name

    def __str__(self) -> str:
        return self.service


@record
class TgwLookup:
    tgw: str
    table: str
    az: str  # the Availability Zone the packet entered in: it leaves in the same one

    def __str__(self) -> str:
        return self.table


@record
class LbConnection:
    """A load balancer node opening its side: the client's packet is the position's packet."""

    node: str  # the node's interface
    request: HttpRequest  # what an ALB's listener rules match
    target: str | None = None  # a registered target to follow (--endpoint)

    def __str__(self) -> str:
        return self.node


@record
class ControllerConnection:
    cluster: str
    controller: str  # the ingress-nginx pod
    request: HttpRequest

    def __str__(self) -> str:
        return self.controller


def cluster_at(net: Network, at: At[object]) -> str | None:
    """The Kubernetes cluster a position is in, if any: its pod or node, or the pod or node an
    interface of the position belongs to."""
    subject = at.subject
    if isinstance(subject, PodAt | NodeAt | ControllerConnection):
        return subject.cluster
    if isinstance(subject, str):
        ref = net.kube.node_of_eni.get(subject) or net.kube.pod_of_eni.get(subject)
        return ref.cluster if ref is not None else None
    return None


# --- how the packet is judged ----------------------------------------------------------------


@record
class Tunnel:
    """An overlay packet's payload: the inner packet, where it goes once decapsulated, and
    whether it is judged as a reply there."""

    inner: Packet
    to: PodAt | NodeAt
    reply: bool


@record
class Relay:
    """A load balancer that kept the client's IP, and so carries the reply back: where the
    reply goes to it (NLB_RELAY: its node's interface; CLOUD_LOAD_BALANCER: its Service), and
    the client's address, which the reply is for."""

    where: Where
    subject: str | ServiceAt
    client: Address


@record
class Flow:
    """What travels with the packet besides its headers.

    `reply`: judged as the reply of a tracked connection (security groups and NetworkPolicies
    let it pass, NACLs judge the client's whole ephemeral range). It is the walk's direction,
    except inside a VXLAN tunnel, whose packets are new UDP flows either way.
    `ephemeral`: where the packet's source port came from, for the reply to go back to.
    `return_via`: a load balancer that kept the client's IP stays in the path of the reply.
    """

    reply: bool
    ephemeral: Ephemeral
    tunnel: Tunnel | None = None
    return_via: Relay | None = None


@record
class At(Generic[S]):
    """A position: the kind of place, the thing there, and the packet as it arrives."""

    where: Where
    subject: S
    packet: Packet
    flow: Flow

    def to(self, where: Where, subject: T, packet: Packet | None = None,
           flow: Flow | None = None) -> At[T]:
        """The next position, with the same packet and flow unless given."""
        return At(where, subject, self.packet if packet is None else packet,
                  self.flow if flow is None else flow)

    @property
    def reply(self) -> bool:
        return self.flow.reply


# --- a walk ----------------------------------------------------------------------------------


@record
class Session:
    """A translation on the way out, kept so that the reply can be translated back."""

    translator: str
    original: Packet
    translated: Packet
    client: Ephemeral  # the range the original source port came from


def dnat_key(packet: Packet, *, reply: bool = False) -> tuple[object, ...]:
    """The key of a ClusterIP DNAT session, from the translated request (endpoint and client)
    or from its reply, which carries them the other way round."""
    if reply:
        packet = packet.reply()
    return ("dnat", int(packet.dst_ip), packet.dst_port, int(packet.src_ip), packet.src_port)


@dataclass
class Context:
    """What the walks of one trace share: its address translations and the notes shown."""

    net: Network
    sessions: dict[tuple[object, ...], Session] = field(default_factory=dict)
    client_ephemeral: Ephemeral | None = None  # the range of the connection's first client
    endpoint_preference: str | None = None  # --endpoint: the Service endpoint to follow
    notes_seen: set[str] = field(default_factory=set)
    clusters: set[str] = field(default_factory=set)  # the clusters the walks went through
    # Hops are numbered as they are made: the request's walks run one after the other, then
    # the replies', so the order they are made in is the order the trace lists them in.
    hops_made: int = 0


class Arrived(StrEnum):
    """What a packet was delivered to: where the reply starts, or the next connection."""

    INTERFACE = "eni"  # an instance, database or other interface owner
    LOAD_BALANCER = "load-balancer"  # opens the next connection, or relays a reply
    HOST = "host"  # an internet host of the spec
    INTERNET = "internet"  # an address the spec does not know
    SERVICE = "service"  # an AWS service behind a gateway endpoint
    POD = "pod"
    NODE = "node"  # a node of a Kubernetes-only cluster (no EC2 interface)


@record
class Arrival:
    kind: Arrived
    name: str
    packet: Packet
    flow: Flow  # as the packet arrived: its ephemeral range is where the reply goes
    eni: str | None = None  # the interface it arrived at
    subnet: str | None = None  # for a service behind a gateway endpoint: where it was left
    cluster: str | None = None  # for a pod or a node

    @property
    def ephemeral(self) -> Ephemeral:
        return self.flow.ephemeral


class Stop:
    """What a handler returns when the packet goes no further: the walk recorded why (blocked,
    arrived), or the reply ended where nothing more is to be said."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "STOP"


STOP: Final = Stop()

Next = At[object] | Stop


class Walk:
    """One direction of one connection: the hops so far, and how it ended."""

    def __init__(self, ctx: Context, *, connection: int, reply: bool) -> None:
        self.ctx = ctx
        self.net: Network = ctx.net
        self.model: Model = ctx.net.model
        self.connection = connection
        self.reply = reply
        self.hops: list[Hop] = []
        self.blocked: Blocked | None = None
        self.arrival: Arrival | None = None
        # (table, destination) pairs routed so far: a second visit is a routing loop
        self.visited: set[tuple[str, int]] = set()

    @property
    def direction(self) -> Direction:
        return Direction.RETURN if self.reply else Direction.FORWARD

    def hop(self, component: Component, name: str, action: Action, detail: str,
            packet: Packet, *, rule: RuleRef | None = None,
            candidates: tuple[RuleRef, ...] = (), note: str | None = None,
            connection: int | None = None, before: Packet | None = None,
            choice: Choice | None = None, crossing: Crossing | None = None,
            open_share: OpenShare | None = None) -> None:
        self.ctx.hops_made += 1
        self.hops.append(Hop(component, name, action, detail, packet, rule, candidates, note,
                             self.connection if connection is None else connection,
                             self.ctx.hops_made, before, choice, crossing, open_share))

    def note_once(self, key: str, text: str) -> str | None:
        """Each lesson is told once per trace, where it first matters."""
        if key in self.ctx.notes_seen:
            return None
        self.ctx.notes_seen.add(key)
        return text

    def block(self, code: Code, component: Component, name: str, reason: str, fix: str,
              packet: Packet, *, rule: RuleRef | None = None, aws_code: str | None = None,
              note: str | None = None, crossing: Crossing | None = None,
              open_share: OpenShare | None = None) -> Stop:
        """Stop the packet here. `open_share`: part of a port range passes (intermittent)."""
        action = Action.DENY if component in FILTERS else Action.DROP
        self.hop(component, name, action, reason, packet, rule=rule, note=note,
                 crossing=crossing, open_share=open_share)
        self.blocked = Blocked(0, component, name, code, reason, fix, self.direction,
                               open_share is not None, aws_code, open_share)
        return STOP

    def arrive(self, kind: Arrived, name: str, at: At[object], packet: Packet | None = None, *,
               eni: str | None = None, subnet: str | None = None,
               cluster: str | None = None) -> Stop:
        self.arrival = Arrival(kind, name, at.packet if packet is None else packet, at.flow,
                               eni, subnet, cluster)
        return STOP

    @property
    def stopped(self) -> bool:
        return self.blocked is not None or self.arrival is not None
