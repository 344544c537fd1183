"""IP exhaustion: subnets running out of addresses, and pods that get none.

Both read `netpath.engine.capacity` (what `netpath capacity` shows): per subnet the addresses
AWS reserves, the spec's interfaces, and what the VPC CNI takes for pods and warm pools, with
the default CNI settings.
https://docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses.html
"""

from __future__ import annotations

from collections.abc import Iterator

from netpath.checks.lint import Hit, rule
from netpath.checks.rules.context import LintContext, plural
from netpath.model.vocabulary import Severity

# A subnet is close to exhaustion below this share of its usable addresses free.
FREE_SHARE = 0.10


@rule("SUB003", "subnet.ip-exhaustion", Severity.WARNING,
      summary="A subnet close to IP exhaustion: under 10% of its addresses free, or fewer free "
              "than the pods its nodes could still run.",
      fix="Use a larger subnet or add one, shrink the VPC CNI's warm pools, or use prefix "
          "delegation.",
      source="https://docs.aws.amazon.com/eks/latest/best-practices/networking.html")
def ip_exhaustion(ctx: LintContext) -> Iterator[Hit]:
    """A subnet cannot grow: once its addresses are gone, new pods stay in ContainerCreating,
    nodes cannot scale out and load balancers cannot add nodes. With the VPC CNI every pod
    takes a subnet address and each node keeps a warm pool of idle ones, so a subnet that
    looks half empty in the console can be spoken for. Warned when fewer than 10% of the
    usable addresses (the size minus AWS's five) are free, when the nodes in the subnet have
    room for more pods than there are free addresses, or when a warm pool was already cut
    short.

    Anti-pattern:

        subnets:
          private-a: {cidr: 10.0.10.0/27, az: us-east-1a}   # 27 usable, nodes of 29 pods each

    Best practice:

        subnets:
          private-a: {cidr: 10.0.64.0/19, az: us-east-1a}   # or a secondary CIDR for pods
    """
    report = ctx.capacity
    room: dict[str, int] = {}
    for node in report.nodes:
        if node.subnet is not None and node.limits is not None:
            left = max(0, node.limits.pod_ips - node.pods_with_ip)
            room[node.subnet] = room.get(node.subnet, 0) + left
    for subnet in report.subnets:
        usable = subnet.size - subnet.reserved
        free = max(0, subnet.free)
        more = room.get(subnet.name, 0)
        low = free < usable * FREE_SHARE
        if not (low or more > free or subnet.short):
            continue
        share = round(100 * free / usable) if usable else 0
        taken = [plural(subnet.interfaces, "interface")]
        if subnet.cni_addresses:
            taken.append(f"{subnet.cni_addresses} taken by the VPC CNI ({subnet.pod_ips} pod "
                         f"IPs, {subnet.idle} idle in warm pools)")
        extra = f"; its nodes have room for {plural(more, 'more pod')}" if more > free else ""
        if subnet.short:
            extra += f"; the warm pools want {subnet.short} more than it has"
        fix = ("use a larger subnet or add one (a secondary VPC CIDR with custom networking for "
               "pods), shrink the warm pools (WARM_IP_TARGET, MINIMUM_IP_TARGET) or enable "
               "prefix delegation" if subnet.cni_addresses else
               "use a larger subnet, or spread the interfaces over more subnets")
        model_subnet = ctx.model.subnets[subnet.name]
        yield Hit(f"subnet {subnet.name} ({subnet.cidr}) has "
                  f"{plural(free, 'free address', 'free addresses')} of {usable} ({share}%): "
                  f"{', '.join(taken)}{extra}", fix,
                  (*model_subnet.path, "cidr"))


@rule("POD001", "pod.no-ip", Severity.ERROR,
      summary="A pod the VPC CNI cannot give an IP (its node's limit or its subnet is "
              "exhausted).",
      fix="Use larger nodes or prefix delegation, or more (or larger) subnets.",
      source="https://docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses.html")
def pod_without_ip(ctx: LintContext) -> Iterator[Hit]:
    """With the VPC CNI a node holds at most ENIs x (IPv4 addresses per ENI - 1) pod IPs,
    and every one comes from the node's subnet. A pod beyond either limit stays in
    ContainerCreating ("failed to assign an IP address to container"): the guide's IP
    exhaustion case. Which pod loses is a race in a real cluster; netpath's choice (pods by
    name) only stands for "one of these".

    Anti-pattern:

        instances:
          node-1: {subnet: private-a, instance_type: t3.small}   # 3 ENIs x (4 - 1) = 9 pod IPs
        # and a Deployment of 12 replicas on node-1

    Best practice:

        instances:
          node-1: {subnet: private-a, instance_type: m5.large}   # 3 ENIs x (10 - 1) = 27
    """
    for (cluster_name, key), problem in ctx.network.kube.pods_without_ip.items():
        cluster = ctx.model.clusters.get(cluster_name)
        pod = cluster.pods.get(key) if cluster is not None else None
        if pod is None:
            continue
        yield Hit(f"pod {key} on node {problem.node} gets no IP: {problem.reason}",
                  problem.fix, pod.path)
