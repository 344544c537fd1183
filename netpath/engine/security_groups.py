"""Security groups: stateful allow-lists, the union of every group on the interface.

Egress rules judge the destination, ingress rules the source. A rule that references a security
group matches the *private* IPs of the interfaces carrying that group, never their public or
Elastic IPs, and only within the VPC, across an active same-Region peering
(https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html) or, in inbound
rules only, across a same-Region transit gateway with security group referencing turned on
(https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html).
Replies pass by connection tracking and are never judged here.
"""

from __future__ import annotations

from netpath.engine.network import Network
from netpath.model.addr import Address
from netpath.model.record import record
from netpath.model.resources import Eni, SgRule


@record
class SgDecision:
    allowed: bool
    group: str | None  # the group whose rule allowed it
    rule: SgRule | None
    groups: tuple[str, ...]  # every group that was consulted


def evaluate_security_groups(
    net: Network, eni: Eni, direction: str, protocol: str, peer: Address, port: int | None
) -> SgDecision:
    for name in eni.security_groups:
        group = net.model.security_groups[name]
        rules = group.ingress if direction == "ingress" else group.egress
        for rule in rules:
            if _rule_matches(net, eni, rule, direction, protocol, peer, port):
                return SgDecision(True, name, rule, eni.security_groups)
    return SgDecision(False, None, None, eni.security_groups)


def _rule_matches(net: Network, eni: Eni, rule: SgRule, direction: str, protocol: str,
                  peer: Address, port: int | None) -> bool:
    if not _service_matches(rule, protocol, port):
        return False
    if rule.cidr is not None:
        return peer in rule.cidr
    if rule.prefix_list is not None:
        plist = net.model.prefix_lists.get(rule.prefix_list)
        return plist is not None and any(peer in cidr for cidr in plist.cidrs)
    if rule.security_group is not None:
        return net.sg_reference_matches(eni.vpc, rule.security_group, peer, direction)
    return False


def unusable_references(
    net: Network, eni: Eni, direction: str, protocol: str, peer: Address, port: int | None
) -> tuple[str, ...]:
    """Why a rule that *looks* like it admits the peer does not: it references a group the peer
    is in, but the reference cannot reach it. The classic surprises: the peer is in another
    Region, behind a transit gateway without referencing (or on an outbound rule, which a
    transit gateway never supports), or seen by a public or NAT address, which no reference
    matches."""
    found = []
    for name in eni.security_groups:
        group = net.model.security_groups[name]
        for rule in group.ingress if direction == "ingress" else group.egress:
            if rule.security_group is None or not _service_matches(rule, protocol, port):
                continue
            why = _why_reference_misses(net, eni, direction, rule.security_group, peer)
            if why is not None:
                found.append(f"{name} rule '{rule}' references {rule.security_group}, {why}")
    return tuple(found)


def _service_matches(rule: SgRule, protocol: str, port: int | None) -> bool:
    if rule.protocol != "all" and rule.protocol != protocol:
        return False
    return rule.ports is None or port is None or port in rule.ports


def _why_reference_misses(net: Network, eni: Eni, direction: str, group: str,
                          peer: Address) -> str | None:
    referenced = net.model.security_groups.get(group)
    if referenced is None:
        return None
    if int(peer) in net.sg_members.get(group, frozenset()):
        if referenced.vpc == eni.vpc or net.sg_reference_matches(eni.vpc, group, peer,
                                                                 direction):
            return None
        return _cross_vpc_miss(net, eni.vpc, referenced.vpc, direction, peer)
    nat = net.nat_by_elastic_ip.get(int(peer))
    if nat is not None and net.model.nat_gateways[nat].vpc == referenced.vpc:
        return (f"but {peer} is the Elastic IP of {nat}: the members behind it are seen by that "
                f"address, not their private IPs, so the reference cannot match; allow "
                f"{peer}/32, or keep the traffic inside the VPC")
    owner = net.eni_with_public_ip(peer)
    if owner is not None and group in owner.security_groups:
        return (f"but its member {net.display_name(owner)} arrives from its public IP {peer}: "
                "a reference matches members' private IPs only; keep the traffic private, or "
                f"allow {peer}/32")
    return None


def _cross_vpc_miss(net: Network, vpc: str, other: str, direction: str, peer: Address) -> str:
    here, there = net.model.vpcs[vpc], net.model.vpcs[other]
    instead = f"allow {peer}/32 or its subnet's CIDR instead"
    if here.region != there.region:
        return (f"a group of {there.name} in {there.region}: a reference works only within a "
                f"VPC, across a same-Region peering or a same-Region transit gateway "
                f"({here.name} is in {here.region}); {instead}")
    shared = net.shared_transit_gateways(vpc, other)
    if not shared:
        return (f"a group of {there.name}, which has no active peering with {here.name}: a "
                f"reference works only within a VPC or across a same-Region peering or "
                f"transit gateway; {instead}")
    if direction == "egress":
        return (f"a group of {there.name}, reached through {shared[0]}: across a transit "
                f"gateway only inbound rules can reference groups; {instead}")
    return (f"a group of {there.name}, reached through {shared[0]}, whose security group "
            f"referencing is off (the transit gateway's is off by default, and each "
            f"attachment's must be on): turn it on, or {instead}")
