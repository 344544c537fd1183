"""A directory of plain Kubernetes manifests as `--spec`: a Kubernetes-only spec (flat pod
network, calico, service CIDR 10.96.0.0/12, three assumed nodes), on the real loader and engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import run_cli

FRONTEND = """\
apiVersion: v1
kind: Namespace
metadata: {name: frontend}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: frontend}
spec:
  serviceName: web
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx, ports: [{name: http, containerPort: 80}]}]
"""

BACKEND = """\
apiVersion: v1
kind: Namespace
metadata: {name: backend}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: backend}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: api, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: backend}
spec:
  selector: {app: api}
  ports: [{name: http, port: 8080, targetPort: http}]
"""

DENY_ALL = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: backend}
spec: {podSelector: {}, policyTypes: [Ingress]}
"""


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    k8s = tmp_path / "k8s"
    k8s.mkdir()
    (k8s / "frontend.yaml").write_text(FRONTEND)
    (k8s / "backend.yaml").write_text(BACKEND)
    return tmp_path


def test_trace_statefulset_pod_to_service(manifests: Path) -> None:
    result = run_cli("trace", "--spec", "k8s", "frontend/web-0", "backend/api", "--port", "8080",
                     "-f", "json", cwd=manifests)
    assert result.exit_code == 0, result.output
    doc = result.json
    assert doc["verdict"] == "reachable"
    path = [(h["component"], h["name"], h["action"]) for h in doc["hops"]]
    assert path[0] == ("pod", "frontend/web-0", "send")
    assert path[1] == ("service", "backend/api", "forward")
    assert path[2][0] == "kube-proxy" and path[2][2] == "translate"
    assert path[-1][0] == "pod" and path[-1][1].startswith("backend/api-")
    assert path[-1][2] == "deliver"
    assert not any(c in ("route-table", "security-group", "network-acl") for c, _, _ in path)
    # the reply is un-DNATed back to the ClusterIP on the client's node
    assert doc["return_path"][-1]["name"] == "frontend/web-0"
    assert any(h["component"] == "kube-proxy" for h in doc["return_path"])


def test_trace_text_names_the_path(manifests: Path) -> None:
    result = run_cli("trace", "--spec", "k8s", "frontend/web-0", "backend/api", "--port", "8080",
                     cwd=manifests)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "trace frontend/web-0 -> backend/api (tcp/8080)"
    assert "service backend/api" in result.stdout
    assert "at k8s/backend.yaml:" in result.stdout  # located in the manifest file
    assert result.stdout.rstrip().endswith("\u2714 reachable")


def test_network_policy_is_enforced_by_default(manifests: Path) -> None:
    (manifests / "k8s" / "policy.yaml").write_text(DENY_ALL)
    result = run_cli("trace", "--spec", "k8s", "frontend/web-0", "backend/api", "--port", "8080",
                     "-f", "json", cwd=manifests)
    assert result.exit_code == 1, result.output
    assert result.json["blocked_by"]["code"] == "NETPOL_INGRESS_DENIED"
    assert result.json["blocked_by"]["name"] == "backend/default-deny"


def test_show_lists_the_pods(manifests: Path) -> None:
    result = run_cli("show", "--spec", "k8s", cwd=manifests)
    assert result.exit_code == 0, result.output
    for pod in ("frontend/web-0", "frontend/web-1", "backend/api-0", "backend/api-1"):
        assert f"pod {pod}" in result.stdout, result.stdout
    assert "Kubernetes only" in result.stdout
    assert "backend/api  ClusterIP" in result.stdout
