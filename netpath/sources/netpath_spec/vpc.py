"""Build a VPC's own parts: security groups, network ACLs, subnets, the internet gateway."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netpath.model.addr import ANY_PREFIX
from netpath.model.paths import SpecPath, format_path
from netpath.model.resources import (
    InternetGateway,
    NaclRule,
    NetworkAcl,
    SecurityGroup,
    SgRule,
    Subnet,
    Vpc,
)
from netpath.sources.building import Ctx, Parts, parse_cidr
from netpath.sources.netpath_spec.common import VpcPlan, as_list, owned, rule_protocol
from netpath.sources.netpath_spec.routes import build_route_tables

__all__ = ["build_route_tables", "build_vpc_core"]


def build_vpc_core(ctx: Ctx, plan: VpcPlan, parts: Parts) -> None:
    for name, data in owned(ctx, plan, "security_groups"):
        group = build_security_group(ctx, plan.name, name, data)
        parts.security_groups[name] = group
    for name, data in owned(ctx, plan, "network_acls"):
        is_default = name == plan.default_network_acl
        nacl = build_network_acl(ctx, plan.name, name, data, is_default)
        parts.network_acls[name] = nacl
    if plan.nacl_is_implicit and ctx.owns(plan.default_network_acl, plan.path):
        parts.network_acls[plan.default_network_acl] = implicit_default_nacl(ctx, plan)
    for name, data in owned(ctx, plan, "subnets"):
        subnet = build_subnet(ctx, plan, name, data)
        if subnet is not None:
            parts.subnets[name] = subnet
    _build_internet_gateway(ctx, plan, parts)
    _build_vpc(ctx, plan, parts)


def _build_vpc(ctx: Ctx, plan: VpcPlan, parts: Parts) -> None:
    # Without its primary CIDR the VPC is broken; its parts were still built so that their own
    # errors show up at the same time.
    if not plan.cidrs or plan.cidrs[0][1] != (*plan.path, "cidr"):
        return
    igw = plan.data.get("internet_gateway")
    parts.vpcs[plan.name] = Vpc(
        name=plan.name,
        cidrs=tuple(prefix for prefix, _ in plan.cidrs),
        region=str(plan.data.get("region") or ""),
        internet_gateway=str(igw) if igw else None,
        main_route_table=plan.main_route_table,
        default_network_acl=plan.default_network_acl,
        path=plan.path,
    )


def _build_internet_gateway(ctx: Ctx, plan: VpcPlan, parts: Parts) -> None:
    name = plan.data.get("internet_gateway")
    path = (*plan.path, "internet_gateway")
    # The first VPC naming a gateway owns it; a second one is reported by the semantic pass.
    if name and ctx.owns(str(name), path):
        parts.internet_gateways[str(name)] = InternetGateway(str(name), plan.name, path)


# --- security groups -----------------------------------------------------------------------


def build_security_group(ctx: Ctx, vpc: str, name: str, data: Mapping[str, Any]) -> SecurityGroup:
    path = ("vpcs", vpc, "security_groups", name)
    ingress = _sg_rules(ctx, "ingress", data.get("ingress"), (*path, "ingress"))
    if data.get("egress") is None:
        # Left out: AWS gives every new group one rule allowing all outbound traffic.
        default = SgRule("egress", "all", None, ANY_PREFIX, None, None,
                         "AWS default: all outbound traffic", path)
        egress: tuple[SgRule, ...] = (default,)
    else:
        egress = _sg_rules(ctx, "egress", data["egress"], (*path, "egress"))
    return SecurityGroup(
        name=name,
        vpc=vpc,
        ingress=ingress,
        egress=egress,
        egress_is_default=data.get("egress") is None,
        description=str(data.get("description") or ""),
        path=path,
    )


_SG_PEERS = ("cidr", "security_group", "prefix_list")


def _sg_rules(ctx: Ctx, direction: str, rules: Any, path: SpecPath) -> tuple[SgRule, ...]:
    out = []
    for index, rule in enumerate(as_list(rules)):
        if isinstance(rule, dict):
            built = _sg_rule(ctx, direction, rule, (*path, index))
            if built is not None:
                out.append(built)
    return tuple(out)


def _sg_rule(ctx: Ctx, direction: str, rule: Mapping[str, Any], path: SpecPath) -> SgRule | None:
    proto = rule_protocol(ctx, rule, path)
    peers = [key for key in _SG_PEERS if rule.get(key) is not None]
    if len(peers) != 1:
        ctx.error(path, "a rule needs exactly one peer: `cidr`, `security_group` or `prefix_list`")
        return None
    mark = ctx.mark()
    peer = str(rule[peers[0]])
    cidr = parse_cidr(ctx, peer, (*path, "cidr")) if peers[0] == "cidr" else None
    if peers[0] == "security_group":
        ctx.resolve(peer, ("security-group",), "security group", (*path, "security_group"))
    if peers[0] == "prefix_list":
        ctx.resolve(peer, ("prefix-list",), "prefix list", (*path, "prefix_list"))
    if proto is None or ctx.failed_since(mark):
        return None
    return SgRule(
        direction=direction,
        protocol=proto.protocol,
        ports=proto.ports,
        cidr=cidr,
        security_group=peer if peers[0] == "security_group" else None,
        prefix_list=peer if peers[0] == "prefix_list" else None,
        description=str(rule.get("description") or ""),
        path=path,
    )


# --- network ACLs --------------------------------------------------------------------------


def build_network_acl(
    ctx: Ctx, vpc: str, name: str, data: Mapping[str, Any], is_default: bool
) -> NetworkAcl:
    path = ("vpcs", vpc, "network_acls", name)
    return NetworkAcl(
        name=name,
        vpc=vpc,
        inbound=_nacl_rules(ctx, "inbound", data.get("inbound"), (*path, "inbound")),
        outbound=_nacl_rules(ctx, "outbound", data.get("outbound"), (*path, "outbound")),
        is_default=is_default,
        implicit=False,
        path=path,
    )


def implicit_default_nacl(ctx: Ctx, plan: VpcPlan) -> NetworkAcl:
    """AWS creates every VPC with a default NACL allowing all traffic both ways (rule 100)."""
    allow_all = NaclRule(100, "allow", "all", None, ANY_PREFIX, plan.path)
    ctx.notes.append(
        f"VPC {plan.name!r} has no network ACL marked `default: true`: subnets without a "
        f"`network_acl` use the implicit default NACL {plan.default_network_acl!r}, which "
        "allows all traffic"
    )
    return NetworkAcl(plan.default_network_acl, plan.name, (allow_all,), (allow_all,),
                      is_default=True, implicit=True, path=plan.path)


def _nacl_rules(ctx: Ctx, direction: str, rules: Any, path: SpecPath) -> tuple[NaclRule, ...]:
    """The rules sorted by number, as AWS evaluates them; a number used twice is an error."""
    seen: dict[int, SpecPath] = {}
    out = []
    for index, rule in enumerate(as_list(rules)):
        if not isinstance(rule, Mapping):
            continue
        built = _nacl_rule(ctx, rule, (*path, index))
        if built is None:
            continue
        if built.number in seen:
            ctx.error((*path, index, "rule"),
                      f"rule {built.number} is defined twice in {direction}: "
                      f"{format_path(seen[built.number])} and {format_path((*path, index))}")
            continue
        seen[built.number] = (*path, index)
        out.append(built)
    return tuple(sorted(out, key=lambda r: r.number))


def _nacl_rule(ctx: Ctx, rule: Mapping[str, Any], path: SpecPath) -> NaclRule | None:
    mark = ctx.mark()
    number = ctx.required(rule, "rule", path)
    action = ctx.required(rule, "action", path)
    cidr_text = ctx.required(rule, "cidr", path)
    proto = rule_protocol(ctx, rule, path)
    cidr = parse_cidr(ctx, cidr_text, (*path, "cidr")) if cidr_text is not None else None
    if ctx.failed_since(mark) or proto is None or cidr is None:
        return None
    return NaclRule(int(number), str(action), proto.protocol, proto.ports, cidr, path)


# --- subnets -------------------------------------------------------------------------------


def build_subnet(ctx: Ctx, plan: VpcPlan, name: str, data: Mapping[str, Any]) -> Subnet | None:
    path = (*plan.path, "subnets", name)
    mark = ctx.mark()
    cidr_text = ctx.required(data, "cidr", path)
    az = ctx.required(data, "az", path)
    cidr = parse_cidr(ctx, cidr_text, (*path, "cidr")) if cidr_text is not None else None
    if ctx.failed_since(mark) or cidr is None:
        return None
    # An association that does not resolve is reported; the subnet falls back to the VPC's
    # table so that what depends on the subnet can still be checked.
    route_table = _association(ctx, data, "route_table", "route-table", "route table", path)
    network_acl = _association(ctx, data, "network_acl", "network-acl", "network ACL", path)
    route_table = route_table or plan.main_route_table
    return Subnet(
        name=name,
        vpc=plan.name,
        cidr=cidr,
        az=str(az),
        route_table=route_table,
        network_acl=network_acl or plan.default_network_acl,
        route_table_is_main=route_table == plan.main_route_table,
        path=path,
    )


def _association(
    ctx: Ctx, data: Mapping[str, Any], key: str, kind: str, role: str, path: SpecPath
) -> str | None:
    name = data.get(key)
    if name is None:
        return None
    entry = ctx.resolve(str(name), (kind,), role, (*path, key))
    return str(name) if entry is not None else None
