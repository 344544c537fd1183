"""Bad Kubernetes manifests through the CLI: located in the manifest file, all at once, exit 2,
never a traceback; unknown kinds are listed as ignored, not errors."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.helpers import run_cli

SPEC = """\
netpath: 1
clusters:
  dev:
    manifests: [k8s/]
"""


def _write(tmp_path: Path, manifests: str) -> None:
    (tmp_path / "netpath.yaml").write_text(SPEC)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "app.yaml").write_text(manifests)


def test_manifest_errors_are_located_in_the_manifest_file(tmp_path: Path) -> None:
    _write(tmp_path, """\
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports:
    - {port: 80, targetPort: [8080]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p}
spec:
  podSelector:
    matchExpressions: [{key: app, operator: Inn, values: [x]}]
""")
    result = run_cli("show", "--spec", "netpath.yaml", cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    lines = result.stderr.splitlines()
    assert lines[-1] == "2 errors in spec"
    assert re.match(r"k8s/app\.yaml:7:\d+: .*targetPort", lines[0]), lines
    assert re.match(r"k8s/app\.yaml:14:\d+: .*'Inn'", lines[1]), lines


def test_unknown_kinds_are_ignored_not_errors(tmp_path: Path) -> None:
    _write(tmp_path, """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {a: b}
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec: {containers: [{name: web, image: nginx}]}
""")
    result = run_cli("show", "--spec", "netpath.yaml", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "ConfigMap default/settings" in result.stdout
    assert "default/web" in result.stdout


def test_plain_manifest_directory_is_a_spec(tmp_path: Path) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "app.yaml").write_text("""\
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
spec: {containers: [{name: a, image: a, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: y, labels: {app: b}}
spec: {containers: [{name: b, image: b, ports: [{containerPort: 8080}]}]}
""")
    result = run_cli("trace", "--spec", "k8s", "x/a", "y/b", "--port", "8080", "-f", "json",
                     cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert [h["component"] for h in result.json["hops"]][0] == "pod"
    assert result.json["hops"][-1]["name"] == "y/b"


def test_a_workload_the_api_server_refuses_is_located_through_the_cli(tmp_path: Path) -> None:
    """`kubectl apply` refuses an apps/v1 Deployment without a selector and a pod without
    containers: so does the CLI, at the field, in the manifest file (exit 2)."""
    _write(tmp_path, """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeSelector: {disk: ssd}
""")
    result = run_cli("check", "--spec", "netpath.yaml", cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    lines = result.stderr.splitlines()
    assert lines[-1] == "2 errors in spec", lines
    assert lines[0].startswith("k8s/app.yaml:4:1: spec.selector: Required value: the API server "
                               "refuses an apps/v1 Deployment without a selector"), lines
    assert lines[1].startswith("k8s/app.yaml:7:5: spec.template.spec.containers: Required "
                               "value: the API server refuses a pod without containers"), lines


def test_an_error_in_each_of_many_documents_is_placed_in_its_own(tmp_path: Path) -> None:
    # The source map indexes documents by their path: each error is looked up in its own
    # document, not by scanning every one (issue 11: 8,000 documents took 7.8 s).
    count = 60
    docs = [f"apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}}}\nspec:\n  containers:\n"
            f"  - name: c\n    image: nginx\n    ports: [{{containerPort: {70000 + i}}}]\n"
            for i in range(count)]
    _write(tmp_path, "---\n".join(docs))
    result = run_cli("show", "--spec", "netpath.yaml", cwd=tmp_path)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert lines[-1] == f"{count} errors in spec"
    # Document i starts on line 9 * i + 1; its containerPort key is on its 8th line.
    assert lines[:-1] == [f"k8s/app.yaml:{9 * i + 8}:14: spec.containers[0].ports[0]."
                          f"containerPort: expected a port number 1-65535, got {70000 + i}"
                          for i in range(count)]
