"""Network interfaces: collect them from their owners, assign missing addresses, build them.

Every resource that sends or receives packets does so through an ENI. Owners are collected first
(`Node`s), so that addresses left out of the spec can be assigned once every written address is
known: deterministic, and never colliding with an address the user wrote.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network
from typing import Any

from netpath.model.addr import Address, Prefix
from netpath.model.paths import SpecPath, format_path
from netpath.model.resources import Database, Eni, Instance, NatGateway
from netpath.model.vocabulary import EniOwner
from netpath.sources.building import Ctx, Parts, optional_ip
from netpath.sources.netpath_spec.common import VpcPlan, as_list, owned

# Default ports of RDS engines (docs/spec.md).
ENGINE_PORTS = {
    "postgres": 5432,
    "aurora-postgresql": 5432,
    "mysql": 3306,
    "mariadb": 3306,
    "aurora-mysql": 3306,
    "sqlserver": 1433,
    "oracle": 1521,
}

# Internet-facing load balancer nodes without a written public IP get one from TEST-NET-2.
PUBLIC_POOL = IPv4Network("198.51.100.0/24")


@dataclass
class Node:
    """An ENI to build; `private_ip`/`public_ip` are filled in by the assignment when left out."""

    name: str
    label: str  # the owner as notes name it, and the order of assignment
    vpc: str
    subnet: str
    private_ip: Address | None
    public_ip: Address | None
    wants_public_ip: bool  # an internet-facing load balancer node without a written public IP
    security_groups: tuple[str, ...]
    owner_kind: EniOwner
    owner: str
    source_dest_check: bool
    client_os: str
    path: SpecPath

    def to_eni(self, private_ip: Address) -> Eni:
        return Eni(
            name=self.name,
            vpc=self.vpc,
            subnet=self.subnet,
            private_ip=private_ip,
            public_ip=self.public_ip,
            security_groups=self.security_groups,
            owner_kind=self.owner_kind,
            owner=self.owner,
            source_dest_check=self.source_dest_check,
            client_os=self.client_os,
            path=self.path,
        )


def subnet_ref(ctx: Ctx, parts: Parts, name: Any, path: SpecPath) -> str | None:
    """A subnet name that resolves to a built subnet (a broken subnet was reported already)."""
    if name is None:
        ctx.error(path, "`subnet` is required here")
        return None
    if ctx.resolve(str(name), ("subnet",), "subnet", path) is None:
        return None
    return str(name) if str(name) in parts.subnets else None


def security_groups(ctx: Ctx, data: Mapping[str, Any], path: SpecPath) -> tuple[str, ...]:
    names = as_list(data.get("security_groups"))
    return ctx.resolve_all(names, ("security-group",), "security group", (*path, "security_groups"))


# --- collecting ----------------------------------------------------------------------------


def collect_compute(ctx: Ctx, plan: VpcPlan, section: str, parts: Parts) -> list[Node]:
    """The nodes of one VPC section: instances, databases, NAT gateways or standalone ENIs."""
    make = _MAKERS[section]
    found = (make(ctx, plan, parts, name, data) for name, data in owned(ctx, plan, section))
    return [node for node in found if node is not None]


def _host_node(
    ctx: Ctx, plan: VpcPlan, parts: Parts, data: Mapping[str, Any], path: SpecPath,
    public_key: str = "public_ip", **fixed: Any
) -> Node | None:
    """A node whose subnet, addresses and security groups are written on the owner itself."""
    mark = ctx.mark()
    subnet = subnet_ref(ctx, parts, data.get("subnet"), (*path, "subnet"))
    private_ip = optional_ip(ctx, data, "private_ip", path)
    public_ip = optional_ip(ctx, data, public_key, path)
    groups = security_groups(ctx, data, path)
    if subnet is None or ctx.failed_since(mark):
        return None
    return Node(vpc=plan.name, subnet=subnet, private_ip=private_ip, public_ip=public_ip,
                wants_public_ip=False, security_groups=groups, path=path, **fixed)


def _instance(
    ctx: Ctx, plan: VpcPlan, parts: Parts, name: str, data: Mapping[str, Any]
) -> Node | None:
    return _host_node(
        ctx, plan, parts, data, (*plan.path, "instances", name),
        name=f"{name}.eth0", label=name, owner_kind=EniOwner.INSTANCE, owner=name,
        source_dest_check=data.get("source_dest_check", True) is not False,
        client_os=str(data.get("os") or "linux"),
    )


def _database(
    ctx: Ctx, plan: VpcPlan, parts: Parts, name: str, data: Mapping[str, Any]
) -> Node | None:
    path = (*plan.path, "databases", name)
    port = _database_port(ctx, data, path)
    node = _host_node(
        ctx, plan, parts, data, path, name=f"{name}.eni", label=name, owner_kind=EniOwner.DATABASE,
        owner=name, source_dest_check=True, client_os="linux",
    )
    if node is not None and port is not None:
        engine = str(data.get("engine") or "")
        parts.databases[name] = Database(name, plan.name, engine, port, node.name, path)
    return node


def _database_port(ctx: Ctx, data: Mapping[str, Any], path: SpecPath) -> int | None:
    if data.get("port") is not None:
        return int(data["port"])
    engine = str(data.get("engine") or "")
    port = ENGINE_PORTS.get(engine)
    if port is None:
        ctx.error((*path, "engine"), f"engine {engine!r} has no default port",
                  "add `port` to the database")
    return port


def _nat_gateway(
    ctx: Ctx, plan: VpcPlan, parts: Parts, name: str, data: Mapping[str, Any]
) -> Node | None:
    # A NAT gateway has no security group (the schema allows none); its ENI carries the Elastic
    # IP the internet gateway maps to, and forwards traffic not addressed to it (no
    # source/destination check).
    return _host_node(
        ctx, plan, parts, data, (*plan.path, "nat_gateways", name),
        public_key="elastic_ip", name=f"{name}.eni", label=name, owner_kind=EniOwner.NAT_GATEWAY,
        owner=name, source_dest_check=False, client_os="nat-gateway",
    )


def _interface(
    ctx: Ctx, plan: VpcPlan, parts: Parts, name: str, data: Mapping[str, Any]
) -> Node | None:
    path = (*plan.path, "network_interfaces", name)
    owner_kind, owner = EniOwner.NETWORK_INTERFACE, name
    client_os = str(data.get("os") or "linux")
    attached = data.get("attached_to")
    if attached is not None:
        instance = ctx.resolve(str(attached), ("instance",), "instance", (*path, "attached_to"))
        if instance is None:
            return None
        owner_kind, owner = EniOwner.INSTANCE, str(attached)
        client_os = str(instance.data.get("os") or "linux")
    return _host_node(
        ctx, plan, parts, data, path, name=name, label=name, owner_kind=owner_kind,
        owner=owner, source_dest_check=data.get("source_dest_check", True) is not False,
        client_os=client_os,
    )


_MAKERS = {
    "instances": _instance,
    "databases": _database,
    "nat_gateways": _nat_gateway,
    "network_interfaces": _interface,
}
COMPUTE_SECTIONS = tuple(_MAKERS)


# --- assigning addresses -------------------------------------------------------------------


def assign_addresses(
    ctx: Ctx, nodes: list[Node], parts: Parts, public_taken: Iterable[Address]
) -> None:
    """Fill in the addresses the spec left out, in sorted order of the owners' names."""
    _assign_private(ctx, nodes, parts)
    _assign_public(ctx, nodes, public_taken)


def _assign_private(ctx: Ctx, nodes: list[Node], parts: Parts) -> None:
    # Written addresses are never handed out again anywhere in their VPC, even when written in
    # the wrong subnet: that mistake is reported once, by the semantic pass.
    taken: dict[str, set[Address]] = defaultdict(set)
    for node in nodes:
        if node.private_ip is not None:
            taken[node.vpc].add(node.private_ip)
    waiting = sorted((n for n in nodes if n.private_ip is None), key=lambda n: (n.label, n.name))
    below: dict[str, int] = {}  # per subnet, where the search goes on: it only moves down
    for node in waiting:
        cidr = parts.subnets[node.subnet].cidr
        free = _highest_free(_usable(cidr, below.get(node.subnet)), taken[node.vpc])
        if free is None:
            ctx.error(node.path, f"subnet {node.subnet!r} ({cidr}) has no free address left "
                      f"for {node.label!r}", "write a `private_ip` or use a larger subnet")
            continue
        node.private_ip = free
        taken[node.vpc].add(free)
        below[node.subnet] = int(free) - 1
        ctx.notes.append(f"assigned {free} to {node.label} (no private_ip in the spec)")


def _assign_public(ctx: Ctx, nodes: list[Node], public_taken: Iterable[Address]) -> None:
    taken = set(public_taken) | {n.public_ip for n in nodes if n.public_ip is not None}
    waiting = sorted((n for n in nodes if n.wants_public_ip), key=lambda n: (n.label, n.name))
    pool = range(int(PUBLIC_POOL.broadcast_address) - 1, int(PUBLIC_POOL.network_address), -1)
    for node in waiting:
        free = _highest_free(pool, taken)
        if free is None:
            ctx.error(node.path, f"no public address left in {PUBLIC_POOL} for {node.label!r}",
                      "write a `public_ip`")
            continue
        node.public_ip = free
        taken.add(free)
        ctx.notes.append(f"assigned public IP {free} to {node.label} (no public_ip in the spec)")


def _usable(cidr: Prefix, start: int | None = None) -> range:
    """A subnet's addresses from the top (or `start`) down, less AWS's five reserved ones (the
    network address, +1 router, +2 DNS, +3 reserved, and the broadcast address)."""
    top = int(cidr.broadcast_address) - 1 if start is None else start
    return range(top, int(cidr.network_address) + 3, -1)


def _highest_free(candidates: range, taken: set[Address]) -> Address | None:
    for value in candidates:
        address = Address(value)
        if address not in taken:
            return address
    return None


# --- building ------------------------------------------------------------------------------


def build_nodes(ctx: Ctx, nodes: list[Node], parts: Parts) -> None:
    """The ENIs, then the owners that need their final address (instances, NAT gateways)."""
    built: list[Eni] = []
    for node in nodes:
        if node.private_ip is None:
            continue  # no address could be assigned: reported
        taken = parts.enis.get(node.name)
        if taken is not None:
            ctx.error(node.path, f"the network interface of {node.label!r} would be named "
                      f"{node.name!r}, which {format_path(taken.path)} already uses")
            continue
        eni = parts.enis[node.name] = node.to_eni(node.private_ip)
        built.append(eni)
    _build_instances(ctx, built, parts)
    _build_nat_gateways(ctx, built, parts)


def _build_instances(ctx: Ctx, enis: list[Eni], parts: Parts) -> None:
    # An instance's own node (eth0) carries its name as the label; attached ENIs their own name.
    attached: dict[str, list[str]] = defaultdict(list)
    primaries = []
    for eni in enis:
        if eni.owner_kind == EniOwner.INSTANCE:
            if eni.path == ctx.names[eni.owner].path:
                primaries.append(eni)
            else:
                attached[eni.owner].append(eni.name)
    for eni in primaries:
        instance_type = ctx.names[eni.owner].data.get("instance_type")
        parts.instances[eni.owner] = Instance(
            eni.owner, eni.vpc, (eni.name, *attached[eni.owner]), eni.client_os, eni.path,
            str(instance_type) if instance_type is not None else None,
        )


def _build_nat_gateways(ctx: Ctx, enis: list[Eni], parts: Parts) -> None:
    for eni in enis:
        if eni.owner_kind != EniOwner.NAT_GATEWAY:
            continue
        entry = ctx.names[eni.owner]
        parts.nat_gateways[eni.owner] = NatGateway(
            name=eni.owner,
            vpc=eni.vpc,
            subnet=eni.subnet,
            connectivity=str(entry.data.get("connectivity") or "public"),
            private_ip=eni.private_ip,
            elastic_ip=eni.public_ip,
            eni=eni.name,
            path=entry.path,
        )
