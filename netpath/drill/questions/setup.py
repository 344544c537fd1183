"""The setup every question starts with: a compact topology summary of the scenario.

A few lines, not `netpath show`'s tree: what a learner needs to reason about the questions
(subnets and whether they are public, gateways, instances, databases, load balancers, the
cluster's pods and Services). Long lists are cut with "...". Deciding-rule questions add the
rules they are about (`nacl_line`, `security_group_lines`, `policy_lines`).
"""

from __future__ import annotations

from collections.abc import Iterable

from netpath.engine.network_policy_words import describe_peer, describe_port
from netpath.model.kubernetes import NetworkPolicy
from netpath.model.resources import LoadBalancer, Model, NetworkAcl, SecurityGroup, Subnet
from netpath.model.vocabulary import RouteTarget

LIST_MAX = 8


def _cut(items: list[str]) -> str:
    shown = items[:LIST_MAX]
    return ", ".join(shown) + (f", ... ({len(items) - LIST_MAX} more)" if len(items) >
                               LIST_MAX else "")


def _subnet_kind(model: Model, subnet: Subnet) -> str:
    if model.is_public(subnet):
        return "public"
    table = model.route_tables.get(subnet.route_table)
    if table is not None and any(r.target_kind == RouteTarget.NAT_GATEWAY for r in table.routes):
        return "private, NAT"
    return "private"


def _load_balancer(model: Model, lb: LoadBalancer) -> str:
    """`ALB web (internet-facing; nodes 10.0.1.254, 10.0.2.254; groups sg-alb)`: the node
    addresses a target sees as the source, the groups a rule may name."""
    nodes = [str(model.enis[e].private_ip) for e in lb.enis if e in model.enis]
    words = [lb.scheme] + ([f"nodes {', '.join(nodes)}"] if nodes else [])
    words += [f"groups {', '.join(lb.security_groups)}"] if lb.security_groups else []
    return f"{lb.kind_word} {lb.name} ({'; '.join(words)})"


def summary(name: str, model: Model) -> str:
    lines = [f"Scenario {name}" + (f": {model.description.strip()}" if model.description
                                   else "")]
    for vpc in model.vpcs.values():
        subnets = [f"{s.name} {s.cidr} ({_subnet_kind(model, s)}, {s.route_table})"
                   for s in model.subnets.values() if s.vpc == vpc.name]
        lines.append(f"VPC {vpc.name} {', '.join(str(c) for c in vpc.cidrs)} {vpc.region}: "
                     f"subnets {_cut(subnets)}")
    gateways = [f"internet gateway {g}" for g in model.internet_gateways]
    gateways += [f"NAT gateway {n.name} ({n.private_ip}" +
                 (f", Elastic IP {n.elastic_ip})" if n.elastic_ip else ")")
                 for n in model.nat_gateways.values()]
    gateways += [f"peering {p.name} ({p.requester}-{p.accepter})" for p in model.peerings.values()]
    if gateways:
        lines.append(f"Gateways: {_cut(gateways)}")
    hosts = [f"instance {i.name} ({model.enis[i.enis[0]].private_ip})"
             for i in model.instances.values() if i.enis]
    hosts += [f"database {d.name} ({model.enis[d.eni].private_ip}:{d.port})"
              for d in model.databases.values()]
    hosts += [_load_balancer(model, lb) for lb in model.load_balancers.values()]
    if hosts:
        lines.append(f"Hosts: {_cut(hosts)}")
    if model.internet_hosts:
        lines.append("Internet: " + _cut([f"{h.name} ({h.ip})"
                                          for h in model.internet_hosts.values()]))
    for cluster in model.clusters.values():
        where = f"in VPC {cluster.vpc}" if cluster.vpc else "Kubernetes only"
        policy = "NetworkPolicy enforced" if cluster.enforces_network_policy else \
            "NetworkPolicy not enforced"
        lines.append(f"Cluster {cluster.name} {where}, {cluster.cni}, {policy}; nodes "
                     + _cut([f"{n.name} ({n.ip})" for n in cluster.nodes.values()]))
        pods = [f"{p.key} ({p.ip})" for p in cluster.pods.values()]
        if pods:
            lines.append(f"  pods: {_cut(pods)}")
        services = [f"{s.key} {s.type}" + (f" {s.cluster_ip}" if s.cluster_ip else "")
                    for s in cluster.services.values()]
        if services:
            lines.append(f"  Services: {_cut(services)}")
        if cluster.network_policies:
            lines.append(f"  NetworkPolicies: {_cut(list(cluster.network_policies))}")
    return "\n".join(lines)


# --- the rules a deciding-rule question is about -----------------------------------------------
# Shown in the setup (as a route question shows its table), in the spellings the choices and
# the accepted answers use: at difficulty 3 the learner types the rule, so must have seen it.

IMPLICIT_DENY = "* deny (the implicit final rule)"


def nacl_line(acl: NetworkAcl, inbound: bool) -> str:
    """`Network ACL nacl-a, outbound rules (lowest number first): #100 allow ..., * deny ...`."""
    rules = acl.inbound if inbound else acl.outbound
    listed = ", ".join([*(str(r) for r in rules), IMPLICIT_DENY])
    direction = "inbound" if inbound else "outbound"
    return f"Network ACL {acl.name}, {direction} rules (lowest number first): {listed}"


def security_group_lines(groups: list[SecurityGroup], ingress: bool) -> list[str]:
    """One line per group on the interface: its rules of the question's direction."""
    way = "inbound" if ingress else "outbound"
    return [f"Security group {g.name}, {way} rules: "
            + ("; ".join(str(r) for r in (g.ingress if ingress else g.egress)) or "none")
            for g in groups]


def policy_lines(policies: Iterable[NetworkPolicy], direction: str, label: str = ""
                 ) -> list[str]:
    """One line per policy: its rules of the question's direction, numbered as answers name
    them (`ns/name ingress rule 2`); `label` says whether it selects the pod
    (`NetworkPolicy ns/name (selects ns/pod), ingress rules: ...`)."""
    return [f"NetworkPolicy {p.key}{label}, {direction} rules: "
            + ("; ".join(f"rule {i + 1}: {policy_rule_words(p, direction, i)}"
                         for i in range(len(getattr(p, direction))))
               or "none (it admits nothing)")
            for p in policies]


def policy_rule_words(policy: NetworkPolicy, direction: str, index: int) -> str:
    """`from pods app=web in namespace shop on tcp/8080`: a policy rule's peers and ports."""
    rule = getattr(policy, direction)[index]
    word = "from" if direction == "ingress" else "to"
    peers = " or ".join(describe_peer(policy, p) for p in rule.peers) or "anywhere"
    ports = ", ".join(describe_port(p) for p in rule.ports) or "every port"
    return f"{word} {peers} on {ports}"
