"""Load balancers, target groups and VPC endpoints of one VPC.

Load balancer and interface endpoint nodes are ENIs: they are returned as `Node`s so that their
addresses are assigned together with every other interface's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from netpath.model.paths import SpecPath
from netpath.model.resources import (
    Listener,
    ListenerRule,
    LoadBalancer,
    Route,
    Target,
    TargetGroup,
    VpcEndpoint,
)
from netpath.model.vocabulary import EniOwner, RouteOrigin, RouteTarget
from netpath.sources.building import Ctx, Parts, items, optional_ip, parse_cidr, parse_ip
from netpath.sources.netpath_spec.common import VpcPlan, as_list, normalise_fqdn, owned
from netpath.sources.netpath_spec.enis import Node, security_groups, subnet_ref

SERVICE_SECTIONS = ("target_groups", "load_balancers", "endpoints")


def collect_services(
    ctx: Ctx, plan: VpcPlan, section: str, data: Mapping[str, Any], parts: Parts
) -> list[Node]:
    """Build one VPC section of services; return the nodes of its load balancers/endpoints."""
    nodes: list[Node] = []
    for name, value in owned(ctx, plan, section):
        if section == "target_groups":
            target_group = build_target_group(ctx, plan, name, value)
            if target_group is not None:
                parts.target_groups[name] = target_group
        elif section == "load_balancers":
            nodes += _load_balancer(ctx, plan, parts, name, value)
        else:
            nodes += _endpoint(ctx, plan, data, parts, name, value)
    return nodes


def _subnet_nodes(value: Any) -> Iterator[tuple[Any, Any, Mapping[str, Any]]]:
    """`subnets` as a map name -> {private_ip, public_ip} or a list of names: (key, name, data)."""
    if isinstance(value, Mapping):
        for name, node in value.items():
            yield name, name, node if isinstance(node, Mapping) else {}
    else:
        for index, name in enumerate(as_list(value)):
            yield index, name, {}


def _node(
    ctx: Ctx, plan: VpcPlan, parts: Parts, owner: str, subnet: Any, data: Mapping[str, Any],
    path: SpecPath, **fixed: Any
) -> Node | None:
    mark = ctx.mark()
    subnet_name = subnet_ref(ctx, parts, subnet, path)
    private_ip = optional_ip(ctx, data, "private_ip", path)
    public_ip = optional_ip(ctx, data, "public_ip", path)
    if subnet_name is None or ctx.failed_since(mark):
        return None
    return Node(name=f"{owner}.{subnet_name}", label=f"{owner}.{subnet_name}", vpc=plan.name,
                subnet=subnet_name, private_ip=private_ip, public_ip=public_ip, owner=owner,
                source_dest_check=True, path=path, **fixed)


# --- load balancers and target groups ------------------------------------------------------


def _load_balancer(
    ctx: Ctx, plan: VpcPlan, parts: Parts, name: str, data: Mapping[str, Any]
) -> list[Node]:
    path = (*plan.path, "load_balancers", name)
    lb_type = str(data.get("type") or "application")
    scheme = str(data.get("scheme") or "internet-facing")
    groups = security_groups(ctx, data, path)
    nodes = []
    for key, subnet, node_data in _subnet_nodes(data.get("subnets")):
        node_path = (*path, "subnets", key)
        if scheme != "internet-facing" and node_data.get("public_ip") is not None:
            ctx.error((*node_path, "public_ip"), f"load balancer {name!r} is {scheme}: its "
                      "nodes have no public IP")
            continue
        # An internet-facing node without a written public IP gets one assigned.
        wants_public_ip = scheme == "internet-facing" and node_data.get("public_ip") is None
        node = _node(ctx, plan, parts, name, subnet, node_data, node_path,
                     wants_public_ip=wants_public_ip, security_groups=groups,
                     owner_kind=EniOwner.LOAD_BALANCER, client_os="elb")
        if node is not None:
            nodes.append(node)
    listeners = tuple(_listeners(ctx, data.get("listeners"), (*path, "listeners"), lb_type,
                                 plan.name))
    parts.load_balancers[name] = LoadBalancer(
        name, plan.name, lb_type, scheme, groups, tuple(n.name for n in nodes), listeners, path
    )
    return nodes


_DEFAULT_LISTENER_PROTOCOL = {"application": "HTTP", "network": "TCP", "classic": "TCP"}


def _listeners(
    ctx: Ctx, listeners: Any, path: SpecPath, lb_type: str, vpc: str
) -> Iterator[Listener]:
    for key, data in listeners.items() if isinstance(listeners, Mapping) else ():
        listener_path = (*path, key)
        try:
            port = int(key)
        except ValueError:
            ctx.error(listener_path, f"listener port {key!r} is not a number")
            continue
        data = data if isinstance(data, Mapping) else {}
        group = data.get("target_group")
        if group is not None and ctx.resolve(
            str(group), ("target-group",), "target group", (*listener_path, "target_group")
        ) is None:
            continue
        protocol = str(data.get("protocol") or _DEFAULT_LISTENER_PROTOCOL.get(lb_type, "TCP"))
        rules = _listener_rules(ctx, data.get("rules"), (*listener_path, "rules"), lb_type, vpc)
        yield Listener(port, protocol.upper(), None if group is None else str(group),
                       listener_path, rules)


def _listener_rules(
    ctx: Ctx, rules: Any, path: SpecPath, lb_type: str, vpc: str
) -> tuple[ListenerRule, ...]:
    """ALB rules, sorted by priority (the order AWS tries them, whatever the written order)."""
    if rules and lb_type != "application":
        ctx.error(path, f"listener rules need an application load balancer, not {lb_type!r}",
                  "route by host and path with an ALB, or drop `rules`")
        return ()
    built: dict[int, ListenerRule] = {}
    for index, rule in enumerate(as_list(rules)):
        rule_path = (*path, index)
        rule = rule if isinstance(rule, Mapping) else {}
        priority, group = rule.get("priority"), rule.get("target_group")
        if priority is None or group is None:
            ctx.error(rule_path, "a listener rule needs `priority` and `target_group`")
            continue
        hosts = tuple(str(h) for h in as_list(rule.get("hosts")))
        paths = tuple(str(p) for p in as_list(rule.get("paths")))
        sources = tuple(c for i, text in enumerate(as_list(rule.get("source_ips")))
                        if (c := parse_cidr(ctx, text, (*rule_path, "source_ips", i))))
        if not hosts and not paths and not sources:
            # AWS refuses a non-default rule without conditions: the default action is that.
            ctx.error(rule_path, f"listener rule {priority} has no condition: give `hosts`, "
                      "`paths` or `source_ips`",
                      "the listener's `target_group` is the rule for everything")
            continue
        entry = ctx.resolve(str(group), ("target-group",), "target group",
                            (*rule_path, "target_group"))
        if entry is None:
            continue
        if entry.vpc != vpc:
            ctx.error((*rule_path, "target_group"), f"listener rule {priority} forwards to "
                      f"target group {group!r} of VPC {entry.vpc!r}, not {vpc!r}")
            continue
        if int(priority) in built:
            ctx.error((*rule_path, "priority"), f"priority {priority} is used twice in this "
                      "listener; AWS requires each rule's priority to be unique")
            continue
        built[int(priority)] = ListenerRule(int(priority), hosts, paths, str(group), rule_path,
                                            sources)
    return tuple(built[p] for p in sorted(built))


def build_target_group(
    ctx: Ctx, plan: VpcPlan, name: str, data: Mapping[str, Any]
) -> TargetGroup | None:
    path = (*plan.path, "target_groups", name)
    port = ctx.required(data, "port", path)
    if port is None:
        return None
    target_type = str(data.get("target_type") or "instance")
    targets = tuple(_targets(ctx, data.get("targets"), (*path, "targets"), int(port), target_type))
    preserve = data.get("preserve_client_ip")
    return TargetGroup(
        name=name,
        vpc=plan.name,
        protocol=str(data.get("protocol") or "HTTP").upper(),
        port=int(port),
        target_type=target_type,
        targets=targets,
        # AWS's defaults: on for instance targets, off for IP targets (NLB over TCP/TLS).
        preserve_client_ip=target_type == "instance" if preserve is None else bool(preserve),
        path=path,
    )


def _targets(
    ctx: Ctx, targets: Any, path: SpecPath, port: int, target_type: str
) -> Iterator[Target]:
    for index, item in enumerate(as_list(targets)):
        target_path = (*path, index)
        long_form = isinstance(item, Mapping)
        value = item.get("target") if long_form else item
        value_path = (*target_path, "target") if long_form else target_path
        if value is None:
            ctx.error(target_path, "the target needs a `target`")
            continue
        if target_type == "ip":
            address = parse_ip(ctx, value, value_path)
            if address is None:
                continue
            value = str(address)
        elif ctx.resolve(str(value), ("instance",), "target", value_path) is None:
            continue
        own_port = item.get("port") if long_form else None
        healthy = item.get("healthy", True) if long_form else True
        yield Target(str(value), port if own_port is None else int(own_port),
                     healthy is not False, target_path)


# --- VPC endpoints -------------------------------------------------------------------------


def _endpoint(
    ctx: Ctx, plan: VpcPlan, data: Mapping[str, Any], parts: Parts, name: str,
    endpoint: Mapping[str, Any]
) -> list[Node]:
    path = (*plan.path, "endpoints", name)
    kind = str(endpoint.get("type") or "interface")
    service = str(endpoint.get("service") or "")
    groups = security_groups(ctx, endpoint, path)
    nodes: list[Node] = []
    prefix_list: str | None = None
    route_tables: tuple[str, ...] = ()
    if kind == "gateway":
        prefix_list = _gateway_prefix_list(ctx, data, endpoint, service, path)
        route_tables = ctx.resolve_all(as_list(endpoint.get("route_tables")), ("route-table",),
                                       "route table", (*path, "route_tables"))
        _add_gateway_routes(parts, name, prefix_list, endpoint, route_tables, path)
    else:
        for key, subnet, node_data in _subnet_nodes(endpoint.get("subnets")):
            node = _node(ctx, plan, parts, name, subnet, node_data, (*path, "subnets", key),
                         wants_public_ip=False, security_groups=groups,
                         owner_kind=EniOwner.VPC_ENDPOINT, client_os="linux")
            if node is not None:
                nodes.append(node)
    parts.endpoints[name] = VpcEndpoint(
        name=name,
        vpc=plan.name,
        type=kind,
        service=service,
        prefix_list=prefix_list,
        route_tables=route_tables,
        enis=tuple(n.name for n in nodes),
        security_groups=groups,
        private_dns=kind == "interface" and endpoint.get("private_dns", True) is not False,
        dns_names=_dns_names(plan, endpoint, service, kind),
        policy=str(endpoint.get("policy") or "allow"),
        path=path,
    )
    return nodes


def _dns_names(
    plan: VpcPlan, endpoint: Mapping[str, Any], service: str, kind: str
) -> tuple[str, ...]:
    if kind != "interface":
        return ()
    written = as_list(endpoint.get("dns_names"))
    if written:
        return tuple(normalise_fqdn(n) for n in written)
    return (f"{service}.{plan.data.get('region') or ''}.amazonaws.com".lower(),)


def _gateway_prefix_list(
    ctx: Ctx, data: Mapping[str, Any], endpoint: Mapping[str, Any], service: str, path: SpecPath
) -> str | None:
    """The written prefix list, else the one prefix list of the endpoint's service."""
    written = endpoint.get("prefix_list")
    if written is not None:
        entry = ctx.resolve(str(written), ("prefix-list",), "prefix list", (*path, "prefix_list"))
        return str(written) if entry is not None else None
    matches = [
        str(n) for n, pl in items(data, "prefix_lists")
        if isinstance(pl, Mapping) and str(pl.get("service") or "") == service
    ]
    if len(matches) == 1:
        return matches[0]
    ctx.error(path, f"gateway endpoint for {service!r} needs a `prefix_list` "
              f"({len(matches)} prefix lists have service {service!r})")
    return None


def _add_gateway_routes(
    parts: Parts, name: str, prefix_list: str | None, endpoint: Mapping[str, Any],
    route_tables: tuple[str, ...], path: SpecPath
) -> None:
    """AWS adds `prefix list -> endpoint` to each route table the endpoint is associated with."""
    if prefix_list is None:
        return
    written = [str(n) for n in as_list(endpoint.get("route_tables"))]
    for table in route_tables:
        route_path = (*path, "route_tables", written.index(table))
        route = Route(None, prefix_list, RouteTarget.VPC_ENDPOINT, name, RouteOrigin.PREFIX_LIST,
                      route_path)
        parts.endpoint_routes.setdefault(table, []).append(route)
