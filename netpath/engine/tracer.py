"""trace(): a query in, a Trace out.

Resolves the source and destination, walks the request (one connection per load balancer or
Ingress controller on the way), then walks each reply back in reverse order, and numbers the
hops. Each walk is the loop of `netpath.engine.walk.loop` from a starting position.
"""

from __future__ import annotations

from dataclasses import replace

from netpath.engine.balancers import request_for
from netpath.engine.codes import CODES
from netpath.engine.coredns import ClusterDnsAnswer
from netpath.engine.endpoints import PUBLIC_RESOLVER, vpc_resolver
from netpath.engine.hops import Choice, ChoiceRule, Packet, Query, Trace
from netpath.engine.inferences import inference_notes
from netpath.engine.ingress_nginx import is_controller
from netpath.engine.network import Network
from netpath.engine.ports import EPHEMERAL, Ephemeral, ephemeral_for, pick_port
from netpath.engine.resolve import (
    DnsAnswer,
    Endpoint,
    nxdomain_hint,
    resolve_destination,
    resolve_source,
)
from netpath.engine.walk.loop import walk
from netpath.engine.walk.pod_dns import cluster_dns_hops
from netpath.engine.walk.position import (
    Arrived,
    At,
    Context,
    ControllerConnection,
    Flow,
    LbConnection,
    NodeAt,
    PodAt,
    RouteTo,
    Sender,
    Walk,
    Where,
)
from netpath.model.addr import Address
from netpath.model.vocabulary import Action, Code, Component, Direction

MAX_CONNECTIONS = 4  # client -> load balancer -> ... ; guards against LB chains looping
PORTLESS = ("icmp",)
_DNS_PORT = 53


def trace(net: Network, query: Query) -> Trace:
    ctx = Context(net, endpoint_preference=query.endpoint)
    source = resolve_source(net, query.source)
    destination, answer = resolve_destination(net, query.destination, source,
                                              dns_for_unknown=query.dns_for_unknown)
    notes: list[str] = []
    port = _port(query, destination, notes)
    client = ephemeral_for(source.client_os) if (source.eni or source.pod) \
        else EPHEMERAL["internet"]
    ctx.client_ephemeral = client
    flow: Packet | None = None
    if destination is None:
        # The name did not resolve: no connection is opened, and the only packet the source
        # sends is its lookup (the flow shows no address the packet does not carry).
        packet = _lookup_packet(net, source, answer, client)
    else:
        sport = None if query.protocol in PORTLESS else pick_port(
            client.ports, source.address, destination.address, port)
        packet = flow = Packet(query.protocol, source.address, sport, destination.address,
                               port)
        if sport is not None:
            notes.append(f"source port {sport}: from {client}")

    first = Walk(ctx, connection=1, reply=False)
    if isinstance(answer, DnsAnswer):
        _dns_hop(first, answer, packet, source)
    elif answer is not None:
        lookup = packet if flow is None else _lookup_packet(net, source, answer, client)
        cluster_dns_hops(first, source, answer, packet, lookup)
        if first.blocked is not None and flow is not None:
            # A policy stops the lookup: the name never resolves for the pod, so no connection
            # is opened (the flow shows no address the pod could not learn).
            flow = None
            notes = [n for n in notes if not n.startswith(f"source port {packet.src_port}:")]
    start = _start(first, query, source, destination, packet, client)
    if start is not None:
        walk(first, start)
    walks = [first]
    while len(walks) < MAX_CONNECTIONS:
        following = _next_connection(ctx, walks[-1], len(walks) + 1, query)
        if following is None:
            break
        walks.append(following)
    forward = [hop for w in walks for hop in w.hops]
    blocked = next((w.blocked for w in walks if w.blocked), None)
    replies: list[Walk] = []
    if blocked is None:
        for w in reversed(walks):
            reply = _walk_reply(ctx, w)
            replies.append(reply)
            if reply.blocked:
                blocked = reply.blocked
                break
    back = [hop for w in replies for hop in w.hops]
    hops, return_path = tuple(forward), tuple(back)  # numbered as they were made
    if blocked is not None:
        where = hops if blocked.direction == Direction.FORWARD else return_path
        blocked = replace(blocked, step=where[-1].step if where else 0,
                          aws_code=blocked.aws_code or CODES[blocked.code].aws_code)
    # A pod's lookup through its cluster's DNS (dnsPolicy ClusterFirst; Default, and a
    # hostNetwork pod's ClusterFirst, ask the node's resolver)
    asked = source.cluster if isinstance(answer, ClusterDnsAnswer) and \
        answer.resolv_conf.cluster else None
    clusters = {c for c in (source.cluster, destination.cluster if destination else None) if c}
    notes += inference_notes(net.model, (*hops, *return_path), clusters | ctx.clusters, asked)
    return Trace(query, flow, hops, return_path, blocked, tuple(notes), port)


def _port(query: Query, destination: Endpoint | None, notes: list[str]) -> int | None:
    if query.protocol in PORTLESS:
        return None
    if query.port is not None:
        return query.port
    if destination is not None and destination.default_port is not None:
        port, why = destination.default_port
        notes.append(f"no --port: assumed {query.protocol}/{port} ({why})")
        return port
    notes.append(f"no --port: assumed {query.protocol}/443")
    return 443


def _start(w: Walk, query: Query, source: Endpoint, destination: Endpoint | None,
           packet: Packet, client: Ephemeral) -> At[object] | None:
    """Where the first connection starts, unless the name lookup or a missing pod IP
    stopped it."""
    if w.blocked is not None:
        return None
    if _without_ip(w, source, packet) or _without_ip(w, destination, packet):
        return None
    if destination is None:
        _nxdomain(w, query.destination, source, packet,
                  nxdomain_hint(w.net, query.destination, source))
        return None
    flow = Flow(reply=False, ephemeral=client)
    if source.pod is not None and source.cluster is not None:
        return At(Where.POD_SENDS, PodAt(source.cluster, source.pod.key), packet, flow)
    if source.eni is not None:
        return At(Where.INTERFACE_SENDS, Sender(source.eni.name, source.label), packet, flow)
    return At(Where.INTERNET_CLIENT, source.label, packet, flow)


def _without_ip(w: Walk, endpoint: Endpoint | None, packet: Packet) -> bool:
    """A pod the VPC CNI could not give an address never sends or receives anything."""
    if endpoint is None or endpoint.pod is None or endpoint.cluster is None:
        return False
    problem = w.net.kube.pods_without_ip.get((endpoint.cluster, endpoint.pod.key))
    if problem is None:
        return False
    w.block(problem.code, Component.POD, endpoint.pod.key, problem.reason, problem.fix,
            packet)
    return True


def _dns_hop(w: Walk, answer: DnsAnswer, packet: Packet, source: Endpoint) -> None:
    chain = " -> ".join((answer.name, *answer.chain))
    addresses = ", ".join(str(a) for a in answer.addresses)
    following = f" (following {answer.addresses[0]})" if len(answer.addresses) > 1 else ""
    asker = f"{source.label} asks" if source.eni else "the client asks"
    others = tuple(str(a) for a in answer.addresses[1:])
    w.hop(Component.DNS, answer.source, Action.RESOLVE,
          f"{asker} {answer.source}: {chain} -> {addresses}{following}", packet,
          choice=Choice(str(answer.addresses[0]), others, ChoiceRule.FIRST_ADDRESS)
          if others else None)


def _nxdomain(w: Walk, name: str, source: Endpoint, packet: Packet, hint: str | None) -> None:
    where = f"from {source.eni.vpc}" if source.eni else "from the internet"
    fix = f"add a record for {name} to `dns:` (or an internet host)"
    w.block(Code.DNS_NXDOMAIN, Component.DNS, "route53",
            f"{name} does not resolve {where}: no Route 53 record, interface endpoint or "
            "internet host has that name", f"{fix} ({hint})" if hint else fix, packet)


def _lookup_packet(net: Network, source: Endpoint, answer: object,
                   client: Ephemeral) -> Packet:
    """The query a source sends for a name: udp/53 to its resolver (a pod's nameserver from
    its resolv.conf, else its VPC's Amazon-provided DNS, else the client's own resolver)."""
    resolver: Address = PUBLIC_RESOLVER
    if isinstance(answer, ClusterDnsAnswer) and answer.resolv_conf.nameserver is not None:
        resolver = answer.resolv_conf.nameserver
    elif source.eni is not None:
        resolver = vpc_resolver(net, source.eni.vpc)
    port = pick_port(client.ports, source.address, resolver, _DNS_PORT)
    return Packet("udp", source.address, port, resolver, _DNS_PORT)


def _next_connection(ctx: Context, last: Walk, number: int, query: Query) -> Walk | None:
    """A load balancer, or an in-cluster Ingress controller, opens the next connection."""
    arrival = last.arrival
    if last.blocked is not None or arrival is None:
        return None
    start: At[object] | None = None
    if arrival.kind == Arrived.LOAD_BALANCER and arrival.eni is not None:
        start = At(Where.TARGET_GROUP, LbConnection(arrival.eni, request_for(query)),
                   arrival.packet, Flow(reply=False, ephemeral=EPHEMERAL["elb"]))
    elif arrival.kind == Arrived.POD and arrival.cluster is not None:
        pod = ctx.net.model.clusters[arrival.cluster].pods[arrival.name]
        if is_controller(pod) and arrival.packet.dst_port in (80, 443):
            start = At(Where.INGRESS_CONTROLLER,
                       ControllerConnection(arrival.cluster, pod.key, request_for(query)),
                       arrival.packet, Flow(reply=False, ephemeral=EPHEMERAL["linux"]))
    if start is None:
        return None
    return walk(Walk(ctx, connection=number, reply=False), start)


def _walk_reply(ctx: Context, request: Walk) -> Walk:
    arrival = request.arrival
    assert arrival is not None
    reply = arrival.packet.reply()
    w = Walk(ctx, connection=request.connection, reply=True)
    flow = Flow(reply=True, ephemeral=arrival.ephemeral, return_via=arrival.flow.return_via)
    start: At[object]
    if arrival.kind == Arrived.POD and arrival.cluster is not None:
        start = At(Where.POD_SENDS, PodAt(arrival.cluster, arrival.name), reply, flow)
    elif arrival.kind == Arrived.NODE and arrival.cluster is not None:
        start = At(Where.NODE_REPLIES, NodeAt(arrival.cluster, arrival.name), reply, flow)
    elif arrival.eni is not None:
        eni = ctx.net.enis[arrival.eni]
        label = ctx.net.display_name(eni) if arrival.kind == Arrived.INTERFACE else arrival.name
        start = At(Where.INTERFACE_SENDS, Sender(eni.name, label), reply, flow)
    elif arrival.kind == Arrived.SERVICE and arrival.subnet is not None:
        start = At(Where.SERVICE_REPLIES, RouteTo(arrival.subnet, arrival.name), reply, flow)
    else:
        start = At(Where.INTERNET_CLIENT, arrival.name, reply, flow)
    return walk(w, start)
