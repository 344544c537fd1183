"""The setup every question starts with: a compact topology summary of the scenario.

A few lines, not `netpath show`'s tree: what a learner needs to reason about the questions
(subnets and whether they are public, gateways, instances, databases, load balancers, the
cluster's pods and Services). Long lists are cut with "...".
"""

from __future__ import annotations

from netpath.model.resources import Model, Subnet

LIST_MAX = 8


def _cut(items: list[str]) -> str:
    shown = items[:LIST_MAX]
    return ", ".join(shown) + (f", ... ({len(items) - LIST_MAX} more)" if len(items) >
                               LIST_MAX else "")


def _subnet_kind(model: Model, subnet: Subnet) -> str:
    table = model.route_tables.get(subnet.route_table)
    targets = {r.target_kind for r in table.routes} if table else set()
    if "internet-gateway" in targets:
        return "public"
    if "nat-gateway" in targets:
        return "private, NAT"
    return "private"


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
    hosts += [f"{lb.kind_word} {lb.name} ({lb.scheme})" for lb in model.load_balancers.values()]
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
