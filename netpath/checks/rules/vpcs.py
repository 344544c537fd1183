"""Overlapping CIDRs between VPCs that are connected.

Two VPCs peered with each other cannot overlap: AWS refuses the peering, and so does the spec's
semantic pass (primary and secondary CIDRs alike), so such a spec never loads. What loads, and
still breaks, is overlap one step removed: two VPCs attached to the same transit gateway, and
two VPCs both peered with a third. Either way a route table must pick a single target for the
overlapping addresses.
"""

from __future__ import annotations

from collections.abc import Iterator

from netpath.checks.lint import Hit, rule
from netpath.checks.rules.context import LintContext
from netpath.model.addr import Prefix
from netpath.model.paths import SpecPath
from netpath.model.resources import TgwAttachment
from netpath.model.vocabulary import Severity


def overlapping(items: list[tuple[Prefix, str]]) -> Iterator[tuple[tuple[Prefix, str],
                                                                   tuple[Prefix, str]]]:
    """Every pair of overlapping CIDRs with different owners, without comparing all pairs:
    CIDRs are nested or disjoint, so after sorting by start (widest first) the CIDRs holding
    the current one are exactly a stack."""
    stack: list[tuple[Prefix, str]] = []
    for item in sorted(items, key=lambda i: (int(i[0].network_address), i[0].prefixlen, i[1])):
        start = int(item[0].network_address)
        while stack and int(stack[-1][0].broadcast_address) < start:
            stack.pop()
        for outer in stack:
            if outer[1] != item[1]:
                yield outer, item
        stack.append(item)


@rule("VPC001", "vpc.tgw-overlapping-cidrs", Severity.WARNING,
      summary="VPCs attached to one transit gateway whose CIDRs overlap.",
      fix="Re-address one of the VPCs (or attach it to another transit gateway).",
      source="https://docs.aws.amazon.com/vpc/latest/tgw/tgw-vpc-attachments.html")
def tgw_overlapping_cidrs(ctx: LintContext) -> Iterator[Hit]:
    """AWS: "A transit gateway doesn't support routing between VPCs with identical CIDRs, or
    if a CIDR in a range overlaps a CIDR in an attached VPC": the routes of the VPC attached
    later are not propagated, and a route table can send the overlapping addresses to one
    attachment only. Primary and secondary CIDRs count. Reported once per pair of VPCs, at
    the later attachment's `vpc`.

    Anti-pattern:

        vpcs:
          prod:   {cidr: 10.0.0.0/16}
          legacy: {cidr: 10.0.0.0/16}       # both attached to tgw-core

    Best practice:

        vpcs:
          prod:   {cidr: 10.0.0.0/16}
          legacy: {cidr: 10.20.0.0/16}
    """
    model = ctx.model
    for tgw in model.transit_gateways.values():
        first: dict[str, TgwAttachment] = {}  # VPC -> its first attachment on this TGW
        for name in tgw.attachments:
            attachment = model.tgw_attachments.get(name)
            if attachment is not None and attachment.vpc in model.vpcs:
                first.setdefault(attachment.vpc, attachment)
        items = [(cidr, vpc) for vpc in first for cidr in model.vpcs[vpc].cidrs]
        for (cidr_a, vpc_a), (cidr_b, vpc_b), one, two in _overlapping_vpcs(items, list(first)):
            yield Hit(f"VPCs {vpc_a} ({cidr_a}) and {vpc_b} ({cidr_b}) are both attached to "
                      f"transit gateway {tgw.name} ({first[one].name}, {first[two].name}) and "
                      f"their CIDRs overlap: the transit gateway cannot route {cidr_b} to both "
                      "(AWS does not propagate the CIDRs of the VPC attached later)",
                      f"re-address {two} (a CIDR no other attached VPC uses), or attach it to "
                      "another transit gateway", (*first[two].path, "vpc"))


@rule("VPC002", "vpc.peers-overlapping-cidrs", Severity.WARNING,
      summary="A VPC peered with two VPCs whose CIDRs overlap each other.",
      fix="Re-address one of the peers, or route only the exact subnets each peering needs.",
      source="https://docs.aws.amazon.com/vpc/latest/peering/"
             "peering-configurations-partial-access.html")
def peers_overlapping_cidrs(ctx: LintContext) -> Iterator[Hit]:
    """AWS lets a VPC peer with two VPCs that overlap each other (they are not peered with
    each other), but each of its route tables can send the overlapping addresses to only one
    peering: the other peer's hosts there are unreachable, and replies may go to the wrong
    VPC. Only active peerings count. Reported at the later peering's side naming the peer.

    Anti-pattern:

        peerings:
          pcx-hub-a: {requester: hub, accepter: team-a}   # team-a 10.1.0.0/16
          pcx-hub-b: {requester: hub, accepter: team-b}   # team-b 10.1.0.0/16

    Best practice:

        peerings:
          pcx-hub-a: {requester: hub, accepter: team-a}   # team-a 10.1.0.0/16
          pcx-hub-b: {requester: hub, accepter: team-b}   # team-b 10.2.0.0/16
    """
    model = ctx.model
    peers: dict[str, dict[str, tuple[str, SpecPath]]] = {}  # VPC -> peer -> first peering
    for peering in model.peerings.values():
        if peering.status != "active":
            continue
        for side, other, key in ((peering.requester, peering.accepter, "accepter"),
                                 (peering.accepter, peering.requester, "requester")):
            peers.setdefault(side, {}).setdefault(other, (peering.name,
                                                          (*peering.path, key)))
    for vpc in model.vpcs:
        mine = peers.get(vpc, {})
        items = [(cidr, other) for other in mine if other in model.vpcs
                 for cidr in model.vpcs[other].cidrs]
        for (cidr_a, vpc_a), (cidr_b, vpc_b), _, two in _overlapping_vpcs(items, list(mine)):
            yield Hit(f"VPC {vpc} is peered with {vpc_a} ({cidr_a}, {mine[vpc_a][0]}) and "
                      f"{vpc_b} ({cidr_b}, {mine[vpc_b][0]}), whose CIDRs overlap: {vpc}'s "
                      f"route tables can send {cidr_b} to only one of them",
                      f"re-address {two}, or route only the exact subnets each peering needs",
                      mine[two][1])


def _overlapping_vpcs(items: list[tuple[Prefix, str]], order: list[str]
                      ) -> Iterator[tuple[tuple[Prefix, str], tuple[Prefix, str], str, str]]:
    """Each pair of VPCs with overlapping CIDRs once (at its first overlap), with the two in
    `order` (one: the earlier, which keeps its routes; two: the later, which is reported)."""
    rank = {vpc: i for i, vpc in enumerate(order)}
    done: set[tuple[str, str]] = set()
    for a, b in overlapping(items):
        one, two = sorted((a[1], b[1]), key=lambda v: rank[v])
        if (one, two) not in done:
            done.add((one, two))
            yield a, b, one, two
