"""What a trace is made of: packets, hops, the blocking step, the query and the verdict.

A trace is a sequence of hops across components. Each hop records the component kind and name,
what it did (its action), the rule that decided, and the packet as it leaves the hop. AWS and
Kubernetes components are all just component kinds (`netpath.model.vocabulary.Component`).
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from netpath.model.addr import Address
from netpath.model.paths import SpecPath
from netpath.model.record import record
from netpath.model.vocabulary import Action, Code, Component, Direction


@record
class Packet:
    protocol: str
    src_ip: Address
    src_port: int | None
    dst_ip: Address
    dst_port: int | None

    def with_source(self, ip: Address, port: int | None) -> Packet:
        return replace(self, src_ip=ip, src_port=port)

    def with_destination(self, ip: Address, port: int | None) -> Packet:
        return replace(self, dst_ip=ip, dst_port=port)

    def reply(self) -> Packet:
        return Packet(self.protocol, self.dst_ip, self.dst_port, self.src_ip, self.src_port)

    @property
    def service(self) -> str:
        """`tcp/443`, `icmp`, or `IP protocol 4` for a protocol given by its IANA number."""
        return service_words(self.protocol, self.dst_port)

    @property
    def flow_words(self) -> str:
        """`tcp/443 from 10.0.1.5 to 10.0.2.9`: the packet as a sentence names it."""
        return f"{self.service} from {self.src_ip} to {self.dst_ip}"

    def __str__(self) -> str:
        return f"{self.protocol} {_endpoint(self.src_ip, self.src_port)} -> " + _endpoint(
            self.dst_ip, self.dst_port
        )


def service_words(protocol: str, port: int | None) -> str:
    """What a flow is, as every message names it: `tcp/443`, `icmp`, `IP protocol 4`."""
    if protocol.isdigit():  # an IANA number: "IP protocol 4" (IP-in-IP), not "4"
        return f"IP protocol {protocol}"
    return protocol if port is None else f"{protocol}/{port}"


def _endpoint(ip: Address, port: int | None) -> str:
    return f"{ip}:{port}" if port is not None else str(ip)


@record
class RuleRef:
    """The rule or route that decided a hop; `path` is None for implicit ones (a local route,
    the default NACL, an implicit deny). `id` is how the rule is known where it lives: a NACL
    rule's number, a route's destination, a NetworkPolicy's `ns/name` and rule index."""

    text: str
    path: SpecPath | None = None
    id: str | None = None


# --- facts: what decided a hop, as data (the renderers, checks and drills read these; nothing
# parses a hop's sentence) ------------------------------------------------------------------


class ChoiceRule(StrEnum):
    """How the real network picks among equal options; the trace follows one of them."""

    AT_RANDOM = "at-random"  # equal routes (AWS keeps one), kube-proxy in iptables mode
    ROUND_ROBIN = "round-robin"  # kube-proxy in IPVS mode (rr), ingress-nginx (round_robin)
    SPREAD = "spread"  # a load balancer spreads requests over its healthy targets
    FIRST_ADDRESS = "first-address"  # a DNS answer of several addresses: clients take one


@record
class Choice:
    """A choice among several: the one the trace followed, the others it could have been,
    and how the network picks (`--endpoint` follows another for Services and targets)."""

    chosen: str
    others: tuple[str, ...]
    how: ChoiceRule


@record
class OpenShare:
    """How much of a port range gets through: a NACL that lets only part of the client's
    ephemeral range back fails that share of connections, intermittently."""

    open: int  # ports that pass
    total: int  # ports in the range

    @property
    def fraction(self) -> float:
        return self.open / self.total if self.total else 0.0


@record
class Crossing:
    """A filter a packet crosses, and which way: a NACL `inbound`/`outbound` at a subnet, a
    security group `ingress`/`egress` at an interface, a NetworkPolicy at a pod."""

    direction: str  # inbound | outbound (NACLs); ingress | egress (groups, policies)
    at: str  # the subnet, the interface's owner, or the pod


@record
class Hop:
    component: Component
    name: str
    action: Action
    detail: str  # one line, in plain words
    packet: Packet  # the packet as it leaves this hop
    rule: RuleRef | None = None
    candidates: tuple[RuleRef, ...] = ()  # route tables: the less specific routes that also matched
    note: str | None = None  # where AWS differs from the common mental model
    connection: int = 1  # a load balancer starts connection 2, and so on
    step: int = 0  # set when the trace is assembled
    before: Packet | None = None  # the packet as it arrived, when this hop rewrote it
    choice: Choice | None = None  # one of several was followed (endpoints, targets, routes)
    crossing: Crossing | None = None  # a filter's side and place
    open_share: OpenShare | None = None  # a range that passes only in part


@record
class Blocked:
    step: int
    component: Component
    name: str
    code: Code
    reason: str
    fix: str
    direction: Direction = Direction.FORWARD
    partial: bool = False  # part of a port range passes: intermittent failures
    aws_code: str | None = None  # the closest AWS code for this case (the registry's by default)
    open_share: OpenShare | None = None  # with `partial`: how much of the range passes


@record
class Query:
    source: str
    destination: str
    port: int | None = None
    protocol: str = "tcp"
    host: str | None = None  # the HTTP Host an ALB's rules see (default: the destination name)
    url_path: str = "/"  # the HTTP path an ALB's and an Ingress's rules see
    endpoint: str | None = None  # the Service endpoint kube-proxy picks (default: the first)
    # Look a name the spec does not know up in DNS even when it is no DNS name (`netpath check`,
    # for an expectation of `code: DNS_NXDOMAIN`), instead of refusing it as a typo.
    dns_for_unknown: bool = False


@record
class Trace:
    query: Query
    # The packet as the source sends it; None when the destination's name did not resolve, so
    # that no connection was opened (the hops then carry the lookup itself).
    flow: Packet | None
    hops: tuple[Hop, ...]
    return_path: tuple[Hop, ...]
    blocked_by: Blocked | None
    notes: tuple[str, ...] = ()  # assumptions and facts about the whole trace
    port: int | None = None  # the destination port, asked or assumed (None: a portless protocol)

    @property
    def dst_port(self) -> int | None:
        """The destination port used, also when --port was left out, with or without a flow."""
        return self.flow.dst_port if self.flow is not None else self.port

    @property
    def verdict(self) -> str:  # "reachable" | "blocked"
        return "blocked" if self.blocked_by else "reachable"

    @property
    def reachable(self) -> bool:
        return self.blocked_by is None
