"""The network model: immutable records built from a validated spec.

Every resource carries `path`, its place in the spec document, so that any decision the engine
makes can be traced back to the line the user wrote. Cross-references are by name (names are
unique across the whole spec, as AWS ids are unique across an account).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import field, fields

from netpath.model.addr import Address, PortRange, Prefix
from netpath.model.kubernetes import Cluster
from netpath.model.paths import SpecPath
from netpath.model.record import record
from netpath.model.vocabulary import EniOwner, RouteOrigin, RouteTarget

# Protocols are lowercase words; "all" matches every protocol (AWS's -1).
PROTOCOLS = ("tcp", "udp", "icmp", "all")


@record
class Vpc:
    name: str
    cidrs: tuple[Prefix, ...]  # the primary CIDR first, then secondary CIDRs
    region: str
    internet_gateway: str | None
    main_route_table: str
    default_network_acl: str
    path: SpecPath

    @property
    def cidr(self) -> Prefix:
        return self.cidrs[0]


@record
class Subnet:
    name: str
    vpc: str
    cidr: Prefix
    az: str
    route_table: str  # explicit association, else the VPC's main route table
    network_acl: str  # explicit association, else the VPC's default network ACL
    route_table_is_main: bool
    path: SpecPath


# Among routes of equal prefix length the lower origin rank wins (AWS route priority):
# local 0, static 1, prefix-list 2, propagated 3.
ORIGIN_RANK = {origin: rank for rank, origin in enumerate(RouteOrigin)}


@record
class Route:
    destination: Prefix | None  # None for a prefix-list route
    prefix_list: str | None
    target_kind: RouteTarget
    target: str  # the target's name; "local" or "blackhole" for those kinds
    origin: RouteOrigin
    path: SpecPath

    @property
    def destination_text(self) -> str:
        return self.prefix_list if self.prefix_list else str(self.destination)

    def __str__(self) -> str:
        return f"{self.destination_text} -> {self.target}"


@record
class RouteTable:
    name: str
    vpc: str
    routes: tuple[Route, ...]
    main: bool
    path: SpecPath


@record
class SgRule:
    direction: str  # ingress | egress
    protocol: str
    ports: PortRange | None  # None for protocols without ports (icmp, all)
    cidr: Prefix | None
    security_group: str | None
    prefix_list: str | None
    description: str
    path: SpecPath

    @property
    def peer_text(self) -> str:
        if self.security_group:
            return self.security_group
        if self.prefix_list:
            return self.prefix_list
        return str(self.cidr)

    def __str__(self) -> str:
        ports = f"/{self.ports}" if self.ports is not None else ""
        word = "from" if self.direction == "ingress" else "to"
        return f"{self.protocol}{ports} {word} {self.peer_text}"


@record
class SecurityGroup:
    name: str
    vpc: str
    ingress: tuple[SgRule, ...]
    egress: tuple[SgRule, ...]
    egress_is_default: bool  # egress left out: AWS's default allow-all outbound rule
    description: str
    path: SpecPath


@record
class NaclRule:
    number: int
    action: str  # allow | deny
    protocol: str
    ports: PortRange | None
    cidr: Prefix
    path: SpecPath

    def __str__(self) -> str:
        ports = f"/{self.ports}" if self.ports is not None else ""
        return f"#{self.number} {self.action} {self.protocol}{ports} {self.cidr}"


@record
class NetworkAcl:
    name: str
    vpc: str
    inbound: tuple[NaclRule, ...]  # sorted by rule number
    outbound: tuple[NaclRule, ...]
    is_default: bool
    implicit: bool  # the VPC's default NACL, not written in the spec: allows everything
    path: SpecPath


@record
class Eni:
    """A network interface: the only place a packet enters or leaves a VPC resource."""

    name: str
    vpc: str
    subnet: str
    private_ip: Address
    public_ip: Address | None
    security_groups: tuple[str, ...]
    owner_kind: EniOwner
    owner: str
    source_dest_check: bool
    client_os: str  # whose ephemeral port range this interface uses as a client
    path: SpecPath


@record
class Instance:
    name: str
    vpc: str
    enis: tuple[str, ...]  # primary first
    os: str
    path: SpecPath
    instance_type: str | None = None  # e.g. m5.large: its ENI and IP limits (netpath capacity)


@record
class Database:
    name: str
    vpc: str
    engine: str
    port: int
    eni: str
    path: SpecPath


@record
class NatGateway:
    name: str
    vpc: str
    subnet: str
    connectivity: str  # public | private
    private_ip: Address
    elastic_ip: Address | None
    eni: str
    path: SpecPath


@record
class InternetGateway:
    name: str
    vpc: str
    path: SpecPath


@record
class ListenerRule:
    """An ALB listener rule: all of its conditions must match; lowest priority first."""

    priority: int
    hosts: tuple[str, ...]  # host-header patterns (case-insensitive, * and ?); () = any host
    paths: tuple[str, ...]  # path-pattern patterns (case-sensitive, * and ?); () = any path
    target_group: str
    path: SpecPath
    # source-ip: the client's address as the ALB receives it (not X-Forwarded-For); () = any
    source_ips: tuple[Prefix, ...] = ()


@record
class Listener:
    port: int
    protocol: str  # HTTP | HTTPS | TCP | UDP | TLS | TCP_UDP
    target_group: str | None  # the default action
    path: SpecPath
    rules: tuple[ListenerRule, ...] = ()  # ALB rules, by ascending priority


@record
class LoadBalancer:
    name: str
    vpc: str
    type: str  # application | network | classic
    scheme: str  # internet-facing | internal
    security_groups: tuple[str, ...]
    enis: tuple[str, ...]  # one node per subnet
    listeners: tuple[Listener, ...]
    path: SpecPath

    @property
    def kind_word(self) -> str:
        return {"application": "ALB", "network": "NLB", "classic": "CLB"}[self.type]


@record
class Target:
    target: str  # an instance name or an IP address
    port: int
    healthy: bool
    path: SpecPath


@record
class TargetGroup:
    name: str
    vpc: str
    protocol: str
    port: int
    target_type: str  # instance | ip
    targets: tuple[Target, ...]
    preserve_client_ip: bool
    path: SpecPath


@record
class PrefixList:
    name: str
    cidrs: tuple[Prefix, ...]
    service: str | None
    path: SpecPath


@record
class VpcEndpoint:
    name: str
    vpc: str
    type: str  # gateway | interface
    service: str
    prefix_list: str | None  # gateway endpoints
    route_tables: tuple[str, ...]  # gateway endpoints: where AWS adds the prefix-list route
    enis: tuple[str, ...]  # interface endpoints
    security_groups: tuple[str, ...]
    private_dns: bool
    dns_names: tuple[str, ...]
    policy: str  # allow | deny: the endpoint policy, simplified
    path: SpecPath


@record
class Peering:
    name: str
    requester: str
    accepter: str
    status: str  # active | pending-acceptance | deleted
    path: SpecPath

    def other(self, vpc: str) -> str | None:
        if vpc == self.requester:
            return self.accepter
        if vpc == self.accepter:
            return self.requester
        return None


@record
class TgwAttachment:
    name: str
    transit_gateway: str
    vpc: str
    subnets: tuple[str, ...]  # one per AZ the attachment serves
    path: SpecPath
    security_group_referencing: bool = True  # AWS's default for an attachment


@record
class TgwRoute:
    destination: Prefix
    target: str  # attachment name or "blackhole"
    origin: RouteOrigin  # static | propagated
    path: SpecPath

    def __str__(self) -> str:
        return f"{self.destination} -> {self.target}"


@record
class TgwRouteTable:
    name: str
    transit_gateway: str
    associations: tuple[str, ...]
    propagations: tuple[str, ...]
    routes: tuple[TgwRoute, ...]  # static and propagated, as the builder derived them
    path: SpecPath


@record
class TransitGateway:
    name: str
    region: str
    attachments: tuple[str, ...]
    route_tables: tuple[str, ...]
    path: SpecPath
    # Inbound rules may reference groups of other attached VPCs; off by default, as in AWS.
    security_group_referencing: bool = False


@record
class DnsRecord:
    name: str  # fully qualified, lowercase, no trailing dot
    type: str  # A | CNAME | ALIAS
    values: tuple[str, ...]  # addresses, a name, or a load balancer / endpoint name
    private_vpcs: tuple[str, ...]  # empty: a public hosted zone
    path: SpecPath
    zone: str | None = None  # who answers, in words, when not Route 53


@record
class InternetHost:
    name: str
    ip: Address
    ports: tuple[PortRange, ...]  # empty: listens on every port
    path: SpecPath


@record
class Model:
    """The whole network. Maps are keyed by name; names are unique across the spec."""

    vpcs: dict[str, Vpc] = field(default_factory=dict)
    subnets: dict[str, Subnet] = field(default_factory=dict)
    route_tables: dict[str, RouteTable] = field(default_factory=dict)
    network_acls: dict[str, NetworkAcl] = field(default_factory=dict)
    security_groups: dict[str, SecurityGroup] = field(default_factory=dict)
    enis: dict[str, Eni] = field(default_factory=dict)
    instances: dict[str, Instance] = field(default_factory=dict)
    databases: dict[str, Database] = field(default_factory=dict)
    nat_gateways: dict[str, NatGateway] = field(default_factory=dict)
    internet_gateways: dict[str, InternetGateway] = field(default_factory=dict)
    load_balancers: dict[str, LoadBalancer] = field(default_factory=dict)
    target_groups: dict[str, TargetGroup] = field(default_factory=dict)
    prefix_lists: dict[str, PrefixList] = field(default_factory=dict)
    endpoints: dict[str, VpcEndpoint] = field(default_factory=dict)
    peerings: dict[str, Peering] = field(default_factory=dict)
    transit_gateways: dict[str, TransitGateway] = field(default_factory=dict)
    tgw_attachments: dict[str, TgwAttachment] = field(default_factory=dict)
    tgw_route_tables: dict[str, TgwRouteTable] = field(default_factory=dict)
    dns_records: dict[str, DnsRecord] = field(default_factory=dict)
    internet_hosts: dict[str, InternetHost] = field(default_factory=dict)
    clusters: dict[str, Cluster] = field(default_factory=dict)
    description: str = ""
    notes: tuple[str, ...] = ()  # what the builder assumed or assigned (shown by `netpath show`)

    def internet_route(self, subnet: Subnet) -> Route | None:
        """The first route of the subnet's route table to an internet gateway, if any: what
        makes a subnet public, in AWS's own terms (not a 0.0.0.0/0 route in particular)."""
        table = self.route_tables.get(subnet.route_table)
        if table is None:
            return None
        return next((r for r in table.routes if r.target_kind == RouteTarget.INTERNET_GATEWAY),
                    None)

    def is_public(self, subnet: Subnet) -> bool:
        return self.internet_route(subnet) is not None

    def resource_names(self) -> Iterator[str]:
        """The name of every resource of the AWS part (names are unique across the spec)."""
        for name in RESOURCE_MAPS:
            yield from getattr(self, name)


# Model's maps of resources, by field name: what a builder fills (`sources.building.Parts`).
RESOURCE_MAPS: tuple[str, ...] = tuple(
    f.name for f in fields(Model) if f.name not in ("clusters", "description", "notes"))
