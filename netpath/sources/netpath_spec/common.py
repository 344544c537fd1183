"""Shared pieces of the netpath spec's builder: its VPC sections, the plan of a VPC, and the
readers of values written the spec's way (one item or a list, a rule's protocol and port).

The registry, the model under construction and the value parsers every source shares are in
`netpath.sources.building`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netpath.model.addr import PortRange, Prefix
from netpath.model.paths import SpecPath
from netpath.model.record import record
from netpath.sources.building import Ctx, items, parse_ports

# VPC section -> the kind of the things it names.
VPC_SECTIONS = {
    "subnets": "subnet",
    "route_tables": "route-table",
    "network_acls": "network-acl",
    "security_groups": "security-group",
    "nat_gateways": "nat-gateway",
    "instances": "instance",
    "databases": "database",
    "network_interfaces": "network-interface",
    "load_balancers": "load-balancer",
    "target_groups": "target-group",
    "endpoints": "vpc-endpoint",
}

# Protocol numbers AWS accepts in place of names (IANA numbers; -1 means every protocol).
_PROTOCOL_NUMBERS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp"}
PORTED_PROTOCOLS = ("tcp", "udp")


def owned(ctx: Ctx, plan: VpcPlan, section: str) -> list[tuple[str, Mapping[str, Any]]]:
    """The entries of a VPC section, less the duplicates of a name defined earlier."""
    out = []
    for name, data in items(plan.data, section):
        if ctx.owns(str(name), (*plan.path, section, name)):
            out.append((str(name), data if isinstance(data, Mapping) else {}))
    return out


def as_list(value: Any) -> list[Any]:
    """A value that may be written as one item or a list of items."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def normalise_fqdn(name: str) -> str:
    return str(name).strip().lower().rstrip(".")


def normalise_protocol(value: Any) -> str:
    """`-1` -> all, `6` -> tcp, `17` -> udp, `1` -> icmp; other numbers stay as strings."""
    text = str(value).strip().lower()
    return _PROTOCOL_NUMBERS.get(text, text)


@record
class ProtoPorts:
    protocol: str
    ports: PortRange | None


def rule_protocol(ctx: Ctx, rule: Mapping[str, Any], path: SpecPath) -> ProtoPorts | None:
    """Protocol and ports of an SG or NACL rule; ports only mean something for tcp and udp."""
    protocol = normalise_protocol(rule.get("protocol", "all"))
    if protocol not in PORTED_PROTOCOLS:
        return ProtoPorts(protocol, None)
    if rule.get("port") is None:
        ctx.error(path, f"protocol {protocol} needs a `port` (a number or a range like 1024-65535)")
        return None
    ports = parse_ports(ctx, rule["port"], (*path, "port"))
    return None if ports is None else ProtoPorts(protocol, ports)


@record
class VpcPlan:
    """What the rest of the build needs to know about a VPC before its parts exist."""

    name: str
    path: SpecPath
    data: Mapping[str, Any]
    cidrs: list[tuple[Prefix, SpecPath]]  # the CIDRs that parsed, primary first
    main_route_table: str
    main_is_implicit: bool
    default_network_acl: str
    nacl_is_implicit: bool
