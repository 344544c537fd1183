"""The semantic pass: facts that need the whole model (addresses, overlaps, cross-VPC references).

Each check is a generator of `SpecError`s over the model; `CHECKS` lists them in the order their
errors are reported. A message states the fact with repr'd values and names the other party;
its path points at the offending value. The checks never assume the model is complete: a model
built with errors may miss what a name refers to, and a check then says nothing about it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from netpath.load.errors import SpecError
from netpath.model.addr import Address, is_public
from netpath.model.paths import SpecPath
from netpath.model.resources import Eni, Model, Subnet
from netpath.model.vocabulary import EniOwner
from netpath.sources.kubernetes.semantic import KUBE_CHECKS
from netpath.sources.netpath_spec.semantic_refs import REFERENCE_CHECKS

__all__ = ["CHECKS", "check_model"]

Check = Callable[[Model], Iterator[SpecError]]


def check_model(model: Model) -> list[SpecError]:
    return [error for check in CHECKS for error in check(model)]


def holder(eni: Eni) -> str:
    """How messages name an interface: its owner, unless the owner has several (LB nodes...)."""
    primary = eni.name in (f"{eni.owner}.eth0", f"{eni.owner}.eni")
    return eni.owner if primary else eni.name


def _ip_path(eni: Eni, field: str) -> SpecPath:
    if field == "public_ip" and eni.owner_kind == EniOwner.NAT_GATEWAY:
        field = "elastic_ip"  # a NAT gateway's public address is its Elastic IP
    return (*eni.path, field)


# --- subnets -------------------------------------------------------------------------------


def subnets_inside_vpc(model: Model) -> Iterator[SpecError]:
    for subnet in model.subnets.values():
        vpc = model.vpcs.get(subnet.vpc)
        if vpc is None or any(subnet.cidr.subnet_of(cidr) for cidr in vpc.cidrs):
            continue
        cidrs = ", ".join(str(c) for c in vpc.cidrs)
        yield SpecError(
            f"subnet {subnet.name!r} ({subnet.cidr}) is outside the CIDRs of VPC {vpc.name!r} "
            f"({cidrs})",
            (*subnet.path, "cidr"),
        )


def subnets_disjoint(model: Model) -> Iterator[SpecError]:
    """Subnets of one VPC never overlap. A sweep over the subnets sorted by start address finds
    every overlap without comparing all pairs; the later one in the spec is reported."""
    order = {name: index for index, name in enumerate(model.subnets)}
    by_vpc: dict[str, list[Subnet]] = {}
    for subnet in model.subnets.values():
        by_vpc.setdefault(subnet.vpc, []).append(subnet)
    for subnets in by_vpc.values():
        subnets.sort(key=lambda s: (s.cidr.network_address, s.cidr.prefixlen))
        widest: Subnet | None = None  # of the subnets seen, the one reaching highest
        reported: set[str] = set()  # one error per subnet, however many it overlaps
        for subnet in subnets:
            if widest is not None and subnet.cidr.overlaps(widest.cidr):
                first, second = sorted((widest, subnet), key=lambda s: order[s.name])
                if second.name not in reported:
                    reported.add(second.name)
                    yield SpecError(
                        f"subnet {second.name!r} ({second.cidr}) overlaps subnet "
                        f"{first.name!r} ({first.cidr})",
                        (*second.path, "cidr"),
                    )
            if widest is None or subnet.cidr.broadcast_address > widest.cidr.broadcast_address:
                widest = subnet


# --- addresses -----------------------------------------------------------------------------

_RESERVED = {0: "the network address", 1: "the VPC router", 2: "the Amazon DNS server",
             3: "reserved for future use"}


def addresses_in_subnet(model: Model) -> Iterator[SpecError]:
    """AWS reserves the first four addresses and the last one of every subnet."""
    for eni in model.enis.values():
        subnet = model.subnets.get(eni.subnet)
        if subnet is None:
            continue
        where = f"subnet {subnet.name!r} ({subnet.cidr})"
        ip = eni.private_ip
        if ip not in subnet.cidr:
            yield SpecError(f"private IP {ip} of {holder(eni)!r} is outside {where}",
                            _ip_path(eni, "private_ip"))
            continue
        offset = int(ip) - int(subnet.cidr.network_address)
        reason = _RESERVED.get(offset)
        if ip == subnet.cidr.broadcast_address:
            reason = "the broadcast address"
        if reason is not None:
            yield SpecError(
                f"private IP {ip} of {holder(eni)!r} is reserved by AWS in {where}: {reason}",
                _ip_path(eni, "private_ip"),
            )


def unique_addresses(model: Model) -> Iterator[SpecError]:
    """Private IPs are unique within a VPC; public IPs are unique everywhere."""
    private: dict[tuple[str, Address], Eni] = {}
    public: dict[Address, Eni] = {}
    for eni in model.enis.values():
        first = private.setdefault((eni.vpc, eni.private_ip), eni)
        if first is not eni:
            yield SpecError(
                f"private IP {eni.private_ip} of {holder(eni)!r} is already used by "
                f"{holder(first)!r} in VPC {eni.vpc!r}",
                _ip_path(eni, "private_ip"),
            )
        if eni.public_ip is None:
            continue
        if not is_public(eni.public_ip):
            yield SpecError(f"public IP {eni.public_ip} of {holder(eni)!r} is not a public "
                            "address", _ip_path(eni, "public_ip"))
        first = public.setdefault(eni.public_ip, eni)
        if first is not eni:
            yield SpecError(
                f"public IP {eni.public_ip} of {holder(eni)!r} is already used by "
                f"{holder(first)!r}",
                _ip_path(eni, "public_ip"),
            )


def nat_elastic_ips(model: Model) -> Iterator[SpecError]:
    for nat in model.nat_gateways.values():
        if nat.connectivity == "public" and nat.elastic_ip is None:
            yield SpecError(f"public NAT gateway {nat.name!r} has no Elastic IP", nat.path,
                            hint="add `elastic_ip`, or make it `connectivity: private`")
        elif nat.connectivity == "private" and nat.elastic_ip is not None:
            yield SpecError(f"private NAT gateway {nat.name!r} cannot have an Elastic IP "
                            f"({nat.elastic_ip})", (*nat.path, "elastic_ip"))


# --- peering, availability zones, DNS ------------------------------------------------------


def peering_cidrs_disjoint(model: Model) -> Iterator[SpecError]:
    """AWS refuses to peer VPCs whose CIDR blocks overlap (a VPC overlaps itself)."""
    for peering in model.peerings.values():
        a, b = model.vpcs.get(peering.requester), model.vpcs.get(peering.accepter)
        if a is None or b is None:
            continue
        clash = next(((x, y) for x in a.cidrs for y in b.cidrs if x.overlaps(y)), None)
        if clash is not None:
            yield SpecError(
                f"peering {peering.name!r} connects VPC {a.name!r} ({clash[0]}) and VPC "
                f"{b.name!r} ({clash[1]}), whose CIDRs overlap",
                peering.path,
            )


def one_subnet_per_az(model: Model) -> Iterator[SpecError]:
    """A load balancer or an interface endpoint takes at most one subnet per AZ."""
    owners = [(lb.name, "load balancer", lb.enis) for lb in model.load_balancers.values()]
    owners += [(ep.name, "endpoint", ep.enis) for ep in model.endpoints.values()]
    for name, what, eni_names in owners:
        seen: dict[str, Subnet] = {}
        for eni_name in eni_names:
            eni = model.enis.get(eni_name)
            subnet = model.subnets.get(eni.subnet) if eni is not None else None
            if eni is None or subnet is None:
                continue
            first = seen.setdefault(subnet.az, subnet)
            if first is not subnet:
                yield SpecError(
                    f"{what} {name!r} has two subnets in {subnet.az}: {first.name!r} and "
                    f"{subnet.name!r}; it takes one subnet per Availability Zone",
                    eni.path,
                )


def cname_loops(model: Model) -> Iterator[SpecError]:
    """A chain of CNAMEs that comes back to itself; reported once, at its first name."""
    cnames = {r.name: r.values[0] for r in model.dns_records.values()
              if r.type == "CNAME" and r.values}
    for start in sorted(cnames):
        chain = [start]
        while chain[-1] in cnames and cnames[chain[-1]] not in chain:
            chain.append(cnames[chain[-1]])
        loops_back = chain[-1] in cnames and cnames[chain[-1]] == start
        if loops_back and start == min(chain):
            record = model.dns_records[start]
            yield SpecError(f"CNAME loop: {' -> '.join([*chain, start])}",
                            (*record.path, "cname"))


CHECKS: tuple[Check, ...] = (
    subnets_inside_vpc,
    subnets_disjoint,
    addresses_in_subnet,
    unique_addresses,
    nat_elastic_ips,
    peering_cidrs_disjoint,
    *REFERENCE_CHECKS,
    one_subnet_per_az,
    cname_loops,
    *KUBE_CHECKS,
)
