"""A Network is the model plus the indexes the engine evaluates from.

Built once per loaded spec (`prepare`), then every trace is dictionary lookups: interfaces by
address, route tables by prefix length, security-group members by address. Nothing here scans
the whole model per packet.
"""

from __future__ import annotations

from collections.abc import Iterator

from netpath.engine.kube_index import KubeIndex, build_kube_index
from netpath.engine.routes import Candidate, PrefixIndex, RouteMatch, route_candidates
from netpath.model.addr import Address
from netpath.model.record import record
from netpath.model.resources import (
    Eni,
    Model,
    Route,
    RouteTable,
    Subnet,
    TgwAttachment,
    TgwRoute,
    Vpc,
)
from netpath.model.vocabulary import RouteOrigin, RouteTarget


@record
class Network:
    model: Model
    enis: dict[str, Eni]  # the model's interfaces and the synthetic ones of VPC CNI pods
    kube: KubeIndex
    enis_by_private_ip: dict[tuple[str, int], str]  # (vpc, address) -> ENI name
    enis_by_public_ip: dict[int, str]
    enis_by_address: dict[int, tuple[str, ...]]  # private address -> ENIs in any VPC
    nat_by_elastic_ip: dict[int, str]
    hosts_by_ip: dict[int, str]
    sg_members: dict[str, frozenset[int]]  # group -> private addresses of its interfaces
    route_indexes: dict[str, PrefixIndex[Route]]
    tgw_indexes: dict[str, PrefixIndex[TgwRoute]]
    subnet_indexes: dict[str, PrefixIndex[Route]]  # per VPC: subnet CIDRs (as pseudo-routes)
    tgw_association: dict[str, str]  # attachment -> TGW route table
    eni_owner_names: dict[str, str]  # ENI -> the name a user knows it by

    # --- lookups -------------------------------------------------------------------------

    def route_lookup(self, table: str, address: Address) -> RouteMatch[Route] | None:
        return self.route_indexes[table].lookup(address)

    def tgw_lookup(self, table: str, address: Address) -> RouteMatch[TgwRoute] | None:
        return self.tgw_indexes[table].lookup(address)

    def eni_at(self, vpc: str, address: Address) -> Eni | None:
        name = self.enis_by_private_ip.get((vpc, int(address)))
        return self.enis[name] if name else None

    def eni_with_public_ip(self, address: Address) -> Eni | None:
        name = self.enis_by_public_ip.get(int(address))
        return self.enis[name] if name else None

    def subnet_containing(self, vpc: str, address: Address) -> Subnet | None:
        found = self.subnet_indexes[vpc].lookup(address)
        return self.model.subnets[found.route.target] if found else None

    def vpc_contains(self, vpc: Vpc, address: Address) -> bool:
        return any(address in cidr for cidr in vpc.cidrs)

    def route_table_of(self, subnet: Subnet) -> RouteTable:
        return self.model.route_tables[subnet.route_table]

    def display_name(self, eni: Eni) -> str:
        return self.eni_owner_names.get(eni.name, eni.name)

    def sg_reference_matches(self, vpc: str, group: str, address: Address,
                             direction: str = "ingress") -> bool:
        """A referenced group matches its members' private IPs, in the same VPC, across an
        active same-Region peering (inter-Region peering cannot reference groups), or, for
        inbound rules only, across a transit gateway with security group referencing on."""
        if int(address) not in self.sg_members.get(group, frozenset()):
            return False
        group_vpc = self.model.security_groups[group].vpc
        return group_vpc == vpc or self._peered_same_region(vpc, group_vpc) or (
            direction == "ingress" and self.tgw_referencing(vpc, group_vpc) is not None)

    def tgw_referencing(self, a: str, b: str) -> str | None:
        """The transit gateway across which VPCs a and b may reference each other's groups."""
        vpcs = self.model.vpcs
        if vpcs[a].region != vpcs[b].region:
            return None
        for tgw in self.shared_transit_gateways(a, b):
            gateway = self.model.transit_gateways[tgw]
            if gateway.security_group_referencing and gateway.region == vpcs[a].region and all(
                    att.security_group_referencing for vpc in (a, b)
                    for att in self.attachments_of(tgw, vpc)):
                return tgw
        return None

    def shared_transit_gateways(self, a: str, b: str) -> list[str]:
        return [tgw for tgw in self.model.transit_gateways
                if any(self.attachments_of(tgw, a)) and any(self.attachments_of(tgw, b))]

    def _peered_same_region(self, a: str, b: str) -> bool:
        vpcs = self.model.vpcs
        if vpcs[a].region != vpcs[b].region:
            return False
        return any(
            p.status == "active" and {p.requester, p.accepter} == {a, b}
            for p in self.model.peerings.values()
        )

    def attachments_of(self, tgw: str, vpc: str) -> Iterator[TgwAttachment]:
        for name in self.model.transit_gateways[tgw].attachments:
            attachment = self.model.tgw_attachments[name]
            if attachment.vpc == vpc:
                yield attachment


def prepare(model: Model) -> Network:
    """Build every index once; traces then never scan the model."""
    private: dict[tuple[str, int], str] = {}
    by_address: dict[int, list[str]] = {}
    public: dict[int, str] = {}
    members: dict[str, set[int]] = {}
    kube = build_kube_index(model)
    enis = {**model.enis, **kube.pod_enis}
    for eni in enis.values():
        private[(eni.vpc, int(eni.private_ip))] = eni.name
        by_address.setdefault(int(eni.private_ip), []).append(eni.name)
        if eni.public_ip is not None:
            public[int(eni.public_ip)] = eni.name
        for group in eni.security_groups:
            members.setdefault(group, set()).add(int(eni.private_ip))
    return Network(
        model=model,
        enis=enis,
        kube=kube,
        enis_by_private_ip=private,
        enis_by_public_ip=public,
        enis_by_address={ip: tuple(names) for ip, names in by_address.items()},
        nat_by_elastic_ip={
            int(n.elastic_ip): n.name for n in model.nat_gateways.values() if n.elastic_ip
        },
        hosts_by_ip={int(h.ip): h.name for h in model.internet_hosts.values()},
        sg_members={group: frozenset(ips) for group, ips in members.items()},
        route_indexes={
            name: PrefixIndex(route_candidates(table, model.prefix_lists))
            for name, table in model.route_tables.items()
        },
        tgw_indexes={
            name: PrefixIndex(Candidate(r, r.destination) for r in table.routes)
            for name, table in model.tgw_route_tables.items()
        },
        subnet_indexes=_subnet_indexes(model),
        tgw_association={
            attachment: table.name
            for table in model.tgw_route_tables.values()
            for attachment in table.associations
        },
        eni_owner_names=_owner_names(model, kube),
    )


def _subnet_indexes(model: Model) -> dict[str, PrefixIndex[Route]]:
    """Subnets as pseudo-routes (target = subnet name) so LPM finds the subnet of an address."""
    per_vpc: dict[str, list[Candidate[Route]]] = {name: [] for name in model.vpcs}
    for subnet in model.subnets.values():
        pseudo = Route(subnet.cidr, None, RouteTarget.LOCAL, subnet.name, RouteOrigin.LOCAL,
                       subnet.path)
        per_vpc[subnet.vpc].append(Candidate(pseudo, subnet.cidr))
    return {vpc: PrefixIndex(candidates) for vpc, candidates in per_vpc.items()}


def _owner_names(model: Model, kube: KubeIndex) -> dict[str, str]:
    """The name a user knows an interface by: its instance, database, NAT gateway..."""
    names: dict[str, str] = {}
    for instance in model.instances.values():
        if instance.enis:
            names[instance.enis[0]] = instance.name
    for database in model.databases.values():
        names[database.eni] = database.name
    for nat in model.nat_gateways.values():
        names[nat.eni] = nat.name
    for lb in model.load_balancers.values():
        for eni in lb.enis:
            names[eni] = f"{lb.name} ({model.enis[eni].subnet} node)"
    for endpoint in model.endpoints.values():
        for eni in endpoint.enis:
            names[eni] = f"{endpoint.name} ({model.enis[eni].subnet})"
    for eni_name, ref in kube.pod_of_eni.items():
        names[eni_name] = ref.pod.key
    return names
