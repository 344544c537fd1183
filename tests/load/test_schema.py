"""The spec's JSON Schema and the friendly errors made from jsonschema's.

Negative tests assert the exact message, hint and path: counting errors would not catch noise.
"""
# The examples are copied from docs/spec.md as they are written there, long lines included.
# ruff: noqa: E501

from __future__ import annotations

import json
import textwrap
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from netpath.load.errors import SpecError
from netpath.load.schema import load_schema, schema_text, validate

VPC = ("vpcs", "prod")


def spec(text: str) -> Any:
    return yaml.safe_load(textwrap.dedent(text))


def vpc_spec(body: str) -> Any:
    """A spec with one VPC `prod` whose extra keys are `body` (YAML, indented as under the VPC)."""
    head = "netpath: 1\nvpcs:\n  prod:\n    cidr: 10.0.0.0/16\n    region: us-east-1\n"
    return yaml.safe_load(head + textwrap.indent(textwrap.dedent(body), "    "))


def triples(errors: list[SpecError]) -> list[tuple[str, str | None, tuple[str | int, ...]]]:
    return [(e.message, e.hint, e.path) for e in errors]


# --- the schema itself -------------------------------------------------------------------------


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    # The published URL names netpath/spec/, where the file used to be: `netpath schema` prints
    # it and users' specs link it (`# yaml-language-server: $schema=...`), so it stays.
    assert schema["$id"] == (
        "https://raw.githubusercontent.com/netpath-dev/netpath/main/netpath/spec/netpath.schema.json"
    )


def test_the_published_schema_is_the_packaged_one() -> None:
    """netpath/spec/netpath.schema.json is not code: it is the file behind the schema's
    published URL (its `$id`), which editors fetch for specs that link it. The loader reads the
    packaged copy in netpath/load/; the two stay byte-identical."""
    root = Path(__file__).resolve().parents[2] / "netpath"
    published = (root / "spec" / "netpath.schema.json").read_bytes()
    assert published == (root / "load" / "netpath.schema.json").read_bytes()


def _property_schemas(node: Any, where: str = "#") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            found.append((f"{where}/properties/{name}", sub))
        for key, value in node.items():
            if key != "if":  # a condition's properties are not keys the user writes
                found.extend(_property_schemas(value, f"{where}/{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(_property_schemas(value, f"{where}/{i}"))
    return found


def test_every_property_has_a_description_for_editors() -> None:
    missing = [w for w, sub in _property_schemas(load_schema()) if not sub.get("description")]
    assert missing == []


def test_schema_text_is_the_packaged_json_pretty_printed() -> None:
    text = schema_text()
    assert json.loads(text) == load_schema()
    assert text.endswith("}\n") and "\n  " in text
    packaged = resources.files("netpath.load").joinpath("netpath.schema.json").read_text()
    assert json.loads(packaged) == json.loads(text)


# --- what must validate ------------------------------------------------------------------------


def test_reference_example_validates() -> None:
    text = resources.files("netpath").joinpath("scenarios/three-tier/netpath.yaml").read_text()
    assert validate(yaml.safe_load(text)) == []


# One example per section of docs/spec.md, as written there.
DOC_EXAMPLES = {
    "top level and VPC": """
        netpath: 1
        description: two VPCs and everything around them
        vpcs:
          prod:
            cidr: 10.0.0.0/16
            secondary_cidrs: [100.64.0.0/16]
            region: us-east-1
            internet_gateway: igw-prod
        clusters: {eks-prod: {vpc: prod, manifests: [k8s/]}}
        expect: [{from: a, to: b}]
    """,
    "subnet": """
        netpath: 1
        vpcs:
          prod:
            cidr: 10.0.0.0/16
            region: us-east-1
            subnets:
              app-a: {cidr: 10.0.10.0/24, az: us-east-1a, route_table: rt-private, network_acl: nacl-app}
              app-b: {cidr: 10.0.11.0/24, az: us-east-1b}
    """,
    "route table": """
        netpath: 1
        vpcs:
          prod:
            cidr: 10.0.0.0/16
            region: us-east-1
            route_tables:
              rt-private:
                main: false
                routes:
                  0.0.0.0/0: nat-a
                  10.1.0.0/16: pcx-prod-dev
                  10.2.0.0/16: tgw-core
                  pl-s3: vpce-s3
                  10.0.99.0/24: blackhole
                  192.168.0.0/16: {target: nat-old, state: blackhole}
                  10.0.10.0/24: {target: fw-1, description: middlebox routing}
                  10.0.0.0/16: local
              rt-empty: {main: true, routes: {}}
    """,
    "network ACL": """
        netpath: 1
        vpcs:
          prod:
            cidr: 10.0.0.0/16
            region: us-east-1
            network_acls:
              nacl-db:
                default: false
                inbound:
                  - {rule: 100, action: allow, protocol: tcp, port: 5432, cidr: 10.0.0.0/16}
                  - {rule: 200, action: deny, protocol: all, cidr: 0.0.0.0/0}
                  - {rule: 300, action: allow, protocol: 6, port: 22, cidr: 10.0.0.0/8}
                  - {rule: 400, action: allow, protocol: -1, cidr: 10.0.0.0/8}
                outbound:
                  - {rule: 100, action: allow, protocol: tcp, port: 1024-65535, cidr: 10.0.0.0/16}
              nacl-closed: {}
    """,
    "security group": """
        netpath: 1
        vpcs:
          prod:
            cidr: 10.0.0.0/16
            region: us-east-1
            security_groups:
              sg-node:
                description: EKS worker nodes
                ingress:
                  - {protocol: tcp, port: 30000-32767, security_group: sg-alb, description: NodePorts from the ALB}
                  - {protocol: all, cidr: 10.0.0.0/16}
                  - {protocol: icmp, prefix_list: pl-corp}
                  - {protocol: udp, port: "53", cidr: 10.0.0.0/16}
                egress:
                  - {protocol: all, cidr: 0.0.0.0/0}
              sg-silent: {egress: []}
    """,
    "NAT gateway": """
        netpath: 1
        vpcs:
          prod:
            cidr: 10.0.0.0/16
            region: us-east-1
            nat_gateways:
              nat-a: {subnet: public-a, elastic_ip: 198.51.100.10, private_ip: 10.0.1.20, connectivity: public}
              nat-b: {subnet: public-b, elastic_ip: 198.51.100.11}
              nat-internal: {subnet: private-a, connectivity: private}
    """,
    "instance, database, network interface": """
        netpath: 1
        vpcs:
          prod:
            cidr: 10.0.0.0/16
            region: us-east-1
            instances:
              node-1: {subnet: private-a, private_ip: 10.0.10.100, security_groups: [sg-node],
                       public_ip: 203.0.113.7, os: linux, source_dest_check: true}
              win-1: {subnet: private-a, os: windows}
            databases:
              orders-db: {engine: postgres, port: 5432, subnet: db-a, private_ip: 10.0.20.50, security_groups: [sg-db]}
              legacy-db: {engine: aurora-mysql, subnet: db-a}
            network_interfaces:
              eni-fw: {subnet: inspect-a, private_ip: 10.0.30.10, security_groups: [sg-fw], source_dest_check: false,
                       attached_to: fw-1}
    """,
    "load balancer and target group": """
        netpath: 1
        vpcs:
          prod:
            cidr: 10.0.0.0/16
            region: us-east-1
            load_balancers:
              web-alb:
                type: application
                scheme: internet-facing
                security_groups: [sg-alb]
                subnets:
                  public-a: {private_ip: 10.0.1.10, public_ip: 198.51.100.20}
                  public-b: {private_ip: 10.0.2.10, public_ip: 198.51.100.21}
                listeners:
                  443: {protocol: HTTPS, target_group: tg-web}
                  80: {protocol: HTTP, target_group: tg-web}
              api-nlb:
                type: network
                scheme: internal
                subnets: [private-a, private-b]
                listeners:
                  5000: {protocol: TCP, target_group: tg-api}
            target_groups:
              tg-web:
                protocol: HTTP
                port: 30080
                target_type: instance
                targets: [node-1, node-2]
                preserve_client_ip: true
              tg-api:
                protocol: TCP
                port: 5000
                target_type: ip
                targets: [10.0.10.5, {target: node-1, port: 30080, healthy: false}]
    """,
    "VPC endpoint": """
        netpath: 1
        vpcs:
          prod:
            cidr: 10.0.0.0/16
            region: us-east-1
            endpoints:
              vpce-s3: {type: gateway, service: s3, prefix_list: pl-s3, route_tables: [rt-private]}
              vpce-sts:
                type: interface
                service: sts
                subnets: {private-a: {private_ip: 10.0.10.30}}
                security_groups: [sg-vpce]
                private_dns: true
                dns_names: [sts.us-east-1.amazonaws.com]
                policy: allow
              vpce-ecr: {type: interface, service: ecr.api, subnets: [private-a, private-b]}
    """,
    "peering": """
        netpath: 1
        peerings:
          pcx-prod-dev: {requester: prod, accepter: dev, status: active}
          pcx-old: {requester: prod, accepter: old, status: pending-acceptance}
    """,
    "transit gateway": """
        netpath: 1
        transit_gateways:
          tgw-core:
            region: us-east-1
            attachments:
              att-prod: {vpc: prod, subnets: [private-a, private-b]}
              att-shared: {vpc: shared, subnets: [shared-a]}
            route_tables:
              tgw-rt-main:
                associations: [att-prod, att-shared]
                propagations: [att-prod, att-shared]
                routes:
                  10.9.0.0/16: blackhole
                  10.50.0.0/16: att-shared
    """,
    "prefix list": """
        netpath: 1
        prefix_lists:
          pl-s3: {service: s3, cidrs: [52.216.0.0/15, 54.231.0.0/16]}
          pl-corp: {cidrs: [198.18.0.0/15]}
    """,
    "DNS": """
        netpath: 1
        dns:
          myapp.example.com: {alias: web-alb}
          www.example.com: {cname: myapp.example.com}
          db.prod.internal: {a: 10.0.20.50, vpcs: [prod]}
          api2.example.com: {a: [192.0.2.81, 192.0.2.82]}
    """,
    "internet hosts": """
        netpath: 1
        internet_hosts:
          api.example.com: 192.0.2.80
          ssh.example.com: {ip: 192.0.2.81, ports: [22, 443, "8000-8100"]}
          any.example.com: {ip: 192.0.2.82}
    """,
}


@pytest.mark.parametrize("section", list(DOC_EXAMPLES))
def test_every_documented_example_validates(section: str) -> None:
    assert validate(spec(DOC_EXAMPLES[section])) == []


# --- unknown keys --------------------------------------------------------------------------------


def test_unknown_top_level_key_points_at_the_key() -> None:
    errors = validate(spec("netpath: 1\nvpc: {}\n"))
    assert triples(errors) == [("unknown key 'vpc'", "did you mean 'vpcs'?", ("vpc",))]


def test_unknown_key_in_a_vpc() -> None:
    errors = validate(vpc_spec("subnts: {}\n"))
    assert triples(errors) == [
        ("unknown key 'subnts'", "did you mean 'subnets'?", (*VPC, "subnts"))
    ]


def test_unknown_key_inside_a_list_item() -> None:
    data = vpc_spec("""
        security_groups:
          sg-a:
            ingress:
              - {protocol: tcp, port: 443, cidr: 0.0.0.0/0}
              - {protocl: tcp, protocol: tcp, port: 80, cidr: 0.0.0.0/0}
    """)
    path = (*VPC, "security_groups", "sg-a", "ingress", 1, "protocl")
    assert triples(validate(data)) == [("unknown key 'protocl'", "did you mean 'protocol'?", path)]


def test_unknown_key_in_a_long_form_route_without_a_near_name() -> None:
    data = vpc_spec("""
        route_tables:
          rt-a:
            routes:
              0.0.0.0/0: {target: nat-a, weight: 5}
    """)
    path = (*VPC, "route_tables", "rt-a", "routes", "0.0.0.0/0", "weight")
    assert triples(validate(data)) == [("unknown key 'weight'", None, path)]


# --- missing keys --------------------------------------------------------------------------------


def test_missing_required_key_is_reported_at_the_mapping() -> None:
    data = vpc_spec("subnets:\n  app-a: {az: us-east-1a}\n")
    assert triples(validate(data)) == [
        ("missing required key 'cidr'", None, (*VPC, "subnets", "app-a"))
    ]


def test_several_missing_keys_of_one_mapping_make_one_error() -> None:
    data = spec("netpath: 1\nvpcs:\n  prod: {}\n")
    assert triples(validate(data)) == [("missing required keys 'cidr' and 'region'", None, VPC)]


def test_missing_version_says_how_files_start() -> None:
    errors = validate(spec("vpcs: {}\n"))
    assert triples(errors) == [
        ("missing required key 'netpath'", "every spec file starts with `netpath: 1`", ())
    ]


def test_port_is_required_for_tcp_but_not_for_icmp() -> None:
    data = vpc_spec("""
        security_groups:
          sg-a:
            ingress:
              - {protocol: icmp, cidr: 0.0.0.0/0}
              - {protocol: tcp, cidr: 0.0.0.0/0}
    """)
    path = (*VPC, "security_groups", "sg-a", "ingress", 1)
    assert triples(validate(data)) == [
        ("missing required key 'port'", "required when protocol is tcp or udp", path)
    ]


def test_a_public_nat_gateway_needs_an_elastic_ip() -> None:
    data = vpc_spec("nat_gateways:\n  nat-a: {subnet: public-a}\n")
    assert triples(validate(data)) == [
        (
            "missing required key 'elastic_ip'",
            "a public NAT gateway needs one; or set connectivity: private",
            (*VPC, "nat_gateways", "nat-a"),
        )
    ]


def test_a_rule_has_exactly_one_peer() -> None:
    data = vpc_spec("""
        security_groups:
          sg-a:
            ingress:
              - {protocol: all}
              - {protocol: all, cidr: 10.0.0.0/8, security_group: sg-b}
    """)
    rules = (*VPC, "security_groups", "sg-a", "ingress")
    assert triples(validate(data)) == [
        ("missing one of 'cidr', 'security_group' or 'prefix_list'", None, (*rules, 0)),
        (
            "only one of 'cidr', 'security_group' or 'prefix_list' is allowed, "
            "found 'cidr' and 'security_group'",
            None,
            (*rules, 1),
        ),
    ]


# --- wrong values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "where", "message", "hint"),
    [
        (
            "subnets:\n  app-a: {cidr: abc, az: us-east-1a}\n",
            ("subnets", "app-a", "cidr"),
            "expected a CIDR like 10.0.0.0/16, got 'abc'",
            None,
        ),
        (
            "subnets:\n  app-a: {cidr: 10.0.1.0/33, az: us-east-1a}\n",
            ("subnets", "app-a", "cidr"),
            "expected a CIDR like 10.0.0.0/16, got '10.0.1.0/33'",
            None,
        ),
        (
            "target_groups:\n  tg: {protocol: HTTP, port: 443x}\n",
            ("target_groups", "tg", "port"),
            "expected an integer port 0-65535, got '443x'",
            None,
        ),
        (
            "target_groups:\n  tg: {protocol: HTTP, port: 70000}\n",
            ("target_groups", "tg", "port"),
            "expected an integer port 0-65535, got 70000",
            None,
        ),
        (
            "security_groups:\n  sg: {ingress: [{protocol: tcp, port: 80-90-100, cidr: 0.0.0.0/0}]}\n",
            ("security_groups", "sg", "ingress", 0, "port"),
            "expected a port 0-65535, a range like '1024-65535' or 'all', got '80-90-100'",
            None,
        ),
        (
            "security_groups:\n  sg: {ingress: [{protocol: tpc, port: 80, cidr: 0.0.0.0/0}]}\n",
            ("security_groups", "sg", "ingress", 0, "protocol"),
            "expected a protocol: tcp, udp, icmp, all or a number -1..255, got 'tpc'",
            "did you mean 'tcp'?",
        ),
        (
            "security_groups:\n  sg: {ingress: [{protocol: 256, cidr: 0.0.0.0/0}]}\n",
            ("security_groups", "sg", "ingress", 0, "protocol"),
            "expected a protocol: tcp, udp, icmp, all or a number -1..255, got 256",
            None,
        ),
        (
            "subnets: [app-a, app-b]\n",
            ("subnets",),
            "expected a mapping, got a list",
            None,
        ),
        (
            "security_groups:\n  sg: {ingress: {protocol: all, cidr: 0.0.0.0/0}}\n",
            ("security_groups", "sg", "ingress"),
            "expected a list, got a mapping",
            None,
        ),
        (
            "instances:\n  node-1: {subnet: private-a, security_groups: sg-node}\n",
            ("instances", "node-1", "security_groups"),
            "expected a list of names, got 'sg-node'",
            "write [sg-node]",
        ),
        (
            "route_tables:\n  rt-a:\n    routes:\n",
            ("route_tables", "rt-a", "routes"),
            "expected a mapping, got an empty value",
            "write {} for an empty mapping",
        ),
        (
            "instances:\n  node-1: {subnet: private-a, source_dest_check: 'no'}\n",
            ("instances", "node-1", "source_dest_check"),
            "expected true or false, got 'no'",
            None,
        ),
    ],
)
def test_wrong_values_say_what_was_expected(
    body: str, where: tuple[str | int, ...], message: str, hint: str | None
) -> None:
    assert triples(validate(vpc_spec(body))) == [(message, hint, (*VPC, *where))]


def test_enum_typo_lists_the_choices_and_suggests_one() -> None:
    data = vpc_spec("load_balancers:\n  web: {type: applicaton, subnets: [public-a]}\n")
    assert triples(validate(data)) == [
        (
            "'applicaton' is not one of application, network, classic",
            "did you mean 'application'?",
            (*VPC, "load_balancers", "web", "type"),
        )
    ]


@pytest.mark.parametrize(("version", "shown"), [(2, "2"), ("1", "'1'"), (True, "true")])
def test_unsupported_version(version: object, shown: str) -> None:
    errors = validate({"netpath": version})
    message = f"unsupported spec version {shown}: this netpath reads version 1"
    assert triples(errors) == [(message, None, ("netpath",))]


def test_a_bad_name_is_reported_at_the_key() -> None:
    data = vpc_spec("subnets:\n  app a: {cidr: 10.0.1.0/24, az: us-east-1a}\n")
    message = (
        "invalid key 'app a': expected a name of letters, digits, '.', '_' and '-' "
        "starting with a letter or digit"
    )
    assert triples(validate(data)) == [(message, None, (*VPC, "subnets", "app a"))]


def test_duplicate_list_entries() -> None:
    data = vpc_spec("instances:\n  node-1: {subnet: a, security_groups: [sg-a, sg-b, sg-a]}\n")
    assert triples(validate(data)) == [
        ("'sg-a' is listed twice", None, (*VPC, "instances", "node-1", "security_groups"))
    ]


def test_a_document_that_is_not_a_mapping() -> None:
    assert triples(validate([1, 2])) == [("expected a mapping, got a list", None, ())]


# --- int keys and ordering -----------------------------------------------------------------------


def test_int_keys_stay_int_in_error_paths() -> None:
    data = vpc_spec("""
        load_balancers:
          web:
            type: application
            subnets: [public-a]
            listeners:
              443: {protocol: HTTPX, target_group: tg-web}
              80: {protocl: HTTP, protocol: HTTP, target_group: tg-web}
              8x: {protocol: HTTP, target_group: tg-web}
    """)
    listeners = (*VPC, "load_balancers", "web", "listeners")
    assert triples(validate(data)) == [
        (
            "'HTTPX' is not one of HTTP, HTTPS, TCP, UDP, TLS, TCP_UDP, SSL",
            "did you mean 'HTTP'?",
            (*listeners, 443, "protocol"),
        ),
        ("unknown key 'protocl'", "did you mean 'protocol'?", (*listeners, 80, "protocl")),
        ("invalid key '8x': expected a listener port 0-65535", None, (*listeners, "8x")),
    ]
    assert isinstance(validate(data)[0].path[-2], int)


def test_int_keys_in_unexpected_places_do_not_break_validation() -> None:
    data = vpc_spec("subnets:\n  10: {cidr: 10.0.1.0/24, az: us-east-1a, colour: red}\n")
    assert triples(validate(data)) == [
        ("unknown key 'colour'", None, (*VPC, "subnets", 10, "colour"))
    ]


def test_errors_follow_the_document_order() -> None:
    data = spec("""
        netpath: 1
        vpcs:
          prod:
            region: us-east-1
            cidr: 10.0.0.0/16
            subnets:
              b: {cidr: bad, az: us-east-1a}
              a: {cidr: 10.0.1.0/24, az: us-east-1a, colour: red}
        dns:
          x.example.com: {a: 300.1.1.1}
        descripton: oops
    """)
    assert [e.path for e in validate(data)] == [
        (*VPC, "subnets", "b", "cidr"),
        (*VPC, "subnets", "a", "colour"),
        ("dns", "x.example.com", "a"),
        ("descripton",),
    ]


def test_one_error_per_problem_without_branch_noise() -> None:
    data = spec("""
        netpath: 1
        vpcs:
          prod:
            cidr: 10.0.0.0/16
            region: us-east-1
            route_tables:
              rt-a:
                routes:
                  0.0.0.0/0: {target: 5}
                  10.1.0.0/16: [nat-a]
            security_groups:
              sg-a:
                ingress:
                  - {protocol: tcp, port: 443, cidr: 0.0.0.0/0, security_group: sg-b, descripton: x}
    """)
    routes = (*VPC, "route_tables", "rt-a", "routes")
    assert triples(validate(data)) == [
        ("expected a name of letters, digits, '.', '_' and '-' starting with a letter or digit, "
         "got 5", None, (*routes, "0.0.0.0/0", "target")),
        ("expected a target name or a mapping {target, state, description}, got a list", None,
         (*routes, "10.1.0.0/16")),
        ("only one of 'cidr', 'security_group' or 'prefix_list' is allowed, found 'cidr' and "
         "'security_group'", None, (*VPC, "security_groups", "sg-a", "ingress", 0)),
        ("unknown key 'descripton'", "did you mean 'description'?",
         (*VPC, "security_groups", "sg-a", "ingress", 0, "descripton")),
    ]  # fmt: skip


def test_an_any_of_error_describes_the_branch_whose_type_matches() -> None:
    # The spec's schema uses type switches instead of anyOf; this keeps the fallback honest.
    from netpath.load import schema_errors as module

    tiny = {
        "anyOf": [
            {"type": "integer"},
            {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}},
        ]
    }
    (error,) = Draft202012Validator(tiny).iter_errors({"a": 5})
    findings = list(module.convert(error, {}))
    assert [(f.message, f.path) for f in findings] == [("expected a string, got 5", ("a",))]


def test_a_value_repeated_many_times_is_reported_each_time() -> None:
    # Valid scalars are remembered during a run; invalid ones must not be.
    rules = "\n".join(
        f"      - {{protocol: tcp, port: 44x, cidr: 10.0.{i}.0/24}}" for i in range(3)
    )
    data = vpc_spec(f"security_groups:\n  sg-a:\n    ingress:\n{rules}\n")
    assert [e.path[-2:] for e in validate(data)] == [(0, "port"), (1, "port"), (2, "port")]
    assert validate(data) == validate(data)


# --- a large spec --------------------------------------------------------------------------------


def large_spec(scale: float = 1.0) -> dict[str, Any]:
    """About 2,000 subnets, 50,000 routes, 5,000 groups with 50,000 rules, 20,000 instances."""
    n_subnets, n_routes = int(2000 * scale), int(50000 * scale)
    n_groups, n_rules, n_instances = int(5000 * scale), int(50000 * scale), int(20000 * scale)
    vpcs: dict[str, Any] = {
        f"vpc-{v}": {"cidr": f"10.{v}.0.0/16", "region": "us-east-1", "subnets": {},
                     "route_tables": {}, "security_groups": {}, "instances": {}}
        for v in range(10)
    }  # fmt: skip
    vpc_list = list(vpcs.values())
    per_table, per_group = n_routes // n_subnets, n_rules // n_groups
    for i in range(n_subnets):
        vpc = vpc_list[i % 10]
        vpc["subnets"][f"sn-{i}"] = {"cidr": f"10.{i % 10}.{i // 10 % 256}.0/24",
                                     "az": "us-east-1a", "route_table": f"rt-{i}"}  # fmt: skip
        routes = {f"172.{j % 256}.{(i + j) % 256}.0/24": f"nat-{i}" for j in range(per_table)}
        vpc["route_tables"][f"rt-{i}"] = {"routes": routes}
    for i in range(n_groups):
        ingress = [{"protocol": "tcp", "port": 1000 + j, "cidr": f"10.{j}.0.0/16",
                    "description": f"rule {j}"} for j in range(per_group - 1)]  # fmt: skip
        egress = [{"protocol": "all", "security_group": f"sg-{(i + 1) % n_groups}"}]
        vpc_list[i % 10]["security_groups"][f"sg-{i}"] = {"ingress": ingress, "egress": egress}
    for i in range(n_instances):
        vpc_list[i % 10]["instances"][f"i-{i}"] = {
            "subnet": f"sn-{i % n_subnets}", "private_ip": f"10.0.{i // 256 % 256}.{i % 256}",
            "security_groups": [f"sg-{i % n_groups}"]}  # fmt: skip
    return {"netpath": 1, "vpcs": vpcs}


def test_a_mid_sized_spec_validates() -> None:
    assert validate(large_spec(0.02)) == []
