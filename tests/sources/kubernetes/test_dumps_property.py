"""Properties of reading what teams have (hypothesis):

- a dump round-tripped through `-o json` gives the same cluster, and the same verdicts, as
  through `-o yaml`;
- adding CoreDNS manifests equal to the implicit ones (a Deployment `coredns` of two pods
  labelled k8s-app=kube-dns in kube-system, the Service `kube-dns` at the cluster DNS IP)
  changes no verdict.

The worlds are raw objects as kubectl prints or takes them: pods with labels (and, in dumps,
their node, hostIP and podIP from a random range), Services with ClusterIPs from a random
service CIDR (the `kubernetes` Service at its first address), and NetworkPolicies with random
selectors, peers and ports, among them the DNS egress rules people write (the canonical one,
`namespaceSelector: {}` with the DNS pods, an ipBlock of the DNS ClusterIP).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netpath.engine import prepare, trace
from netpath.engine.errors import QueryError
from netpath.engine.hops import Query
from netpath.model.resources import Model
from netpath.sources.loader import load_spec

Raw = dict[str, Any]
APPS = ("web", "api", "db")
NAMESPACES = ("shop", "apps")
DNS_RULES = {
    "canonical": {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name":
                                                        "kube-system"}},
                  "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}},
    "any-namespace": {"namespaceSelector": {},
                      "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}},
    "clusterip": {"ipBlock": {"cidr": "10.96.0.10/32"}},
}
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _meta(kind: str, name: str, namespace: str | None, **more: Any) -> Raw:
    meta: Raw = {"name": name, **more}
    if namespace is not None:
        meta["namespace"] = namespace
    return meta


@st.composite
def peers(draw: st.DrawFn) -> Raw:
    choice = draw(st.sampled_from(("pod", "namespace", "both", "ipblock")))
    pods = {"matchLabels": {"app": draw(st.sampled_from(APPS))}}
    namespaces = {"matchLabels": {"kubernetes.io/metadata.name": draw(
        st.sampled_from(NAMESPACES))}}
    if choice == "pod":
        return {"podSelector": pods}
    if choice == "namespace":
        return {"namespaceSelector": namespaces}
    if choice == "both":
        return {"podSelector": pods, "namespaceSelector": namespaces}
    # Only ranges no single pod's address decides: the worlds compared may number pods apart.
    return {"ipBlock": {"cidr": draw(st.sampled_from(("0.0.0.0/0", "10.0.0.0/8",
                                                      "172.16.0.0/12")))}}


@st.composite
def rules(draw: st.DrawFn, direction: str) -> Raw:
    rule: Raw = {}
    if draw(st.booleans()):
        rule["to" if direction == "egress" else "from"] = draw(st.lists(peers(), min_size=1,
                                                                          max_size=2))
    if draw(st.booleans()):
        rule["ports"] = [{"protocol": "TCP", "port": draw(st.sampled_from((80, 8080, 5432)))}]
    return rule


@st.composite
def policies(draw: st.DrawFn) -> list[Raw]:
    out = []
    for index in range(draw(st.integers(0, 3))):
        namespace = draw(st.sampled_from(NAMESPACES))
        app = draw(st.sampled_from((None, *APPS)))
        spec: Raw = {"podSelector": {"matchLabels": {"app": app}} if app else {}}
        types = draw(st.sampled_from((["Ingress"], ["Egress"], ["Ingress", "Egress"])))
        spec["policyTypes"] = types
        for direction in ("ingress", "egress"):
            if direction.capitalize() in types and draw(st.booleans()):
                spec[direction] = draw(st.lists(rules(direction), max_size=2))
        if "Egress" in types:
            dns = draw(st.sampled_from((None, *DNS_RULES)))
            if dns is not None:
                spec.setdefault("egress", []).append({
                    "to": [DNS_RULES[dns]], "ports": [{"protocol": "UDP", "port": 53},
                                                      {"protocol": "TCP", "port": 53}]})
        out.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                    "metadata": _meta("NetworkPolicy", f"p{index}", namespace), "spec": spec})
    return out


def _pod_template(app: str) -> Raw:
    return {"metadata": {"labels": {"app": app}},
            "spec": {"containers": [{"name": app, "image": f"{app}:1",
                                     "ports": [{"name": "http", "containerPort": 8080}]}]}}


@st.composite
def manifests(draw: st.DrawFn) -> list[Raw]:
    """Hand-written manifests: Deployments and Services of the apps, NetworkPolicies."""
    docs: list[Raw] = []
    for namespace in NAMESPACES:
        for app in draw(st.sets(st.sampled_from(APPS), min_size=1)):
            docs.append({"apiVersion": "apps/v1", "kind": "Deployment",
                         "metadata": _meta("Deployment", app, namespace),
                         "spec": {"replicas": draw(st.integers(1, 2)),
                                  "selector": {"matchLabels": {"app": app}},
                                  "template": _pod_template(app)}})
            docs.append({"apiVersion": "v1", "kind": "Service",
                         "metadata": _meta("Service", app, namespace),
                         "spec": {"selector": {"app": app},
                                  "ports": [{"name": "http", "port": 80,
                                             "targetPort": "http"}]}})
    return docs + draw(policies())


@st.composite
def dumps(draw: st.DrawFn) -> Raw:
    """A `kubectl get pods,svc,netpol -A -o yaml` List: real addresses, nodes and owners."""
    pod_net = draw(st.sampled_from(("10.0", "172.30", "192.168")))
    service_net = draw(st.sampled_from(("10.100", "172.20", "10.96")))
    items: list[Raw] = []
    services: list[Raw] = [{"apiVersion": "v1", "kind": "Service",
                            "metadata": _meta("Service", "kubernetes", "default"),
                            "spec": {"clusterIP": f"{service_net}.0.1",
                                     "ports": [{"name": "https", "port": 443}]}}]
    host = 0
    for namespace in NAMESPACES:
        for app in draw(st.sets(st.sampled_from(APPS), min_size=1)):
            for i in range(draw(st.integers(1, 2))):
                host += 1
                node = draw(st.sampled_from(("ip-10-1-0-11.ec2.internal", "worker-2")))
                template = _pod_template(app)
                # Values YAML 1.1 would read as numbers or booleans unquoted: strings in both.
                version = draw(st.sampled_from(("1.10", "0755", "yes", "1e5", "v2")))
                template["metadata"]["labels"] = {"app": app, "version": version}
                items.append({
                    "apiVersion": "v1", "kind": "Pod",
                    "metadata": _meta("Pod", f"{app}-5d9c7f-{i}x", namespace,
                                      labels=template["metadata"]["labels"],
                                      ownerReferences=[{"apiVersion": "apps/v1",
                                                        "kind": "ReplicaSet",
                                                        "name": f"{app}-5d9c7f",
                                                        "controller": True,
                                                        "uid": f"u-{namespace}-{app}"}]),
                    "spec": {**template["spec"], "nodeName": node},
                    "status": {"phase": "Running", "hostIP": "10.1.0.11" if node[0] == "i"
                               else "10.1.0.12", "podIP": f"{pod_net}.{host}.{7 + i}",
                               "podIPs": [{"ip": f"{pod_net}.{host}.{7 + i}"}]}})
            services.append({"apiVersion": "v1", "kind": "Service",
                             "metadata": _meta("Service", app, namespace),
                             "spec": {"clusterIP": f"{service_net}.{host}.{20 + host}",
                                      "selector": {"app": app},
                                      "ports": [{"name": "http", "port": 80,
                                                 "targetPort": "http"}]}})
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""},
            "items": [*items, *services, *draw(policies())]}


def _load(text: str, suffix: str) -> Model:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"dump{suffix}"
        path.write_text(text)
        return load_spec(path).model


def verdicts(model: Model) -> dict[tuple[str, str], tuple[str, str | None] | str]:
    """Every pod of the apps to every other on tcp/8080, and to every Service of the apps by its
    DNS name (through the cluster DNS) on tcp/80."""
    net = prepare(model)
    cluster = model.clusters["cluster"]
    pods = [p.key for p in cluster.pods.values() if p.namespace in NAMESPACES]
    names = [f"{s.name}.{s.namespace}.svc.cluster.local" for s in cluster.services.values()
             if s.namespace in NAMESPACES]
    out: dict[tuple[str, str], tuple[str, str | None] | str] = {}
    for source in pods:
        for destination, port in [*((p, 8080) for p in pods if p != source),
                                  *((n, 80) for n in names)]:
            try:
                found = trace(net, Query(source, destination, port))
            except QueryError as exc:
                out[(source, destination)] = f"query error: {exc}"
                continue
            blocked = found.blocked_by
            out[(source, destination)] = (found.verdict, blocked.code if blocked else None)
    return out


@SETTINGS
@given(dumps())
def test_a_dump_through_json_is_the_dump_through_yaml(dump: Raw) -> None:
    from_yaml = _load(yaml.safe_dump(dump, sort_keys=True), ".yaml")
    from_json = _load(json.dumps(dump, indent=4, sort_keys=True), ".json")
    assert from_json.clusters == from_yaml.clusters
    assert verdicts(from_json) == verdicts(from_yaml)


COREDNS = [
    {"apiVersion": "apps/v1", "kind": "Deployment",
     "metadata": {"name": "coredns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
     "spec": {"replicas": 2, "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
              "template": {"metadata": {"labels": {"k8s-app": "kube-dns"}},
                           "spec": {"containers": [{"name": "coredns", "image": "coredns:1.11",
                                                    "ports": [
                                                        {"name": "dns", "containerPort": 53,
                                                         "protocol": "UDP"},
                                                        {"name": "dns-tcp", "containerPort": 53,
                                                         "protocol": "TCP"},
                                                        {"name": "metrics",
                                                         "containerPort": 9153}]}]}}}},
    {"apiVersion": "v1", "kind": "Service",
     "metadata": {"name": "kube-dns", "namespace": "kube-system",
                  "labels": {"k8s-app": "kube-dns"}},
     "spec": {"clusterIP": "10.96.0.10", "selector": {"k8s-app": "kube-dns"},
              "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                        {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                        {"name": "metrics", "port": 9153, "protocol": "TCP",
                         "targetPort": 9153}]}},
]


@SETTINGS
@given(manifests())
def test_coredns_written_as_the_implicit_one_changes_no_verdict(docs: list[Raw]) -> None:
    implicit = _load(yaml.safe_dump_all(docs), ".yaml")
    explicit = _load(yaml.safe_dump_all([*docs, *COREDNS]), ".yaml")
    assert any(p.implicit for p in implicit.clusters["cluster"].pods.values())
    assert not any(p.implicit for p in explicit.clusters["cluster"].pods.values())
    assert verdicts(explicit) == verdicts(implicit)
