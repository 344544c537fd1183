"""The walker: moves one packet through the network, one hop at a time.

A Walker walks one direction of one connection. It records hops, stops at the first component
that blocks, and says where the packet arrived. Gateways (internet, NAT, peering, transit,
endpoints, middleboxes) live in `gateways.py`; load balancers in `balancers.py`. The same code
walks the reply: `reply=True` lets security groups pass by connection tracking, judges NACLs
over the client's whole ephemeral range, and undoes the translations recorded on the way out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netpath.engine import fixes
from netpath.engine.nacls import evaluate_nacl, evaluate_nacl_range
from netpath.engine.network import Network
from netpath.engine.ports import Ephemeral
from netpath.engine.security_groups import evaluate_security_groups, unusable_references
from netpath.engine.trace import Blocked, Hop, Packet, RuleRef
from netpath.model.addr import Address, Prefix
from netpath.model.kubernetes import Node, Pod
from netpath.model.record import record
from netpath.model.resources import Eni, NaclRule, NetworkAcl, Route, Subnet


@record
class Session:
    """A translation on the way out, kept so that the reply can be translated back."""

    translator: str
    original: Packet
    translated: Packet
    client: Ephemeral  # the range the original source port came from


@dataclass
class Context:
    """What the walks of one trace share: its address translations and the notes shown."""

    net: Network
    sessions: dict[tuple[object, ...], Session] = field(default_factory=dict)
    client_ephemeral: Ephemeral | None = None  # the range of the connection's first client
    endpoint_preference: str | None = None  # --endpoint: the Service endpoint to follow
    notes_seen: set[str] = field(default_factory=set)


@record
class Arrival:
    kind: str  # eni | load-balancer | host | internet | service
    name: str
    packet: Packet
    ephemeral: Ephemeral  # where the arriving packet's source port came from
    eni: Eni | None = None
    subnet: Subnet | None = None  # for a service behind a gateway endpoint: where it was left
    cluster: str | None = None  # for a pod


class Walker:
    def __init__(self, ctx: Context, *, connection: int, reply: bool, ephemeral: Ephemeral):
        self.ctx = ctx
        self.net = ctx.net
        self.model = ctx.net.model
        self.connection = connection
        self.reply = reply
        self.ephemeral = ephemeral
        self.hops: list[Hop] = []
        self.blocked: Blocked | None = None
        self.arrival: Arrival | None = None
        self.visited: set[tuple[str, int]] = set()
        # An NLB that preserved the client's IP stays in the path: replies to that client go
        # back through its node, whatever the route tables say.
        self.return_via: tuple[Eni, Address] | None = None
        # overlay: the inner packet, its pod (or node), and whether the walk is a reply
        self.tunnel: tuple[Packet, Pod | Node, bool] | None = None

    # --- recording --------------------------------------------------------------------

    def hop(self, component: str, name: str, action: str, detail: str, packet: Packet, *,
            rule: RuleRef | None = None, candidates: tuple[RuleRef, ...] = (),
            note: str | None = None) -> None:
        self.hops.append(Hop(component, name, action, detail, packet, rule, candidates,
                             note, self.connection))

    def note_once(self, key: str, text: str) -> str | None:
        """Each lesson is told once per trace, where it first matters."""
        if key in self.ctx.notes_seen:
            return None
        self.ctx.notes_seen.add(key)
        return text

    def block(self, code: str, component: str, name: str, reason: str, fix: str,
              packet: Packet, *, rule: RuleRef | None = None, aws_code: str | None = None,
              partial: bool = False, note: str | None = None) -> None:
        action = "deny" if component in _FILTERS else "drop"
        self.hop(component, name, action, reason, packet, rule=rule, note=note)
        self.blocked = Blocked(0, component, name, code, reason, fix,
                               "return" if self.reply else "forward", partial, aws_code)

    def arrive(self, kind: str, name: str, packet: Packet, eni: Eni | None = None,
               subnet: Subnet | None = None, cluster: str | None = None) -> None:
        self.arrival = Arrival(kind, name, packet, self.ephemeral, eni, subnet, cluster)

    @property
    def stopped(self) -> bool:
        return self.blocked is not None or self.arrival is not None

    # --- security groups ----------------------------------------------------------------

    def egress_allowed(self, eni: Eni, packet: Packet) -> bool:
        return self._sg_allows(eni, packet, "egress")

    def ingress_allowed(self, eni: Eni, packet: Packet) -> bool:
        return self._sg_allows(eni, packet, "ingress")

    def _sg_allows(self, eni: Eni, packet: Packet, direction: str) -> bool:
        if not eni.security_groups:
            return True  # NAT gateways (and NLBs created without groups) have none
        names = ", ".join(eni.security_groups)
        if self.reply:
            note = self.note_once("sg-stateful", "security groups are stateful: the reply to an "
                                  "allowed connection passes whatever the rules say, but that "
                                  "does not open new connections the other way")
            self.hop("security-group", names, "allow",
                     f"reply allowed by connection tracking on {self.net.display_name(eni)}",
                     packet, note=note)
            return True
        peer = packet.dst_ip if direction == "egress" else packet.src_ip
        decision = evaluate_security_groups(self.net, eni, direction, packet.protocol, peer,
                                            packet.dst_port)
        word = "outbound" if direction == "egress" else "inbound"
        if decision.allowed and decision.rule is not None and decision.group is not None:
            group = self.model.security_groups[decision.group]
            rule = decision.rule
            default = group.egress_is_default and direction == "egress"
            what = " (AWS's default allow-all outbound rule)" if default else ""
            self.hop("security-group", decision.group, "allow",
                     f"{decision.group} allows {word} {_service(packet)} "
                     f"{'to' if direction == 'egress' else 'from'} {peer}{what}", packet,
                     rule=RuleRef(str(rule), None if default else rule.path))
            return True
        code = "SG_EGRESS_DENIED" if direction == "egress" else "SG_INGRESS_DENIED"
        reason = (f"no {word} rule of {names} on {self.net.display_name(eni)} allows "
                  f"{flow_words(packet)}")
        fix = fixes.security_group(self.net, eni, direction, packet)
        misses = unusable_references(self.net, eni, direction, packet.protocol, peer,
                                     packet.dst_port)
        self.block(code, "security-group", eni.security_groups[0], reason, fix, packet,
                   note="; ".join(misses) or None)
        return False

    # --- network ACLs -------------------------------------------------------------------

    def nacl_allows(self, subnet: Subnet, direction: str, packet: Packet) -> bool:
        acl = self.model.network_acls[subnet.network_acl]
        rules = acl.inbound if direction == "inbound" else acl.outbound
        peer = packet.src_ip if direction == "inbound" else packet.dst_ip
        where = f"{'entering' if direction == 'inbound' else 'leaving'} {subnet.name}"
        if self.reply and packet.dst_port is not None:
            return self._nacl_reply(acl, subnet, direction, packet, where)
        decision = evaluate_nacl(rules, packet.protocol, peer, packet.dst_port)
        rule = _nacl_ref(acl, decision.rule)
        if decision.allowed:
            self.hop("network-acl", acl.name, "allow",
                     f"{direction} {_service(packet)} {'from' if direction == 'inbound' else 'to'}"
                     f" {peer} {where}: allowed", packet,
                     rule=rule, note=self._custom_nacl_note(acl))
            return True
        code = "NACL_INBOUND_DENIED" if direction == "inbound" else "NACL_OUTBOUND_DENIED"
        reason = f"{acl.name} denies {direction} {flow_words(packet)} {where} ({rule.text})"
        fix = fixes.nacl(acl, direction, packet, decision.rule, subnet)
        self.block(code, "network-acl", acl.name, reason, fix, packet, rule=rule,
                   note=self._custom_nacl_note(acl))
        return False

    def _nacl_reply(self, acl: NetworkAcl, subnet: Subnet, direction: str, packet: Packet,
                    where: str) -> bool:
        rules = acl.inbound if direction == "inbound" else acl.outbound
        peer = packet.src_ip if direction == "inbound" else packet.dst_ip
        ports = self.ephemeral.ports
        decision = evaluate_nacl_range(rules, packet.protocol, peer, ports)
        refs = tuple(_nacl_ref(acl, r) for r in decision.rules)
        note = self.note_once("nacl-stateless", "NACLs are stateless: the reply goes to the "
                              f"client's ephemeral port, so {direction} rules must allow "
                              f"{self.ephemeral}")
        if decision.all_allowed:
            self.hop("network-acl", acl.name, "allow",
                     f"reply {direction} {where}: the whole ephemeral range {ports} "
                     f"({self.ephemeral.who}) is allowed", packet,
                     rule=refs[0] if refs else None, note=note)
            return True
        partial = not decision.none_allowed
        allowed = ", ".join(str(r) for r in decision.allowed)
        if partial:
            working = decision.allowed_size()
            word = "port" if working == 1 else "ports"
            if working * 100 < ports.size:  # under 1% get through: an outage, not a flake
                gets = "gets" if working == 1 else "get"
                outcome = (f"only {working} of its {ports.size} ports {gets} a reply, so nearly "
                           "every connection fails")
            else:
                share = 100 * (ports.size - working) // ports.size
                outcome = f"about {share}% of connections fail, intermittently"
            reason = (f"{acl.name} allows replies {where} only to {word} {allowed}, but the "
                      f"client picks its ephemeral port from {ports} ({self.ephemeral.who}): "
                      f"{outcome}")
        else:
            reason = (f"{acl.name} denies the reply {where} to the client's ephemeral ports "
                      f"{ports} ({self.ephemeral.who})")
        fix = fixes.nacl_return(acl, direction, packet, ports, subnet)
        # The step names what denies: the first deny rule that takes part of the range, else
        # the final `*` (an allow rule for a few ports is not what blocks the rest).
        denying = next((r for r in decision.rules if r.action == "deny"), None)
        rule = _nacl_ref(acl, denying)
        self.block("NACL_RETURN_DENIED", "network-acl", acl.name, reason, fix, packet,
                   rule=rule, partial=partial, note=note)
        return False

    def _custom_nacl_note(self, acl: NetworkAcl) -> str | None:
        if acl.implicit or acl.is_default:
            return None
        return self.note_once("nacl-custom", "a custom network ACL denies everything until "
                              "rules are added; only the VPC's default NACL allows all")

    # --- routing ------------------------------------------------------------------------

    def leave_subnet(self, subnet: Subnet, packet: Packet, *, via_tgw: bool = False) -> None:
        """Route a packet out of `subnet` with the subnet's route table."""
        from netpath.engine import gateways  # the two modules call each other

        if self.reply and self.return_via is not None and packet.dst_ip == self.return_via[1]:
            from netpath.engine.balancers import reply_back_through_nlb

            reply_back_through_nlb(self, subnet, self.return_via[0], packet)
            return
        table = self.net.route_table_of(subnet)
        key = (table.name, int(packet.dst_ip))
        if key in self.visited:
            reason = (f"{packet.dst_ip} comes back to {table.name}, which it already crossed: "
                      "a routing loop")
            self.block("ROUTING_LOOP", "route-table", table.name, reason,
                       fixes.routing_loop(table.name, packet), packet)
            return
        self.visited.add(key)
        match = self.net.route_lookup(table.name, packet.dst_ip)
        if match is None:
            reason = f"no route in {table.name} matches {packet.dst_ip}"
            if self.reply:
                reason += ": the request arrived, but the reply has no way back"
            self.block("NO_RETURN_ROUTE" if self.reply else "NO_ROUTE", "route-table",
                       table.name, reason,
                       fixes.no_route(self.net, table, packet), packet)
            return
        route = match.route
        self.hop("route-table", table.name, "forward", _route_detail(packet, match.best.prefix,
                 route, table.name, subnet, is_main=subnet.route_table_is_main), packet,
                 rule=RuleRef(str(route), route.path),
                 candidates=tuple(RuleRef(str(c.route), c.route.path) for c in match.others),
                 note=self._route_note(match.others, match.ambiguous))
        gateways.follow_route(self, subnet, route, packet, via_tgw=via_tgw)

    def _route_note(self, others: tuple[object, ...], ambiguous: bool) -> str | None:
        if ambiguous:
            return ("two routes of the same length and priority point to different targets: "
                    "AWS picks one at random and keeps it; netpath followed the first")
        if others:
            return self.note_once("lpm", "the most specific matching route wins, whatever the "
                                  "order the routes are written in")
        return None

    def deliver_local(self, vpc: str, from_subnet: Subnet, packet: Packet, *,
                      via_tgw: bool = False) -> None:
        """The local route: the packet goes to the interface that owns its destination."""
        eni = self.net.eni_at(vpc, packet.dst_ip)
        if eni is None:
            inside = self.net.subnet_containing(vpc, packet.dst_ip)
            where = f"subnet {inside.name}" if inside else f"VPC {vpc}"
            reason = f"no network interface in {where} has the address {packet.dst_ip}"
            self.block("UNKNOWN_ENDPOINT", "subnet", inside.name if inside else vpc, reason,
                       "check the destination address, or add the resource that owns it "
                       "to the spec", packet)
            return
        # From a TGW attachment in the same subnet no NACL applies either (AWS's TGW NACL rules).
        if self.cross_subnets(from_subnet, self.model.subnets[eni.subnet], packet):
            self.arrive_at_eni(eni, packet)

    def cross_subnets(self, leaving: Subnet, entering: Subnet, packet: Packet) -> bool:
        """The NACLs a packet crosses between two subnets; none within one subnet."""
        if leaving.name == entering.name:
            return True
        return (self.nacl_allows(leaving, "outbound", packet)
                and self.nacl_allows(entering, "inbound", packet))

    def arrive_at_eni(self, eni: Eni, packet: Packet) -> None:
        from netpath.engine import balancers, gateways

        if eni.owner_kind == "nat-gateway":
            gateways.nat_receives(self, self.model.nat_gateways[eni.owner], packet)
            return
        if not self.ingress_allowed(eni, packet):
            return
        if eni.owner_kind == "load-balancer":
            balancers.arrive_at_load_balancer(self, eni, packet)
            return
        if eni.owner_kind == "pod" or eni.name in self.net.kube.node_of_eni:
            from netpath.engine import pods  # only specs with a cluster need the Kubernetes layer

            if eni.owner_kind == "pod":
                ref = self.net.kube.pod_of_eni[eni.name]
                pods.node_forwards_to_pod(self, self.model.clusters[ref.cluster], ref.pod,
                                          packet)
                return
            if pods.node_receives(self, eni, packet):
                return
        self.deliver_to_owner(eni, packet)

    def deliver_to_owner(self, eni: Eni, packet: Packet) -> None:
        name = self.net.display_name(eni)
        component = eni.owner_kind if eni.owner_kind != "network-interface" else "eni"
        if not self.reply and eni.owner_kind == "database" and packet.dst_port is not None:
            database = self.model.databases[eni.owner]
            if packet.dst_port != database.port:
                reason = f"{name} listens on {database.port} only, not {packet.dst_port}"
                self.block("NO_LISTENER", "database", name, reason,
                           f"connect to port {database.port}", packet)
                return
        if self.reply:
            detail = f"{name} receives the reply"
        else:
            detail = f"{name} ({eni.private_ip}) accepts {flow_words(packet)}"
        self.hop(component, name, "deliver", detail, packet)
        self.arrive("eni", name, packet, eni)


_FILTERS = ("security-group", "network-acl")


def flow_words(packet: Packet) -> str:
    return f"{_service(packet)} from {packet.src_ip} to {packet.dst_ip}"


def _service(packet: Packet) -> str:
    if packet.protocol.isdigit():  # an IANA number: "IP protocol 4" (IP-in-IP), not "4"
        return f"IP protocol {packet.protocol}"
    return packet.protocol if packet.dst_port is None else f"{packet.protocol}/{packet.dst_port}"


def _nacl_ref(acl: NetworkAcl, rule: NaclRule | None) -> RuleRef:
    if rule is None:
        return RuleRef("* deny (the implicit final rule)")
    if acl.implicit:
        return RuleRef("default network ACL: allow all")
    return RuleRef(str(rule), rule.path)


def _route_detail(packet: Packet, prefix: Prefix, route: Route, table: str, subnet: Subnet,
                  *, is_main: bool) -> str:
    how = f"{table} (the VPC's main route table)" if is_main else table
    via = f", prefix list {route.prefix_list} entry {prefix}" if route.prefix_list else ""
    length = prefix.prefixlen
    target = "the local VPC network" if route.target_kind == "local" else route.target
    return (f"{packet.dst_ip} leaves {subnet.name}: {how} sends it to {target} "
            f"(longest matching prefix /{length}{via})")

