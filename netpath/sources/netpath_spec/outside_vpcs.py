"""Things outside any one VPC: prefix lists, peerings, transit gateways, DNS, internet hosts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from netpath.model.addr import Address, PortRange, Prefix, parse_address
from netpath.model.paths import SpecPath
from netpath.model.resources import (
    DnsRecord,
    InternetHost,
    Peering,
    PrefixList,
    TgwAttachment,
    TgwRoute,
    TgwRouteTable,
    TransitGateway,
)
from netpath.model.vocabulary import RouteOrigin
from netpath.sources.building import Ctx, Parts, items, parse_cidr, parse_ip, parse_ports
from netpath.sources.netpath_spec.common import VpcPlan, as_list, normalise_fqdn


def _owned_top(ctx: Ctx, data: Mapping[str, Any], section: str,
               fqdn: bool = False) -> Iterator[tuple[str, Any, SpecPath]]:
    """(name, value, path) of a top-level section, less duplicate definitions of a name."""
    for key, value in items(data, section):
        name = normalise_fqdn(key) if fqdn else str(key)
        if ctx.owns(name, (section, key)):
            yield name, value, (section, key)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def build_prefix_lists(ctx: Ctx, data: Mapping[str, Any], parts: Parts) -> None:
    for name, value, path in _owned_top(ctx, data, "prefix_lists"):
        value = _mapping(value)
        cidrs = [parse_cidr(ctx, c, (*path, "cidrs", i))
                 for i, c in enumerate(as_list(value.get("cidrs")))]
        service = value.get("service")
        parts.prefix_lists[name] = PrefixList(
            name, tuple(c for c in cidrs if c is not None),
            None if service is None else str(service), path,
        )


def build_peerings(ctx: Ctx, data: Mapping[str, Any], parts: Parts) -> None:
    for name, value, path in _owned_top(ctx, data, "peerings"):
        value = _mapping(value)
        mark = ctx.mark()
        sides = [ctx.required(value, side, path) for side in ("requester", "accepter")]
        for side, vpc in zip(("requester", "accepter"), sides, strict=True):
            if vpc is not None:
                ctx.resolve(str(vpc), ("vpc",), "VPC", (*path, side))
        if ctx.failed_since(mark):
            continue
        status = str(value.get("status") or "active")
        parts.peerings[name] = Peering(name, str(sides[0]), str(sides[1]), status, path)


# --- transit gateways ----------------------------------------------------------------------


def build_transit_gateways(
    ctx: Ctx, data: Mapping[str, Any], plans: dict[str, VpcPlan], parts: Parts
) -> None:
    for name, value, path in _owned_top(ctx, data, "transit_gateways"):
        value = _mapping(value)
        attachments = [
            _attachment(ctx, name, str(a), _mapping(v), (*path, "attachments", a), parts)
            for a, v in items(value, "attachments") if ctx.owns(str(a), (*path, "attachments", a))
        ]
        tables = [
            _tgw_route_table(ctx, name, str(t), _mapping(v), (*path, "route_tables", t), plans,
                             parts)
            for t, v in items(value, "route_tables")
            if ctx.owns(str(t), (*path, "route_tables", t))
        ]
        parts.transit_gateways[name] = TransitGateway(
            name, str(value.get("region") or ""),
            tuple(a for a in attachments if a), tuple(t for t in tables if t), path,
            value.get("security_group_referencing") is True,
        )


def _attachment(ctx: Ctx, tgw: str, name: str, data: Mapping[str, Any], path: SpecPath,
                parts: Parts) -> str | None:
    mark = ctx.mark()
    vpc = ctx.required(data, "vpc", path)
    if vpc is not None:
        ctx.resolve(str(vpc), ("vpc",), "VPC", (*path, "vpc"))
    subnets = ctx.resolve_all(as_list(data.get("subnets")), ("subnet",), "subnet",
                              (*path, "subnets"))
    if ctx.failed_since(mark):
        return None
    parts.tgw_attachments[name] = TgwAttachment(
        name, tgw, str(vpc), subnets, path, data.get("security_group_referencing") is not False)
    return name


def _tgw_route_table(ctx: Ctx, tgw: str, name: str, data: Mapping[str, Any], path: SpecPath,
                     plans: dict[str, VpcPlan], parts: Parts) -> str:
    associations = _own_attachments(ctx, tgw, data.get("associations"), (*path, "associations"))
    propagations = _own_attachments(ctx, tgw, data.get("propagations"), (*path, "propagations"))
    static = list(_static_tgw_routes(ctx, tgw, data.get("routes"), (*path, "routes")))
    # Each propagating attachment's VPC CIDRs become routes (a static route of the same prefix
    # wins; both are kept and the engine decides, as AWS does).
    propagated = [
        TgwRoute(prefix, attachment, RouteOrigin.PROPAGATED, (*path, "propagations", index))
        for index, attachment in enumerate(as_list(data.get("propagations")))
        if str(attachment) in propagations
        for prefix, _ in _attachment_cidrs(ctx, str(attachment), plans)
    ]
    parts.tgw_route_tables[name] = TgwRouteTable(
        name, tgw, associations, propagations, (*static, *propagated), path
    )
    return name


def _attachment_cidrs(
    ctx: Ctx, attachment: str, plans: dict[str, VpcPlan]
) -> list[tuple[Prefix, SpecPath]]:
    vpc = ctx.names[attachment].data.get("vpc")
    plan = plans.get(str(vpc))
    return plan.cidrs if plan is not None else []


def _own_attachments(ctx: Ctx, tgw: str, names: Any, path: SpecPath) -> tuple[str, ...]:
    """Attachment names that exist and belong to this transit gateway."""
    out = []
    for index, name in enumerate(as_list(names)):
        if _own_attachment(ctx, tgw, str(name), (*path, index)):
            out.append(str(name))
    return tuple(out)


def _own_attachment(ctx: Ctx, tgw: str, name: str, path: SpecPath) -> bool:
    entry = ctx.resolve(name, ("tgw-attachment",), "attachment", path)
    if entry is None:
        return False
    owner = entry.path[1]
    if owner != tgw:
        ctx.error(path, f"attachment {name!r} belongs to transit gateway {owner!r}, not {tgw!r}")
        return False
    return True


def _static_tgw_routes(ctx: Ctx, tgw: str, routes: Any, path: SpecPath) -> Iterator[TgwRoute]:
    for key, value in routes.items() if isinstance(routes, Mapping) else ():
        route_path = (*path, key)
        destination = parse_cidr(ctx, key, route_path)
        long_form = isinstance(value, Mapping)
        target = str(value.get("target") or "blackhole") if long_form else str(value)
        if long_form and value.get("state") == "blackhole":
            target = "blackhole"
        elif target != "blackhole":
            target_path = (*route_path, "target") if long_form else route_path
            if not _own_attachment(ctx, tgw, target, target_path):
                continue
        if destination is not None:
            yield TgwRoute(destination, target, RouteOrigin.STATIC, route_path)


# --- DNS and internet hosts ----------------------------------------------------------------


def build_dns(ctx: Ctx, data: Mapping[str, Any], parts: Parts) -> None:
    for name, value, path in _owned_top(ctx, data, "dns", fqdn=True):
        value = _mapping(value)
        mark = ctx.mark()
        private_vpcs = ctx.resolve_all(as_list(value.get("vpcs")), ("vpc",), "VPC",
                                       (*path, "vpcs"))
        record = _dns_value(ctx, value, path)
        if record is None or ctx.failed_since(mark):
            continue
        parts.dns_records[name] = DnsRecord(name, record[0], record[1], private_vpcs, path)


def _dns_value(ctx: Ctx, value: Mapping[str, Any], path: SpecPath
               ) -> tuple[str, tuple[str, ...]] | None:
    if value.get("a") is not None:
        written = value["a"]
        many = isinstance(written, (list, tuple))
        addresses = [parse_ip(ctx, ip, (*path, "a", i) if many else (*path, "a"))
                     for i, ip in enumerate(as_list(written))]
        return "A", tuple(str(a) for a in addresses if a is not None)
    if value.get("cname") is not None:
        return "CNAME", (normalise_fqdn(value["cname"]),)
    if value.get("alias") is not None:
        alias = str(value["alias"])
        entry = ctx.resolve(alias, ("load-balancer", "vpc-endpoint"), "alias target",
                            (*path, "alias"))
        if entry is None:
            return None
        if entry.kind == "vpc-endpoint" and entry.data.get("type") == "gateway":
            ctx.error((*path, "alias"), f"alias target {alias!r} is a gateway endpoint, which "
                      "has no DNS name; alias a load balancer or an interface endpoint")
            return None
        return "ALIAS", (alias,)
    ctx.error(path, "a DNS record needs one of `a`, `cname` or `alias`")
    return None


def build_internet_hosts(ctx: Ctx, data: Mapping[str, Any], parts: Parts) -> None:
    for name, value, path in _owned_top(ctx, data, "internet_hosts", fqdn=True):
        long_form = isinstance(value, Mapping)
        written = value.get("ip") if long_form else value
        if written is None:
            ctx.error(path, "`ip` is required here")
            continue
        mark = ctx.mark()
        ip = parse_ip(ctx, written, (*path, "ip") if long_form else path)
        ports = [parse_ports(ctx, p, (*path, "ports", i))
                 for i, p in enumerate(as_list(value.get("ports") if long_form else None))]
        if ip is None or ctx.failed_since(mark):
            continue
        kept: tuple[PortRange, ...] = tuple(p for p in ports if p is not None)
        parts.internet_hosts[name] = InternetHost(name, ip, kept, path)


def explicit_internet_ips(data: Mapping[str, Any]) -> set[Address]:
    """Internet hosts' addresses, which an assigned public IP must not take. Parsed leniently:
    the errors are reported when the hosts are built."""
    found = set()
    for _, value in items(data, "internet_hosts"):
        text = value.get("ip") if isinstance(value, Mapping) else value
        try:
            found.add(parse_address(str(text)))
        except ValueError:
            continue
    return found
