"""netpath's vocabulary: the words a trace, a check and a drill are made of, as enums.

Each is a `StrEnum`, so a member *is* its string: JSON, text and comparisons with the strings
users script against are unchanged, while a misspelt member is an error the type checker and
the interpreter catch. The explanation codes' titles and AWS equivalents live in
`netpath.engine.codes` (a registry keyed by `Code`, complete: checked at import); the lint
rules' severities are checked against `Severity` when a rule registers. The model's closed sets
of words (`EniOwner`, `RouteTarget`, `RouteOrigin`) are here too.
"""

from __future__ import annotations

from enum import StrEnum


class Component(StrEnum):
    """The kind of thing a hop happens at (the first word of a trace step)."""

    INSTANCE = "instance"
    DATABASE = "database"
    ENI = "eni"
    SUBNET = "subnet"
    ROUTE_TABLE = "route-table"
    SECURITY_GROUP = "security-group"
    NETWORK_ACL = "network-acl"
    INTERNET_GATEWAY = "internet-gateway"
    NAT_GATEWAY = "nat-gateway"
    VPC_PEERING = "vpc-peering"
    TRANSIT_GATEWAY = "transit-gateway"
    VPC_ENDPOINT = "vpc-endpoint"
    LOAD_BALANCER = "load-balancer"
    TARGET_GROUP = "target-group"
    INTERNET = "internet"
    DNS = "dns"
    POD = "pod"
    NODE = "node"
    KUBE_PROXY = "kube-proxy"
    SERVICE = "service"
    NETWORK_POLICY = "network-policy"
    INGRESS = "ingress"


# The components that filter (allow or deny) rather than carry a packet: a hop there that
# stops the packet is a "deny", anywhere else a "drop".
FILTERS = frozenset({Component.SECURITY_GROUP, Component.NETWORK_ACL})


class EniOwner(StrEnum):
    """What a network interface belongs to (the model's `Eni.owner_kind`)."""

    INSTANCE = "instance"
    DATABASE = "database"
    NAT_GATEWAY = "nat-gateway"
    LOAD_BALANCER = "load-balancer"
    VPC_ENDPOINT = "vpc-endpoint"
    POD = "pod"  # a VPC CNI pod's address, or its branch ENI
    NETWORK_INTERFACE = "network-interface"  # a bare interface of the spec

    @property
    def component(self) -> Component:
        """The component a trace names for the interface's owner (a bare interface: eni)."""
        return Component.ENI if self is EniOwner.NETWORK_INTERFACE else Component(self.value)


class RouteTarget(StrEnum):
    """What a VPC route sends to (the model's `Route.target_kind`). The gateways are spelled as
    the trace's components are; a route to an instance targets its primary interface."""

    LOCAL = "local"
    INTERNET_GATEWAY = "internet-gateway"
    NAT_GATEWAY = "nat-gateway"
    VPC_PEERING = "vpc-peering"
    TRANSIT_GATEWAY = "transit-gateway"
    VPC_ENDPOINT = "vpc-endpoint"
    NETWORK_INTERFACE = "network-interface"
    BLACKHOLE = "blackhole"


class RouteOrigin(StrEnum):
    """Where a route comes from (`Route.origin`, `TgwRoute.origin`), in AWS's order of priority:
    among routes of equal prefix length the earlier origin wins (`resources.ORIGIN_RANK`).
    Transit gateway routes are only static or propagated."""

    LOCAL = "local"
    STATIC = "static"
    PREFIX_LIST = "prefix-list"
    PROPAGATED = "propagated"


class Action(StrEnum):
    """What a hop did to the packet."""

    SEND = "send"
    FORWARD = "forward"
    ALLOW = "allow"
    DENY = "deny"
    TRANSLATE = "translate"
    DELIVER = "deliver"
    DROP = "drop"
    RESOLVE = "resolve"


class Direction(StrEnum):
    """Which way a walk goes: the request, or its reply."""

    FORWARD = "forward"
    RETURN = "return"


class Code(StrEnum):
    """Explanation codes: why a trace was blocked. A code never changes meaning once released;
    `netpath.engine.codes.CODES` describes each one (a test keeps the two in step)."""

    NO_ROUTE = "NO_ROUTE"
    BLACKHOLE_ROUTE = "BLACKHOLE_ROUTE"
    SG_EGRESS_DENIED = "SG_EGRESS_DENIED"
    SG_INGRESS_DENIED = "SG_INGRESS_DENIED"
    NACL_OUTBOUND_DENIED = "NACL_OUTBOUND_DENIED"
    NACL_INBOUND_DENIED = "NACL_INBOUND_DENIED"
    NACL_RETURN_DENIED = "NACL_RETURN_DENIED"
    NO_PUBLIC_IP = "NO_PUBLIC_IP"
    NAT_NO_INTERNET_ROUTE = "NAT_NO_INTERNET_ROUTE"
    NAT_INBOUND_REFUSED = "NAT_INBOUND_REFUSED"
    PEERING_NOT_TRANSITIVE = "PEERING_NOT_TRANSITIVE"
    PEERING_INACTIVE = "PEERING_INACTIVE"
    NO_RETURN_ROUTE = "NO_RETURN_ROUTE"
    TGW_NO_ATTACHMENT = "TGW_NO_ATTACHMENT"
    SOURCE_DEST_CHECK = "SOURCE_DEST_CHECK"
    ENDPOINT_POLICY_DENIED = "ENDPOINT_POLICY_DENIED"
    NO_LISTENER = "NO_LISTENER"
    NO_TARGETS = "NO_TARGETS"
    TARGET_UNHEALTHY = "TARGET_UNHEALTHY"
    NO_HEALTHY_TARGETS = "NO_HEALTHY_TARGETS"
    UNKNOWN_ENDPOINT = "UNKNOWN_ENDPOINT"
    DNS_NXDOMAIN = "DNS_NXDOMAIN"
    PRIVATE_ADDRESS_ON_INTERNET = "PRIVATE_ADDRESS_ON_INTERNET"
    SERVICE_NO_ENDPOINTS = "SERVICE_NO_ENDPOINTS"
    TARGET_PORT_NOT_EXPOSED = "TARGET_PORT_NOT_EXPOSED"
    NO_POD_IP = "NO_POD_IP"
    ROUTING_LOOP = "ROUTING_LOOP"
    NETPOL_INGRESS_DENIED = "NETPOL_INGRESS_DENIED"
    NETPOL_EGRESS_DENIED = "NETPOL_EGRESS_DENIED"
    LB_SOURCE_RANGE_DENIED = "LB_SOURCE_RANGE_DENIED"


class Severity(StrEnum):
    """How much a lint finding matters (`netpath check --strict` fails on warnings too)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
