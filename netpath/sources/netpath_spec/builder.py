"""Turn a schema-validated spec dict into the immutable `Model`.

The build runs in stages, because later things refer to earlier ones by name:

1. register every name (names are unique across the whole spec, of every kind);
2. plan each VPC: its CIDRs, its main route table and default NACL (written or implicit);
3. build prefix lists, then per VPC the security groups, NACLs, subnets and internet gateway;
4. collect every network interface (instances, databases, NAT gateways, standalone ENIs, load
   balancer and interface endpoint nodes), assign the addresses the spec left out, build them;
5. build route tables (gateway endpoints add their prefix-list routes in step 4);
6. build peerings, transit gateways, DNS records and internet hosts;
7. build the Kubernetes clusters (`sources.kubernetes`): nodes are instances, pods take subnet
   addresses.

Every error is collected and the build goes on, skipping only the broken object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from netpath.load.errors import SpecError
from netpath.model.addr import Prefix
from netpath.model.paths import SpecPath, format_path
from netpath.model.resources import RESOURCE_MAPS, Model
from netpath.sources.building import Ctx, Entry, Parts, items, parse_cidr
from netpath.sources.netpath_spec.balancers import SERVICE_SECTIONS, collect_services
from netpath.sources.netpath_spec.common import VPC_SECTIONS, VpcPlan, as_list, normalise_fqdn
from netpath.sources.netpath_spec.enis import (
    COMPUTE_SECTIONS,
    Node,
    assign_addresses,
    build_nodes,
    collect_compute,
)
from netpath.sources.netpath_spec.outside_vpcs import (
    build_dns,
    build_internet_hosts,
    build_peerings,
    build_prefix_lists,
    build_transit_gateways,
    explicit_internet_ips,
)
from netpath.sources.netpath_spec.vpc import build_route_tables, build_vpc_core

if TYPE_CHECKING:
    from netpath.sources.kubernetes.manifests import Manifests

__all__ = ["build_model"]


def build_model(data: Mapping[str, Any], manifests: Manifests | None = None,
                namespace: str = "default") -> tuple[Model, list[SpecError]]:
    """The model of a validated spec, and every error found while building it.

    `manifests`: the clusters' manifest documents as the loader read them (with positions);
    without them, inline manifests are used and manifest files read from the working directory.
    `namespace`: the namespace of manifest objects that have none (`-n`, as `kubectl apply -n`).
    """
    ctx = Ctx()
    parts = Parts()
    register_names(ctx, data)
    plans = [plan_vpc(ctx, str(name), vpc or {}) for name, vpc in items(data, "vpcs")]
    _register_implicit(ctx, plans)

    build_prefix_lists(ctx, data, parts)
    for plan in plans:
        build_vpc_core(ctx, plan, parts)

    nodes: list[Node] = []
    for plan in plans:
        # In document order, so that of two clashing addresses the later one is reported.
        for section in plan.data:
            if section in COMPUTE_SECTIONS:
                nodes += collect_compute(ctx, plan, section, parts)
            elif section in SERVICE_SECTIONS:
                nodes += collect_services(ctx, plan, section, data, parts)
    assign_addresses(ctx, nodes, parts, explicit_internet_ips(data))
    build_nodes(ctx, nodes, parts)

    for plan in plans:
        build_route_tables(ctx, plan, parts)
    build_peerings(ctx, data, parts)
    build_transit_gateways(ctx, data, {p.name: p for p in plans}, parts)
    build_internet_hosts(ctx, data, parts)
    clusters = {}
    if data.get("clusters"):
        from netpath.sources.kubernetes.clusters import (
            build_clusters,  # only specs with clusters pay for it
        )

        clusters = build_clusters(ctx, parts, data, manifests, namespace)
    model = _assemble(data, parts, clusters, ctx)
    if clusters:
        model = _add_cluster_load_balancers(ctx, data, model)
    # DNS last: an alias may name a load balancer the AWS Load Balancer Controller made. The
    # records of the spec win over the load balancers' names a dump's status gives.
    build_dns(ctx, data, parts)
    records = {**model.dns_records, **parts.dns_records}
    return replace(model, dns_records=records, notes=tuple(ctx.notes)), ctx.errors


def _assemble(data: Mapping[str, Any], parts: Parts, clusters: dict[str, Any],
              ctx: Ctx) -> Model:
    model_maps = {name: getattr(parts, name) for name in RESOURCE_MAPS}
    return Model(**model_maps, clusters=clusters,
                 description=str(data.get("description") or ""), notes=tuple(ctx.notes))


def _add_cluster_load_balancers(ctx: Ctx, data: Mapping[str, Any], model: Model) -> Model:
    from netpath.sources.kubernetes.lb_controller.synthesize import (
        load_balancer_subnets,
        synthesize_load_balancers,
    )

    model, errors = synthesize_load_balancers(model, load_balancer_subnets(data))
    ctx.errors.extend(errors)
    for name, lb in model.load_balancers.items():
        if name not in ctx.names:  # made by the controller: DNS aliases may name it
            ctx.register(name, Entry("load-balancer", lb.path, lb.vpc, {}))
    ctx.notes[:] = list(model.notes)
    return model


# --- stage 1: names ------------------------------------------------------------------------

# Top-level sections whose keys are names of one kind.
_TOP_LEVEL = {"peerings": "vpc-peering", "prefix_lists": "prefix-list"}
# Top-level sections keyed by a DNS name: compared lowercase and without the trailing dot.
_FQDN_SECTIONS = {"dns": "dns-record", "internet_hosts": "internet-host"}


def register_names(ctx: Ctx, data: Mapping[str, Any]) -> None:
    """Record every name in document order, so that a duplicate is reported at the second one."""
    for section, content in data.items():
        if not isinstance(content, Mapping):
            continue
        if section == "vpcs":
            for name, vpc in content.items():
                _register_vpc(ctx, str(name), vpc if isinstance(vpc, Mapping) else {})
        elif section == "transit_gateways":
            for name, tgw in content.items():
                _register_tgw(ctx, str(name), tgw if isinstance(tgw, Mapping) else {})
        elif section in _TOP_LEVEL:
            for name, value in content.items():
                _register(ctx, str(name), _TOP_LEVEL[section], (section, name), None, value)
        elif section in _FQDN_SECTIONS:
            for name, value in content.items():
                kind = _FQDN_SECTIONS[section]
                _register(ctx, normalise_fqdn(name), kind, (section, name), None, value)


def _register(
    ctx: Ctx, name: str, kind: str, path: tuple[Any, ...], vpc: str | None, value: Any
) -> None:
    ctx.register(name, Entry(kind, path, vpc, value if isinstance(value, Mapping) else {}))


def _register_vpc(ctx: Ctx, vpc: str, data: Mapping[str, Any]) -> None:
    _register(ctx, vpc, "vpc", ("vpcs", vpc), vpc, data)
    for section, content in data.items():
        if section == "internet_gateway" and content:
            _register(ctx, str(content), "internet-gateway", ("vpcs", vpc, section), vpc, {})
        elif section in VPC_SECTIONS and isinstance(content, Mapping):
            for name, value in content.items():
                path = ("vpcs", vpc, section, name)
                _register(ctx, str(name), VPC_SECTIONS[section], path, vpc, value)


def _register_tgw(ctx: Ctx, tgw: str, data: Mapping[str, Any]) -> None:
    path = ("transit_gateways", tgw)
    _register(ctx, tgw, "transit-gateway", path, None, data)
    for name, value in items(data, "attachments"):
        _register(ctx, str(name), "tgw-attachment", (*path, "attachments", name), None, value)
    for name, value in items(data, "route_tables"):
        _register(ctx, str(name), "tgw-route-table", (*path, "route_tables", name), None, value)


# --- stage 2: VPC plans --------------------------------------------------------------------


def plan_vpc(ctx: Ctx, name: str, data: Mapping[str, Any]) -> VpcPlan:
    path: SpecPath = ("vpcs", name)
    cidrs: list[tuple[Prefix, SpecPath]] = []
    if data.get("cidr") is not None:
        primary = parse_cidr(ctx, data["cidr"], (*path, "cidr"))
        if primary is not None:
            cidrs.append((primary, (*path, "cidr")))
    for index, text in enumerate(as_list(data.get("secondary_cidrs"))):
        secondary = parse_cidr(ctx, text, (*path, "secondary_cidrs", index))
        if secondary is not None:
            cidrs.append((secondary, (*path, "secondary_cidrs", index)))
    main = _flagged(ctx, name, data, "route_tables", "main", "main route tables")
    nacl = _flagged(ctx, name, data, "network_acls", "default", "default network ACLs")
    return VpcPlan(
        name=name,
        path=path,
        data=data,
        cidrs=cidrs,
        main_route_table=main or f"{name}-main",
        main_is_implicit=main is None,
        default_network_acl=nacl or f"{name}-default-nacl",
        nacl_is_implicit=nacl is None,
    )


def _flagged(ctx: Ctx, vpc: str, data: Mapping[str, Any], section: str, flag: str,
             what: str) -> str | None:
    """The one table of `section` marked `flag: true`; a second one is an error."""
    chosen: str | None = None
    for name, value in items(data, section):
        path = ("vpcs", vpc, section, name)
        if not (isinstance(value, Mapping) and value.get(flag) is True and ctx.owns(name, path)):
            continue
        if chosen is None:
            chosen = str(name)
        else:
            ctx.error((*path, flag), f"VPC {vpc!r} has two {what}: {chosen!r} and {name!r}")
    return chosen


def _register_implicit(ctx: Ctx, plans: list[VpcPlan]) -> None:
    """Implicit tables get names too, so that the spec may refer to them (`rt: prod-main`)."""
    for plan in plans:
        if plan.main_is_implicit:
            _claim(ctx, plan, plan.main_route_table, "route-table", "main route table",
                   "mark one route table `main: true`")
        if plan.nacl_is_implicit:
            _claim(ctx, plan, plan.default_network_acl, "network-acl", "default network ACL",
                   "mark one network ACL `default: true`")


def _claim(ctx: Ctx, plan: VpcPlan, name: str, kind: str, what: str, fix: str) -> None:
    taken = ctx.names.get(name)
    if taken is None:
        ctx.names[name] = Entry(kind, plan.path, plan.name, {})
        return
    ctx.error(
        plan.path,
        f"VPC {plan.name!r} has no {what}, and the name of its implicit one, {name!r}, is "
        f"taken by {format_path(taken.path)}",
        f"{fix}, or rename {format_path(taken.path)}",
    )
