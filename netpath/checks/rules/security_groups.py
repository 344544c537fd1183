"""Security groups open to the whole internet on remote-administration or database ports.

A rule counts when its source is 0.0.0.0/0 and its protocol is tcp (a port range that covers
the port) or all. Databases of the spec add their own port (an engine on a non-default port).
https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from netpath.checks.lint import Hit, rule
from netpath.checks.rules.context import LintContext, listing
from netpath.model.resources import SgRule
from netpath.model.vocabulary import Severity

ADMIN_PORTS = {22: "SSH", 3389: "RDP"}
DATABASE_PORTS = {
    1433: "SQL Server", 1521: "Oracle", 3306: "MySQL", 5432: "PostgreSQL", 5439: "Redshift",
    6379: "Redis", 9042: "Cassandra", 9200: "Elasticsearch", 11211: "Memcached",
    27017: "MongoDB",
}
_RULES_DOC = ("https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/"
              "security-group-rules-reference.html")


def _open_rules(ctx: LintContext) -> Iterator[tuple[str, SgRule]]:
    for group in ctx.model.security_groups.values():
        for entry in group.ingress:
            if entry.cidr is not None and entry.cidr.prefixlen == 0 and \
                    entry.protocol in ("tcp", "all"):
                yield group.name, entry


def _covered(entry: SgRule, ports: Mapping[int, str]) -> list[str]:
    every = entry.protocol == "all" or entry.ports is None
    return [f"{what} {port}" for port, what in sorted(ports.items())
            if every or (entry.ports is not None and port in entry.ports)]


def _carried_by(ctx: LintContext, group: str) -> str:
    holders = ctx.sg_holders.get(group, [])
    return f"carried by {listing(holders)}" if holders else "carried by nothing yet"


@rule("SG001", "security-group.open-admin-port", Severity.WARNING,
      summary="A security group open to 0.0.0.0/0 on SSH (22) or RDP (3389).",
      fix="Allow the port only from a known CIDR or a bastion's group, or use SSM Session "
          "Manager.",
      source=_RULES_DOC)
def open_admin_port(ctx: LintContext) -> Iterator[Hit]:
    """SSH and RDP open to the whole internet are scanned and brute-forced within minutes of
    an instance getting a public IP. Rules whose port range covers 22 or 3389, and rules for
    all protocols, count too.

    Anti-pattern:

        ingress:
          - {protocol: tcp, port: 22, cidr: 0.0.0.0/0}

    Best practice:

        ingress:
          - {protocol: tcp, port: 22, security_group: sg-bastion}
    """
    for group, entry in _open_rules(ctx):
        opened = _covered(entry, ADMIN_PORTS)
        if opened:
            yield Hit(f"security group {group} allows {entry} ({_carried_by(ctx, group)}): "
                      f"{' and '.join(opened)} open to the whole internet",
                      "allow it only from your network's CIDR or a bastion's security group, "
                      "or drop the rule and use SSM Session Manager", entry.path)


@rule("SG002", "security-group.open-database-port", Severity.ERROR,
      summary="A security group open to 0.0.0.0/0 on a database port (3306, 5432, 1433, 1521, "
              "27017, 6379, 9200, 5439...).",
      fix="Allow the database port only from the clients' security group.",
      source=_RULES_DOC)
def open_database_port(ctx: LintContext) -> Iterator[Hit]:
    """A database port reachable from anywhere is one leaked password (or one unauthenticated
    Redis, Elasticsearch or MongoDB) away from a breach. Databases belong in private subnets,
    reachable from their clients' security group only. The well-known ports of MySQL,
    PostgreSQL, SQL Server, Oracle, Redshift, Redis, Cassandra, Elasticsearch, Memcached and
    MongoDB count, and the port of every database in the spec that carries the group.

    Anti-pattern:

        sg-db:
          ingress:
            - {protocol: tcp, port: 5432, cidr: 0.0.0.0/0}

    Best practice:

        sg-db:
          ingress:
            - {protocol: tcp, port: 5432, security_group: sg-app}
    """
    own: dict[str, dict[int, str]] = {}
    for database in ctx.model.databases.values():
        eni = ctx.model.enis.get(database.eni)
        for group in eni.security_groups if eni is not None else ():
            own.setdefault(group, {})[database.port] = f"{database.name} ({database.engine})"
    for group, entry in _open_rules(ctx):
        opened = _covered(entry, {**DATABASE_PORTS, **own.get(group, {})})
        if opened:
            yield Hit(f"security group {group} allows {entry} ({_carried_by(ctx, group)}): "
                      f"{listing(opened)} open to the whole internet",
                      "allow the database port only from the security group of its clients "
                      "(the application or node group), never from 0.0.0.0/0", entry.path)
