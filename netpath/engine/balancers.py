"""Load balancer facts the walk and the loaders share: which listener takes a packet, what an
ALB's rules see of a request, and how the AWS Load Balancer Controller marks its rules.

The walk through a load balancer (listeners, target choice, client IP preservation, health)
is in `netpath.engine.walk.balancers`.
"""

from __future__ import annotations

from netpath.engine.hops import Packet, Query
from netpath.engine.listener_rules import HttpRequest
from netpath.model.resources import Listener, LoadBalancer

# The description the AWS Load Balancer Controller gives the inbound rules it adds to node and
# pod security groups (--enable-backend-security-group, manage-backend-security-group-rules);
# netpath's synthesis writes the same, so the trace can say who added the rule.
CONTROLLER_RULE_DESCRIPTION = "elbv2.k8s.aws/targetGroupBinding=shared"


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


def request_for(query: Query) -> HttpRequest:
    """The HTTP request an ALB's rules see: the Host is `--host`, else the name the client
    connected to (a DNS name, or the address it was given); the path is `--path` ("/")."""
    return HttpRequest(query.host if query.host is not None else query.destination,
                       query.url_path or "/")
