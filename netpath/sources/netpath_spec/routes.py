"""Build VPC route tables: the implicit local routes, the written routes, endpoint routes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netpath.model.addr import Prefix
from netpath.model.paths import SpecPath, format_path
from netpath.model.resources import Route, RouteTable
from netpath.model.vocabulary import RouteOrigin, RouteTarget
from netpath.sources.building import Ctx, Parts, items, parse_cidr
from netpath.sources.netpath_spec.common import VpcPlan

# The kinds of spec names a route may target, and the target kind each becomes in the model.
_TARGET_KIND = {
    "internet-gateway": RouteTarget.INTERNET_GATEWAY,
    "nat-gateway": RouteTarget.NAT_GATEWAY,
    "vpc-peering": RouteTarget.VPC_PEERING,
    "transit-gateway": RouteTarget.TRANSIT_GATEWAY,
    "vpc-endpoint": RouteTarget.VPC_ENDPOINT,
    "instance": RouteTarget.NETWORK_INTERFACE,  # an instance stands for its primary interface
    "network-interface": RouteTarget.NETWORK_INTERFACE,
}
_TARGET_KINDS = tuple(_TARGET_KIND)
_TARGET_WORDS = ("a route target (local, blackhole, or a gateway, NAT gateway, peering, transit "
                 "gateway, gateway endpoint, instance or network interface)")


def build_route_tables(ctx: Ctx, plan: VpcPlan, parts: Parts) -> None:
    for name, data in items(plan.data, "route_tables"):
        path = (*plan.path, "route_tables", name)
        if not ctx.owns(str(name), path):
            continue
        data = data if isinstance(data, Mapping) else {}
        routes = _routes(ctx, plan, str(name), data.get("routes"), path, parts)
        is_main = str(name) == plan.main_route_table
        parts.route_tables[str(name)] = RouteTable(str(name), plan.name, routes, is_main, path)
    if plan.main_is_implicit and ctx.owns(plan.main_route_table, plan.path):
        _build_implicit_main(ctx, plan, parts)


def _build_implicit_main(ctx: Ctx, plan: VpcPlan, parts: Parts) -> None:
    name = plan.main_route_table
    routes = _routes(ctx, plan, name, None, plan.path, parts)
    parts.route_tables[name] = RouteTable(name, plan.name, routes, True, plan.path)
    users = sorted(s.name for s in parts.subnets.values() if s.route_table == name)
    if users:
        ctx.notes.append(
            f"VPC {plan.name!r} has no route table marked `main: true`: "
            f"{', '.join(repr(u) for u in users)} use the implicit main route table {name!r}, "
            "which holds only the local routes"
        )


def _routes(
    ctx: Ctx, plan: VpcPlan, table: str, written: Any, path: SpecPath, parts: Parts
) -> tuple[Route, ...]:
    """Local routes first (one per VPC CIDR), then the written ones, then endpoint routes."""
    local = {
        prefix: Route(prefix, None, RouteTarget.LOCAL, "local", RouteOrigin.LOCAL, cidr_path)
        for prefix, cidr_path in plan.cidrs
    }
    others: list[Route] = []
    for key, value in written.items() if isinstance(written, Mapping) else ():
        route = build_route(ctx, key, value, (*path, "routes", key))
        if route is None:
            continue
        if route.destination in local:
            # `10.0.0.0/16: local` restates the implicit route. Another target replaces the local
            # route's target, which AWS allows (middlebox routing; the semantic pass checks the
            # target kind): https://docs.aws.amazon.com/vpc/latest/userguide/replace-local-route-target.html
            if route.target_kind != RouteTarget.LOCAL:
                local[route.destination] = route
        elif route.target_kind == RouteTarget.LOCAL:
            ctx.error(route.path, f"a local route is only for a CIDR of VPC {plan.name!r} "
                      f"({_cidr_list(plan)}), not {route.destination_text}")
        else:
            others.append(route)
    _add_endpoint_routes(ctx, table, others, parts.endpoint_routes.get(table, []))
    return (*local.values(), *others)


def _cidr_list(plan: VpcPlan) -> str:
    return ", ".join(str(prefix) for prefix, _ in plan.cidrs) or "no valid CIDR"


def _add_endpoint_routes(ctx: Ctx, table: str, routes: list[Route], added: list[Route]) -> None:
    """A gateway endpoint adds `prefix list -> endpoint` (writing it out too is one route)."""
    by_list: dict[str | None, Route] = {r.prefix_list: r for r in routes if r.prefix_list}
    for route in added:
        same = by_list.get(route.prefix_list)
        if same is None:
            routes.append(route)
            by_list[route.prefix_list] = route
        elif same.target != route.target:
            ctx.error(route.path, f"route table {table!r} already routes prefix list "
                      f"{route.prefix_list!r} to {same.target!r} ({format_path(same.path)})")


def build_route(ctx: Ctx, key: Any, value: Any, path: SpecPath) -> Route | None:
    """One written route: `destination: target` or `destination: {target, state, description}`."""
    mark = ctx.mark()
    destination, prefix_list = _destination(ctx, key, path)
    long_form = isinstance(value, dict)
    target = value.get("target") if long_form else value
    target_path = (*path, "target") if long_form else path
    origin = RouteOrigin.PREFIX_LIST if prefix_list else RouteOrigin.STATIC
    kind: RouteTarget
    if long_form and value.get("state") == "blackhole":
        # The target was deleted: AWS keeps the route and drops what matches it.
        kind, name = RouteTarget.BLACKHOLE, str(target) if target is not None else "blackhole"
    elif target is None:
        ctx.error(path, "the route needs a `target`")
        return None
    elif str(target) in (RouteTarget.LOCAL, RouteTarget.BLACKHOLE):
        kind, name = RouteTarget(str(target)), str(target)
        origin = RouteOrigin.LOCAL if kind == RouteTarget.LOCAL else origin
    else:
        resolved = _resolve_target(ctx, str(target), target_path)
        if resolved is None:
            return None
        kind, name = resolved
    if ctx.failed_since(mark):
        return None
    return Route(destination, prefix_list, kind, name, origin, path)


def _destination(ctx: Ctx, key: Any, path: SpecPath) -> tuple[Prefix | None, str | None]:
    """A CIDR, or the name of a prefix list. Names may start with a digit too (`1-shared`), so
    a CIDR is told apart by its dots; an unknown name still gets its did-you-mean."""
    text = str(key).strip()
    entry = ctx.names.get(text)
    if (entry is None or entry.kind != "prefix-list") and text[:1].isdigit() and "." in text:
        return parse_cidr(ctx, text, path), None
    entry = ctx.resolve(text, ("prefix-list",), "destination prefix list", path)
    return None, (text if entry is not None else None)


def _resolve_target(ctx: Ctx, name: str, path: SpecPath) -> tuple[RouteTarget, str] | None:
    entry = ctx.resolve(name, _TARGET_KINDS, "target", path, _TARGET_WORDS)
    if entry is None:
        return None
    if entry.kind == "vpc-endpoint" and entry.data.get("type") == "interface":
        ctx.error(path, f"target {name!r} is an interface endpoint; a route can only target a "
                  "gateway endpoint")
        return None
    if entry.kind == "instance":
        return RouteTarget.NETWORK_INTERFACE, f"{name}.eth0"
    return _TARGET_KIND[entry.kind], name
