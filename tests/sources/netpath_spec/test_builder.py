"""What the builder puts in the model: parsed values, implicit things, names, assigned addresses.

The builder's error messages are tested case by case in fixtures/build-*.yaml (see
test_semantic.py); here the model itself is checked.
"""

from __future__ import annotations

from importlib import resources
from ipaddress import IPv4Address, IPv4Network
from typing import Any

import pytest
import yaml

from netpath.model.addr import PortRange
from netpath.model.resources import Model, NaclRule, Route, SgRule, Target, TgwRoute
from netpath.sources.netpath_spec.builder import build_model
from netpath.sources.netpath_spec.semantic import check_model
from tests.sources.netpath_spec.speccases import base_spec, deep_merge, shown

ip = IPv4Address
net = IPv4Network


def build(patch: str | dict[str, Any] = "") -> Model:
    """The base spec of the fixtures, patched; any error fails the test."""
    extra = yaml.safe_load(patch) if isinstance(patch, str) else patch
    model, errors = build_model(deep_merge(base_spec(), extra or {}))
    errors = errors or check_model(model)
    assert [shown(e) for e in errors] == []
    return model


# --- the reference example -----------------------------------------------------------------


@pytest.fixture(scope="module")
def three_tier() -> Model:
    text = (resources.files("netpath") / "scenarios/three-tier/netpath.yaml").read_text()
    data = yaml.safe_load(text)
    data.pop("clusters")  # the AWS part: the cluster's manifests are read by the loader
    model, errors = build_model(data)
    assert errors == []
    assert check_model(model) == []
    return model


def test_reference_local_route_comes_first(three_tier: Model) -> None:
    routes = three_tier.route_tables["rt-private"].routes
    assert routes == (
        Route(net("10.0.0.0/16"), None, "local", "local", "local", ("vpcs", "prod", "cidr")),
        Route(net("0.0.0.0/0"), None, "nat-gateway", "nat-a", "static",
              ("vpcs", "prod", "route_tables", "rt-private", "routes", "0.0.0.0/0")),
    )
    assert [r.target for r in three_tier.route_tables["rt-db"].routes] == ["local"]


def test_reference_main_route_table_is_implicit(three_tier: Model) -> None:
    vpc = three_tier.vpcs["prod"]
    main = three_tier.route_tables[vpc.main_route_table]
    assert (main.name, main.main, main.path) == ("prod-main", True, ("vpcs", "prod"))
    assert [r.origin for r in main.routes] == ["local"]
    # every subnet is associated explicitly, so none uses the main table
    assert not any(s.route_table_is_main for s in three_tier.subnets.values())


def test_reference_default_nacl_is_implicit_and_allows_all(three_tier: Model) -> None:
    nacl = three_tier.network_acls["prod-default-nacl"]
    allow_all = NaclRule(100, "allow", "all", None, net("0.0.0.0/0"), ("vpcs", "prod"))
    assert (nacl.implicit, nacl.is_default) == (True, True)
    assert nacl.inbound == nacl.outbound == (allow_all,)
    assert {s.network_acl for s in three_tier.subnets.values()} == {"prod-default-nacl"}
    assert any("prod-default-nacl" in note for note in three_tier.notes)


def test_reference_nat_gateway_interface(three_tier: Model) -> None:
    nat = three_tier.nat_gateways["nat-a"]
    eni = three_tier.enis[nat.eni]
    assert nat.eni == "nat-a.eni"
    assert (eni.owner_kind, eni.owner, eni.security_groups) == ("nat-gateway", "nat-a", ())
    assert (eni.private_ip, eni.public_ip) == (ip("10.0.1.20"), ip("198.51.100.10"))
    assert (eni.client_os, eni.source_dest_check) == ("nat-gateway", False)


def test_reference_target_group_and_listener(three_tier: Model) -> None:
    group = three_tier.target_groups["tg-web"]
    path = ("vpcs", "prod", "target_groups", "tg-web", "targets")
    assert group.targets == (Target("node-1", 30080, True, (*path, 0)),
                             Target("node-2", 30080, True, (*path, 1)))
    assert group.preserve_client_ip is True
    lb = three_tier.load_balancers["web-alb"]
    assert [(lis.port, lis.protocol, lis.target_group) for lis in lb.listeners] == [
        (443, "HTTPS", "tg-web")
    ]
    assert lb.enis == ("web-alb.public-a", "web-alb.public-b")
    assert three_tier.enis["web-alb.public-b"].client_os == "elb"


def test_reference_database_and_instances(three_tier: Model) -> None:
    db = three_tier.databases["orders-db"]
    assert (db.engine, db.port, db.eni) == ("postgres", 5432, "orders-db.eni")
    assert three_tier.instances["node-1"].enis == ("node-1.eth0",)
    assert three_tier.enis["node-1.eth0"].security_groups == ("sg-node",)


def test_reference_security_group_egress(three_tier: Model) -> None:
    node = three_tier.security_groups["sg-node"]
    assert node.egress_is_default
    assert node.egress == (SgRule("egress", "all", None, net("0.0.0.0/0"), None, None,
                                  "AWS default: all outbound traffic", node.path),)
    alb = three_tier.security_groups["sg-alb"]
    assert not alb.egress_is_default
    assert alb.egress[0].ports == PortRange(30000, 32767)
    assert alb.egress[0].security_group == "sg-node"


def test_reference_dns_and_internet_host(three_tier: Model) -> None:
    record = three_tier.dns_records["myapp.example.com"]
    assert (record.type, record.values, record.private_vpcs) == ("ALIAS", ("web-alb",), ())
    assert three_tier.internet_hosts["api.example.com"].ip == ip("192.0.2.80")
    assert three_tier.description.startswith("3-tier")


def test_reference_paths_point_into_the_document(three_tier: Model) -> None:
    rule = three_tier.security_groups["sg-db"].ingress[0]
    assert rule.path == ("vpcs", "prod", "security_groups", "sg-db", "ingress", 0)
    assert three_tier.subnets["db-a"].path == ("vpcs", "prod", "subnets", "db-a")
    assert three_tier.internet_gateways["igw-prod"].path == ("vpcs", "prod", "internet_gateway")


# --- deterministic addresses ---------------------------------------------------------------

ASSIGN = """
vpcs:
  prod:
    subnets: {tiny: {cidr: 10.0.99.0/28, az: us-east-1a}}
    instances:
      zeta: {subnet: tiny}
      alpha: {subnet: tiny}
      mid: {subnet: tiny, private_ip: 10.0.99.13}
      beta: {subnet: tiny}
    nat_gateways:
      nat-b: {subnet: tiny, elastic_ip: 198.51.100.30}
    load_balancers:
      web: {type: application, subnets: [public-a, public-b]}
      api: {type: network, subnets: {public-a: {public_ip: 198.51.100.254}}}
"""


def test_addresses_come_from_the_top_of_the_subnet_in_name_order() -> None:
    model = build(ASSIGN)
    addresses = {e.owner if e.owner != "web" else e.name: str(e.private_ip)
                 for e in model.enis.values() if e.subnet == "tiny" or e.owner == "web"}
    # .15 is the broadcast address, .13 is written: alpha, beta, nat-b, zeta take .14 .12 .11 .10;
    # in public-a, api's node (sorted first) takes .254 and web's .253
    assert addresses == {"alpha": "10.0.99.14", "beta": "10.0.99.12", "mid": "10.0.99.13",
                         "nat-b": "10.0.99.11", "zeta": "10.0.99.10",
                         "web.public-a": "10.0.1.253", "web.public-b": "10.0.2.254"}
    assert model.nat_gateways["nat-b"].private_ip == ip("10.0.99.11")
    assert "assigned 10.0.99.14 to alpha (no private_ip in the spec)" in model.notes


def test_internet_facing_nodes_get_public_addresses_counting_down() -> None:
    model = build(ASSIGN)
    # .254 is written on api's node: web's nodes take .253 and .252, in name order
    assert model.enis["web.public-a"].public_ip == ip("198.51.100.253")
    assert model.enis["web.public-b"].public_ip == ip("198.51.100.252")
    assert "assigned public IP 198.51.100.253 to web.public-a (no public_ip in the spec)" in (
        model.notes)


def test_assignment_is_the_same_every_time() -> None:
    first, second = build(ASSIGN), build(ASSIGN)
    assert first.enis == second.enis
    assert first.notes == second.notes


def test_assignment_skips_the_reserved_addresses() -> None:
    names = {f"n-{i:02}": {"subnet": "tiny"} for i in range(11)}
    model = build({"vpcs": {"prod": {"subnets": {"tiny": {"cidr": "10.0.99.0/28",
                                                          "az": "us-east-1a"}},
                                     "instances": names}}})
    used = sorted(int(e.private_ip) - int(ip("10.0.99.0"))
                  for e in model.enis.values() if e.subnet == "tiny")
    assert used == list(range(4, 15))  # not .0-.3, not .15


# --- routes --------------------------------------------------------------------------------


def test_route_targets_resolve_to_kinds() -> None:
    model = build("""
vpcs:
  prod:
    secondary_cidrs: [100.64.0.0/16]
    instances: {fw-1: {subnet: public-b, source_dest_check: false}}
    network_interfaces: {eni-fw: {subnet: public-b}}
    route_tables:
      rt-private:
        routes:
          10.0.0.0/16: local
          10.50.0.0/16: fw-1
          10.51.0.0/16: eni-fw
          10.52.0.0/16: blackhole
          192.168.0.0/16: {target: nat-old, state: blackhole}
          10.1.0.0/16: {target: pcx-1, description: to dev}
peerings: {pcx-1: {requester: prod, accepter: dev}}
""")
    routes = {str(r.destination): (r.target_kind, r.target, r.origin)
              for r in model.route_tables["rt-private"].routes}
    assert routes == {
        "10.0.0.0/16": ("local", "local", "local"),
        "100.64.0.0/16": ("local", "local", "local"),
        "0.0.0.0/0": ("nat-gateway", "nat-a", "static"),
        "10.50.0.0/16": ("network-interface", "fw-1.eth0", "static"),
        "10.51.0.0/16": ("network-interface", "eni-fw", "static"),
        "10.52.0.0/16": ("blackhole", "blackhole", "static"),
        "192.168.0.0/16": ("blackhole", "nat-old", "static"),
        "10.1.0.0/16": ("vpc-peering", "pcx-1", "static"),
    }
    first_two = model.route_tables["rt-private"].routes[:2]
    # the written `10.0.0.0/16: local` is the implicit route: one route, at the VPC's CIDR
    assert [r.path for r in first_two] == [("vpcs", "prod", "cidr"),
                                           ("vpcs", "prod", "secondary_cidrs", 0)]


def test_a_vpc_cidr_route_to_an_interface_replaces_the_local_route() -> None:
    model = build("""
vpcs:
  prod:
    network_interfaces: {eni-fw: {subnet: public-b, source_dest_check: false}}
    route_tables: {rt-private: {routes: {10.0.0.0/16: eni-fw}}}
""")
    first = model.route_tables["rt-private"].routes[0]
    assert (str(first.destination), first.target, first.origin) == ("10.0.0.0/16", "eni-fw",
                                                                     "static")
    assert sum(r.destination == net("10.0.0.0/16") for r in
               model.route_tables["rt-private"].routes) == 1


def test_main_route_table_written_and_used() -> None:
    model = build("""
vpcs:
  prod:
    route_tables: {rt-private: {main: true}}
    subnets: {private-c: {cidr: 10.0.12.0/24, az: us-east-1c}}
""")
    assert model.vpcs["prod"].main_route_table == "rt-private"
    assert model.route_tables["rt-private"].main
    assert "prod-main" not in model.route_tables
    subnet = model.subnets["private-c"]
    assert (subnet.route_table, subnet.route_table_is_main) == ("rt-private", True)
    assert model.subnets["private-a"].route_table_is_main  # explicitly on the main table


def test_implicit_main_route_table_is_noted_when_used() -> None:
    model = build("vpcs: {prod: {subnets: {private-c: {cidr: 10.0.12.0/24, az: us-east-1c}}}}")
    assert model.subnets["private-c"].route_table == "prod-main"
    assert any("'private-c' use the implicit main route table 'prod-main'" in n
               for n in model.notes)


def test_gateway_endpoint_adds_prefix_list_routes() -> None:
    model = build("""
vpcs:
  prod:
    endpoints:
      vpce-s3: {type: gateway, service: s3, route_tables: [rt-public, rt-private]}
    route_tables:
      rt-private: {routes: {pl-s3: vpce-s3}}   # written out too: still one route
""")
    endpoint = model.endpoints["vpce-s3"]
    assert (endpoint.prefix_list, endpoint.route_tables) == ("pl-s3", ("rt-public", "rt-private"))
    path = ("vpcs", "prod", "endpoints", "vpce-s3", "route_tables")
    public = model.route_tables["rt-public"].routes
    assert public[-1] == Route(None, "pl-s3", "vpc-endpoint", "vpce-s3", "prefix-list", (*path, 0))
    private = [r for r in model.route_tables["rt-private"].routes if r.prefix_list]
    assert [(r.target, r.origin, r.path[-2:]) for r in private] == [
        ("vpce-s3", "prefix-list", ("routes", "pl-s3"))
    ]


def test_transit_gateway_propagated_and_static_routes() -> None:
    model = build("""
vpcs: {dev: {secondary_cidrs: [100.64.0.0/16]}}
transit_gateways:
  tgw-core:
    region: us-east-1
    attachments:
      att-prod: {vpc: prod, subnets: [private-a, private-b]}
      att-dev: {vpc: dev, subnets: [dev-a]}
    route_tables:
      tgw-rt:
        associations: [att-prod, att-dev]
        propagations: [att-prod, att-dev]
        routes:
          10.1.0.0/16: att-prod
          10.9.0.0/16: blackhole
""")
    table = model.tgw_route_tables["tgw-rt"]
    path = ("transit_gateways", "tgw-core", "route_tables", "tgw-rt")
    assert table.routes == (
        TgwRoute(net("10.1.0.0/16"), "att-prod", "static", (*path, "routes", "10.1.0.0/16")),
        TgwRoute(net("10.9.0.0/16"), "blackhole", "static", (*path, "routes", "10.9.0.0/16")),
        TgwRoute(net("10.0.0.0/16"), "att-prod", "propagated", (*path, "propagations", 0)),
        TgwRoute(net("10.1.0.0/16"), "att-dev", "propagated", (*path, "propagations", 1)),
        TgwRoute(net("100.64.0.0/16"), "att-dev", "propagated", (*path, "propagations", 1)),
    )
    assert model.transit_gateways["tgw-core"].attachments == ("att-prod", "att-dev")
    assert model.tgw_attachments["att-dev"].transit_gateway == "tgw-core"


# --- rules ---------------------------------------------------------------------------------


def test_protocols_are_normalised() -> None:
    model = build("""
vpcs:
  prod:
    security_groups:
      sg-app:
        ingress:
          - {protocol: -1, cidr: 10.0.0.0/8}
          - {protocol: "6", port: 443, cidr: 10.0.0.0/8}
          - {protocol: 17, port: "1000-2000", cidr: 10.0.0.0/8}
          - {protocol: 1, port: 8, cidr: 10.0.0.0/8}
          - {protocol: 50, cidr: 10.0.0.0/8}
        egress: []
""")
    group = model.security_groups["sg-app"]
    assert [(r.protocol, r.ports) for r in group.ingress] == [
        ("all", None), ("tcp", PortRange(443, 443)), ("udp", PortRange(1000, 2000)),
        ("icmp", None), ("50", None)]
    assert (group.egress, group.egress_is_default) == ((), False)


def test_nacl_rules_are_sorted_by_number() -> None:
    model = build("""
vpcs:
  prod:
    network_acls:
      nacl-app:
        inbound:
          - {rule: 200, action: deny, protocol: all, cidr: 0.0.0.0/0}
          - {rule: 100, action: allow, protocol: tcp, port: 443, cidr: 0.0.0.0/0}
    subnets: {private-b: {network_acl: nacl-app}}
""")
    nacl = model.network_acls["nacl-app"]
    assert [(r.number, r.path[-1]) for r in nacl.inbound] == [(100, 1), (200, 0)]
    assert nacl.outbound == ()
    assert (nacl.is_default, nacl.implicit) == (False, False)


# --- interfaces, services, DNS -------------------------------------------------------------


def test_interfaces_of_every_owner() -> None:
    model = build("""
vpcs:
  prod:
    instances: {win-1: {subnet: private-b, private_ip: 10.0.11.10, os: windows}}
    network_interfaces:
      eni-extra: {subnet: private-b, private_ip: 10.0.11.11, attached_to: win-1}
      eni-lambda: {subnet: private-b, private_ip: 10.0.11.12}
    databases: {db-1: {engine: mysql, subnet: private-a, private_ip: 10.0.10.50}}
    endpoints:
      vpce-sts: {type: interface, service: sts, subnets: {private-a: {private_ip: 10.0.10.30}}}
""")
    assert model.instances["win-1"].enis == ("win-1.eth0", "eni-extra")
    extra = model.enis["eni-extra"]
    assert (extra.owner_kind, extra.owner, extra.client_os) == ("instance", "win-1", "windows")
    assert model.enis["eni-lambda"].owner_kind == "network-interface"
    assert model.databases["db-1"].port == 3306
    assert model.enis["db-1.eni"].client_os == "linux"
    endpoint = model.endpoints["vpce-sts"]
    assert endpoint.enis == ("vpce-sts.private-a",)
    assert (endpoint.private_dns, endpoint.dns_names) == (True, ("sts.us-east-1.amazonaws.com",))
    assert model.enis["vpce-sts.private-a"].owner_kind == "vpc-endpoint"


def test_target_group_defaults_and_overrides() -> None:
    model = build("""
vpcs:
  prod:
    target_groups:
      tg-ip: {protocol: TCP, port: 80, target_type: ip, targets: [10.0.10.10]}
      tg-app:
        protocol: HTTP
        port: 80
        targets: [{target: app-1, port: 8080, healthy: false}]
    load_balancers:
      nlb: {type: network, scheme: internal, subnets: [private-a],
            listeners: {443: {protocol: TCP, target_group: tg-ip}}}
""")
    assert model.target_groups["tg-ip"].preserve_client_ip is False
    assert model.target_groups["tg-ip"].targets[0].target == "10.0.10.10"
    target = model.target_groups["tg-app"].targets[0]
    assert (target.target, target.port, target.healthy) == ("app-1", 8080, False)
    nlb = model.load_balancers["nlb"]
    assert nlb.listeners[0].port == 443
    assert model.enis["nlb.private-a"].public_ip is None  # internal: no public address


def test_dns_records_and_internet_hosts() -> None:
    model = build("""
dns:
  WWW.Example.com.: {cname: App.Example.COM}
  app.example.com: {a: [192.0.2.81, 192.0.2.82]}
  db.prod.internal: {a: 10.0.10.10, vpcs: [prod]}
internet_hosts:
  api.example.com: 192.0.2.80
  ssh.example.com: {ip: 192.0.2.90, ports: [22, "8000-8100"]}
""")
    records = {n: (r.type, r.values, r.private_vpcs) for n, r in model.dns_records.items()}
    assert records == {
        "www.example.com": ("CNAME", ("app.example.com",), ()),
        "app.example.com": ("A", ("192.0.2.81", "192.0.2.82"), ()),
        "db.prod.internal": ("A", ("10.0.10.10",), ("prod",)),
    }
    assert model.dns_records["www.example.com"].path == ("dns", "WWW.Example.com.")
    assert model.internet_hosts["api.example.com"].ports == ()
    assert model.internet_hosts["ssh.example.com"].ports == (PortRange(22, 22),
                                                             PortRange(8000, 8100))


# --- robustness ----------------------------------------------------------------------------


def test_building_goes_on_after_an_error() -> None:
    spec = deep_merge(base_spec(), yaml.safe_load("""
vpcs:
  prod:
    instances:
      broken: {subnet: nowhere}
      fine: {subnet: private-b}
    subnets: {bad: {cidr: 10.0.50.1/24, az: us-east-1a}}
"""))
    model, errors = build_model(spec)
    assert [e.path[-2:] for e in errors] == [("bad", "cidr"), ("broken", "subnet")]
    assert "fine" in model.instances and "broken" not in model.instances
    assert "bad" not in model.subnets and "private-a" in model.subnets


def test_sparse_but_schema_valid_spec() -> None:
    """Empty sections, a null load balancer node, no routes: nothing to trip over."""
    model, errors = build_model(yaml.safe_load("""
netpath: 1
vpcs:
  solo:
    cidr: 10.5.0.0/16
    region: eu-west-1
    subnets: {a: {cidr: 10.5.1.0/24, az: eu-west-1a}}
    route_tables: {rt: {}}
    security_groups: {sg: {}}
    network_acls: {nacl: {default: true}}
    load_balancers: {lb: {type: network, scheme: internal, subnets: {a: null}}}
"""))
    assert errors == []
    assert check_model(model) == []
    assert model.subnets["a"].network_acl == "nacl"
    assert model.network_acls["nacl"].inbound == ()  # a custom NACL with no rules denies all
    assert model.enis["lb.a"].private_ip == ip("10.5.1.254")
