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


@pytest.mark.parametrize("source", ["pod-a", "node-1", "internet"])
def test_a_misspelt_destination_is_a_usage_error_everywhere(tmp_path: Path, source: str) -> None:
    """The issue's `netpath trace pod-a backend-servce`: exit 2 with a did-you-mean, no
    DNS_NXDOMAIN verdict."""
    result = run_cli("trace", source, "backend-servce", cwd=tmp_path)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        "error: unknown destination 'backend-servce' (did you mean 'backend-service'?)")


def test_a_dns_name_that_does_not_resolve_is_a_verdict_without_a_flow(tmp_path: Path) -> None:
    text = run_cli("trace", "pod-a", "nothere.example.com", cwd=tmp_path)
    assert text.exit_code == 1
    assert "flow: none: nothere.example.com does not resolve, so no connection is opened" in \
        text.stdout
    assert "10.0.10.5:443" not in text.stdout  # the source's own address as the destination
    doc = run_cli("trace", "pod-a", "nothere.example.com", "-f", "json", cwd=tmp_path).json
    assert doc["flow"] is None and doc["blocked_by"]["code"] == "DNS_NXDOMAIN"
    assert [(h["packet"]["protocol"], h["packet"]["dst_ip"], h["packet"]["dst_port"])
            for h in doc["hops"]] == [("udp", "10.100.0.10", 53)]  # the lookup to CoreDNS


def test_a_pod_reaches_itself_through_its_own_service(tmp_path: Path) -> None:
    """interview-3-tier-eks: app/api-0 is an endpoint of app/api, and app is default-deny."""
    result = run_cli("trace", "--spec", "interview-3-tier-eks", "app/api-0", "api.app",
                     "-p", "8080", "--endpoint", "app/api-0", cwd=tmp_path)
    assert result.exit_code == 0, result.stdout
    assert "(hairpin)" in result.stdout and "a pod cannot block access to itself" in \
        result.stdout


def test_matrix_names_did_you_mean(tmp_path: Path) -> None:
    namespace = run_cli("matrix", "-n", "defualt", cwd=tmp_path)
    assert namespace.exit_code == 2
    assert namespace.stderr.splitlines()[-1] == ("error: unknown namespace 'defualt' (did you "
                                                 "mean 'default'? namespaces: default, "
                                                 "kube-system)")
    selector = run_cli("matrix", "-l", "app=frontned", cwd=tmp_path)
    assert selector.exit_code == 2
    assert selector.stderr.splitlines()[-1] == ("error: no pod matches --selector "
                                                "'app=frontned' (did you mean 'app=frontend'?)")
    assert run_cli("matrix", "-l", "app=frontend", cwd=tmp_path).exit_code == 0


def test_a_misspelt_scenario_name_says_which(tmp_path: Path) -> None:
    result = run_cli("trace", "--spec", "three-teir", "pod-a", "pod-b", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "no such file or directory: three-teir (did you mean 'three-tier'? netpath scenarios "
        "lists the scenarios)")
    drill = run_cli("drill", "--scenario", "three-teir", cwd=tmp_path)
    assert drill.exit_code == 2 and "did you mean 'three-tier'?" in drill.stderr


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
