"""A large cluster loads fast: 1,000 Deployments (5,000 pods), 1,000 Services and 500
NetworkPolicies written as manifests, read through the whole pipeline (`load_spec`).

`write_cluster` is also a handy generator: `python -m tests.sources.kubernetes.test_scale DIR`
writes the spec and its manifests to DIR and prints the load time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from netpath.sources.loader import load_spec

NAMESPACES = 50
NODES = 40  # 10 per subnet; VPC CNI pods take addresses of their node's /20

SPEC = """\
netpath: 1
vpcs:
  prod:
    cidr: 10.0.0.0/16
    region: us-east-1
    subnets:
{subnets}
    security_groups:
      sg-node: {{}}
    instances:
{instances}
clusters:
  eks:
    vpc: prod
    service_cidr: 10.100.0.0/16
    network_policy_agent: true
    nodes:
{nodes}
    manifests: [k8s/]
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: app-{i}, namespace: {ns}, labels: {{app: app-{i}}}}}
spec:
  replicas: 5
  selector: {{matchLabels: {{app: app-{i}}}}}
  template:
    metadata: {{labels: {{app: app-{i}, tier: {tier}}}}}
    spec:
      containers:
        - name: main
          image: registry.example.com/app-{i}:1.0
          ports:
            - {{name: http, containerPort: 8080}}
            - {{name: metrics, containerPort: 9090}}
---
apiVersion: v1
kind: Service
metadata: {{name: app-{i}, namespace: {ns}}}
spec:
  selector: {{app: app-{i}}}
  ports: [{{name: http, port: 80, targetPort: http}}]
"""

POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: allow-{i}, namespace: {ns}}}
spec:
  podSelector: {{matchLabels: {{app: app-{i}}}}}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: {ns}}}}}
          podSelector:
            matchExpressions: [{{key: tier, operator: In, values: [web, api]}}]
      ports: [{{protocol: TCP, port: http}}]
  egress:
    - to: [{{ipBlock: {{cidr: 10.0.0.0/16, except: [10.0.200.0/24]}}}}]
      ports: [{{protocol: TCP, port: 5432}}, {{protocol: UDP, port: 53}}]
"""


def write_cluster(root: Path, deployments: int = 1000, policies: int = 500) -> Path:
    """The spec (root/netpath.yaml) and one manifest file per namespace under root/k8s/."""
    subnets = "\n".join(f"      s{i}: {{cidr: 10.0.{16 * i}.0/20, az: us-east-1a}}"
                        for i in range(4))
    instances = "\n".join(f"      node-{i}: {{subnet: s{i % 4}, security_groups: [sg-node]}}"
                          for i in range(NODES))
    nodes = "\n".join(f"      node-{i}: {{instance: node-{i}}}" for i in range(NODES))
    (root / "k8s").mkdir(parents=True, exist_ok=True)
    spec = root / "netpath.yaml"
    spec.write_text(SPEC.format(subnets=subnets, instances=instances, nodes=nodes))
    for n in range(NAMESPACES):
        ns = f"team-{n}"
        docs = [DEPLOYMENT.format(i=i, ns=ns, tier=("web", "api", "worker")[i % 3])
                for i in range(n, deployments, NAMESPACES)]
        docs += [POLICY.format(i=i, ns=ns) for i in range(n, policies, NAMESPACES)]
        (root / "k8s" / f"{ns}.yaml").write_text("---\n".join(docs))
    return spec


@pytest.mark.slow
def test_a_large_cluster_loads_in_a_few_seconds(tmp_path: Path) -> None:
    spec = write_cluster(tmp_path)
    started = time.perf_counter()
    loaded = load_spec(spec)
    elapsed = time.perf_counter() - started
    cluster = loaded.model.clusters["eks"]
    # and the implicit CoreDNS: two pods and the kube-dns Service
    assert (len(cluster.pods), len(cluster.services), len(cluster.network_policies)) == (
        5002, 1001, 500)
    assert len({pod.ip for pod in cluster.pods.values()}) == 5002
    # The target is "well under a few seconds"; the bound leaves room for a slow shared CI box.
    assert elapsed < 8, f"loading took {elapsed:.2f} s ({loaded.timings})"


if __name__ == "__main__":
    target = write_cluster(Path(sys.argv[1]))
    began = time.perf_counter()
    result = load_spec(target)
    print(f"{time.perf_counter() - began:.2f} s", {k: round(v, 3) for k, v in
                                                   result.timings.items()})
