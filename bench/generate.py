#!/usr/bin/env python3
"""Generate a large, valid AWS estate in the netpath spec format, for `make bench`.

The estate is deterministic for a given seed and set of sizes: the same flags always give the
same bytes, so benchmark figures from two runs (or two machines) measure the same input.

Shape (defaults = the target of issue 2): ~20 VPCs with non-overlapping 10.x CIDRs (some with a
secondary CIDR), /24 subnets in public / private / data tiers over three AZs, one route table
per subnet or so (~25 routes each: 0.0.0.0/0 to an IGW or a NAT gateway, the peers' CIDRs, a
10.0.0.0/8 summary to the transit gateway, and specific /20s and /24s to peerings, the TGW, NAT,
an appliance instance and blackholes), custom NACLs on a share of subnets, 250 security groups per
VPC mixing CIDR, security-group and prefix-list peers, 20,000 instances with 1-3 groups each,
databases, load balancers and target groups, peerings, one transit gateway, prefix lists, gateway
endpoints, DNS records and internet hosts.

Output is a directory: per VPC a network file and a workloads file (the two halves of
`vpcs.<name>` exercise the loader's directory merge), `global.yaml`, `queries.txt` (trace queries
`SOURCE DESTINATION PORT`, one a line) and `manifest.json` (the parameters and counts, which
bench/run.py reads to decide whether to regenerate).

The YAML is written as text with f-strings: yaml.dump needs minutes for an estate this size.
Names are built from safe characters only (checked by `_name`); free text goes through `_q`.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Bump when the output for given parameters changes, so bench/run.py regenerates a stale estate.
GENERATOR_VERSION = 1

DEFAULT_OUT = Path(__file__).resolve().parent / "out" / "estate"
AZ_LETTERS = "abc"
TEN = 10 << 24
HUB = 0  # index of the hub VPC: TGW inspection/egress attachment, peered with several spokes
MAX_VPCS = 60  # each VPC owns 10.(4i).0.0/14; 10.240.0.0/12 stays free for blackholed ranges
ROUTES_PER_TABLE = 25  # the target's average; decides how many route tables there are
SG_ROLES = ("alb", "app", "db", "fw", "bastion", "vpce")
PORTS_OF_ENGINE = {"postgres": 5432, "mysql": 3306}
PARTNER_BASE = (45 << 24) | (60 << 16)  # 45.60.0.0/16: made-up partner networks on the internet
EIP_BASE = (52 << 24) | (0 << 16)  # 52.0.0.0/14: Elastic and public IPs handed out in order

_NAME = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
# Plain scalars a YAML 1.1 loader could turn into something other than the string we mean.
_YAML_SPECIAL = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ""}
_SAFE_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 ._/()-]*[A-Za-z0-9)]$")


# --------------------------------------------------------------------------------------------
# small helpers


def _ip(n: int) -> str:
    """Integer -> dotted quad; ipaddress objects are ~10x slower and this runs 100k times."""
    return f"{n >> 24}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def _cidr(base: int, prefixlen: int) -> str:
    return f"{_ip(base)}/{prefixlen}"


def _name(text: str) -> str:
    """Every name goes through here once: a name that YAML could misread must never be written."""
    if not _NAME.match(text) or text in _YAML_SPECIAL:
        raise ValueError(f"unsafe generated name {text!r}")
    return text


def _q(text: str) -> str:
    """A free-text scalar: plain when unambiguous, else double-quoted (JSON strings are YAML)."""
    if _SAFE_PLAIN.match(text) and text.lower() not in _YAML_SPECIAL and ": " not in text:
        return text
    return json.dumps(text)


def _port(port: int | str | None) -> str:
    # Ranges are quoted as docs/spec.md writes them: the loader sees text, never a number.
    return str(port) if isinstance(port, int) else f'"{port}"'


def spread(
    total: int, parts: int, rng: random.Random | None = None, jitter: float = 0.0
) -> list[int]:
    """Split `total` into `parts` non-negative counts summing exactly to `total`.

    With `rng` and `jitter`, neighbouring pairs trade up to `jitter` of the base count, so sizes
    vary (as real route tables and groups do) while the total stays exact.
    """
    if parts <= 0:
        return []
    base, rem = divmod(total, parts)
    counts = [base + (1 if k < rem else 0) for k in range(parts)]
    if rng is not None and jitter > 0 and base > 1:
        for k in range(0, parts - 1, 2):
            d = rng.randint(0, int(base * jitter))
            d = min(d, counts[k + 1] - 1)
            counts[k] += d
            counts[k + 1] -= d
    return counts


# --------------------------------------------------------------------------------------------
# the estate, as plain records (rendered to text at the end)


@dataclass(frozen=True, slots=True)
class Params:
    subnets: int = 2000
    routes: int = 50000
    security_groups: int = 5000
    sg_rules: int = 50000
    enis: int = 20000
    vpcs: int = 0  # 0: chosen from the subnet count (20 for the default size)
    queries: int = 200
    seed: int = 1

    def resolved(self) -> Params:
        vpcs = self.vpcs or min(20, max(2, self.subnets // 10))
        return Params(**{**asdict(self), "vpcs": vpcs})


@dataclass(slots=True)
class Subnet:
    name: str
    vpc: int
    tier: str  # public | private | data
    az: str
    base: int  # network address of the /24
    route_table: str = ""
    implicit_rt: bool = False  # uses the VPC's main route table without an explicit association
    nacl: str | None = None
    next_host: int = 4  # .0-.3 and .255 of every subnet are reserved by AWS

    @property
    def cidr(self) -> str:
        return _cidr(self.base, 24)

    def allocate(self) -> str | None:
        if self.next_host > 254:
            return None
        self.next_host += 1
        return _ip(self.base + self.next_host - 1)


# A security group rule: (protocol, port or None, peer key, peer value, description or None).
SgRule = tuple[str, "int | str | None", str, str, "str | None"]
# A NACL rule: (number, action, protocol, port or None, cidr).
NaclRule = tuple[int, str, str, "int | str | None", str]
# A trace query: (source, destination, port, kind of flow).
Query = tuple[str, str, int, str]


@dataclass(slots=True)
class SecurityGroup:
    name: str
    description: str
    ingress: list[SgRule] = field(default_factory=list)
    egress: list[SgRule] | None = None  # None: left out, AWS's default allow-all outbound rule


@dataclass(slots=True)
class Instance:
    name: str
    subnet: Subnet
    ip: str
    security_groups: list[str]
    public_ip: str | None = None
    os: str = "linux"
    source_dest_check: bool = True
    role: str = "generic"  # app instances carry sg-app and back the load balancers


@dataclass(slots=True)
class RouteTable:
    name: str
    kind: str  # public | private | data
    az: str
    main: bool = False
    routes: list[tuple[str, str]] = field(default_factory=list)  # destination, rendered target


@dataclass(slots=True)
class Vpc:
    index: int
    name: str
    region: str
    cidrs: list[tuple[int, int]]  # (base, prefixlen), primary first
    subnets: list[Subnet]
    attached: bool = False  # has a transit gateway attachment
    peers: dict[int, str] = field(default_factory=dict)  # other VPC index -> peering name
    igw: str = ""
    nats: dict[str, tuple[str, Subnet, str, str]] = field(default_factory=dict)  # az -> nat
    nacls: dict[str, tuple[bool, list[NaclRule], list[NaclRule]]] = field(default_factory=dict)
    route_tables: list[RouteTable] = field(default_factory=list)
    security_groups: list[SecurityGroup] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    databases: list[tuple[str, str, int | None, Subnet, str]] = field(default_factory=list)
    load_balancers: list[str] = field(default_factory=list)  # rendered blocks
    target_groups: list[str] = field(default_factory=list)  # rendered blocks
    endpoints: list[str] = field(default_factory=list)  # rendered lines
    alb: str | None = None
    nlb: str | None = None

    def tier(self, tier: str) -> list[Subnet]:
        return [s for s in self.subnets if s.tier == tier]

    def first_per_az(self, tier: str) -> list[Subnet]:
        seen: dict[str, Subnet] = {}
        for s in self.tier(tier):
            seen.setdefault(s.az, s)
        return list(seen.values())

    def sg(self, role: str) -> str:
        return f"{self.name}-sg-{role}"

    def cidr_texts(self) -> list[str]:
        return [_cidr(b, p) for b, p in self.cidrs]


@dataclass(slots=True)
class Estate:
    params: Params
    vpcs: list[Vpc]
    peerings: list[tuple[str, int, int, str]]  # name, requester, accepter, status
    files: dict[str, str] = field(default_factory=dict)
    queries: list[Query] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


class _EipPool:
    """Public IPs handed out in order, skipping .0 and .255 so none looks like a network."""

    def __init__(self) -> None:
        self.next = EIP_BASE

    def take(self) -> str:
        while (self.next & 255) in (0, 255):
            self.next += 1
        self.next += 1
        return _ip(self.next - 1)


# --------------------------------------------------------------------------------------------
# building


def _plan_vpcs(p: Params) -> list[Vpc]:
    vpcs: list[Vpc] = []
    for i, n in enumerate(spread(p.subnets, p.vpcs)):
        if n < 3:
            raise ValueError(
                f"{n} subnets in a VPC is too few: use --vpcs {p.subnets // 3} or fewer"
            )
        name = _name(f"vpc{i:02d}")
        region = "us-west-2" if i % 5 == 4 else "us-east-1"
        n_pub = max(1, min(n // 3, max(3, n // 16)))
        n_data = n // 6
        n_priv = n - n_pub - n_data
        block = TEN + ((4 * i) << 16)  # 10.(4i).0.0/14: room for four /16s
        # Some VPCs keep the data tier in a secondary CIDR, as teams do when they add one later.
        split = i % 3 == 1 and n_data > 0 and n_pub + n_priv <= 256 and n_data <= 256
        slots: list[int] = []
        if split:
            slots = [block + (k << 8) for k in range(n_pub + n_priv)]
            slots += [block + (1 << 16) + (k << 8) for k in range(n_data)]
        else:
            slots = [block + (k << 8) for k in range(n)]
        n_cidrs = max(((s - block) >> 16) for s in slots) + 1
        if n_cidrs > 4:
            raise ValueError(f"{n} subnets do not fit in a VPC's /14: raise --vpcs")
        subnets: list[Subnet] = []
        slot = iter(slots)
        for tier, count in (("public", n_pub), ("private", n_priv), ("data", n_data)):
            for k in range(count):
                az = f"{region}{AZ_LETTERS[k % 3]}"
                sname = _name(f"{name}-{tier}-{AZ_LETTERS[k % 3]}{k // 3 + 1:03d}")
                subnets.append(Subnet(sname, i, tier, az, next(slot)))
        cidrs = [(block + (k << 16), 16) for k in range(n_cidrs)]
        vpcs.append(Vpc(i, name, region, cidrs, subnets))
    return vpcs


def _plan_topology(vpcs: list[Vpc]) -> list[tuple[str, int, int, str]]:
    """Peerings (pairs, a hub, a few long links) and the transit gateway attachments."""
    n = len(vpcs)
    pairs: list[tuple[int, int]] = [(i, i + 1) for i in range(0, n - 1, 2)]
    pairs += [(HUB, j) for j in range(3, n, 6)]
    pairs += [(i, i + 5) for i in range(2, n - 5, 6)]
    pairs = list(dict.fromkeys(pairs))  # unique, order kept
    peerings: list[tuple[str, int, int, str]] = []
    for k, (a, b) in enumerate(pairs):
        status = "active"
        if len(pairs) >= 6 and k == len(pairs) - 1:
            status = "pending-acceptance"
        elif len(pairs) >= 6 and k == len(pairs) - 2:
            status = "deleted"
        pname = _name(f"pcx-{vpcs[a].name}-{vpcs[b].name}")
        peerings.append((pname, a, b, status))
        vpcs[a].peers[b] = pname
        vpcs[b].peers[a] = pname
    for v in vpcs:
        # The TGW is regional (us-east-1); a few VPCs stay off it and reach others by peering only.
        v.attached = v.region == "us-east-1" and v.index % 7 != 5
    return peerings


def _build_network(v: Vpc, vpcs: list[Vpc], n_rt: int, eips: _EipPool) -> None:
    """IGW, NAT gateways, NACLs and their associations, route tables and theirs (routes later)."""
    v.igw = _name(f"{v.name}-igw")
    for s in v.first_per_az("public"):
        letter = s.az[-1]
        ip = s.allocate()
        assert ip is not None
        v.nats[s.az] = (_name(f"{v.name}-nat-{letter}"), s, ip, eips.take())

    vpc_cidrs = v.cidr_texts()
    public_in: list[NaclRule] = [
        (90, "deny", "tcp", 22, "0.0.0.0/0"),
        (100, "allow", "tcp", 443, "0.0.0.0/0"),
        (110, "allow", "tcp", 80, "0.0.0.0/0"),
        # replies to connections opened from this subnet: the NAT gateway uses 1024-65535
        (120, "allow", "tcp", "1024-65535", "0.0.0.0/0"),
        (130, "allow", "udp", "1024-65535", "0.0.0.0/0"),
    ]
    public_in += [(140 + k, "allow", "all", None, c) for k, c in enumerate(vpc_cidrs)]
    allow_all_out: list[NaclRule] = [(100, "allow", "all", None, "0.0.0.0/0")]
    data_in: list[NaclRule] = []
    for k, c in enumerate(vpc_cidrs):
        data_in += [(100 + k, "allow", "tcp", 5432, c), (110 + k, "allow", "tcp", 3306, c)]
        data_in.append((200 + k, "allow", "tcp", "1024-65535", c))
    for k, o in enumerate(sorted(v.peers)):
        data_in.append((150 + k, "allow", "tcp", 5432, vpcs[o].cidr_texts()[0]))
    # Every fourth VPC answers Linux clients only (32768-60999): replies to Windows clients and
    # NAT-translated ports outside that range are dropped, the classic intermittent failure.
    reply = "32768-60999" if v.index % 4 == 1 else "1024-65535"
    data_out: list[NaclRule] = [
        (100 + k, "allow", "tcp", reply, c) for k, c in enumerate(vpc_cidrs)
    ]
    data_out.append((120, "allow", "tcp", 443, "0.0.0.0/0"))
    app_reply = "32768-65535" if v.index % 4 == 3 else "1024-65535"
    app_in: list[NaclRule] = [
        (50, "deny", "all", None, "192.168.128.0/17"),
        (100, "allow", "all", None, "10.0.0.0/8"),
        (110, "allow", "tcp", app_reply, "0.0.0.0/0"),
        (120, "allow", "udp", "1024-65535", "0.0.0.0/0"),
        (130, "allow", "icmp", None, "0.0.0.0/0"),
    ]
    nacl = {t: _name(f"{v.name}-nacl-{t}") for t in ("public", "data", "app", "default")}
    v.nacls[nacl["public"]] = (False, public_in, allow_all_out)
    v.nacls[nacl["data"]] = (False, data_in, data_out)
    v.nacls[nacl["app"]] = (False, app_in, allow_all_out)
    if v.index % 2 == 0:  # half the VPCs write out AWS's default NACL (rule 100 allow all)
        v.nacls[nacl["default"]] = (True, list(allow_all_out), list(allow_all_out))
    for k, s in enumerate(v.tier("private")):
        if k % 4 == 3:
            s.nacl = nacl["app"]
    for s in v.tier("public"):
        s.nacl = nacl["public"]
    for s in v.tier("data"):
        s.nacl = nacl["data"]

    # One route table for the public tier; the rest of the tables share the other subnets in
    # contiguous runs (one subnet each at full size). The last is the VPC's main route table:
    # its subnets carry no explicit association.
    public_rt = RouteTable(_name(f"{v.name}-rt-public"), "public", v.subnets[0].az)
    v.route_tables.append(public_rt)
    for s in v.tier("public"):
        s.route_table = public_rt.name
    others = v.tier("private") + v.tier("data")
    chunks = spread(len(others), max(1, min(n_rt - 1, len(others))))
    at = 0
    for k, size in enumerate(chunks):
        first = others[at]
        rt = RouteTable(_name(f"{v.name}-rt-{first.tier}-{k + 1:03d}"), first.tier, first.az)
        v.route_tables.append(rt)
        for s in others[at : at + size]:
            s.route_table = rt.name
        at += size
    main = v.route_tables[-1]
    main.main = True
    for s in v.subnets:
        if s.route_table == main.name:
            s.implicit_rt = True


def _sg_peer_choices(v: Vpc, vpcs: list[Vpc]) -> list[tuple[str, str]]:
    peers = [("cidr", c) for c in v.cidr_texts()]
    peers += [("cidr", s.cidr) for s in v.subnets[:: max(1, len(v.subnets) // 12)]]
    peers += [("cidr", vpcs[o].cidr_texts()[0]) for o in sorted(v.peers)]
    peers += [("cidr", f"172.{16 + k}.0.0/16") for k in range(4)]  # on-premises
    peers += [("prefix_list", "pl-office")]
    return peers


_SG_PORTS: tuple[tuple[str, int | str | None], ...] = (
    ("tcp", 443),
    ("tcp", 443),
    ("tcp", 80),
    ("tcp", 8080),
    ("tcp", 8443),
    ("tcp", 22),
    ("tcp", 5432),
    ("tcp", 3306),
    ("tcp", 6379),
    ("tcp", "9000-9100"),
    ("tcp", "30000-32767"),
    ("udp", 53),
    ("tcp", 53),
    ("udp", "1024-65535"),
    ("icmp", None),
    ("all", None),
)


def _build_security_groups(
    v: Vpc, vpcs: list[Vpc], n_sgs: int, n_rules: int, rng: random.Random
) -> int:
    """The six role groups with fixed rules, then generic groups sharing `n_rules`.

    Returns how many rules were written (the roles' rules count towards `n_rules`).
    """
    if n_sgs <= len(SG_ROLES):  # the roles, plus at least one generic group for the rest
        raise ValueError(f"{n_sgs} security groups in a VPC: at least {len(SG_ROLES) + 1} needed")
    vpc_cidrs = v.cidr_texts()
    first_peer = [vpcs[o].cidr_texts()[0] for o in sorted(v.peers)][:1]
    db_ingress: list[SgRule] = [
        ("tcp", 5432, "security_group", v.sg("app"), "PostgreSQL"),
        ("tcp", 3306, "security_group", v.sg("app"), "MySQL"),
    ]
    db_ingress += [("tcp", 5432, "cidr", c, "PostgreSQL from the peer") for c in first_peer]
    roles = [
        SecurityGroup(
            v.sg("alb"),
            "internet-facing ALB: HTTP and HTTPS from anywhere",
            [
                ("tcp", 443, "cidr", "0.0.0.0/0", "HTTPS from anywhere"),
                ("tcp", 80, "cidr", "0.0.0.0/0", None),
            ],
            [("tcp", 8080, "security_group", v.sg("app"), "to the app servers")],
        ),
        SecurityGroup(
            v.sg("app"),
            "app servers behind the ALB and the NLB",
            [
                ("tcp", 8080, "security_group", v.sg("alb"), "from the ALB"),
                ("tcp", 5000, "cidr", vpc_cidrs[0], "from the NLB (client IP not kept)"),
                ("all", None, "security_group", v.sg("app"), "between app servers"),
                ("tcp", 22, "security_group", v.sg("bastion"), None),
                ("tcp", 443, "cidr", "10.0.0.0/8", "internal HTTPS, other VPCs too"),
            ],
        ),
        SecurityGroup(
            v.sg("db"),
            "databases: from the app servers only",
            db_ingress,
            [],  # no outbound at all: replies still pass, groups are stateful
        ),
        SecurityGroup(
            v.sg("fw"),
            "routing appliance: everything internal",
            [
                ("all", None, "cidr", "10.0.0.0/8", None),
                ("all", None, "cidr", "172.16.0.0/12", "on-premises"),
                ("all", None, "cidr", "192.168.0.0/16", None),
            ],
        ),
        SecurityGroup(
            v.sg("bastion"),
            "SSH from the office",
            [("tcp", 22, "prefix_list", "pl-office", "office: SSH #ops")],
        ),
        SecurityGroup(
            v.sg("vpce"),
            "interface endpoints: HTTPS from the VPC",
            [("tcp", 443, "cidr", c, None) for c in vpc_cidrs],
        ),
    ]
    written = sum(len(g.ingress) + len(g.egress or []) for g in roles)
    if written > n_rules:
        raise ValueError(
            f"{n_rules} security group rules in {v.name}: its role groups need {written}"
        )
    v.security_groups.extend(roles)
    generic_names = [_name(f"{v.name}-sg-{k:04d}") for k in range(len(SG_ROLES), n_sgs)]
    peers = _sg_peer_choices(v, vpcs)
    counts = spread(max(0, n_rules - written), len(generic_names), rng, 0.6)
    for gname, count in zip(generic_names, counts, strict=True):
        n_egress = 0
        if count >= 2 and rng.random() < 0.35:  # explicit egress replaces the default allow-all
            n_egress = max(1, count // 4)
        sg = SecurityGroup(gname, f"service {gname[-4:]}: generated", [], [] if n_egress else None)
        seen: set[tuple[str, int | str | None, str, str, bool]] = set()
        while len(seen) < count:
            egress = len(seen) >= count - n_egress
            proto, port = rng.choice(_SG_PORTS)
            r = rng.random()
            if r < 0.45:
                peer = ("security_group", rng.choice(generic_names))
            elif r < 0.5:
                peer = ("security_group", v.sg(rng.choice(SG_ROLES)))
            elif r < 0.55 and port in (443, 80):
                peer = ("cidr", "0.0.0.0/0")
            elif r < 0.58 and egress and port == 443:
                peer = ("prefix_list", "pl-s3")
            else:
                peer = rng.choice(peers)
            key = (proto, port, peer[0], peer[1], egress)
            if key in seen:
                continue
            seen.add(key)
            desc = f"{peer[1]}: {proto}/{port or 'any'}" if rng.random() < 0.3 else None
            rule: SgRule = (proto, port, peer[0], peer[1], desc)
            if egress:
                assert sg.egress is not None
                sg.egress.append(rule)
            else:
                sg.ingress.append(rule)
        written += count
        v.security_groups.append(sg)
    return written


def _build_workloads(v: Vpc, n_instances: int, eips: _EipPool, rng: random.Random) -> None:
    """Infrastructure ENIs first (load balancers, endpoints, databases), then the instances."""
    generic = [g.name for g in v.security_groups[len(SG_ROLES) :]]
    public_azs = v.first_per_az("public")
    private_azs = v.first_per_az("private")
    if len(public_azs) >= 2:  # an ALB needs subnets in two AZs
        v.alb = _name(f"{v.name}-alb")
        nodes = "\n".join(
            f"          {s.name}: {{private_ip: {s.allocate()}, public_ip: {eips.take()}}}"
            for s in public_azs
        )
        v.load_balancers.append(
            f"      {v.alb}:\n        type: application\n        scheme: internet-facing\n"
            f"        security_groups: [{v.sg('alb')}]\n        subnets:\n{nodes}\n"
            f"        listeners:\n"
            f"          443: {{protocol: HTTPS, target_group: {v.name}-tg-web}}\n"
            f"          80: {{protocol: HTTP, target_group: {v.name}-tg-web}}"
        )
    if v.index % 2 == 0:
        v.nlb = _name(f"{v.name}-nlb")
        nodes = "\n".join(
            f"          {s.name}: {{private_ip: {s.allocate()}}}" for s in private_azs
        )
        v.load_balancers.append(
            f"      {v.nlb}:\n        type: network\n        scheme: internal\n"
            f"        subnets:\n{nodes}\n        listeners:\n"
            f"          5000: {{protocol: TCP, target_group: {v.name}-tg-api}}"
        )
    if v.region == "us-east-1":
        rts = [rt.name for rt in v.route_tables if rt.kind != "public"]
        v.endpoints.append(
            f"      {v.name}-vpce-s3: {{type: gateway, service: s3, prefix_list: pl-s3, "
            f"route_tables: [{', '.join(rts)}]}}"
        )
        if v.index % 2 == 0:
            data_rts = [rt.name for rt in v.route_tables if rt.kind == "data"] or rts[-1:]
            v.endpoints.append(
                f"      {v.name}-vpce-ddb: {{type: gateway, service: dynamodb, "
                f"prefix_list: pl-dynamodb, route_tables: [{', '.join(data_rts)}]}}"
            )
    if v.index == HUB and v.region == "us-east-1":
        subs = ", ".join(f"{s.name}: {{private_ip: {s.allocate()}}}" for s in private_azs)
        v.endpoints.append(
            f"      {v.name}-vpce-sts:\n        type: interface\n        service: sts\n"
            f"        subnets: {{{subs}}}\n        security_groups: [{v.sg('vpce')}]\n"
            f"        private_dns: true"
        )
    data = v.tier("data") or v.tier("private")
    for k, (engine, port) in enumerate((("postgres", None), ("mysql", 3306))):
        s = data[k % len(data)]
        ip = s.allocate()
        assert ip is not None
        v.databases.append((_name(f"{v.name}-db{k + 1}"), engine, port, s, ip))

    # Instances: a routing appliance first (the target of the VPC's appliance routes), four app
    # servers in the private tier (the load balancers' targets), then the rest spread evenly.
    private = v.tier("private")
    order = list(v.subnets)
    rng.shuffle(order)
    for k in range(n_instances):
        if k == 0:
            s, role = private[0], "fw"
        elif k <= 4:
            s, role = private[k % len(private)], "app"
        else:
            s, role = order[k % len(order)], "generic"
        ip = s.allocate()
        tries = 0
        while ip is None:  # this /24 is full: the next subnet in the order has room
            tries += 1
            if tries > len(order):
                raise ValueError(f"{n_instances} instances do not fit in {v.name}'s subnets")
            s = order[(k + tries) % len(order)]
            ip = s.allocate()
        inst = Instance(_name(f"{v.name}-i{k:05d}" if role != "fw" else f"{v.name}-fw1"), s, ip, [])
        if role == "fw":
            inst.security_groups, inst.source_dest_check = [v.sg("fw")], False
        elif role == "app" or (s.tier == "private" and rng.random() < 0.35):
            inst.role = "app"
            inst.security_groups = [v.sg("app")] + rng.sample(
                generic, min(len(generic), rng.randint(0, 2))
            )
        elif s.tier == "public":
            inst.security_groups = [v.sg("bastion")] + rng.sample(
                generic, min(len(generic), rng.randint(0, 2))
            )
            if rng.random() < 0.7:
                inst.public_ip = eips.take()
        else:
            inst.security_groups = rng.sample(generic, min(len(generic), rng.randint(1, 3)))
        if role != "fw" and rng.random() < 0.08:
            inst.os = "windows"
        v.instances.append(inst)

    apps = [i for i in v.instances if i.role == "app"]
    if v.alb:
        targets = ", ".join(i.name for i in apps[:4])
        v.target_groups.append(
            f"      {v.name}-tg-web: {{protocol: HTTP, port: 8080, "
            f"target_type: instance, targets: [{targets}]}}"
        )
    if v.nlb:
        targets = ", ".join(i.ip for i in apps[:3])
        v.target_groups.append(
            f"      {v.name}-tg-api: {{protocol: TCP, port: 5000, "
            f"target_type: ip, targets: [{targets}]}}"
        )


def _route_pool(v: Vpc, vpcs: list[Vpc], need: int) -> list[tuple[str, str]]:
    """Destinations outside the VPC's CIDRs (a route may not be more specific than local),
    each with a target; '@egress' is resolved per table (the IGW or the AZ's NAT gateway)."""
    pool: list[tuple[str, str]] = []
    fw = f"{v.name}-fw1"
    for peer in sorted(v.peers):
        pcx = v.peers[peer]
        for base, _ in vpcs[peer].cidrs:  # every /16 of the peer: some of its /20s
            pool += [(_cidr(base + (k << 12), 20), pcx) for k in range(0, 16, 3)]
        pool += [(s.cidr, pcx) for s in vpcs[peer].subnets]
    if v.attached:
        for o in vpcs:
            if o.attached and o.index != v.index and o.index not in v.peers:
                pool += [
                    (_cidr(o.cidrs[0][0] + (k << 12), 20), "tgw-core") for k in range(0, 16, 4)
                ]
                pool += [(s.cidr, "tgw-core") for s in o.subnets[::2]]
    pool += [(_cidr(PARTNER_BASE + (k << 8), 24), "@egress") for k in range(64)]
    for k in range(128):  # 192.168.0.0/17: reached through the routing appliance
        target = fw if k % 10 else f"{{target: {fw}, description: {_q(f'via {fw}: legacy DC')}}}"
        pool.append((f"192.168.{k}.0/24", target))
    pool += [(f"192.168.{128 + k}.0/24", "blackhole") for k in range(64)]
    # Routes whose target was deleted: AWS keeps them as blackholes.
    old = f"{v.name}-nat-old"
    pool += [(f"192.168.{192 + k}.0/24", f"{{target: {old}, state: blackhole}}") for k in range(64)]
    onprem = "tgw-core" if v.attached and v.index != HUB else fw
    pool += [(f"172.{16 + (k >> 4)}.{(k & 15) << 4}.0/20", onprem) for k in range(256)]
    k = 0
    while len(pool) < need and k < 4096:  # only very route-heavy small estates need these
        pool.append((f"172.{16 + (k >> 8)}.{k & 255}.0/24", onprem))
        k += 1
    if len(pool) < need:
        raise ValueError(f"{need} routes in one route table of {v.name}: too many for the pool")
    return pool


def _build_routes(v: Vpc, vpcs: list[Vpc], counts: list[int], rng: random.Random) -> None:
    nat_any = next(iter(v.nats.values()))[0] if v.nats else None
    peer_routes = [(c, v.peers[o]) for o in sorted(v.peers) for c in vpcs[o].cidr_texts()]
    pool = _route_pool(v, vpcs, max(counts) + 1)
    for rt, count in zip(v.route_tables, counts, strict=True):
        nat = v.nats[rt.az][0] if rt.az in v.nats else nat_any
        egress = v.igw if rt.kind == "public" else (nat or v.igw)
        mandatory: list[tuple[str, str]] = []
        if rt.kind == "public":
            mandatory.append(("0.0.0.0/0", v.igw))
        elif nat and (rt.kind == "private" or v.index % 2 == 1):  # half the data tiers: no way out
            mandatory.append(("0.0.0.0/0", nat))
        mandatory += peer_routes
        if v.attached:
            mandatory.append(("10.0.0.0/8", "tgw-core"))
        # On-premises: through the TGW to the hub, whose appliance holds the VPN; VPCs off
        # the TGW (and the hub itself) send it to their own appliance.
        onprem = "tgw-core" if v.attached and v.index != HUB else f"{v.name}-fw1"
        mandatory.append(("172.16.0.0/12", onprem))
        mandatory = mandatory[:count]
        sample = rng.sample(pool, count - len(mandatory))
        rt.routes = mandatory + [(d, egress if t == "@egress" else t) for d, t in sample]


def build(params: Params) -> Estate:
    p = params.resolved()
    if not 1 <= p.vpcs <= MAX_VPCS:
        raise ValueError(f"--vpcs must be between 1 and {MAX_VPCS}")
    rng = random.Random(p.seed)
    vpcs = _plan_vpcs(p)
    peerings = _plan_topology(vpcs)
    eips = _EipPool()
    n_rt_total = max(2 * p.vpcs, min(p.routes // ROUTES_PER_TABLE, p.subnets))
    for v, n_rt in zip(vpcs, spread(n_rt_total, p.vpcs), strict=True):
        _build_network(v, vpcs, max(2, n_rt), eips)
    sg_counts = spread(p.security_groups, p.vpcs)
    rule_counts = spread(p.sg_rules, p.vpcs)
    rules = 0
    for v, n_sgs, n_rules in zip(vpcs, sg_counts, rule_counts, strict=True):
        rules += _build_security_groups(v, vpcs, n_sgs, n_rules, rng)
    for v, n_inst in zip(vpcs, spread(p.enis, p.vpcs), strict=True):
        _build_workloads(v, n_inst, eips, rng)
    route_counts = spread(p.routes, sum(len(v.route_tables) for v in vpcs), rng, 0.8)
    at = 0
    for v in vpcs:
        n = len(v.route_tables)
        _build_routes(v, vpcs, route_counts[at : at + n], rng)
        at += n
    estate = Estate(p, vpcs, peerings)
    estate.queries = _queries(estate, random.Random(f"{p.seed}-queries"))
    _render(estate)
    estate.counts = {
        "vpcs": len(vpcs),
        "subnets": sum(len(v.subnets) for v in vpcs),
        "route_tables": sum(len(v.route_tables) for v in vpcs),
        "routes": sum(len(rt.routes) for v in vpcs for rt in v.route_tables),
        "network_acls": sum(len(v.nacls) for v in vpcs),
        "security_groups": sum(len(v.security_groups) for v in vpcs),
        "sg_rules": rules,
        "instances": sum(len(v.instances) for v in vpcs),
        "databases": sum(len(v.databases) for v in vpcs),
        "nat_gateways": sum(len(v.nats) for v in vpcs),
        "load_balancers": sum(len(v.load_balancers) for v in vpcs),
        "endpoints": sum(len(v.endpoints) for v in vpcs),
        "peerings": len(peerings),
        "tgw_attachments": sum(v.attached for v in vpcs),
        "queries": len(estate.queries),
    }
    return estate


# --------------------------------------------------------------------------------------------
# trace queries


def _queries(e: Estate, rng: random.Random) -> list[Query]:
    """A fixed mix of flows; some are blocked on purpose (wrong port, blackholes, no route)."""
    vpcs = e.vpcs
    hosts = [i for v in vpcs for i in v.instances if i.role != "fw"]
    by_vpc = {v.index: [i for i in v.instances if i.role != "fw"] for v in vpcs}
    apps = {v.index: [i for i in v.instances if i.role == "app"] for v in vpcs}
    private = [i for i in hosts if i.subnet.tier == "private"]
    public_with = [i for i in hosts if i.public_ip]
    public_without = [i for i in hosts if i.subnet.tier == "public" and not i.public_ip]
    peer_pairs = [(a, b) for _, a, b, _ in e.peerings]
    attached = [v.index for v in vpcs if v.attached]
    tgw_pairs = [(a, b) for a in attached for b in attached if a < b and b not in vpcs[a].peers]
    unrouted = [
        (a.index, b.index)
        for a in vpcs
        for b in vpcs
        if a.index < b.index and b.index not in a.peers and not (a.attached and b.attached)
    ]
    with_alb = [v for v in vpcs if v.alb]
    with_nlb = [v for v in vpcs if v.nlb]
    partners = [f"partner{k:02d}.example.net" for k in range(1, 13)]

    def pair(pairs: list[tuple[int, int]], kind: str, ports: Sequence[int]) -> Query | None:
        if not pairs:
            return None
        a, b = rng.choice(pairs)
        if rng.random() < 0.5:
            a, b = b, a
        if rng.random() < 0.5 and apps[b]:  # app servers take HTTPS from 10.0.0.0/8
            return (rng.choice(by_vpc[a]).name, rng.choice(apps[b]).name, 443, kind)
        return (rng.choice(by_vpc[a]).name, rng.choice(by_vpc[b]).name, rng.choice(ports), kind)

    def intra_subnet() -> Query | None:
        src = rng.choice(hosts)
        mates = [i for i in by_vpc[src.subnet.vpc] if i.subnet is src.subnet and i is not src]
        if not mates:
            return None
        return (src.name, rng.choice(mates).name, rng.choice((22, 443, 8080, 3389)), "intra-subnet")

    def cross_subnet() -> Query:
        src = rng.choice(hosts)
        if rng.random() < 0.4 and len(apps[src.subnet.vpc]) > 1:  # app to app: allowed
            src, dst = rng.sample(apps[src.subnet.vpc], 2)
            return (src.name, dst.name, rng.choice((8080, 443, 6379)), "cross-subnet")
        dst = rng.choice(by_vpc[src.subnet.vpc])
        return (src.name, dst.name, rng.choice((8080, 443, 5432, 22, 6379)), "cross-subnet")

    def to_db(port: int | None) -> Query:
        v = rng.choice(vpcs)
        # sg-db admits the app servers only: most sources are app servers, a few are not
        src = rng.choice(apps[v.index] if rng.random() < 0.6 else by_vpc[v.index])
        name, engine, _, _, _ = v.databases[rng.randrange(len(v.databases))]
        return (src.name, name, port or PORTS_OF_ENGINE[engine], "database")

    def private_dns() -> Query:
        v = rng.choice(vpcs)
        return (rng.choice(by_vpc[v.index]).name, f"db1.{v.name}.internal", 5432, "private-dns")

    def internet() -> Query | None:
        r = rng.random()
        if r < 0.4 and private:
            return (rng.choice(private).name, "api.example.com", 443, "internet")
        if r < 0.6 and private:
            return (
                rng.choice(private).name,
                rng.choice(partners),
                rng.choice((443, 8050)),
                "internet",
            )
        if r < 0.7 and private:
            return (rng.choice(private).name, "ssh.example.org", 22, "internet")
        if r < 0.85 and public_without:
            return (
                rng.choice(public_without).name,
                "api.example.com",
                443,
                "internet-no-public-ip",
            )
        if public_with:
            return (rng.choice(public_with).name, "api.example.com", 443, "internet-public-ip")
        return None

    def inbound() -> Query | None:
        r = rng.random()
        if r < 0.45 and with_alb:
            v = rng.choice(with_alb)
            fqdn = f"app{v.index:02d}.example.com" if r < 0.3 else f"www{v.index:02d}.example.com"
            return ("internet", fqdn, 443, "inbound")
        if r < 0.75 and public_with:
            return (
                "internet",
                rng.choice(public_with).public_ip or "",
                rng.choice((22, 443)),
                "inbound",
            )
        if r < 0.88:
            return ("internet", rng.choice(vpcs).databases[0][0], 5432, "inbound")
        return ("internet", rng.choice(hosts).ip, 443, "inbound")

    def special() -> Query:
        src = rng.choice(hosts).name
        r = rng.random()
        if r < 0.3:
            return (
                src,
                f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                443,
                "on-premises",
            )
        if r < 0.5:
            return (src, f"192.168.{rng.randint(128, 255)}.{rng.randint(1, 254)}", 443, "blackhole")
        if r < 0.7:
            return (src, f"192.168.{rng.randint(0, 127)}.{rng.randint(1, 254)}", 22, "appliance")
        if r < 0.85:
            return (
                src,
                f"10.250.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                443,
                "tgw-blackhole",
            )
        return (src, f"{_ip(PARTNER_BASE + (rng.randrange(64) << 8) + 10)}", 443, "partner-route")

    def lb(kind: str) -> Query | None:
        pool = with_nlb if kind == "nlb" else with_alb
        if not pool:
            return None
        v = rng.choice(pool)
        target = v.nlb if kind == "nlb" else v.alb
        assert target is not None
        return (rng.choice(by_vpc[v.index]).name, target, 5000 if kind == "nlb" else 443, kind)

    plan: list[tuple[int, Callable[[], Query | None]]] = [
        (15, intra_subnet),
        (25, cross_subnet),
        (15, lambda: to_db(None)),
        (5, lambda: to_db(22)),
        (5, private_dns),
        (25, internet),
        (15, inbound),
        (30, lambda: pair(peer_pairs, "peering", (443, 8080, 5432, 22))),
        (30, lambda: pair(tgw_pairs, "transit-gateway", (443, 8080, 22))),
        (10, lambda: pair(unrouted, "no-route", (443, 22))),
        (15, special),
        (5, lambda: lb("nlb")),
        (5, lambda: lb("alb")),
    ]
    total_w = sum(w for w, _ in plan)
    quotas = [e.params.queries * w // total_w for w, _ in plan]
    quotas[1] += e.params.queries - sum(quotas)  # rounding goes to the cross-subnet flows
    out: list[Query] = []
    for (_, make), quota in zip(plan, quotas, strict=True):
        for _ in range(quota):
            q = make()
            out.append(q if q is not None else cross_subnet())
    return out


# --------------------------------------------------------------------------------------------
# rendering


def _sg_rule_text(rule: SgRule) -> str:
    proto, port, peer_key, peer, desc = rule
    parts = [f"protocol: {proto}"]
    if port is not None:
        parts.append(f"port: {_port(port)}")
    parts.append(f"{peer_key}: {peer}")
    if desc:
        parts.append(f"description: {_q(desc)}")
    return "          - {" + ", ".join(parts) + "}"


def _nacl_rule_text(rule: NaclRule) -> str:
    number, action, proto, port, cidr = rule
    port_text = f", port: {_port(port)}" if port is not None else ""
    return (
        f"          - {{rule: {number}, action: {action}, protocol: {proto}{port_text}, "
        f"cidr: {cidr}}}"
    )


def _render_network(v: Vpc) -> str:
    out = ["netpath: 1", "vpcs:", f"  {v.name}:", f"    cidr: {v.cidr_texts()[0]}"]
    if len(v.cidrs) > 1:
        out.append(f"    secondary_cidrs: [{', '.join(v.cidr_texts()[1:])}]")
    out += [f"    region: {v.region}", f"    internet_gateway: {v.igw}", "    subnets:"]
    for s in v.subnets:
        extra = "" if s.implicit_rt else f", route_table: {s.route_table}"
        if s.nacl:
            extra += f", network_acl: {s.nacl}"
        out.append(f"      {s.name}: {{cidr: {s.cidr}, az: {s.az}{extra}}}")
    out.append("    route_tables:")
    for rt in v.route_tables:
        out.append(f"      {rt.name}:")
        if rt.main:
            out.append("        main: true")
        out.append("        routes:")
        out += [f"          {dest}: {target}" for dest, target in rt.routes]
    out.append("    network_acls:")
    for name, (default, inbound, outbound) in v.nacls.items():
        out.append(f"      {name}:")
        if default:
            out.append("        default: true")
        out.append("        inbound:")
        out += [_nacl_rule_text(r) for r in sorted(inbound)]
        out.append("        outbound:")
        out += [_nacl_rule_text(r) for r in sorted(outbound)]
    if v.nats:
        out.append("    nat_gateways:")
        for name, s, ip, eip in v.nats.values():
            out.append(f"      {name}: {{subnet: {s.name}, private_ip: {ip}, elastic_ip: {eip}}}")
    if v.endpoints:
        out.append("    endpoints:")
        out += v.endpoints
    return "\n".join(out) + "\n"


def _render_workloads(v: Vpc) -> str:
    out = ["netpath: 1", "vpcs:", f"  {v.name}:", "    security_groups:"]
    for g in v.security_groups:
        out += [f"      {g.name}:", f"        description: {_q(g.description)}"]
        out.append("        ingress:" if g.ingress else "        ingress: []")
        out += [_sg_rule_text(r) for r in g.ingress]
        if g.egress is not None:
            out.append("        egress:" if g.egress else "        egress: []")
            out += [_sg_rule_text(r) for r in g.egress]
    out.append("    instances:")
    for i in v.instances:
        extra = f", public_ip: {i.public_ip}" if i.public_ip else ""
        if i.os != "linux":
            extra += f", os: {i.os}"
        if not i.source_dest_check:
            extra += ", source_dest_check: false"
        out.append(
            f"      {i.name}: {{subnet: {i.subnet.name}, private_ip: {i.ip}, "
            f"security_groups: [{', '.join(i.security_groups)}]{extra}}}"
        )
    out.append("    databases:")
    for name, engine, port, s, ip in v.databases:
        port_text = f", port: {port}" if port else ""
        out.append(
            f"      {name}: {{engine: {engine}{port_text}, subnet: {s.name}, private_ip: {ip}, "
            f"security_groups: [{v.sg('db')}]}}"
        )
    if v.load_balancers:
        out += ["    load_balancers:", *v.load_balancers]
    if v.target_groups:
        out += ["    target_groups:", *v.target_groups]
    return "\n".join(out) + "\n"


def _render_global(e: Estate) -> str:
    p = e.params
    vpcs = e.vpcs
    out = [
        "netpath: 1",
        "description: "
        + _q(
            f"generated benchmark estate: {p.subnets} subnets, {p.routes} routes, "
            f"{p.security_groups} security groups, {p.enis} instances (seed {p.seed})"
        ),
        "peerings:",
    ]
    for name, a, b, status in e.peerings:
        out.append(
            f"  {name}: {{requester: {vpcs[a].name}, accepter: {vpcs[b].name}, status: {status}}}"
        )
    attached = [v for v in vpcs if v.attached]
    if attached:
        hub = attached[0]
        out += ["transit_gateways:", "  tgw-core:", "    region: us-east-1", "    attachments:"]
        for v in attached:
            subs = ", ".join(s.name for s in v.first_per_az("private"))
            out.append(f"      att-{v.name}: {{vpc: {v.name}, subnets: [{subs}]}}")
        all_atts = ", ".join(f"att-{v.name}" for v in attached)
        spokes = ", ".join(f"att-{v.name}" for v in attached if v is not hub)
        out += [
            "    route_tables:",
            "      tgw-rt-spokes:",
            f"        associations: [{spokes}]",
            f"        propagations: [{all_atts}]",
            "        routes:",
            f"          172.16.0.0/12: att-{hub.name}",
            "          10.250.0.0/16: blackhole",
            "      tgw-rt-hub:",
            f"        associations: [att-{hub.name}]",
            f"        propagations: [{all_atts}]",
            "        routes: {}",
        ]
    out += [
        "prefix_lists:",
        "  pl-s3: {service: s3, cidrs: [52.216.0.0/15, 54.231.0.0/16, 3.5.0.0/19]}",
        "  pl-dynamodb: {service: dynamodb, cidrs: [3.218.180.0/22, 52.94.0.0/22]}",
        "  pl-office: {cidrs: [203.0.113.0/26, 198.51.100.128/25]}",
        "dns:",
        "  api2.example.com: {a: [192.0.2.81, 192.0.2.82]}",
    ]
    for v in vpcs:
        if v.alb:
            out.append(f"  app{v.index:02d}.example.com: {{alias: {v.alb}}}")
            out.append(f"  www{v.index:02d}.example.com: {{cname: app{v.index:02d}.example.com}}")
        zone = ", ".join([v.name] + [vpcs[o].name for o in sorted(v.peers)])
        out.append(f"  db1.{v.name}.internal: {{a: {v.databases[0][4]}, vpcs: [{zone}]}}")
    out += [
        "internet_hosts:",
        "  api.example.com: 192.0.2.80",
        "  ssh.example.org: {ip: 203.0.113.22, ports: [22]}",
    ]
    for k in range(1, 13):
        ip = _ip(PARTNER_BASE + ((k * 5) << 8) + 10)
        out.append(f'  partner{k:02d}.example.net: {{ip: {ip}, ports: [443, "8000-8100"]}}')
    return "\n".join(out) + "\n"


def _render(e: Estate) -> None:
    files: dict[str, str] = {}
    for v in e.vpcs:
        files[f"{v.name}.yaml"] = _render_network(v)
        files[f"{v.name}-workloads.yaml"] = _render_workloads(v)
    files["global.yaml"] = _render_global(e)
    e.files = files


def _queries_text(e: Estate) -> str:
    head = (
        f"# netpath benchmark trace queries (seed {e.params.seed}): SOURCE DESTINATION PORT "
        f"(tcp); the comment names the kind of flow\n"
    )
    return head + "".join(f"{s} {d} {port}  # {kind}\n" for s, d, port, kind in e.queries)


# --------------------------------------------------------------------------------------------
# writing


def manifest(e: Estate) -> dict[str, object]:
    return {
        "generator_version": GENERATOR_VERSION,
        "params": asdict(e.params),
        "counts": e.counts,
        "files": sorted(e.files),
    }


def write(e: Estate, out: Path) -> int:
    """Replace the estate in `out` (stale files from other sizes would be merged by the loader)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / ".gitignore").write_text("*\n")  # generated output: never committed by accident
    for old in [*out.glob("*.yaml"), *out.glob("*.yml")]:
        old.unlink()
    size = 0
    for name, text in e.files.items():
        data = text.encode()
        (out / name).write_bytes(data)
        size += len(data)
    (out / "queries.txt").write_text(_queries_text(e))
    (out / "manifest.json").write_text(json.dumps({**manifest(e), "bytes": size}, indent=2) + "\n")
    return size


def parse_args(argv: Sequence[str] | None) -> tuple[Params, Path, bool]:
    d = Params()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--subnets", type=int, default=d.subnets)
    ap.add_argument("--routes", type=int, default=d.routes)
    ap.add_argument("--security-groups", type=int, default=d.security_groups)
    ap.add_argument("--sg-rules", type=int, default=d.sg_rules)
    ap.add_argument("--enis", type=int, default=d.enis, help="instances (each has one ENI)")
    ap.add_argument(
        "--vpcs", type=int, default=d.vpcs, help="0: from the subnet count (20 at full size)"
    )
    ap.add_argument("--queries", type=int, default=d.queries)
    ap.add_argument("--seed", type=int, default=d.seed)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--quiet", action="store_true", help="print nothing on success")
    a = ap.parse_args(argv)
    params = Params(
        a.subnets, a.routes, a.security_groups, a.sg_rules, a.enis, a.vpcs, a.queries, a.seed
    )
    return params, a.out, a.quiet


def main(argv: Sequence[str] | None = None) -> int:
    params, out, quiet = parse_args(argv)
    started = time.perf_counter()
    try:
        estate = build(params)
    except ValueError as exc:
        print(f"generate: {exc}", file=sys.stderr)
        return 2
    size = write(estate, out)
    elapsed = time.perf_counter() - started
    if not quiet:
        objects = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in estate.counts.items())
        print(f"wrote {out}: {len(estate.files)} files, {size:,} bytes in {elapsed:.2f} s")
        print(f"  {objects}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
