"""The CLI on the real loader and engine: the issue's four flows on the embedded default
scenario, and bad specs reported located with exit 2 and no traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli.helpers import run_cli


@pytest.mark.parametrize(
    ("args", "exit_code", "verdict"),
    [
        (["node-1", "api.example.com", "--port", "443"], 0, "reachable"),
        (["node-1", "orders-db"], 0, "reachable"),
        (["node-1", "orders-db", "--port", "22"], 1, "blocked"),
        (["internet", "orders-db", "--port", "5432"], 1, "blocked"),
    ],
)
def test_default_scenario_flows(tmp_path: Path, args: list[str], exit_code: int,
                                verdict: str) -> None:
    text = run_cli("trace", *args, cwd=tmp_path)
    assert text.exit_code == exit_code, text.output
    assert text.stderr.startswith("note: no spec given")
    assert max(len(line) for line in text.stdout.splitlines()) <= 80
    doc = run_cli("trace", *args, "--format", "json", cwd=tmp_path)
    assert doc.exit_code == exit_code
    assert doc.json["verdict"] == verdict


def test_nat_flow_translates_at_nat_a(tmp_path: Path) -> None:
    doc = run_cli("trace", "node-1", "api.example.com", "--port", "443", "-f", "json",
                  cwd=tmp_path).json
    assert any(h["component"] == "nat-gateway" and h["name"] == "nat-a"
               and h["action"] == "translate" for h in doc["hops"])


def test_sg_block_names_sg_db(tmp_path: Path) -> None:
    doc = run_cli("trace", "node-1", "orders-db", "-p", "22", "-f", "json", cwd=tmp_path).json
    assert (doc["blocked_by"]["name"], doc["blocked_by"]["code"]) == ("sg-db",
                                                                      "SG_INGRESS_DENIED")
    assert doc["blocked_by"]["aws_code"] == "ENI_SG_RULES_MISMATCH"


def test_rules_are_located_in_the_default_scenario(tmp_path: Path) -> None:
    doc = run_cli("trace", "node-1", "api.example.com", "-f", "json", cwd=tmp_path).json
    routes = [h for h in doc["hops"] if h["component"] == "route-table" and h["rule"]["path"]]
    assert routes and all(h["rule"]["location"] for h in routes)
    assert routes[0]["rule"]["location"].startswith("scenarios/three-tier/netpath.yaml:")


def test_mermaid_on_the_default_scenario(tmp_path: Path) -> None:
    from tests.render.test_mermaid import check_syntax

    result = run_cli("trace", "node-1", "api.example.com", "-f", "mermaid", cwd=tmp_path)
    assert result.exit_code == 0
    check_syntax(result.stdout)


def test_show_default_scenario(tmp_path: Path) -> None:
    result = run_cli("show", cwd=tmp_path)
    assert result.exit_code == 0
    assert "VPC prod" in result.stdout
    assert "instance node-1" in result.stdout


def test_show_gives_no_address_to_a_pod_the_vpc_cni_cannot_serve() -> None:
    shown = run_cli("show", "--spec", "trouble-ip-exhaustion-broken", env={"COLUMNS": "200"})
    capacity = run_cli("capacity", "--spec", "trouble-ip-exhaustion-broken", "-f", "json")
    starved = {p["pod"] for p in capacity.json["problems"]}
    assert starved, "the broken scenario starves pods of addresses"
    lines = {line.split("pod ")[1].split()[0]: line for line in shown.stdout.splitlines()
             if "── pod " in line}
    for pod, line in lines.items():
        assert ("no IP (NO_POD_IP" in line) == (pod in starved), line
        if pod in starved:
            assert "IP chosen" not in line, line


def test_unknown_source_did_you_mean(tmp_path: Path) -> None:
    result = run_cli("trace", "node-3", "api.example.com", cwd=tmp_path)
    assert result.exit_code == 2
    assert "error: unknown source 'node-3'" in result.stderr
    assert re.search(r"\(did you mean 'node-[12]'\?\)$", result.stderr.rstrip())
    assert "Traceback" not in result.output


BAD_ROUTE = """\
netpath: 1
vpcs:
  prod:
    cidr: 10.0.0.0/16
    region: us-east-1
    subnets:
      a: {cidr: 10.0.1.0/24, az: us-east-1a, route_table: rt}
    nat_gateways:
      nat-a: {subnet: a, connectivity: private}
    route_tables:
      rt:
        routes:
          0.0.0.0/0: nat-b
"""


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (BAD_ROUTE, r'x.yaml:13:\d+: vpcs.prod.route_tables.rt.routes\["0.0.0.0/0"\]: .*nat-b'),
        ("netpath: 1\nvpcs: [\n", r"x.yaml:\d+:\d+: "),
        ("", r"x.yaml"),
        ("\x00\x01\x02garbage", r"x.yaml"),
    ],
    ids=["unknown-target", "malformed-yaml", "empty", "binary"],
)
def test_bad_spec_is_located_exit_2_no_traceback(tmp_path: Path, content: str,
                                                 expected: str) -> None:
    (tmp_path / "x.yaml").write_text(content)
    result = run_cli("trace", "node-1", "api.example.com", "--spec", "x.yaml", cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[-1].endswith("in spec")
    assert re.search(expected, lines[0]), lines
    assert "Traceback" not in result.output
    assert "internal error" not in result.output


def test_missing_spec_file(tmp_path: Path) -> None:
    result = run_cli("show", "--spec", "nope.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    assert "nope.yaml" in result.stderr
    assert "Traceback" not in result.output
