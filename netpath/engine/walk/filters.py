"""The filters a packet crosses inside a VPC: security groups and network ACLs, as hops.

These are checks a handler makes on its way, not positions: each records its hop (or blocks the
walk) and says whether the packet passed. Replies pass security groups by connection tracking;
NACLs are stateless and judge a reply over the client's whole ephemeral range.
"""

from __future__ import annotations

from netpath.engine import fixes
from netpath.engine.hops import Crossing, OpenShare, Packet, RuleRef
from netpath.engine.nacls import evaluate_nacl, evaluate_nacl_range
from netpath.engine.security_groups import evaluate_security_groups, unusable_references
from netpath.engine.walk.position import Flow, Walk
from netpath.model.resources import Eni, NaclRule, NetworkAcl, Subnet
from netpath.model.vocabulary import Action, Code, Component


def egress_allowed(w: Walk, eni: Eni, packet: Packet, flow: Flow) -> bool:
    return _sg_allows(w, eni, packet, flow, "egress")


def ingress_allowed(w: Walk, eni: Eni, packet: Packet, flow: Flow) -> bool:
    return _sg_allows(w, eni, packet, flow, "ingress")


def _sg_allows(w: Walk, eni: Eni, packet: Packet, flow: Flow, direction: str) -> bool:
    if not eni.security_groups:
        return True  # NAT gateways (and NLBs created without groups) have none
    names = ", ".join(eni.security_groups)
    crossing = Crossing(direction, w.net.display_name(eni))
    if flow.reply:
        note = w.note_once("sg-stateful", "security groups are stateful: the reply to an "
                           "allowed connection passes whatever the rules say, but that "
                           "does not open new connections the other way")
        w.hop(Component.SECURITY_GROUP, names, Action.ALLOW,
              f"reply allowed by connection tracking on {w.net.display_name(eni)}",
              packet, note=note, crossing=crossing)
        return True
    peer = packet.dst_ip if direction == "egress" else packet.src_ip
    decision = evaluate_security_groups(w.net, eni, direction, packet.protocol, peer,
                                        packet.dst_port)
    word = "outbound" if direction == "egress" else "inbound"
    if decision.allowed and decision.rule is not None and decision.group is not None:
        group = w.model.security_groups[decision.group]
        rule = decision.rule
        default = group.egress_is_default and direction == "egress"
        what = " (AWS's default allow-all outbound rule)" if default else ""
        w.hop(Component.SECURITY_GROUP, decision.group, Action.ALLOW,
              f"{decision.group} allows {word} {packet.service} "
              f"{'to' if direction == 'egress' else 'from'} {peer}{what}", packet,
              rule=RuleRef(str(rule), None if default else rule.path, decision.group),
              crossing=crossing)
        return True
    code = Code.SG_EGRESS_DENIED if direction == "egress" else Code.SG_INGRESS_DENIED
    reason = (f"no {word} rule of {names} on {w.net.display_name(eni)} allows "
              f"{packet.flow_words}")
    fix = fixes.security_group(w.net, eni, direction, packet)
    misses = unusable_references(w.net, eni, direction, packet.protocol, peer, packet.dst_port)
    w.block(code, Component.SECURITY_GROUP, eni.security_groups[0], reason, fix, packet,
            note="; ".join(misses) or None, crossing=crossing)
    return False


def nacl_allows(w: Walk, subnet: Subnet, direction: str, packet: Packet, flow: Flow) -> bool:
    """The subnet's network ACL, `inbound` (entering it) or `outbound` (leaving it)."""
    acl = w.model.network_acls[subnet.network_acl]
    rules = acl.inbound if direction == "inbound" else acl.outbound
    peer = packet.src_ip if direction == "inbound" else packet.dst_ip
    where = f"{'entering' if direction == 'inbound' else 'leaving'} {subnet.name}"
    crossing = Crossing(direction, subnet.name)
    if flow.reply and packet.dst_port is not None:
        return _nacl_reply(w, acl, subnet, crossing, packet, flow, where)
    decision = evaluate_nacl(rules, packet.protocol, peer, packet.dst_port)
    rule = _nacl_ref(acl, decision.rule)
    if decision.allowed:
        w.hop(Component.NETWORK_ACL, acl.name, Action.ALLOW,
              f"{direction} {packet.service} {'from' if direction == 'inbound' else 'to'}"
              f" {peer} {where}: allowed", packet,
              rule=rule, note=_custom_nacl_note(w, acl), crossing=crossing)
        return True
    code = Code.NACL_INBOUND_DENIED if direction == "inbound" else Code.NACL_OUTBOUND_DENIED
    reason = f"{acl.name} denies {direction} {packet.flow_words} {where} ({rule.text})"
    fix = fixes.nacl(acl, direction, packet, decision.rule, subnet)
    w.block(code, Component.NETWORK_ACL, acl.name, reason, fix, packet, rule=rule,
            note=_custom_nacl_note(w, acl), crossing=crossing)
    return False


def _nacl_reply(w: Walk, acl: NetworkAcl, subnet: Subnet, crossing: Crossing, packet: Packet,
                flow: Flow, where: str) -> bool:
    direction = crossing.direction
    rules = acl.inbound if direction == "inbound" else acl.outbound
    peer = packet.src_ip if direction == "inbound" else packet.dst_ip
    ephemeral = flow.ephemeral
    ports = ephemeral.ports
    decision = evaluate_nacl_range(rules, packet.protocol, peer, ports)
    refs = tuple(_nacl_ref(acl, r) for r in decision.rules)
    note = w.note_once("nacl-stateless", "NACLs are stateless: the reply goes to the "
                       f"client's ephemeral port, so {direction} rules must allow "
                       f"{ephemeral}")
    if decision.all_allowed:
        w.hop(Component.NETWORK_ACL, acl.name, Action.ALLOW,
              f"reply {direction} {where}: the whole ephemeral range {ports} "
              f"({ephemeral.who}) is allowed", packet,
              rule=refs[0] if refs else None, note=note, crossing=crossing)
        return True
    share = None if decision.none_allowed else OpenShare(decision.allowed_size(), ports.size)
    allowed = ", ".join(str(r) for r in decision.allowed)
    if share is not None:
        working = share.open
        word = "port" if working == 1 else "ports"
        if working * 100 < ports.size:  # under 1% get through: an outage, not a flake
            gets = "gets" if working == 1 else "get"
            outcome = (f"only {working} of its {ports.size} ports {gets} a reply, so nearly "
                       "every connection fails")
        else:
            failing = 100 * (ports.size - working) // ports.size
            outcome = f"about {failing}% of connections fail, intermittently"
        reason = (f"{acl.name} allows replies {where} only to {word} {allowed}, but the "
                  f"client picks its ephemeral port from {ports} ({ephemeral.who}): "
                  f"{outcome}")
    else:
        reason = (f"{acl.name} denies the reply {where} to the client's ephemeral ports "
                  f"{ports} ({ephemeral.who})")
    fix = fixes.nacl_return(acl, direction, packet, ports, subnet)
    # The step names what denies: the first deny rule that takes part of the range, else
    # the final `*` (an allow rule for a few ports is not what blocks the rest).
    denying = next((r for r in decision.rules if r.action == "deny"), None)
    rule = _nacl_ref(acl, denying)
    w.block(Code.NACL_RETURN_DENIED, Component.NETWORK_ACL, acl.name, reason, fix, packet,
            rule=rule, note=note, crossing=crossing, open_share=share)
    return False


def _custom_nacl_note(w: Walk, acl: NetworkAcl) -> str | None:
    if acl.implicit or acl.is_default:
        return None
    return w.note_once("nacl-custom", "a custom network ACL denies everything until "
                       "rules are added; only the VPC's default NACL allows all")


def cross_subnets(w: Walk, leaving: Subnet, entering: Subnet, packet: Packet,
                  flow: Flow) -> bool:
    """The NACLs a packet crosses between two subnets; none within one subnet."""
    if leaving.name == entering.name:
        return True
    return (nacl_allows(w, leaving, "outbound", packet, flow)
            and nacl_allows(w, entering, "inbound", packet, flow))


def _nacl_ref(acl: NetworkAcl, rule: NaclRule | None) -> RuleRef:
    if rule is None:
        return RuleRef("* deny (the implicit final rule)", id="*")
    if acl.implicit:
        return RuleRef("default network ACL: allow all")
    return RuleRef(str(rule), rule.path, str(rule.number))
