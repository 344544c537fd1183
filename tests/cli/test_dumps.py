"""Traces, `netpath check` and `netpath show` on what teams have, unchanged
(tests/sources/kubernetes/fixtures/dumps/): an EKS cluster's `kubectl get -A -o yaml` dump and
the same as JSON, piped in (`--spec -`) or read from files; the API's raw lists; manifests whose
only cluster DNS is the implicit one. Verdicts, codes, and the notes that name what netpath
inferred.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import Result, run_cli
from tests.sources.kubernetes.test_dumps import DUMPS

WEB = "shop/web-7d4b9c8f6-lx5zt"
DNS_IP_NOTE = ("depends on what netpath inferred: cluster DNS IP 172.20.0.10: the ClusterIP of "
               "Service kube-system/kube-dns")
IMPLICIT_DNS_NOTE = (
    "depends on what netpath inferred: cluster DNS Deployment kube-system/coredns (2 pods, "
    "k8s-app=kube-dns) and Service kube-system/kube-dns at 10.96.0.10: the files hold no "
    "CoreDNS: netpath models the standard one (kubeadm and EKS install it)")
# The canonical rule of implicit-dns/shop.yaml, written instead as an ipBlock of the DNS
# ClusterIP: policies judge the CoreDNS pod that kube-proxy's DNAT leads to, not the ClusterIP.
IPBLOCK_DNS = """
  egress:
    - to:
        - ipBlock:
            cidr: 10.96.0.10/32
      ports:
"""


@pytest.fixture
def here(tmp_path: Path) -> Path:
    shutil.copytree(DUMPS, tmp_path / "dumps")
    return tmp_path / "dumps"


def trace(here: Path, spec: str, *args: str, stdin: str | None = None) -> dict[str, Any]:
    result = run_cli("trace", "--spec", spec, *args, "-f", "json", cwd=here, stdin=stdin)
    assert result.exit_code in (0, 1), result.output
    doc: dict[str, Any] = result.json
    assert (doc["verdict"] == "reachable") == (result.exit_code == 0)
    return doc


def code(doc: dict[str, Any]) -> str | None:
    return doc["blocked_by"]["code"] if doc["blocked_by"] else None


# --- the EKS dump ------------------------------------------------------------------------------


@pytest.mark.parametrize("dump", ["eks-dump.yaml", "eks-dump.json"])
def test_traces_on_an_eks_dump(here: Path, dump: str) -> None:
    by_name = trace(here, dump, WEB, "api.shop.svc.cluster.local", "--port", "8080")
    assert code(by_name) is None
    path = [(h["component"], h["name"]) for h in by_name["hops"]]
    assert path[:3] == [("dns", "CoreDNS"), ("pod", WEB), ("service", "shop/api")]
    assert ("network-policy", "shop/allow-dns, shop/default-deny, shop/web") in path
    assert by_name["hops"][-1]["name"] == "shop/api-6b8f7c9d5-h2m9x"
    assert DNS_IP_NOTE in by_name["notes"]  # it asked the cluster DNS, whose IP was inferred
    to_db = trace(here, dump, WEB, "shop/db-0", "--port", "5432")
    assert code(to_db) == "NETPOL_EGRESS_DENIED"
    assert DNS_IP_NOTE not in to_db["notes"]  # no name asked
    api = trace(here, dump, "shop/api-6b8f7c9d5-q8w3r", "shop/db-0", "--port", "5432")
    assert code(api) is None
    # The finished migration pod's address is the api pod's now.
    reused = trace(here, dump, "shop/web-7d4b9c8f6-r4n8k", "10.0.1.87", "--port", "8080")
    assert reused["hops"][-1]["name"] == "shop/api-6b8f7c9d5-h2m9x"


def test_a_finished_pod_is_not_there_to_trace(here: Path) -> None:
    result = run_cli("trace", "--spec", "eks-dump.yaml", "shop/migrate-28567340-x7k2p",
                     "shop/api", "--port", "8080", cwd=here)
    assert result.exit_code == 2
    assert "unknown source 'shop/migrate-28567340-x7k2p'" in result.stderr


@pytest.mark.parametrize("dump", ["eks-dump.yaml", "eks-dump.json"])
def test_check_on_an_eks_dump(here: Path, dump: str) -> None:
    result = run_cli("check", "--spec", dump, "eks-expect.yaml", "-f", "json", cwd=here)
    assert result.exit_code == 0, result.output
    doc = result.json
    assert [(e["name"], e["passed"]) for e in doc["expectations"]] == [
        ("web resolves the api Service by name and reaches it", True),
        ("every web pod reaches every api pod", True),
        ("the api reaches the database", True),
        ("web never reaches the database", True),
        ("the database calls nobody", True),
        ("pods of shop resolve names through CoreDNS", True),
        ("the address the finished migration pod had is the api pod's now", True)]
    assert doc["findings"] == []  # the canonical DNS rule admits DNS: no NP005


def test_show_lists_the_inferences(here: Path) -> None:
    result = run_cli("show", "--spec", "eks-dump.yaml", cwd=here, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "inferred (no netpath spec says it)" in result.stdout
    for line in ("service CIDR 172.20.0.0/16: the ClusterIP 172.20.0.1 of Service "
                 "default/kubernetes",
                 "cluster DNS IP 172.20.0.10: the ClusterIP of Service kube-system/kube-dns",
                 "pod CIDR 10.0.0.0/16: the common prefix of the 7 pod IPs in the files",
                 "external address of Service shop/web-public a3f1c9e2b7d54e0c9a1b2c3d4e5f6a7b"):
        assert line in result.stdout, line


# --- standard input ---------------------------------------------------------------------------


@pytest.mark.parametrize("dump", ["eks-dump.yaml", "eks-dump.json"])
def test_a_dump_piped_in(here: Path, dump: str) -> None:
    piped = trace(here, "-", WEB, "shop/db-0", "--port", "5432",
                  stdin=(here / dump).read_text())
    assert code(piped) == "NETPOL_EGRESS_DENIED"
    assert piped == trace(here, dump, WEB, "shop/db-0", "--port", "5432")


def test_errors_in_what_was_piped_name_stdin(here: Path) -> None:
    text = (here / "eks-dump.yaml").read_text().replace("containerPort: 5432",
                                                        "containerPort: five", 1)
    result = run_cli("show", "--spec", "-", cwd=here, stdin=text)
    assert result.exit_code == 2
    line = text[: text.index("containerPort: five")].count("\n") + 1
    assert result.stderr.startswith(f"<stdin>:{line}:")
    assert "expected a port number 1-65535, got 'five'" in result.stderr


@pytest.mark.parametrize(("stdin", "message"), [
    (None, "--spec - reads the spec from standard input, and there is none"),
    ("", "<stdin>: standard input is empty: expected Kubernetes manifests or a netpath spec"),
    ('{"kind": "PodList", "items": [', "<stdin>:1:31: invalid JSON: Expecting value"),
])
def test_bad_standard_input(here: Path, stdin: str | None, message: str) -> None:
    result = run_cli("show", "--spec", "-", cwd=here, stdin=stdin)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_standard_input_is_bounded(here: Path) -> None:
    result = run_cli("show", "--spec", "-", cwd=here, stdin="#" * 2000,
                     env={"NETPATH_MAX_SPEC_BYTES": "1K"})
    assert result.exit_code == 2
    assert "<stdin>: more than the 1024 bytes limit" in result.stderr


def test_a_netpath_spec_piped_in(here: Path) -> None:
    spec = ("netpath: 1\nclusters:\n  lab:\n    cni: calico\n    manifests: [implicit-dns/]\n")
    result: Result = run_cli("trace", "--spec", "-", "shop/web-0", "shop/api", "--port", "80",
                             cwd=here, stdin=spec)
    assert result.exit_code == 0, result.output


# --- the API's raw lists --------------------------------------------------------------------


def test_traces_on_raw_lists_with_only_the_implicit_dns(here: Path) -> None:
    doc = trace(here, "raw", "shop/web-64c8d7f5b9-7hq2m",
                "172-30-133-7.shop.pod.cluster.local", "--port", "8080")
    assert code(doc) is None
    assert doc["hops"][-1]["name"] == "shop/api-5f7b9c6d48-9xr7t"
    assert IMPLICIT_DNS_NOTE in doc["notes"]
    assert any(n.startswith("depends on what netpath inferred: node worker-1 10.10.0.11") for n in
               doc["notes"])


# --- the implicit cluster DNS --------------------------------------------------------------------


def test_the_canonical_dns_rule_admits_the_implicit_coredns(here: Path) -> None:
    doc = trace(here, "implicit-dns", "shop/web-0", "api", "--port", "80")
    assert code(doc) is None
    assert doc["hops"][0]["component"] == "dns"
    assert IMPLICIT_DNS_NOTE in doc["notes"]
    result = run_cli("check", "--spec", "implicit-dns", "-f", "json", cwd=here)
    assert result.exit_code == 0, result.output
    assert result.json["findings"] == []


def test_np005_names_no_pod_of_the_implicit_coredns(here: Path) -> None:
    """A kube-system egress default-deny isolates the stand-in CoreDNS pods too; no file of the
    user's holds them, so NP005 says nothing about them (it still judges the user's pods)."""
    (here / "implicit-dns" / "kube-system.yaml").write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: default-deny-egress, namespace: kube-system}\n"
        "spec: {podSelector: {}, policyTypes: [Egress]}\n")
    doc = trace(here, "implicit-dns", "kube-system/coredns-0", "shop/api-0", "--port", "80")
    assert code(doc) == "NETPOL_EGRESS_DENIED"  # the policy does select the stand-in pods
    result = run_cli("check", "--spec", "implicit-dns", "-f", "json", cwd=here)
    assert result.exit_code == 0, result.output
    assert result.json["findings"] == []


def test_an_ipblock_of_the_dns_clusterip_does_not_admit_dns(here: Path) -> None:
    manifest = here / "implicit-dns" / "shop.yaml"
    text = manifest.read_text()
    start = text.index("  egress:\n    - to:\n        - namespaceSelector:")
    end = text.index("      ports:\n", start) + len("      ports:\n")
    manifest.write_text(text[:start] + IPBLOCK_DNS.lstrip("\n") + text[end:])
    doc = trace(here, "implicit-dns", "shop/web-0", "api", "--port", "80")
    assert code(doc) == "NETPOL_EGRESS_DENIED"
    assert "shop/web-0 cannot resolve api" in doc["blocked_by"]["reason"]
    result = run_cli("check", "--spec", "implicit-dns", "-f", "json", cwd=here)
    assert result.exit_code == 1
    # Both groups of pods isolated for egress: web (three policies) and api (two).
    assert [f["rule"] for f in result.json["findings"]] == ["NP005", "NP005"]
    assert all("the cluster DNS (kube-system/coredns-0, " in f["message"]
               for f in result.json["findings"])


# --- external addresses ---------------------------------------------------------------------------

ECHO_NLB = "k8s-default-echo-4f6a1b2c3d-0123456789abcdef.elb.us-east-1.amazonaws.com"


def test_the_internet_reaches_a_service_by_its_status_name(tmp_path: Path) -> None:
    """The three-tier scenario's NLB Service `echo` as a dump shows it: the DNS name in its
    status.loadBalancer.ingress leads to the NLB netpath models for it."""
    root = Path(__file__).parents[2] / "scenarios" / "three-tier"
    shutil.copytree(root, tmp_path / "three-tier")
    echo = tmp_path / "three-tier" / "k8s" / "echo.yaml"
    echo.write_text(echo.read_text() + "status:\n  loadBalancer:\n    ingress:\n"
                    f"      - hostname: {ECHO_NLB}\n")
    doc = trace(tmp_path, "three-tier", "internet", ECHO_NLB, "--port", "7000")
    assert code(doc) is None
    assert doc["hops"][0]["component"] == "dns"
    assert f"{ECHO_NLB} -> alias k8s-default-echo-nlb" in doc["hops"][0]["detail"]
    assert doc["hops"][-1]["name"].startswith("default/echo-")
    assert (f"depends on what netpath inferred: external address of Service default/echo "
            f"{ECHO_NLB}: status.loadBalancer.ingress; a public alias of load balancer "
            "k8s-default-echo-nlb") in doc["notes"]


def test_a_trace_names_only_the_inferences_of_the_cluster_it_went_through(here: Path) -> None:
    """Two clusters with the same manifests: both infer nodes node-0..2 and the implicit
    CoreDNS. A trace in cluster a depends on a's inferences only (the subjects name no
    cluster, so b's would match too by name)."""
    (here / "two.yaml").write_text(
        "netpath: 1\nclusters:\n"
        "  a: {cni: calico, manifests: [implicit-dns/]}\n"
        "  b: {cni: flannel, manifests: [implicit-dns/]}\n")
    doc = trace(here, "two.yaml", "a/shop/web-0", "api", "--port", "80")
    assert code(doc) is None
    inferred = [n for n in doc["notes"] if n.startswith("depends on what netpath inferred")]
    assert inferred and len(inferred) == len(set(inferred))


def test_a_host_network_pods_lookup_does_not_rest_on_the_cluster_dns(here: Path) -> None:
    """aws-node uses the host network: dnsPolicy Default, its node's resolver, never CoreDNS."""
    pod = next(line.split()[-1] for line in (here / "eks-dump.yaml").read_text().splitlines()
               if line.strip().startswith("name: aws-node-"))
    doc = trace(here, "eks-dump.yaml", f"kube-system/{pod}", "nothere.example.com")
    assert code(doc) == "DNS_NXDOMAIN"
    assert DNS_IP_NOTE not in doc["notes"]
    assert doc["hops"][-1]["name"] != "CoreDNS"


WEB_PUBLIC = "a3f1c9e2b7d54e0c9a1b2c3d4e5f6a7b-1234567890.us-east-1.elb.amazonaws.com"
SHOP_ALB = "k8s-shop-web-8f2a1c9d3e-1987654321.us-east-1.elb.amazonaws.com"


def test_without_an_aws_part_the_internet_reaches_a_service_by_its_status_name(
        here: Path) -> None:
    """The EKS dump alone (no AWS part): the ELB's name in the Service's status leads to the
    cloud's load balancer, a NodePort on a node, and the pod; the reply comes back through it."""
    doc = trace(here, "eks-dump.yaml", "internet", WEB_PUBLIC)
    assert code(doc) is None
    assert doc["flow"]["dst_ip"] == "198.51.100.10"  # the stand-in, which the note names
    assert doc["hops"][0]["name"] == "public DNS"
    lb = [h for h in doc["hops"] if h["component"] == "load-balancer"]
    assert [h["name"] for h in lb] == ["shop/web-public"]
    assert lb[0]["packet"]["dst_port"] == 31380  # the Service's nodePort in the dump
    back = [h for h in doc["return_path"] if h["component"] == "load-balancer"]
    assert back and back[0]["packet"]["src_ip"] == "198.51.100.10"
    assert any("stand-in address 198.51.100.10" in n for n in doc["notes"])


def test_an_ingress_address_no_load_balancer_answers_for_is_a_usage_error(
        here: Path) -> None:
    """The ALB's name in the Ingress's status: netpath models no ALB without the AWS part, and
    says so rather than calling a real name NXDOMAIN."""
    result = run_cli("trace", "internet", SHOP_ALB, "--spec", "eks-dump.yaml", cwd=here)
    assert result.exit_code == 2
    assert "Ingress shop/web's load balancer" in result.output
    assert "does not model" in result.output
