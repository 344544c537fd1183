"""Find the fault: break ONE thing in a working network, and prove it broke (and mends).

`inject` takes a network and a query that is reachable on it, lists the faults its trace
suggests (each a change to the model, never to the engine), applies them in a random order,
re-prepares the network and traces again: the first fault that makes the query fail with a
code it must cause, where it says (`stops_as_stated`), wins. `repairs` applies the fault's
described fix to the broken model and proves the query passes again.

The faults (FAULT_KINDS):
- route-removed: the route the path used to a gateway (NAT, internet gateway, peering...) is
  deleted from its route table;
- sg-rule-removed: the security group rule that allowed the flow is deleted;
- pod-relabelled: a pod's label changes, so the Service (or the NetworkPolicy rule) that
  selected it no longer does, or the NetworkPolicy that admitted its traffic no longer selects
  it while a default deny still does;
- nacl-no-ephemeral: a NACL on the path becomes a custom one that allows the request's ports
  but not the ephemeral ports the replies go to;
- endpoint-stopped: the pods behind a Service are no longer ready;
- policy-rule-removed: the NetworkPolicy rule that admitted the flow is deleted;
- dns-egress-removed: the egress rule that let a pod reach the cluster DNS is removed.

The VPC faults are made here, the Kubernetes ones in `kubernetes`; what a fault is, in
`record`; what a question shows of the broken trace, in `symptoms`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from random import Random

from netpath.drill.faults.kubernetes import kube_faults
from netpath.drill.faults.record import RESTORE, UNDO, Change, Fault, NoFault
from netpath.engine import prepare, trace
from netpath.engine.errors import QueryError
from netpath.engine.hops import Query, Trace
from netpath.engine.network import Network
from netpath.model.addr import ANY_PREFIX, PortRange
from netpath.model.paths import SpecPath
from netpath.model.resources import Model, NaclRule, NetworkAcl, RouteTable, SecurityGroup
from netpath.model.vocabulary import RouteTarget

__all__ = ["FAULT_KINDS", "Fault", "NoFault", "candidates", "inject", "repairs",
           "stops_as_stated"]

FAULT_KINDS = ("route-removed", "sg-rule-removed", "pod-relabelled", "nacl-no-ephemeral",
               "endpoint-stopped", "policy-rule-removed", "dns-egress-removed")
ROUTED = frozenset(RouteTarget) - {RouteTarget.LOCAL, RouteTarget.BLACKHOLE}
EPHEMERAL_ALL = PortRange(1024, 65535)  # every client's range: Linux, NAT, ELB, Windows...


def inject(network: Network, query: Query, rng: Random, *,
           kinds: Collection[str] | None = None) -> tuple[Fault, Network, Trace, Trace]:
    """(the fault, the broken network, the trace before, the trace after). Raises NoFault."""
    before = trace(network, query)
    if not before.reachable:
        raise NoFault(f"{query.source} -> {query.destination} is already blocked")
    by_kind: dict[str, list[Fault]] = {}
    for fault in candidates(network, before):
        if kinds is None or fault.kind in kinds:
            by_kind.setdefault(fault.kind, []).append(fault)
    order = sorted(by_kind)
    rng.shuffle(order)
    for kind in order:
        faults = by_kind[kind]
        rng.shuffle(faults)
        for fault in faults:
            broken = prepare(fault.apply(network.model))
            try:
                after = trace(broken, query)
            except QueryError:
                continue
            if stops_as_stated(fault, after):
                assert after.blocked_by is not None
                return replace(fault, code=after.blocked_by.code), broken, before, after
    raise NoFault(f"no fault makes {query.source} -> {query.destination} fail")


def stops_as_stated(fault: Fault, after: Trace) -> bool:
    """The broken trace stops with one of the fault's codes, where the fault says."""
    blocked = after.blocked_by
    if blocked is None or blocked.code not in fault.expect:
        return False
    stopped = {f"{blocked.component} {name.strip()}" for name in blocked.name.split(",")}
    return not fault.at or bool(stopped & set(fault.at))


def repairs(fault: Fault, broken: Network, query: Query) -> bool:
    """Whether the fault's described fix, applied to the broken model, lets the query pass."""
    return trace(prepare(fault.repair(broken.model)), query).reachable


def candidates(network: Network, before: Trace) -> list[Fault]:
    """Every fault the trace suggests, in path order (deduplicated)."""
    found: dict[tuple[str, str, str], Fault] = {}
    for maker in (_routes, _security_groups, kube_faults, _nacls):
        for fault in maker(network, before):
            found.setdefault((fault.kind, fault.component, fault.description), fault)
    return list(found.values())


def _set(collection: str, item: RouteTable | SecurityGroup | NetworkAcl) -> Change:
    """A change that puts `item` in the model's `collection` (by its name)."""
    def change(model: Model) -> Model:
        items: dict[str, object] = {**getattr(model, collection), item.name: item}
        return replace(model, **{collection: items})  # type: ignore[arg-type]
    return change


# --- routes ------------------------------------------------------------------------------------


def _routes(network: Network, before: Trace) -> list[Fault]:
    faults: list[Fault] = []
    for hop in (*before.hops, *before.return_path):
        if hop.component != "route-table" or hop.rule is None or hop.rule.path is None:
            continue
        table = network.model.route_tables.get(hop.name)
        if table is None:
            continue
        at = next((i for i, r in enumerate(table.routes)
                   if r.path == hop.rule.path and str(r) == hop.rule.text), None)
        if at is None or table.routes[at].target_kind not in ROUTED:
            continue
        route = table.routes[at]
        without = replace(table, routes=table.routes[:at] + table.routes[at + 1:])
        # NAT gateways in the table's subnets stop too: their way to the internet is gone.
        nats = [f"nat-gateway {n.name}" for n in network.model.nat_gateways.values()
                if network.model.subnets[n.subnet].route_table == table.name]
        faults.append(Fault(
            kind="route-removed", component=f"route-table {table.name}",
            description=f"removed the route {route} from {table.name}",
            fix=f"add the route {route} back to {table.name}",
            apply=_set("route_tables", without), repair=_set("route_tables", table),
            expect=("NO_ROUTE", "NO_RETURN_ROUTE", "NAT_NO_INTERNET_ROUTE"),
            keywords=(route.target, *_TARGET_WORDS.get(route.target_kind, ()),
                      *_route_actions(route.target_kind)),
            also=((("route", "default", route.destination_text,
                    *_route_actions(route.target_kind)), _BACK),),
            at=(f"route-table {table.name}", *nats)))
    return faults


# What names a route's target: its name, or its kind in words; a NAT gateway for an internet
# gateway (and the reverse) is the classic wrong answer.
_TARGET_WORDS: dict[RouteTarget, tuple[str, ...]] = {
    RouteTarget.INTERNET_GATEWAY: ("igw", "internet gateway", "internet-gateway"),
    RouteTarget.NAT_GATEWAY: ("nat", "nat gateway", "nat-gateway", "natgw"),
    RouteTarget.VPC_PEERING: ("peering", "pcx", "peering connection"),
    RouteTarget.TRANSIT_GATEWAY: ("tgw", "transit gateway", "transit-gateway"),
    RouteTarget.VPC_ENDPOINT: ("endpoint", "vpce", "gateway endpoint"),
    RouteTarget.NETWORK_INTERFACE: ("eni", "network interface"),
}
_WRONG_TARGET = {RouteTarget.INTERNET_GATEWAY: RouteTarget.NAT_GATEWAY,
                 RouteTarget.NAT_GATEWAY: RouteTarget.INTERNET_GATEWAY}
# A fix that puts back what was there ("re-add the default route", "add it back"), so it needs
# no target: the removed one is meant.
_BACK = ("back", "again", "re-add", "readd", "restore", "reinstate", "recreate", "re-create")


def _route_actions(kind: RouteTarget) -> tuple[str, ...]:
    """What a fix of a removed route does (add it, point it), and never (undo, another kind of
    target)."""
    wrong = _TARGET_WORDS[_WRONG_TARGET[kind]] if kind in _WRONG_TARGET else ()
    return (*RESTORE, "+point", "+route", "+send", *(f"!{w}" for w in wrong), *UNDO)


# --- security groups ---------------------------------------------------------------------------

_OTHER_WAY = {"ingress": ("outbound", "egress"), "egress": ("inbound", "ingress")}
_OPEN = ("+allow", "+open", "+permit")  # what a fix that lets traffic through again does


def _security_groups(network: Network, before: Trace) -> list[Fault]:
    faults: list[Fault] = []
    for hop in before.hops:
        if hop.component != "security-group" or hop.action != "allow" or hop.rule is None:
            continue
        group = network.model.security_groups.get(hop.name)
        if group is None:
            continue
        for direction in ("ingress", "egress"):
            rules = getattr(group, direction)
            at = next((i for i, r in enumerate(rules) if str(r) == hop.rule.text
                       and (hop.rule.path is None or r.path == hop.rule.path)), None)
            if at is None or (hop.rule.path is None and not group.egress_is_default):
                continue
            rule = rules[at]
            word = "inbound" if direction == "ingress" else "outbound"
            broken = replace(group, **{direction: rules[:at] + rules[at + 1:]})
            if direction == "egress" and group.egress_is_default:
                broken = replace(broken, egress_is_default=False)
            # The interface's other groups: a rule added to any of them would do too.
            eni = network.eni_at(group.vpc, hop.packet.dst_ip if direction == "ingress"
                                 else hop.packet.src_ip)
            others = [g for g in (eni.security_groups if eni else ()) if g != group.name]
            faults.append(Fault(
                kind="sg-rule-removed", component=f"security-group {group.name}",
                description=f"deleted the {word} rule '{rule}' of {group.name}",
                fix=f"add the {word} rule '{rule}' back to {group.name}",
                apply=_set("security_groups", broken), repair=_set("security_groups", group),
                expect=("SG_INGRESS_DENIED", "SG_EGRESS_DENIED"),
                # The rule's direction, never the other one: "allow" alone or "inbound" for
                # an outbound rule is no fix.
                keywords=(word, direction, *(f"!{w}" for w in _OTHER_WAY[direction]),
                          *RESTORE, *_OPEN, *UNDO),
                related=tuple(f"security-group {g}" for g in others),
                at=tuple(f"security-group {g}" for g in (group.name, *others))))
            break
    return faults



# --- network ACLs ------------------------------------------------------------------------------


def _nacls(network: Network, before: Trace) -> list[Fault]:
    if before.query.protocol not in ("tcp", "udp"):
        return []
    ports: dict[str, set[int]] = {}
    for hop in before.hops:
        if hop.component == "network-acl" and hop.packet.dst_port is not None:
            ports.setdefault(hop.name, set()).add(hop.packet.dst_port)
    faults: list[Fault] = []
    protocol = before.query.protocol
    for name, used in ports.items():
        acl = network.model.network_acls.get(name)
        if acl is None:
            continue
        listed = sorted(used)

        def rules(direction: str, extra: bool, acl_path: SpecPath = acl.path,
                  listed: list[int] = listed) -> tuple[NaclRule, ...]:
            made = [NaclRule(100 + 10 * i, "allow", protocol, PortRange(p, p), ANY_PREFIX,
                             (*acl_path, direction, i)) for i, p in enumerate(listed)]
            if extra:
                made.append(NaclRule(200, "allow", protocol, EPHEMERAL_ALL, ANY_PREFIX,
                                     (*acl_path, direction, len(listed))))
            return tuple(made)

        custom = replace(acl, inbound=rules("inbound", False), outbound=rules("outbound", False),
                         is_default=False, implicit=False)
        fixed = replace(custom, inbound=rules("inbound", True), outbound=rules("outbound", True))
        shown = ", ".join(f"{protocol}/{p}" for p in listed)
        faults.append(Fault(
            kind="nacl-no-ephemeral", component=f"network-acl {name}",
            description=(f"made {name} a custom network ACL that allows only {shown} in and "
                         "out: nothing for the ephemeral ports the replies go to"),
            fix=(f"allow the ephemeral ports 1024-65535 in {name} (both directions) for the "
                 "replies: NACLs are stateless"),
            apply=_set("network_acls", custom), repair=_set("network_acls", fixed),
            expect=("NACL_RETURN_DENIED",),
            # About the ports of the replies, in the clause that opens them ("no change to the
            # ephemeral ports, allow 8080" is none); or the default allow-all put back. The
            # replies cross the NACL both ways (the request's subnet and the reply's), so a
            # fix for one direction only is none.
            keywords=(*(f"~{w}" for w in ("ephemeral", "1024", "32768", "return", "reply",
                                          "replies", "high", "allow-all", "all traffic",
                                          "inbound and outbound", "outbound and inbound",
                                          "both directions", "all ports", "all 0.0.0.0/0")),
                      *_OPEN, "+add", "+restore", "+revert", *UNDO,
                      *(f"!{w}" for w in ("inbound only", "outbound only", "only inbound",
                                          "only outbound"))),
            at=(f"network-acl {name}",)))
    return faults


