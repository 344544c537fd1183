"""`netpath show`'s tree, from a hand-built model."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from netpath.model.addr import PortRange
from netpath.model.resources import (
    Database,
    DnsRecord,
    Eni,
    Instance,
    InternetGateway,
    InternetHost,
    Listener,
    LoadBalancer,
    Model,
    NatGateway,
    NetworkAcl,
    Peering,
    Route,
    RouteTable,
    Subnet,
    Target,
    TargetGroup,
    TgwAttachment,
    TgwRoute,
    TgwRouteTable,
    TransitGateway,
    Vpc,
    VpcEndpoint,
)
from netpath.render.show import render_model
from tests.render.streams import flat, rendered

N = IPv4Network
A = IPv4Address


def eni(name: str, subnet: str, ip: str, kind: str, owner: str, *, public: str | None = None,
        groups: tuple[str, ...] = (), sdc: bool = True) -> Eni:
    return Eni(name, "prod", subnet, A(ip), A(public) if public else None, groups, kind, owner,
               sdc, "linux", ())


def sample_model() -> Model:
    vpc = Vpc("prod", (N("10.0.0.0/16"), N("100.64.0.0/16")), "us-east-1", "igw-prod",
              "rt-main", "nacl-default", ())
    subnets = {
        "public-a": Subnet("public-a", "prod", N("10.0.1.0/24"), "us-east-1a", "rt-public",
                           "nacl-default", False, ()),
        "private-a": Subnet("private-a", "prod", N("10.0.10.0/24"), "us-east-1a", "rt-private",
                            "nacl-default", False, ()),
        "db-a": Subnet("db-a", "prod", N("10.0.20.0/24"), "us-east-1a", "rt-main",
                       "nacl-default", True, ()),
    }
    tables = {
        "rt-public": RouteTable("rt-public", "prod", (
            Route(N("0.0.0.0/0"), None, "internet-gateway", "igw-prod", "static", ()),), False, ()),
        "rt-private": RouteTable("rt-private", "prod", (
            Route(N("0.0.0.0/0"), None, "nat-gateway", "nat-a", "static", ()),), False, ()),
        "rt-main": RouteTable("rt-main", "prod", (), True, ()),
    }
    enis = [
        eni("eni-node-1", "private-a", "10.0.10.100", "instance", "node-1", groups=("sg-node",)),
        eni("eni-nat-a", "public-a", "10.0.1.20", "nat-gateway", "nat-a"),
        eni("eni-alb-a", "public-a", "10.0.1.10", "load-balancer", "web-alb",
            public="198.51.100.20", groups=("sg-alb",)),
        eni("eni-db", "db-a", "10.0.20.50", "database", "orders-db", groups=("sg-db",)),
        eni("eni-fw", "private-a", "10.0.10.5", "network-interface", "fw-1", sdc=False),
    ]
    return Model(
        vpcs={"prod": vpc},
        subnets=subnets,
        route_tables=tables,
        network_acls={"nacl-default": NetworkAcl("nacl-default", "prod", (), (), True, True, ())},
        enis={e.name: e for e in enis},
        instances={"node-1": Instance("node-1", "prod", ("eni-node-1",), "linux", ())},
        databases={"orders-db": Database("orders-db", "prod", "postgres", 5432, "eni-db", ())},
        nat_gateways={"nat-a": NatGateway("nat-a", "prod", "public-a", "public", A("10.0.1.20"),
                                          A("198.51.100.10"), "eni-nat-a", ())},
        internet_gateways={"igw-prod": InternetGateway("igw-prod", "prod", ())},
        load_balancers={"web-alb": LoadBalancer(
            "web-alb", "prod", "application", "internet-facing", ("sg-alb",), ("eni-alb-a",),
            (Listener(443, "HTTPS", "tg-web", ()),), ())},
        target_groups={"tg-web": TargetGroup(
            "tg-web", "prod", "HTTP", 30080, "instance",
            (Target("node-1", 30080, True, ()), Target("node-2", 30080, False, ())), True, ())},
        endpoints={"vpce-s3": VpcEndpoint("vpce-s3", "prod", "gateway", "s3", "pl-s3",
                                          ("rt-private",), (), (), False, (), "allow", ())},
        peerings={"pcx-prod-dev": Peering("pcx-prod-dev", "prod", "dev", "pending-acceptance",
                                          ())},
        transit_gateways={"tgw-core": TransitGateway("tgw-core", "us-east-1", ("att-prod",),
                                                     ("tgw-rt",), ())},
        tgw_attachments={"att-prod": TgwAttachment("att-prod", "tgw-core", "prod",
                                                   ("private-a",), ())},
        tgw_route_tables={"tgw-rt": TgwRouteTable(
            "tgw-rt", "tgw-core", ("att-prod",), ("att-prod",),
            (TgwRoute(N("10.0.0.0/16"), "att-prod", "propagated", ()),), ())},
        dns_records={"myapp.example.com": DnsRecord("myapp.example.com", "ALIAS", ("web-alb",),
                                                    (), ())},
        internet_hosts={"api.example.com": InternetHost("api.example.com", A("192.0.2.80"),
                                                        (PortRange(443, 443),), ())},
        description="3-tier test model",
        notes=("node-2's address was assigned: 10.0.11.4",),
    )


def show_text(*, wide: bool = True, ascii_only: bool = False) -> str:
    # Content tests read wide output: where rich wraps at 80 columns is tested on its own.
    environ = {"COLUMNS": "200"} if wide else {}
    return rendered(lambda console: render_model(sample_model(), console), environ=environ,
                    ascii_only=ascii_only)


def test_public_means_a_route_to_an_internet_gateway() -> None:
    model = sample_model()
    assert model.is_public(model.subnets["public-a"])
    assert not model.is_public(model.subnets["private-a"])  # 0.0.0.0/0 -> NAT is private
    assert not model.is_public(model.subnets["db-a"])


def test_vpc_subnets_and_what_sits_in_them() -> None:
    text = show_text()
    assert text.splitlines()[0] == "3-tier test model"
    assert "VPC prod  10.0.0.0/16, 100.64.0.0/16  us-east-1" in text
    assert "subnet public-a  10.0.1.0/24  us-east-1a  public" in text
    assert "subnet private-a  10.0.10.0/24  us-east-1a  private" in text
    assert "route table rt-main (main), network ACL nacl-default (implicit: allows all)" in text
    assert "NAT gateway nat-a (public)  10.0.1.20  public 198.51.100.10" in text
    assert "load balancer web-alb (ALB) node  10.0.1.10  public 198.51.100.20  [sg-alb]" in text
    assert "instance node-1  10.0.10.100  [sg-node]" in text
    assert "database orders-db (postgres, port 5432)  10.0.20.50  [sg-db]" in text
    assert "interface eni-fw (attached to fw-1)  10.0.10.5  source/destination check off" in text


def test_things_sit_under_their_subnet_sorted_by_address() -> None:
    lines = show_text().splitlines()
    start = next(i for i, line in enumerate(lines) if "subnet public-a" in line)
    end = next(i for i, line in enumerate(lines) if "subnet private-a" in line)
    inside = "\n".join(lines[start:end])
    assert inside.index("10.0.1.10") < inside.index("10.0.1.20")
    assert "10.0.10.100" not in inside


def test_route_tables_load_balancers_and_security_groups() -> None:
    text = show_text()
    assert "rt-public  0.0.0.0/0 -> igw-prod" in text
    assert "rt-main (main)  local only" in text
    assert "443/HTTPS -> tg-web (instance targets)  node-1:30080, node-2:30080 (unhealthy)" in text


def test_global_sections() -> None:
    text = flat(show_text())
    assert "\ngateways\n" in show_text()
    assert "internet gateway igw-prod VPC prod" in text
    assert "NAT gateway nat-a subnet public-a public 10.0.1.20 Elastic IP 198.51.100.10" in text
    assert "gateway endpoint vpce-s3 s3 prefix list pl-s3, route tables rt-private" in text
    assert "pcx-prod-dev prod <-> dev pending-acceptance" in text
    assert "tgw-core us-east-1" in text
    assert "attachment att-prod VPC prod subnets private-a" in text
    assert "10.0.0.0/16 -> att-prod propagated" in text
    assert "myapp.example.com ALIAS web-alb public" in text
    assert "api.example.com 192.0.2.80 ports 443" in text
    assert "notes" in text and "node-2's address was assigned: 10.0.11.4" in text


def test_empty_sections_are_left_out() -> None:
    text = rendered(lambda console: render_model(Model(), console))
    assert text == ""


def test_fits_80_columns_plain_and_ascii() -> None:
    plain = show_text(wide=False)
    assert "\x1b" not in plain
    assert max(len(line) for line in plain.splitlines()) <= 80
    assert "\u251c" in plain  # tree guides on a UTF-8 stream
    ascii_text = show_text(wide=False, ascii_only=True)
    assert ascii_text.isascii()
    assert "instance node-1" in ascii_text
