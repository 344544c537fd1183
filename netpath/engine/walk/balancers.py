"""Load balancers on the path: a listener accepts the client's connection; the load balancer then
sends to one target of a target group: the listener's default one, or for an ALB the one of the
first listener rule (by priority) that matches the HTTP request's host and path
(`listener_rules`).

An ALB (and a CLB) terminates the client's connection and opens a new one from its own node:
the target sees the node's private IP, the client's IP travels in X-Forwarded-For. An NLB keeps
the client's IP for instance targets (and UDP) and, for IP targets over TCP/TLS, only when
client IP preservation is enabled
(https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html).

Health: a load balancer node sends only to healthy targets. When every target of the group is
unhealthy, ALBs and NLBs fail open and send to all of them
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html,
.../network/target-group-health-checks.html); a Classic Load Balancer does not: it routes only to
healthy instances and answers 503 (https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/elb-healthchecks.html).
"""

from __future__ import annotations

from dataclasses import replace

from netpath.engine.balancers import CONTROLLER_RULE_DESCRIPTION, find_listener
from netpath.engine.hops import Choice, ChoiceRule, Packet, RuleRef
from netpath.engine.listener_rules import HttpRequest, RuleMatch, describe_rule, match_listener
from netpath.engine.ports import EPHEMERAL, Ephemeral, pick_port
from netpath.engine.security_groups import evaluate_security_groups
from netpath.engine.walk.filters import egress_allowed, nacl_allows
from netpath.engine.walk.position import (
    STOP,
    Arrived,
    At,
    LbConnection,
    Leaving,
    Next,
    Relay,
    RouteTo,
    Walk,
    Where,
)
from netpath.model.addr import Address, parse_address
from netpath.model.record import record
from netpath.model.resources import Eni, Listener, LoadBalancer, Target, TargetGroup
from netpath.model.vocabulary import Action, Code, Component


def load_balancer(w: Walk, at: At[str]) -> Next:
    """A load balancer node takes the client's connection on a listener (or relays a reply)."""
    eni = w.net.enis[at.subject]
    packet = at.packet
    lb = w.model.load_balancers[eni.owner]
    if at.reply:
        w.hop(Component.LOAD_BALANCER, lb.name, Action.FORWARD,
              f"{lb.name} receives its target's reply and relays it to the client", packet)
        return w.arrive(Arrived.LOAD_BALANCER, lb.name, at, eni=eni.name)
    listener = find_listener(lb, packet)
    if listener is None:
        ports = ", ".join(f"{x.port}/{x.protocol}" for x in lb.listeners) or "none"
        return w.block(Code.NO_LISTENER, Component.LOAD_BALANCER, lb.name,
                       f"{lb.name} has no listener for {packet.flow_words} (listeners: "
                       f"{ports})", f"add a listener on {packet.dst_port} to {lb.name}, or "
                       "connect to one of its listener ports", packet)
    terminates = "; TLS terminates here" if listener.protocol.upper() in ("HTTPS", "TLS") \
        else ""
    w.hop(Component.LOAD_BALANCER, lb.name, Action.DELIVER,
          f"{lb.name} ({lb.kind_word}) accepts on its {listener.protocol} listener "
          f"{listener.port}{terminates}", packet,
          rule=_listener_ref(listener))
    return w.arrive(Arrived.LOAD_BALANCER, lb.name, at, eni=eni.name)


def _listener_ref(listener: Listener) -> RuleRef:
    target = f" -> {listener.target_group}" if listener.target_group else ""
    return RuleRef(f"listener {listener.port}/{listener.protocol}{target}", listener.path)


def nlb_relay(w: Walk, at: At[RouteTo]) -> Next:
    """With client IP preservation the target replies to the client's own address, and the
    NLB, which is in the path, carries it back; the subnet's NACL still judges the reply."""
    subnet = w.model.subnets[at.subject.subnet]
    node = w.net.enis[at.subject.target]
    packet = at.packet
    if not nacl_allows(w, subnet, "outbound", packet, at.flow):
        return STOP
    lb = w.model.load_balancers[node.owner]
    w.hop(Component.LOAD_BALANCER, lb.name, Action.FORWARD,
          f"{lb.name} carries the reply back to {packet.dst_ip}: it stays in the path of a "
          "connection whose client IP it preserved, whatever the route tables say", packet)
    return w.arrive(Arrived.LOAD_BALANCER, lb.name, at, eni=node.name)


@record
class TargetChoice:
    group: TargetGroup
    target: Target
    address: Address
    others: tuple[str, ...]  # healthy targets not followed (all of them when failing open)
    unhealthy: tuple[str, ...]  # targets skipped because they fail their health checks
    fail_open: bool


def target_group(w: Walk, at: At[LbConnection]) -> Next:
    """The load balancer's side: choose a target and send to it (a new connection for
    ALB/CLB, the client's own packet for an NLB preserving the client IP).

    The subject's `request` is what an ALB's listener rules match. Its `target` (default: the
    trace's `--endpoint`) names a registered target, an instance name or an IP, to follow
    instead of the default choice; a name that is not a target of the chosen group is ignored
    (with instance targets `--endpoint` names a pod behind the node)."""
    node = w.net.enis[at.subject.node]
    client = at.packet
    lb = w.model.load_balancers[node.owner]
    listener = find_listener(lb, client)
    group_name = _forward_group(w, lb, listener, at.subject.request, client)
    wanted = at.subject.target if at.subject.target is not None else w.ctx.endpoint_preference
    choice = _choose_target(w, lb, node, listener, group_name, wanted, client)
    if choice is None:
        return STOP
    flow = at.flow
    preserve = lb.type == "network" and choice.group.preserve_client_ip
    if preserve:
        packet = Packet(client.protocol, client.src_ip, client.src_port, choice.address,
                        choice.target.port)
        flow = replace(flow, ephemeral=_client_ephemeral(w),
                       return_via=Relay(Where.NLB_RELAY, node.name, client.src_ip))
        seen = f"the target sees the client's own address {client.src_ip} (client IP " \
               "preservation)"
    else:
        port = pick_port(EPHEMERAL["elb"].ports, lb.name, client) \
            if client.src_port is not None else None
        packet = Packet(client.protocol, node.private_ip, port, choice.address,
                        choice.target.port)
        if lb.type == "network":
            seen = (f"client IP preservation is off, so the NLB rewrites the source to its "
                    f"node's address {node.private_ip}; the target never sees the client's IP")
        else:
            seen = (f"a new connection from the node's address {node.private_ip}; the target "
                    "never sees the client's IP" + (" (it travels in X-Forwarded-For)"
                                                    if lb.type == "application" else ""))
    others = f"; other targets: {', '.join(choice.others)}" if choice.others else ""
    skipped = f"; unhealthy, skipped: {', '.join(choice.unhealthy)}" if choice.unhealthy else ""
    health = " (no healthy target: all receive traffic, fail-open)" if choice.fail_open else ""
    notes = [w.note_once("lb-pick", f"{lb.name} spreads requests over its healthy targets; "
                         "the trace follows one")]
    if choice.fail_open:
        notes.append(w.note_once("lb-fail-open", f"every target of {choice.group.name} fails "
                                 "its health checks: an ALB or NLB then fails open and sends to "
                                 "all of them, so the request may still fail at the target"))
    notes.append(_controller_rule_note(w, choice, packet))
    w.hop(Component.TARGET_GROUP, choice.group.name, Action.FORWARD,
          f"{choice.group.name} sends to {choice.target.target} ({choice.address}:"
          f"{choice.target.port}, {choice.group.target_type} target){health}{others}"
          f"{skipped}: {seen}", packet, rule=None, note=_join(notes), before=client,
          choice=Choice(choice.target.target, choice.others, ChoiceRule.SPREAD)
          if choice.others else None)
    if not preserve and not egress_allowed(w, node, packet, flow):
        return STOP
    return At(Where.ROUTE_TABLE, Leaving(node.subnet), packet, flow)


def _client_ephemeral(w: Walk) -> Ephemeral:
    """With client IP preservation the source port is still the client's."""
    return w.ctx.client_ephemeral or EPHEMERAL["internet"]


def _forward_group(w: Walk, lb: LoadBalancer, listener: Listener | None,
                   request: HttpRequest, client: Packet) -> str | None:
    """The target group the request is forwarded to. An ALB listener with rules records the
    rule that matched (or that none did) as a hop; other listeners forward to their default."""
    if listener is None:
        return None
    if lb.type != "application" or not listener.rules:
        return listener.target_group
    match = match_listener(listener, replace(request, client=client.src_ip))
    note = w.note_once("alb-rules", "ALB rules are tried by ascending priority: host patterns "
                       "ignore case, path patterns do not, and the path never includes the "
                       "query string")
    # The rule judges the client's request, so the hop belongs to the client's connection
    # (the one before the connection this walk opens to the target).
    w.hop(Component.LOAD_BALANCER, lb.name, Action.FORWARD,
          f"{lb.name} matches {request} against the rules of listener "
          f"{listener.port}{_passed_over(match)}", client,
          rule=RuleRef(match.explanation, match.rule.path if match.rule else listener.path),
          note=note, connection=w.connection - 1)
    return match.target_group


def _passed_over(match: RuleMatch) -> str:
    if not match.passed_over or match.rule is None:
        return ""
    return " (not matching first: " + "; ".join(
        describe_rule(r) for r in match.passed_over) + ")"


def _choose_target(w: Walk, lb: LoadBalancer, node: Eni, listener: Listener | None,
                   group_name: str | None, wanted: str | None,
                   client: Packet) -> TargetChoice | None:
    model = w.model
    group = model.target_groups.get(group_name) if group_name else None
    if group is None or not group.targets:
        _no_targets(w, lb, listener, group, client)
        return None
    healthy = [t for t in group.targets if t.healthy]
    unhealthy = tuple(t.target for t in group.targets if not t.healthy)
    pinned = next((t for t in group.targets if wanted is not None and wanted in
                   (t.target, str(_target_address(w, group, t)))), None)
    if not healthy and lb.type == "classic":
        w.block(Code.NO_HEALTHY_TARGETS, Component.TARGET_GROUP, group.name,
                f"every target of {group.name} ({', '.join(unhealthy)}) fails its health "
                f"checks, and {lb.name}, a Classic Load Balancer, does not fail open: it "
                "answers 503 or refuses the connection",
                f"make a target of {group.name} pass its health check (is it listening on "
                "the target port, and do its security groups allow the load balancer?)", client)
        return None
    if pinned is not None and not pinned.healthy and healthy:
        w.block(Code.TARGET_UNHEALTHY, Component.TARGET_GROUP, group.name,
                f"{pinned.target} fails its health checks: {lb.name} sends it no traffic "
                f"while {', '.join(t.target for t in healthy)} pass",
                f"follow a healthy target, or make {pinned.target} pass its health check",
                client)
        return None
    pool = healthy or list(group.targets)
    node_az = model.subnets[node.subnet].az
    # Prefer targets in the node's own zone: NLBs do not cross zones by default, and the trace
    # should follow the likeliest path for the others too. The sort is stable.
    pool.sort(key=lambda t: _target_az(w, group, t) != node_az)
    chosen = pinned if pinned is not None else pool[0]
    address = _target_address(w, group, chosen)
    others = tuple(t.target for t in pool if t is not chosen)
    return TargetChoice(group, chosen, address, others,
                        unhealthy if healthy else (), fail_open=not healthy)


def _no_targets(w: Walk, lb: LoadBalancer, listener: Listener | None,
                group: TargetGroup | None, client: Packet) -> None:
    if group is not None:
        what, fix = f"{group.name} has no targets", f"register targets with {group.name}"
    elif listener is not None and lb.type == "application":
        what = (f"the matching action of listener {listener.port} of {lb.name} forwards to no "
                "target group: the ALB answers the request itself (a fixed response such as "
                "404, or a redirect)")
        fix = f"add a rule or a default action that forwards to a target group on {lb.name}"
    else:
        what, fix = f"the listener of {lb.name} forwards to no target group", \
            "forward the listener to a target group"
    w.block(Code.NO_TARGETS, Component.LOAD_BALANCER, lb.name, what, fix, client)


def _controller_rule_note(w: Walk, choice: TargetChoice, packet: Packet) -> str | None:
    """When the rule that will let the load balancer in on the target is one the AWS Load
    Balancer Controller added, say so: users look for it in their own security groups."""
    eni = w.net.eni_at(choice.group.vpc, choice.address)
    if eni is None or packet.dst_port is None:
        return None
    decision = evaluate_security_groups(w.net, eni, "ingress", packet.protocol, packet.src_ip,
                                        packet.dst_port)
    rule = decision.rule
    if rule is None or rule.description != CONTROLLER_RULE_DESCRIPTION:
        return None
    return (f"the AWS Load Balancer Controller added the rule '{rule}' to {decision.group} "
            "(manage-backend-security-group-rules): it is not in your manifests")


def _join(notes: list[str | None]) -> str | None:
    kept = [n for n in notes if n]
    return "; ".join(kept) if kept else None


def _target_address(w: Walk, group: TargetGroup, target: Target) -> Address:
    if group.target_type == "instance":
        instance = w.model.instances[target.target]
        return w.model.enis[instance.enis[0]].private_ip
    return parse_address(target.target)


def _target_az(w: Walk, group: TargetGroup, target: Target) -> str:
    if group.target_type == "instance":
        instance = w.model.instances[target.target]
        eni = w.model.enis[instance.enis[0]]
        return w.model.subnets[eni.subnet].az
    subnet = w.net.subnet_containing(group.vpc, parse_address(target.target))
    return subnet.az if subnet is not None else ""
