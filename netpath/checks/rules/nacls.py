"""Custom network ACLs that do not let replies back on the ephemeral ports.

NACLs are stateless: the reply to a connection is judged as a packet of its own, going to the
client's source port, which the client picked from its ephemeral range (Linux 32768-60999; NAT
gateways, Elastic Load Balancing and Lambda 1024-65535; Windows 49152-65535; the VPC CNI's SNAT
of pod traffic picks random ports too).
https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html#nacl-ephemeral-ports

How a NACL is read, kept simple on purpose:

- A *connection rule* is an allow rule for tcp (or all protocols) whose ports are not an
  ephemeral range; a tcp rule whose range starts at 1024 or above and reaches 60999 (1024-65535,
  32768-60999, 49152-65535...) is read as a reply rule. Connection rules that an earlier deny
  rule covers entirely are left out.
- An outbound connection rule to CIDR C means the subnet's interfaces open connections to C:
  the NACL's *inbound* rules must admit tcp from C on the clients' ephemeral ports. An inbound
  connection rule from C means clients in C connect in: the *outbound* rules must admit tcp to
  C on *their* ephemeral ports. One address stands for C: its first one.
- The range the replies need: 32768-60999 always (NACL001: Linux, the common client); the
  wider range (NACL002) where clients that use it are: load balancer nodes, Lambda and Windows
  instances among the clients, NAT gateways and VPC CNI nodes when the connection leaves the
  VPC (the VPC CNI SNATs pod traffic only then), anyone when the clients are outside the VPC.
- Only custom NACLs (the implicit default allows everything) used by a subnet that holds
  interfaces are judged; traffic inside one subnet never crosses its NACL, so a CIDR inside a
  subnet of the NACL is skipped. Only tcp is judged.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator

from netpath.checks.lint import Hit, rule
from netpath.checks.rules.context import LintContext, listing
from netpath.engine.nacls import RangeDecision, evaluate_nacl_range
from netpath.model.addr import PortRange, Prefix
from netpath.model.record import record
from netpath.model.resources import NaclRule, NetworkAcl, Subnet
from netpath.model.vocabulary import EniOwner, Severity

LINUX = PortRange(32768, 60999)
WIDE = PortRange(1024, 65535)
WINDOWS = PortRange(49152, 65535)
_WIDE_CLIENTS = {"nat-gateway": "NAT gateways", "elb": "load balancer nodes",
                 "lambda": "Lambda functions"}
_SOURCE = "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html#nacl-ephemeral-ports"


@record
class _Gap:
    nacl: NetworkAcl
    subnets: tuple[Subnet, ...]
    outbound: bool  # the connection goes out of the subnets (replies come in)
    connection: NaclRule
    peer: Prefix
    needed: PortRange  # the clients' ephemeral ports
    clients: str  # who uses `needed`, in words
    core: RangeDecision  # replies over the Linux range
    full: RangeDecision  # replies over `needed`

    @property
    def reply_direction(self) -> str:
        return "inbound" if self.outbound else "outbound"


def _is_connection(entry: NaclRule) -> bool:
    if entry.action != "allow" or entry.protocol not in ("tcp", "all"):
        return False
    if entry.protocol == "all" or entry.ports is None:
        return True
    return not (entry.ports.low >= WIDE.low and entry.ports.high >= LINUX.high)


def _shadowed(rules: tuple[NaclRule, ...], entry: NaclRule) -> bool:
    """An earlier deny rule covers all of `entry`: it never admits anything."""
    for earlier in rules:
        if earlier is entry:
            return False
        if earlier.action != "deny" or not entry.cidr.subnet_of(earlier.cidr):
            continue
        if earlier.protocol == "all":
            return True
        if earlier.protocol != entry.protocol:
            continue
        if earlier.ports is None or (entry.ports is not None and earlier.ports.low <=
                                     entry.ports.low and entry.ports.high <= earlier.ports.high):
            return True
    return False


def _span(ranges: list[PortRange]) -> PortRange:
    return PortRange(min(r.low for r in ranges), max(r.high for r in ranges))


class _Clients:
    """Which ephemeral ranges the clients in a place use, beyond Linux's.

    NAT gateways and VPC CNI nodes (whose pod traffic is SNATed, to random ports, only when it
    leaves the VPC) count only for connections to addresses outside the VPC; load balancer
    nodes, Lambda and Windows instances count for every connection."""

    def __init__(self, ctx: LintContext) -> None:
        self.ctx = ctx
        cni_nodes = {name for name, (cluster, _) in ctx.node_of_instance.items()
                     if cluster.vpc is not None and not cluster.overlay}
        self.kind: dict[str, tuple[PortRange, str, bool]] = {}  # ENI -> (range, who, outside)
        per_vpc: dict[str, list[tuple[int, PortRange, str]]] = {}
        for eni in ctx.model.enis.values():
            cni_node = eni.owner_kind == EniOwner.INSTANCE and eni.owner in cni_nodes
            found = self._kind(eni.client_os, cni_node)
            if found is not None:
                self.kind[eni.name] = found
                if not found[2]:
                    per_vpc.setdefault(eni.vpc, []).append((int(eni.private_ip), *found[:2]))
        for entries in per_vpc.values():
            entries.sort(key=lambda e: e[0])
        self.per_vpc = per_vpc
        self.starts = {vpc: [e[0] for e in entries] for vpc, entries in per_vpc.items()}

    @staticmethod
    def _kind(client_os: str, cni_node: bool) -> tuple[PortRange, str, bool] | None:
        if client_os in _WIDE_CLIENTS:
            return WIDE, _WIDE_CLIENTS[client_os], client_os == "nat-gateway"
        if cni_node:
            return WIDE, "VPC CNI nodes (pod traffic leaving the VPC is SNATed to random " \
                "ports)", True
        if client_os == "windows":
            return WINDOWS, "Windows instances", False
        return None

    def in_subnets(self, subnets: tuple[Subnet, ...], outside: bool) -> tuple[PortRange, str]:
        """The clients in `subnets`, for connections to outside the VPC (`outside`) or not."""
        found: list[tuple[PortRange, str]] = []
        for subnet in subnets:
            for eni in self.ctx.subnet_enis[subnet.name]:
                kind = self.kind.get(eni.name)
                if kind is not None and (outside or not kind[2]):
                    found.append(kind[:2])
        return self._describe(found)

    def in_cidr(self, vpc: str, cidr: Prefix, outside: bool) -> tuple[PortRange, str]:
        """The clients in `cidr`: of any kind when it reaches outside the VPC."""
        if outside:
            return WIDE, "clients outside the VPC (of any kind)"
        starts = self.starts.get(vpc, [])
        low = bisect_left(starts, int(cidr.network_address))
        high = bisect_right(starts, int(cidr.broadcast_address))
        found = [(r, who) for _, r, who in self.per_vpc[vpc][low:high]] if starts else []
        return self._describe(found)

    @staticmethod
    def _describe(found: list[tuple[PortRange, str]]) -> tuple[PortRange, str]:
        if not found:
            return LINUX, "Linux clients"
        whos = list(dict.fromkeys(who for _, who in found))
        names = whos[0] if len(whos) == 1 else f"{', '.join(whos[:-1])} and {whos[-1]}"
        return _span([LINUX, *(r for r, _ in found)]), names


def _gaps(ctx: LintContext) -> list[_Gap]:
    return ctx.memo("nacl-gaps", lambda: list(_find_gaps(ctx)))


def _find_gaps(ctx: LintContext) -> Iterator[_Gap]:
    clients: _Clients | None = None
    for nacl in ctx.model.network_acls.values():
        subnets = tuple(ctx.nacl_subnets.get(nacl.name, ()))
        if nacl.implicit or not any(ctx.subnet_enis[s.name] for s in subnets):
            continue
        clients = clients or _Clients(ctx)
        vpc_cidrs = ctx.model.vpcs[nacl.vpc].cidrs
        for outbound in (True, False):
            rules, replies = ((nacl.outbound, nacl.inbound) if outbound else
                              (nacl.inbound, nacl.outbound))
            seen: set[Prefix] = set()
            for entry in rules:
                peer = entry.cidr
                if peer in seen or not _is_connection(entry) or _shadowed(rules, entry) \
                        or any(peer.subnet_of(s.cidr) for s in subnets):
                    continue
                seen.add(peer)
                outside = not any(peer.subnet_of(c) for c in vpc_cidrs)
                needed, who = (clients.in_subnets(subnets, outside) if outbound else
                               clients.in_cidr(nacl.vpc, peer, outside))
                address = peer.network_address
                core = evaluate_nacl_range(replies, "tcp", address, LINUX)
                full = core if needed == LINUX else evaluate_nacl_range(replies, "tcp",
                                                                        address, needed)
                if not full.all_allowed or not core.all_allowed:
                    yield _Gap(nacl, subnets, outbound, entry, peer, needed, who, core, full)


def _ranges(parts: tuple[PortRange, ...]) -> str:
    return ", ".join(str(p) for p in parts)


def _where(gap: _Gap, decision: RangeDecision) -> tuple[str, tuple[str | int, ...], str]:
    """Why the ports are denied, the path to point at, and where a new rule must go."""
    deny = next((r for r in decision.rules if r.action == "deny"), None)
    replies = gap.nacl.inbound if gap.outbound else gap.nacl.outbound
    if deny is not None:
        why = f"rule #{deny.number} denies them" if not decision.implicit_deny else \
            f"rule #{deny.number} and the final * deny refuse them"
        return why, deny.path, f" numbered below #{deny.number}"
    path = (*gap.nacl.path, gap.reply_direction) if replies else gap.nacl.path
    return "the final * deny refuses them", path, ""


def _lead(gap: _Gap) -> str:
    names = listing([s.name for s in gap.subnets])
    if gap.outbound:
        return (f"network ACL {gap.nacl.name} ({names}) allows connections out to {gap.peer} "
                f"(#{gap.connection.number}), but its inbound rules let the replies back")
    return (f"network ACL {gap.nacl.name} ({names}) admits connections from {gap.peer} "
            f"(#{gap.connection.number}), but its outbound rules let the replies out")


def _fix(gap: _Gap, below: str) -> str:
    word = "from" if gap.outbound else "to"
    return (f"add an {gap.reply_direction} rule{below} allowing tcp 1024-65535 {word} "
            f"{gap.peer} (the ephemeral ports of every kind of client)")


@rule("NACL001", "nacl.replies-blocked", Severity.ERROR,
      summary="A custom NACL whose rules block replies on the Linux ephemeral ports "
              "32768-60999 (all or part of them).",
      fix="Allow tcp 1024-65535 in the reply direction, before any deny rule.",
      source=_SOURCE)
def replies_blocked(ctx: LintContext) -> Iterator[Hit]:
    """A NACL is stateless: allowing a connection one way does not let its replies back. The
    guide's example (inbound 80 and 443, deny the rest) breaks every connection the subnet
    opens, because replies arrive on ports 32768-60999. When only part of the range is allowed
    connections fail intermittently, depending on the source port the client picked.

    Anti-pattern:

        nacl-web:
          inbound:
            - {rule: 100, action: allow, protocol: tcp, port: 443, cidr: 0.0.0.0/0}
          outbound:
            - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}

    Best practice:

        nacl-web:
          inbound:
            - {rule: 100, action: allow, protocol: tcp, port: 443, cidr: 0.0.0.0/0}
            - {rule: 110, action: allow, protocol: tcp, port: 1024-65535, cidr: 0.0.0.0/0}
          outbound:
            - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}
    """
    for gap in _gaps(ctx):
        if gap.core.all_allowed:
            continue
        why, path, below = _where(gap, gap.core)
        if gap.core.none_allowed:
            coverage, effect = "on none of", "every such connection fails"
        else:
            coverage = f"only on {_ranges(gap.core.allowed)} of"
            effect = "connections fail intermittently, depending on the client's source port"
        yield Hit(f"{_lead(gap)} {coverage} the Linux ephemeral ports {LINUX} ({why}): "
                  f"{effect}", _fix(gap, below), path)


@rule("NACL002", "nacl.replies-partly-blocked", Severity.WARNING,
      summary="A custom NACL that lets replies back on 32768-60999 but not on the wider range "
              "NAT gateways, load balancers, Windows or VPC CNI nodes use.",
      fix="Allow tcp 1024-65535 in the reply direction.",
      source=_SOURCE)
def replies_partly_blocked(ctx: LintContext) -> Iterator[Hit]:
    """Linux's range is not everyone's: NAT gateways, load balancer nodes and Lambda use
    1024-65535, Windows 49152-65535, and the VPC CNI's SNAT of pod traffic picks random
    ports. A NACL that admits only 32768-60999 works in a Linux-only test and fails some
    connections of those clients. Judged only where such clients are: in the NACL's subnets
    (for connections they open; NAT gateways and VPC CNI nodes only for connections leaving
    the VPC), in the connecting CIDR of the VPC, or outside the VPC (clients of any kind).

    Anti-pattern:

        nacl-app:          # nodes of an EKS cluster (VPC CNI) in its subnets
          inbound:
            - {rule: 100, action: allow, protocol: tcp, port: 32768-60999, cidr: 0.0.0.0/0}

    Best practice:

        nacl-app:
          inbound:
            - {rule: 100, action: allow, protocol: tcp, port: 1024-65535, cidr: 0.0.0.0/0}
    """
    for gap in _gaps(ctx):
        if not gap.core.all_allowed or gap.full.all_allowed:
            continue
        why, path, below = _where(gap, gap.full)
        yield Hit(f"{_lead(gap)} on {LINUX} but not on {_ranges(gap.full.denied)} ({why}), "
                  f"while {gap.clients} use source ports {gap.needed}: some of their "
                  "connections fail", _fix(gap, below), path)
