"""Load balancers: a listener accepts the client's connection; the load balancer then sends to
one target of the listener's target group.

An ALB (and a CLB) terminates the client's connection and opens a new one from its own node:
the target sees the node's private IP, the client's IP travels in X-Forwarded-For. An NLB keeps
the client's IP for instance targets (and UDP) and, for IP targets over TCP/TLS, only when
client IP preservation is enabled
(https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html).
"""

from __future__ import annotations

from dataclasses import dataclass

from netpath.engine.ports import EPHEMERAL, Ephemeral, pick_port
from netpath.engine.trace import Packet, RuleRef
from netpath.engine.walk import Context, Walker, flow_words
from netpath.model.addr import Address
from netpath.model.resources import Eni, Listener, LoadBalancer, Target, TargetGroup


def find_listener(lb: LoadBalancer, packet: Packet) -> Listener | None:
    for listener in lb.listeners:
        if listener.port != packet.dst_port:
            continue
        protocol = listener.protocol.upper()
        if packet.protocol == "udp" and protocol not in ("UDP", "TCP_UDP"):
            continue
        if packet.protocol == "tcp" and protocol == "UDP":
            continue
        return listener
    return None


def arrive_at_load_balancer(w: Walker, eni: Eni, packet: Packet) -> None:
    lb = w.model.load_balancers[eni.owner]
    if w.reply:
        w.hop("load-balancer", lb.name, "forward",
              f"{lb.name} receives its target's reply and relays it to the client", packet)
        w.arrive("load-balancer", lb.name, packet, eni)
        return
    listener = find_listener(lb, packet)
    if listener is None:
        ports = ", ".join(f"{x.port}/{x.protocol}" for x in lb.listeners) or "none"
        w.block("NO_LISTENER", "load-balancer", lb.name,
                f"{lb.name} has no listener for {flow_words(packet)} (listeners: {ports})",
                f"add a listener on {packet.dst_port} to {lb.name}, or connect to one of its "
                "listener ports", packet)
        return
    terminates = "; TLS terminates here" if listener.protocol.upper() in ("HTTPS", "TLS") \
        else ""
    w.hop("load-balancer", lb.name, "deliver",
          f"{lb.name} ({lb.kind_word}) accepts on its {listener.protocol} listener "
          f"{listener.port}{terminates}", packet,
          rule=_listener_ref(listener))
    w.arrive("load-balancer", lb.name, packet, eni)


def _listener_ref(listener: Listener) -> RuleRef:
    target = f" -> {listener.target_group}" if listener.target_group else ""
    return RuleRef(f"listener {listener.port}/{listener.protocol}{target}", listener.path)


@dataclass(frozen=True, slots=True)
class TargetChoice:
    group: TargetGroup
    target: Target
    address: Address
    others: tuple[str, ...]
    fail_open: bool


def open_target_connection(ctx: Context, node: Eni, client: Packet,
                           connection: int) -> Walker:
    """The load balancer's side: choose a target and send to it (a new connection for
    ALB/CLB, the client's own packet for an NLB preserving the client IP)."""
    net = ctx.net
    lb = net.model.load_balancers[node.owner]
    listener = find_listener(lb, client)
    w = Walker(ctx, connection=connection, reply=False, ephemeral=EPHEMERAL["elb"])
    choice = _choose_target(w, lb, node, listener, client)
    if choice is None:
        return w
    preserve = lb.type == "network" and choice.group.preserve_client_ip
    if preserve:
        packet = Packet(client.protocol, client.src_ip, client.src_port, choice.address,
                        choice.target.port)
        w.ephemeral = _client_ephemeral(w)
        w.return_via = node
        seen = f"the target sees the client's own address {client.src_ip} (client IP " \
               "preservation)"
    else:
        port = pick_port(EPHEMERAL["elb"].ports, lb.name, client) \
            if client.src_port is not None else None
        packet = Packet(client.protocol, node.private_ip, port, choice.address,
                        choice.target.port)
        seen = f"a new connection from the node's address {node.private_ip}; the target never " \
               "sees the client's IP" + (" (it travels in X-Forwarded-For)"
                                          if lb.type == "application" else "")
    others = f"; other targets: {', '.join(choice.others)}" if choice.others else ""
    health = " (no healthy target: all receive traffic, fail-open)" if choice.fail_open else ""
    note = w.note_once("lb-pick", f"{lb.name} spreads requests over its healthy targets; the "
                       "trace follows one")
    w.hop("target-group", choice.group.name, "forward",
          f"{choice.group.name} sends to {choice.target.target} ({choice.address}:"
          f"{choice.target.port}, {choice.group.target_type} target){health}{others}: {seen}",
          packet, rule=None, note=note)
    if not preserve and not w.egress_allowed(node, packet):
        return w
    w.leave_subnet(net.model.subnets[node.subnet], packet)
    return w


def _client_ephemeral(w: Walker) -> Ephemeral:
    """With client IP preservation the source port is still the client's."""
    return w.ctx.client_ephemeral or EPHEMERAL["internet"]


def _choose_target(w: Walker, lb: LoadBalancer, node: Eni, listener: Listener | None,
                   client: Packet) -> TargetChoice | None:
    model = w.model
    group = model.target_groups.get(listener.target_group) if listener and \
        listener.target_group else None
    if group is None or not group.targets:
        what = f"{group.name} has no targets" if group else \
            f"the listener of {lb.name} forwards to no target group"
        w.block("NO_TARGETS", "load-balancer", lb.name, what,
                f"register targets with {group.name if group else 'a target group'}", client)
        return None
    healthy = [t for t in group.targets if t.healthy]
    pool = healthy or list(group.targets)
    node_az = model.subnets[node.subnet].az
    pool.sort(key=lambda t: _target_az(w, group, t) != node_az)
    chosen = pool[0]
    address = _target_address(w, group, chosen)
    others = tuple(t.target for t in pool[1:])
    return TargetChoice(group, chosen, address, others, fail_open=not healthy)


def _target_address(w: Walker, group: TargetGroup, target: Target) -> Address:
    import ipaddress

    if group.target_type == "instance":
        instance = w.model.instances[target.target]
        return w.model.enis[instance.enis[0]].private_ip
    return ipaddress.IPv4Address(target.target)


def _target_az(w: Walker, group: TargetGroup, target: Target) -> str:
    if group.target_type != "instance":
        return ""
    instance = w.model.instances[target.target]
    eni = w.model.enis[instance.enis[0]]
    return w.model.subnets[eni.subnet].az
