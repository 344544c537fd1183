"""Security groups: stateful allow-lists, the union of every group on the interface.

Egress rules judge the destination, ingress rules the source. A rule that references a security
group matches the *private* IPs of the interfaces carrying that group, never their public or
Elastic IPs, and only within the VPC or across an active same-Region peering
(https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html).
Replies pass by connection tracking and are never judged here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netpath.model.addr import Address
from netpath.model.record import record
from netpath.model.resources import Eni, SgRule

if TYPE_CHECKING:
    from netpath.engine.network import Network


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
            if _rule_matches(net, eni, rule, protocol, peer, port):
                return SgDecision(True, name, rule, eni.security_groups)
    return SgDecision(False, None, None, eni.security_groups)


def _rule_matches(
    net: Network, eni: Eni, rule: SgRule, protocol: str, peer: Address, port: int | None
) -> bool:
    if rule.protocol != "all" and rule.protocol != protocol:
        return False
    if rule.ports is not None and port is not None and port not in rule.ports:
        return False
    if rule.cidr is not None:
        return peer in rule.cidr
    if rule.prefix_list is not None:
        plist = net.model.prefix_lists.get(rule.prefix_list)
        return plist is not None and any(peer in cidr for cidr in plist.cidrs)
    if rule.security_group is not None:
        return net.sg_reference_matches(eni.vpc, rule.security_group, peer)
    return False
