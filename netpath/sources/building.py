"""What every source's model builder shares: the name registry and error collection (`Ctx`),
the model under construction (`Parts`) and value parsers.

A builder receives data whose shape is already checked (by the JSON Schema, for a netpath spec),
so types are right; what it still checks is meaning (a CIDR with host bits, a name that does not
exist). Parsers return None after recording an error, so that each builder can skip just the
broken object and carry on. The registry is shared across sources: a Kubernetes cluster of a
netpath spec names the VPC, subnets and instances the AWS part registered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field
from ipaddress import IPv4Network
from typing import Any

from netpath.load.errors import SpecError
from netpath.model.addr import ALL_PORTS, Address, PortRange, Prefix, parse_address, parse_prefix
from netpath.model.names import did_you_mean
from netpath.model.paths import SpecPath, format_path
from netpath.model.record import record
from netpath.model.resources import (
    Database,
    DnsRecord,
    Eni,
    Instance,
    InternetGateway,
    InternetHost,
    LoadBalancer,
    NatGateway,
    NetworkAcl,
    Peering,
    PrefixList,
    Route,
    RouteTable,
    SecurityGroup,
    Subnet,
    TargetGroup,
    TgwAttachment,
    TgwRouteTable,
    TransitGateway,
    Vpc,
    VpcEndpoint,
)

# Kind -> the words used in messages ("is a security group, not a route target").
KIND_WORDS = {
    "vpc": "a VPC",
    "subnet": "a subnet",
    "route-table": "a route table",
    "network-acl": "a network ACL",
    "security-group": "a security group",
    "nat-gateway": "a NAT gateway",
    "instance": "an instance",
    "database": "a database",
    "network-interface": "a network interface",
    "load-balancer": "a load balancer",
    "target-group": "a target group",
    "vpc-endpoint": "a VPC endpoint",
    "internet-gateway": "an internet gateway",
    "vpc-peering": "a VPC peering connection",
    "transit-gateway": "a transit gateway",
    "tgw-attachment": "a transit gateway attachment",
    "tgw-route-table": "a transit gateway route table",
    "prefix-list": "a prefix list",
    "dns-record": "a DNS record",
    "internet-host": "an internet host",
}


@record
class Entry:
    """One named thing of the spec, as registered before anything is built."""

    kind: str
    path: SpecPath
    vpc: str | None  # the VPC whose section defines it
    data: Mapping[str, Any]


@record
class Ctx:
    """What every builder step shares: the registry of names, the errors and the notes."""

    names: dict[str, Entry] = field(default_factory=dict)
    errors: list[SpecError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Parsed values by their text; a str is the problem to report wherever the text appears.
    cidr_cache: dict[str, Prefix | str] = field(default_factory=dict)
    ports_cache: dict[int | str, PortRange | str] = field(default_factory=dict)

    def error(self, path: SpecPath, message: str, hint: str | None = None) -> None:
        self.errors.append(SpecError(message, path, hint=hint))

    def mark(self) -> int:
        """A bookmark in the errors: `failed_since(mark)` tells whether a step added one."""
        return len(self.errors)

    def failed_since(self, mark: int) -> bool:
        return len(self.errors) > mark

    def required(self, data: Mapping[str, Any], key: str, path: SpecPath) -> Any:
        """`data[key]`, or None after an error (the schema should have caught it; never crash)."""
        value = data.get(key)
        if value is None:
            self.error(path, f"`{key}` is required here")
        return value

    def register(self, name: str, entry: Entry) -> None:
        first = self.names.get(name)
        if first is None:
            self.names[name] = entry
        elif not (first.kind == entry.kind == "internet-gateway"):
            # Two VPCs naming one internet gateway is a fact about VPCs, not a second definition:
            # the semantic pass reports it.
            self.error(
                entry.path,
                f"name {name!r} is defined twice: {format_path(first.path)} and "
                f"{format_path(entry.path)}",
            )

    def owns(self, name: str, path: SpecPath) -> bool:
        """True when the definition at `path` is the one the name stands for (not a duplicate)."""
        entry = self.names.get(name)
        return entry is not None and entry.path == path

    def names_of(self, kinds: Iterable[str]) -> list[str]:
        wanted = set(kinds)
        return [n for n, e in self.names.items() if e.kind in wanted]

    def resolve(
        self, name: str, kinds: tuple[str, ...], role: str, path: SpecPath,
        expected: str | None = None,
    ) -> Entry | None:
        """The entry a reference names, or None after an error (did-you-mean of the right kind)."""
        entry = self.names.get(name)
        if entry is not None and entry.kind in kinds:
            return entry
        hint = did_you_mean(name, self.names_of(kinds))
        if entry is None:
            self.error(path, f"{role} {name!r} does not exist", hint)
        else:
            wanted = expected or " or ".join(KIND_WORDS[k] for k in kinds)
            self.error(path, f"{role} {name!r} is {KIND_WORDS[entry.kind]}, not {wanted}", hint)
        return None

    def resolve_all(
        self, names: Iterable[Any], kinds: tuple[str, ...], role: str, path: SpecPath
    ) -> tuple[str, ...]:
        """Resolve a list of names; the ones that do not resolve are reported and left out."""
        out: list[str] = []
        for index, name in enumerate(names):
            if self.resolve(str(name), kinds, role, (*path, index)) is not None:
                out.append(str(name))
        return tuple(out)


def items(data: Mapping[str, Any], key: str) -> Iterator[tuple[Any, Any]]:
    """The entries of an optional map section (`None` or missing: none)."""
    section = data.get(key)
    if isinstance(section, dict):  # the loader's plain dicts (faster to test than Mapping)
        yield from section.items()


# Large estates hold ~100,000 addresses and CIDRs, and `ipaddress` parses text slowly: plain
# dotted quads take a fast path (same result), CIDRs and ports are parsed once per distinct text.
_DOTTED_QUAD = re.compile(r"([0-9]{1,3})[.]([0-9]{1,3})[.]([0-9]{1,3})[.]([0-9]{1,3})")
_PREFIX_LENGTH = re.compile(r"[0-9]|[12][0-9]|3[0-2]")


def _quad(text: str) -> int | None:
    """The value of a canonical dotted quad (no leading zeros), else None (the slow path)."""
    match = _DOTTED_QUAD.fullmatch(text)
    if match is None:
        return None
    value = 0
    for octet in match.groups():
        if len(octet) > 1 and octet[0] == "0" or int(octet) > 255:
            return None
        value = value << 8 | int(octet)
    return value


def parse_cidr(ctx: Ctx, text: Any, path: SpecPath) -> Prefix | None:
    value = str(text).strip()
    found = ctx.cidr_cache.get(value)
    if found is None:
        found = ctx.cidr_cache[value] = _cidr_or_problem(value)
    if isinstance(found, str):
        ctx.error(path, found)
        return None
    return found


def _cidr_or_problem(value: str) -> Prefix | str:
    address, _, length = value.partition("/")
    start = _quad(address)
    fast = start is not None and _PREFIX_LENGTH.fullmatch(length)
    if fast and start is not None and start & ((1 << (32 - int(length))) - 1) == 0:
        return IPv4Network((start, int(length)))
    try:
        return parse_prefix(value)
    except ValueError:
        pass
    try:
        loose = IPv4Network(value, strict=False)
    except ValueError:
        return f"{value!r} is not a valid IPv4 CIDR"
    return f"{value} has host bits set; did you mean {loose}?"


def parse_ip(ctx: Ctx, text: Any, path: SpecPath) -> Address | None:
    value = str(text).strip()
    fast = _quad(value)
    if fast is not None:
        return Address(fast)
    try:
        return parse_address(value)
    except ValueError:
        ctx.error(path, f"{value!r} is not a valid IPv4 address")
        return None


def optional_ip(ctx: Ctx, data: Mapping[str, Any], key: str, path: SpecPath) -> Address | None:
    value = data.get(key)
    return None if value is None else parse_ip(ctx, value, (*path, key))


def parse_ports(ctx: Ctx, value: Any, path: SpecPath) -> PortRange | None:
    key = value if isinstance(value, int) else str(value)
    found = ctx.ports_cache.get(key)
    if found is None:
        found = ctx.ports_cache[key] = _ports_or_problem(key)
    if isinstance(found, str):
        ctx.error(path, found)
        return None
    return found


def _ports_or_problem(value: int | str) -> PortRange | str:
    try:
        ports = PortRange.parse(value)
    except ValueError:
        return f"{value!r} is not a port or a port range"
    if not 0 <= ports.low <= ports.high <= ALL_PORTS.high:
        return f"{value!r} is not a port range within 0-65535, low to high"
    return ports


@record
class Parts:
    """The model under construction: the same maps as `Model` (its `RESOURCE_MAPS`, field for
    field: a test keeps the two alike), filled step by step, and what a builder needs
    besides."""

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
    # Routes that gateway endpoints add, by route table name (the tables are built afterwards).
    endpoint_routes: dict[str, list[Route]] = field(default_factory=dict)
