"""Worker nodes and databases in public subnets.

A subnet is public when its route table sends traffic to an internet gateway (any route to
one: AWS's own definition). https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html
"""

from __future__ import annotations

from collections.abc import Iterator

from netpath.checks.lint import Hit, rule
from netpath.checks.rules.context import LintContext
from netpath.model.resources import Eni, Route, Subnet
from netpath.model.vocabulary import Severity


def _public(ctx: LintContext, eni: Eni | None) -> tuple[Subnet, Route] | None:
    subnet = ctx.model.subnets.get(eni.subnet) if eni is not None else None
    route = ctx.model.internet_route(subnet) if subnet is not None else None
    return (subnet, route) if subnet is not None and route is not None else None


def _why(subnet: Subnet, route: Route) -> str:
    return (f"public subnet {subnet.name}: route table {subnet.route_table} sends "
            f"{route.destination_text} to internet gateway {route.target}")


@rule("SUB001", "subnet.public-worker-node", Severity.WARNING,
      summary="A Kubernetes worker node in a public subnet (a route to an internet gateway).",
      fix="Run nodes in private subnets (default route to a NAT gateway); expose workloads "
          "through a load balancer.",
      source="https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html")
def public_worker_node(ctx: LintContext) -> Iterator[Hit]:
    """Worker nodes in a public subnet are one security-group mistake (or one public IP) away
    from the internet, and every NodePort opens on them. The EKS best practice is nodes in
    private subnets, with a NAT gateway for their outbound traffic and load balancers in the
    public subnets for what must be reached from outside. Nodes are the instances a cluster's
    `nodes` name.

    Anti-pattern:

        subnets:
          public-a: {cidr: 10.0.1.0/24, az: us-east-1a, route_table: rt-public}  # 0.0.0.0/0 -> igw
        instances:
          node-1: {subnet: public-a}

    Best practice:

        subnets:
          private-a: {cidr: 10.0.10.0/24, az: us-east-1a, route_table: rt-private}  # -> nat-a
        instances:
          node-1: {subnet: private-a}
    """
    for name, instance in ctx.model.instances.items():
        found = ctx.node_of_instance.get(name)
        if found is None or not instance.enis:
            continue
        cluster, node = found
        eni = ctx.model.enis.get(instance.enis[0])
        public = _public(ctx, eni)
        if eni is None or public is None:
            continue
        what = node.name if node.name == name else f"{node.name} (instance {name})"
        exposed = f"; it has public IP {eni.public_ip}" if eni.public_ip else ""
        yield Hit(f"worker node {what} of cluster {cluster.name} is in {_why(*public)}{exposed}",
                  "move the node to a private subnet (default route to a NAT gateway) and "
                  "expose workloads through a load balancer in the public subnets",
                  (*instance.path, "subnet"))


@rule("SUB002", "subnet.public-database", Severity.WARNING,
      summary="A database in a public subnet (a route to an internet gateway).",
      fix="Put databases in private subnets with no route to an internet gateway.",
      source="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/"
             "USER_VPC.Scenarios.html")
def public_database(ctx: LintContext) -> Iterator[Hit]:
    """A database needs no internet route: its clients are in the VPC. In a public subnet a
    public IP (RDS's "publicly accessible") makes it reachable from the internet wherever its
    security groups allow; in a private subnet nothing from outside can reach it at all. A
    database subnet with only the local route is the safe default.

    Anti-pattern:

        databases:
          orders-db: {engine: postgres, subnet: public-a}   # rt-public: 0.0.0.0/0 -> igw-prod

    Best practice:

        databases:
          orders-db: {engine: postgres, subnet: db-a}       # rt-db: the local route only
    """
    for database in ctx.model.databases.values():
        eni = ctx.model.enis.get(database.eni)
        public = _public(ctx, eni)
        if eni is None or public is None:
            continue
        exposed = (f"; with public IP {eni.public_ip} it is reachable from the internet "
                   "wherever its security groups allow" if eni.public_ip else "")
        yield Hit(f"database {database.name} ({database.engine}) is in {_why(*public)}"
                  f"{exposed}",
                  "move it to private database subnets (no route to an internet gateway) and "
                  "remove its public IP", (*database.path, "subnet"))
