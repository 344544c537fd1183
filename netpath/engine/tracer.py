"""trace(): a query in, a Trace out.

Resolves the source and destination, walks the request (one connection per load balancer on
the way), then walks each reply back in reverse order, and numbers the hops.
"""

from __future__ import annotations

from dataclasses import replace

from netpath.engine import balancers
from netpath.engine.codes import CODES
from netpath.engine.gateways import on_internet
from netpath.engine.network import Network
from netpath.engine.ports import EPHEMERAL, ephemeral_for, pick_port
from netpath.engine.resolve import DnsAnswer, Endpoint, resolve_destination, resolve_source
from netpath.engine.trace import Packet, Query, Trace
from netpath.engine.walk import Context, Walker
from netpath.model.resources import Eni, Subnet

MAX_CONNECTIONS = 4  # client -> load balancer -> ... ; guards against LB chains looping
PORTLESS = ("icmp",)


def trace(net: Network, query: Query) -> Trace:
    ctx = Context(net, endpoint_preference=query.endpoint)
    source = resolve_source(net, query.source)
    destination, answer = resolve_destination(net, query.destination, source)
    notes: list[str] = []
    port = _port(query, destination, notes)
    client = ephemeral_for(source.client_os) if (source.eni or source.pod) \
        else EPHEMERAL["internet"]
    ctx.client_ephemeral = client
    address = destination.address if destination else source.address
    sport = None if query.protocol in PORTLESS else pick_port(
        client.ports, source.address, address, port)
    packet = Packet(query.protocol, source.address, sport, address, port)
    if sport is not None:
        notes.append(f"source port {sport}: from {client}")

    first = Walker(ctx, connection=1, reply=False, ephemeral=client)
    if isinstance(answer, DnsAnswer):
        _dns_hop(first, answer, packet, source)
    elif answer is not None:
        from netpath.engine.pod_dns import cluster_dns_hops

        cluster_dns_hops(first, source, answer, packet)
    _start(first, query, source, destination, packet)
    walkers = [first]
    while len(walkers) < MAX_CONNECTIONS:
        following = _next_connection(ctx, walkers[-1], len(walkers) + 1, query)
        if following is None:
            break
        walkers.append(following)
    forward = [hop for w in walkers for hop in w.hops]
    blocked = next((w.blocked for w in walkers if w.blocked), None)
    replies: list[Walker] = []
    if blocked is None:
        for w in reversed(walkers):
            reply = _walk_reply(ctx, w)
            replies.append(reply)
            if reply.blocked:
                blocked = reply.blocked
                break
    back = [hop for w in replies for hop in w.hops]
    hops = tuple(replace(h, step=i) for i, h in enumerate(forward, 1))
    return_path = tuple(replace(h, step=i) for i, h in enumerate(back, len(hops) + 1))
    if blocked is not None:
        where = hops if blocked.direction == "forward" else return_path
        blocked = replace(blocked, step=where[-1].step if where else 0,
                          aws_code=blocked.aws_code or CODES[blocked.code].aws_code)
    return Trace(query, packet, hops, return_path, blocked, tuple(notes))


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


def _start(w: Walker, query: Query, source: Endpoint, destination: Endpoint | None,
           packet: Packet) -> None:
    """The first connection's start, unless the name lookup or a missing pod IP stopped it."""
    if w.blocked is not None:
        return
    if _without_ip(w, source, packet) or _without_ip(w, destination, packet):
        return
    if destination is None:
        _nxdomain(w, query.destination, source, packet)
    else:
        _send(w, source, packet)


def _without_ip(w: Walker, endpoint: Endpoint | None, packet: Packet) -> bool:
    """A pod the VPC CNI could not give an address never sends or receives anything."""
    if endpoint is None or endpoint.pod is None or endpoint.cluster is None:
        return False
    problem = w.net.kube.pods_without_ip.get((endpoint.cluster, endpoint.pod.key))
    if problem is None:
        return False
    w.block(problem.code, "pod", endpoint.pod.key, problem.reason, problem.fix, packet)
    return True


def _dns_hop(w: Walker, answer: DnsAnswer, packet: Packet, source: Endpoint) -> None:
    chain = " -> ".join((answer.name, *answer.chain))
    addresses = ", ".join(str(a) for a in answer.addresses)
    following = f" (following {answer.addresses[0]})" if len(answer.addresses) > 1 else ""
    asker = f"{source.label} asks" if source.eni else "the client asks"
    w.hop("dns", answer.source, "resolve",
          f"{asker} {answer.source}: {chain} -> {addresses}{following}", packet)


def _nxdomain(w: Walker, name: str, source: Endpoint, packet: Packet) -> None:
    where = f"from {source.eni.vpc}" if source.eni else "from the internet"
    w.block("DNS_NXDOMAIN", "dns", "route53",
            f"{name} does not resolve {where}: no Route 53 record, interface endpoint or "
            "internet host has that name",
            f"add a record for {name} to `dns:` (or an internet host)", packet)


def _send(w: Walker, source: Endpoint, packet: Packet) -> None:
    if source.pod is not None and source.cluster is not None:
        from netpath.engine.pods import send_from_pod

        send_from_pod(w, w.model.clusters[source.cluster], source.pod, packet)
        return
    if source.eni is not None:
        send_from_eni(w, source.eni, packet, source.label)
        return
    who = "a client on the internet" if source.label == "internet" else source.label
    w.hop("internet", source.label, "send",
          f"{who} ({packet.src_ip}) opens {_service(packet)} to {packet.dst_ip} from port "
          f"{packet.src_port}" if packet.src_port is not None else
          f"{who} ({packet.src_ip}) sends {_service(packet)} to {packet.dst_ip}", packet)
    on_internet(w, packet)


def send_from_eni(w: Walker, eni: Eni, packet: Packet, label: str) -> None:
    component = eni.owner_kind if eni.owner_kind != "network-interface" else "eni"
    if w.reply:
        detail = f"{label} replies to {packet.dst_ip}"
    else:
        detail = f"{label} ({eni.private_ip}) opens {_service(packet)} to {packet.dst_ip}"
        if packet.src_port is not None:
            detail += f" from port {packet.src_port}"
    w.hop(component, label, "send", detail, packet)
    if eni.name in w.net.kube.node_of_eni:
        from netpath.engine.pods import node_sends  # kube-proxy on the node, local pods

        node_sends(w, eni, packet)
        return
    if not w.egress_allowed(eni, packet):
        return
    w.leave_subnet(w.model.subnets[eni.subnet], packet)


def _service(packet: Packet) -> str:
    return packet.protocol if packet.dst_port is None else f"{packet.protocol}/{packet.dst_port}"


def _next_connection(ctx: Context, last: Walker, number: int, query: Query) -> Walker | None:
    """A load balancer, or an in-cluster Ingress controller, opens the next connection."""
    arrival = last.arrival
    if last.blocked is not None or arrival is None:
        return None
    if arrival.kind == "load-balancer" and arrival.eni is not None:
        return balancers.open_target_connection(ctx, arrival.eni, arrival.packet, number,
                                                request=balancers.request_for(query))
    if arrival.kind == "pod" and arrival.cluster is not None:
        from netpath.engine import ingress_nginx

        cluster = ctx.net.model.clusters[arrival.cluster]
        pod = cluster.pods[arrival.name]
        if ingress_nginx.is_controller(pod) and arrival.packet.dst_port in (80, 443):
            return ingress_nginx.open_backend_connection(
                ctx, cluster, pod, arrival.packet, number, balancers.request_for(query))
    return None


def _walk_reply(ctx: Context, request: Walker) -> Walker:
    arrival = request.arrival
    assert arrival is not None
    reply = arrival.packet.reply()
    w = Walker(ctx, connection=request.connection, reply=True, ephemeral=arrival.ephemeral)
    w.return_via = request.return_via
    if arrival.kind == "pod" and arrival.cluster is not None:
        from netpath.engine.pods import send_from_pod

        cluster = w.model.clusters[arrival.cluster]
        send_from_pod(w, cluster, cluster.pods[arrival.name], reply)
    elif arrival.kind == "node" and arrival.cluster is not None:
        from netpath.engine.pods import node_replies

        node_replies(w, w.model.clusters[arrival.cluster], arrival.name, reply)
    elif arrival.eni is not None:
        label = w.net.display_name(arrival.eni) if arrival.kind == "eni" else arrival.name
        send_from_eni(w, arrival.eni, reply, label)
    elif arrival.kind == "service" and arrival.subnet is not None:
        _reply_from_service(w, arrival.name, arrival.subnet, reply)
    else:
        w.hop("internet", arrival.name, "send", f"{arrival.name} replies to {reply.dst_ip}",
              reply)
        on_internet(w, reply)
    return w


def _reply_from_service(w: Walker, service: str, subnet: Subnet, reply: Packet) -> None:
    w.hop("vpc-endpoint", service, "send",
          f"{service} replies through the gateway endpoint", reply)
    if not w.nacl_allows(subnet, "inbound", reply):
        return
    w.deliver_local(subnet.vpc, subnet, reply)

