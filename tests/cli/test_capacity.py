"""`netpath capacity` at the CLI edge: text and JSON, the VPC CNI options, exit codes, and
`instance_type` read from a real spec file."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.cli.conftest import FakeStack
from tests.cli.helpers import run_cli
from tests.engine.test_capacity import eks_model

SPEC = """\
netpath: 1
vpcs:
  prod:
    cidr: 10.0.0.0/16
    region: eu-west-1
    subnets:
      private-a: {cidr: 10.0.10.0/24, az: eu-west-1a}
      tiny: {cidr: 10.0.99.0/28, az: eu-west-1a}
    instances:
      node-1: {subnet: private-a, instance_type: m5.large}
"""


def test_text_report(stack: FakeStack, tmp_path: Path) -> None:
    stack.model = eks_model(pods=5, host_network=2)
    result = run_cli("capacity", cwd=tmp_path, env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Subnets (AWS reserves 5 addresses in every subnet)"
    assert lines[1] == "  VPC prod"
    assert lines[3].split() == ["private-a", "10.0.10.0/24", "256", "1", "5", "14", "231"]
    assert "VPC CNI nodes (ENABLE_PREFIX_DELEGATION=false, WARM_ENI_TARGET=1)" in result.stdout
    assert "    max pods 29 (3 ENIs x (10 - 1) + 2 = 29), 27 pod IPs\n" in result.stdout
    assert "    7 pod(s) placed: 2 on the host network, 5 with an IP\n" in result.stdout
    assert "ipamd holds 2 ENI(s) and 18 secondary IPs (13 idle)" in result.stdout
    assert "WARM_ENI_TARGET (default 1): ipamd keeps" in result.stdout
    assert "Pods without an IP" not in result.stdout


def test_exhausted_node_exits_1_with_no_pod_ip(stack: FakeStack, tmp_path: Path) -> None:
    stack.model = eks_model(pods=28)
    result = run_cli("capacity", cwd=tmp_path, env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert ("\u2718 NO_POD_IP default/web-27 on node-1: node-1 (m5.large) has 27 pod IPs "
            "(3 ENIs x (10 - 1)), all taken: new pods stay in ContainerCreating") in result.stdout
    assert "fix: use a larger instance type" in result.stdout


def test_pods_failing_for_one_cause_are_listed_once(stack: FakeStack, tmp_path: Path) -> None:
    # m5.large without host-network pods: 27 pod IPs, max pods 29. Pods 28 and 29 are started
    # and wait for an IP; from the 30th the scheduler finds no room (Pending), another cause.
    stack.model = eks_model(pods=40)
    result = run_cli("capacity", cwd=tmp_path, env={"COLUMNS": "200"})
    assert result.stdout.count("NO_POD_IP") == 2
    assert ("NO_POD_IP default/web-27, default/web-28 on node-1: node-1 (m5.large) has 27 pod "
            "IPs") in result.stdout
    assert ("NO_POD_IP default/web-29, default/web-30, default/web-31, default/web-32, "
            "default/web-33 and 6 more on node-1: node-1 already runs its max pods (29") \
        in result.stdout
    assert "stays Pending ('Too many pods')" in result.stdout
    json_doc = run_cli("capacity", "-f", "json", cwd=tmp_path).json
    assert len(json_doc["problems"]) == 13  # the JSON lists every pod


def test_json_and_settings_options(stack: FakeStack, tmp_path: Path) -> None:
    stack.model = eks_model(pods=30)
    result = run_cli("capacity", "--format", "json", "--warm-ip-target", "2",
                     "--minimum-ip-target", "10", cwd=tmp_path)
    assert result.exit_code == 1
    doc = result.json
    assert doc["settings"] == {"prefix_delegation": False, "warm_eni_target": 1,
                               "warm_ip_target": 2, "minimum_ip_target": 10,
                               "warm_prefix_target": 1}
    node = doc["nodes"][0]
    assert (node["max_pods"], node["pods_with_ip"], node["enis"], node["addresses_held"]) == (
        29, 27, 3, 27)
    assert [p["pod"] for p in doc["problems"]] == ["default/web-27", "default/web-28",
                                                   "default/web-29"]
    assert doc["problems"][0]["code"] == "NO_POD_IP" and doc["problems"][0]["aws_code"] is None
    assert len(doc["settings_explained"]) == 5
    with_prefixes = run_cli("capacity", "-f", "json", "--prefix-delegation", cwd=tmp_path)
    assert with_prefixes.exit_code == 0
    assert with_prefixes.json["nodes"][0]["max_pods"] == 110
    assert with_prefixes.json["nodes"][0]["prefixes"] == 3  # 30 pods: 2 prefixes + 1 warm


def test_negative_target_is_a_usage_error(stack: FakeStack, tmp_path: Path) -> None:
    result = run_cli("capacity", "--warm-ip-target", "-1", cwd=tmp_path)
    assert result.exit_code == 2
    assert "--warm-ip-target" in result.stderr


def test_real_spec_reads_instance_type_and_counts_subnets(tmp_path: Path) -> None:
    (tmp_path / "netpath.yaml").write_text(textwrap.dedent(SPEC), encoding="utf-8")
    result = run_cli("capacity", "-f", "json", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    subnets = {s["name"]: s for s in result.json["subnets"]}
    assert (subnets["private-a"]["interfaces"], subnets["private-a"]["free"]) == (1, 250)
    assert (subnets["tiny"]["size"], subnets["tiny"]["free"]) == (16, 11)

    from netpath.sources.loader import load_spec

    loaded = load_spec(tmp_path / "netpath.yaml")
    assert loaded.model.instances["node-1"].instance_type == "m5.large"


def test_help_names_the_command() -> None:
    result = run_cli("--help")
    assert "capacity" in result.stdout
    result = run_cli("capacity", "--help")
    assert result.exit_code == 0 and "--minimum-ip-target" in result.stdout
