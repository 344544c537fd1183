"""The network graph netpath knows: each kind of position, and the handler that knows what
happens to a packet there. Reading this table tells what netpath models; adding a component is
one handler and one line here.

A handler takes the walk and a position, records its hops (and whether the packet was blocked
or arrived) on the walk, and returns the next position, or STOP. Handlers never call each
other: the loop in `loop.py` moves the packet from one to the next.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from netpath.engine.walk import (
    balancers,
    cloud_lb,
    gateways,
    ingress_controller,
    internet,
    nodes,
    pods,
    vpc,
)
from netpath.engine.walk.position import At, Next, Walk, Where

Handler = Callable[[Walk, At[Any]], Next]


def _registry(*entries: tuple[Where, Handler]) -> Mapping[Where, Handler]:
    table: dict[Where, Handler] = {}
    for where, handler in entries:
        if where in table:
            raise ValueError(f"two handlers for the position {where!r}")
        table[where] = handler
    missing = set(Where) - set(table)
    if missing:
        raise ValueError(f"no handler for {', '.join(sorted(missing))}")
    return MappingProxyType(table)


HANDLERS: Mapping[Where, Handler] = _registry(
    # where a connection starts
    (Where.INTERNET_CLIENT, internet.internet_client),
    (Where.INTERFACE_SENDS, vpc.interface_sends),
    (Where.POD_SENDS, pods.pod_sends),
    (Where.NODE_REPLIES, nodes.node_replies),
    (Where.SERVICE_REPLIES, gateways.service_replies),
    (Where.TARGET_GROUP, balancers.target_group),
    (Where.INGRESS_CONTROLLER, ingress_controller.ingress_controller),
    # inside a VPC
    (Where.ROUTE_TABLE, vpc.route_table),
    (Where.LOCAL_ROUTE, vpc.local_route),
    (Where.INTERFACE, vpc.interface),
    (Where.INTERFACE_OWNER, vpc.interface_owner),
    (Where.MIDDLEBOX, vpc.middlebox),
    (Where.LOAD_BALANCER, balancers.load_balancer),
    (Where.NLB_RELAY, balancers.nlb_relay),
    (Where.CLOUD_LOAD_BALANCER, cloud_lb.cloud_load_balancer),
    # gateways, and the internet beyond them
    (Where.INTERNET_GATEWAY, internet.internet_gateway),
    (Where.INTERNET, internet.internet),
    (Where.INTERNET_GATEWAY_INBOUND, internet.internet_gateway_inbound),
    (Where.NAT_GATEWAY, gateways.nat_gateway),
    (Where.NAT_GATEWAY_INBOUND, gateways.nat_gateway_inbound),
    (Where.VPC_PEERING, gateways.vpc_peering),
    (Where.TRANSIT_GATEWAY, gateways.transit_gateway),
    (Where.TGW_ROUTE_TABLE, gateways.tgw_route_table),
    (Where.GATEWAY_ENDPOINT, gateways.gateway_endpoint),
    # Kubernetes
    (Where.POD_RECEIVES, pods.pod_receives),
    (Where.NODE_HOST_SENDS, nodes.node_host_sends),
    (Where.NODE_SENDS, nodes.node_sends),
    (Where.NODE_RECEIVES, nodes.node_receives),
    (Where.NODE_LOCAL, nodes.node_local),
)
