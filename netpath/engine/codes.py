"""Explanation codes: stable identities for why a trace was blocked.

A code never changes meaning once released. `aws_code` names the closest AWS Reachability
Analyzer explanation code, so users can cross-check
(https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html).
`CODES` describes every member of `netpath.model.vocabulary.Code`, exactly once (checked at
import). The README's table is generated from this registry (`tools/readme.py`) and a test
keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from netpath.model.record import record
from netpath.model.vocabulary import Code


@record
class Explanation:
    """What an explanation code means: its title, description and closest AWS code."""

    code: Code
    aws_code: str | None
    title: str
    description: str


def _registry(*explanations: Explanation) -> Mapping[Code, Explanation]:
    """The explanations by code, in the order given; fails unless every `Code` is described
    exactly once."""
    table: dict[Code, Explanation] = {}
    for explanation in explanations:
        code = Code(explanation.code)
        if code in table:
            raise ValueError(f"explanation code {code.value!r} registered twice")
        table[code] = explanation
    missing = [code.value for code in Code if code not in table]
    if missing:
        raise ValueError(f"explanation code(s) {', '.join(missing)} not registered")
    return MappingProxyType(table)


CODES: Mapping[Code, Explanation] = _registry(
    Explanation(
        Code.NO_ROUTE, "NO_ROUTE_TO_DESTINATION", "No route matches",
        "No route in the route table (or transit gateway route table) matches the destination."),
    Explanation(
        Code.BLACKHOLE_ROUTE, "BAD_STATE_ROUTE", "Blackhole route",
        "The most specific matching route is a blackhole: its target was deleted or is "
        "explicitly blackholed, and packets are dropped."),
    Explanation(
        Code.SG_EGRESS_DENIED, "ENI_SG_RULES_MISMATCH", "Security group egress denies",
        "No outbound rule of any security group on the sending interface allows the packet."),
    Explanation(
        Code.SG_INGRESS_DENIED, "ENI_SG_RULES_MISMATCH", "Security group ingress denies",
        "No inbound rule of any security group on the receiving interface allows the packet."),
    Explanation(
        Code.NACL_OUTBOUND_DENIED, "SUBNET_ACL_RESTRICTION", "Network ACL denies outbound",
        "The network ACL of the subnet the packet leaves denies it (first matching rule, or "
        "the implicit final deny)."),
    Explanation(
        Code.NACL_INBOUND_DENIED, "SUBNET_ACL_RESTRICTION", "Network ACL denies inbound",
        "The network ACL of the subnet the packet enters denies it."),
    Explanation(
        Code.NACL_RETURN_DENIED, "SUBNET_ACL_RESTRICTION", "Network ACL denies the reply",
        "NACLs are stateless: a network ACL on the way back does not let the reply through "
        "to the client's ephemeral ports (all of them, or only part: intermittent failures)."),
    Explanation(
        Code.NO_PUBLIC_IP, "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", "No public IP",
        "The interface has no public or Elastic IP, so the internet gateway cannot translate "
        "it: no internet path, even with a route to the internet gateway. From the internet "
        "only public IPs are reachable."),
    Explanation(
        Code.NAT_NO_INTERNET_ROUTE, "NO_ROUTE_TO_DESTINATION", "NAT gateway has no internet route",
        "The NAT gateway's own subnet does not route the destination to an internet gateway, "
        "or the NAT gateway is private (no internet path at all)."),
    Explanation(
        Code.NAT_INBOUND_REFUSED, None, "NAT gateway refuses inbound connections",
        "A NAT gateway never accepts connections initiated from outside: it only translates "
        "connections its VPC opened."),
    Explanation(
        Code.PEERING_NOT_TRANSITIVE, "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR",
        "Peering is not transitive",
        "A VPC peering connection only carries traffic between the two peered VPCs: no "
        "transitive routing, and no edge-to-edge routing through the peer's internet gateway, "
        "NAT gateway, VPN or gateway endpoint."),
    Explanation(
        Code.PEERING_INACTIVE, "BAD_STATE", "Peering not active",
        "The VPC peering connection is not active (pending acceptance or deleted)."),
    Explanation(
        Code.NO_RETURN_ROUTE, None, "No route back",
        "The request arrives but the reply has no route back to the client (or a different "
        "route than the request used, so the client drops it)."),
    Explanation(
        Code.TGW_NO_ATTACHMENT, "TGW_ROUTE_AZ_RESTRICTION", "No transit gateway attachment",
        "The VPC has no attachment to the transit gateway, or none in the source's "
        "Availability Zone."),
    Explanation(
        Code.SOURCE_DEST_CHECK, "ENI_SOURCE_DEST_CHECK_RESTRICTION", "Source/destination check",
        "A route sends traffic through an interface that still has source/destination check "
        "enabled, so it drops traffic not addressed to it."),
    Explanation(
        Code.ENDPOINT_POLICY_DENIED, None, "Endpoint policy denies",
        "The VPC endpoint's policy denies the request."),
    Explanation(
        Code.NO_LISTENER, "ELBV2_LISTENERS_MISMATCH", "No listener",
        "The load balancer has no listener on the destination port, or the host does not "
        "listen on it."),
    Explanation(
        Code.NO_TARGETS, "ELBV2_LISTENER_HAS_NO_TG", "No targets",
        "The listener forwards to no target group, or the target group has no targets."),
    # Health is not configuration, so Reachability Analyzer has no code for these two.
    Explanation(
        Code.TARGET_UNHEALTHY, None, "Target unhealthy",
        "The target the trace was asked to follow (`--endpoint`) fails its health checks while "
        "other targets of its group pass: the load balancer sends it no new connections."),
    Explanation(
        Code.NO_HEALTHY_TARGETS, None, "No healthy targets",
        "Every target of the group fails its health checks and the load balancer does not "
        "fail open: a Classic Load Balancer answers 503 or refuses the connection. (ALBs and "
        "NLBs fail open and send to all targets: the trace goes on, with a note.)"),
    Explanation(
        Code.UNKNOWN_ENDPOINT, "NO_SOURCE_OR_DESTINATION", "Nothing there",
        "No network interface, load balancer or host in the spec has the destination address."),
    Explanation(
        Code.DNS_NXDOMAIN, None, "Name does not resolve",
        "The name is not in any Route 53 record, interface endpoint's private DNS, or internet "
        "host visible from the source."),
    Explanation(
        Code.PRIVATE_ADDRESS_ON_INTERNET, "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS",
        "Private address sent to the internet",
        "An internet gateway drops packets to private (RFC 1918) and shared (RFC 6598) "
        "addresses: they are not routable on the internet."),
    Explanation(
        Code.SERVICE_NO_ENDPOINTS, None, "Service has no endpoints",
        "The Service has no endpoint to send to: its selector matches no ready pod in its "
        "namespace, its explicit endpoints are missing or not ready, or its traffic policy is "
        "Local and the node has none. kube-proxy rejects or drops the connection."),
    Explanation(
        Code.TARGET_PORT_NOT_EXPOSED, None, "targetPort not exposed",
        "Pods match the Service, but none declares a container port with the name its "
        "targetPort gives, so the EndpointSlice lists no endpoint for that port."),
    Explanation(
        Code.NO_POD_IP, None, "Pod cannot get an IP",
        "With the VPC CNI every pod takes an address of its node's subnet, through the "
        "node's ENIs: the node has no secondary IP (or prefix) left, or the subnet has no "
        "free address, so the pod stays in ContainerCreating."),
    Explanation(
        Code.ROUTING_LOOP, None, "Routing loop",
        "Route tables send the packet back to a route table it already crossed (through "
        "transit gateway or network interface routes); it would circle until its TTL expires."),
    # Kubernetes NetworkPolicy is not an AWS construct: no Reachability Analyzer equivalent.
    Explanation(
        Code.NETPOL_INGRESS_DENIED, None, "NetworkPolicy denies ingress",
        "The receiving pod is isolated for ingress (a NetworkPolicy selecting it has Ingress "
        "in its policyTypes) and no ingress rule of any policy selecting it admits the source "
        "and port. Policies judge the pod after Service DNAT, not the ClusterIP."),
    Explanation(
        Code.NETPOL_EGRESS_DENIED, None, "NetworkPolicy denies egress",
        "The sending pod is isolated for egress (a NetworkPolicy selecting it has Egress in "
        "its policyTypes) and no egress rule of any policy selecting it admits the destination "
        "and port. An egress default-deny also blocks DNS unless udp/53 and tcp/53 to the "
        "cluster DNS pods are allowed."),
    Explanation(
        Code.LB_SOURCE_RANGE_DENIED, None, "Outside the load balancer's source ranges",
        "The client's address is outside a LoadBalancer Service's `loadBalancerSourceRanges` "
        "(or its `service.beta.kubernetes.io/load-balancer-source-ranges` annotation): the "
        "provider's firewall, and kube-proxy, drop the connection. (With an AWS part the "
        "ranges become the load balancer's security group, and the trace says SG_INGRESS_DENIED.)"),
)
