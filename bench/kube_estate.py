#!/usr/bin/env python3
"""Generate an EKS estate as a spec directory (AWS part + Kubernetes manifests) for `make bench`.

Unlike bench/kube_cluster.py, which builds model objects directly to time the engine alone, this
writes what a user would have on disk, so the loader is measured too: manifest reading, workload
expansion, placement and the deterministic pod IP assignment (no `status.podIP` is written).

Defaults = issue 3's target, counts exact: 5,000 pods (1,000 Deployments of up to 5 replicas over
50 namespaces, plus CoreDNS's 2), 1,000 Services, 500 NetworkPolicies. The output directory:

    aws.yaml          netpath: 1; one VPC (3 public /24, 3 private /20 for the nodes and their
                      VPC-CNI pod IPs, 2 database /24), IGW, NAT gateway, node and database
                      security groups, the node instances (m5.4xlarge), an RDS database
    cluster.yaml      netpath: 1; cluster `eks` (aws-vpc-cni with the network policy agent)
    k8s/*.yaml        multi-document manifests: kube-system.yaml (CoreDNS), one file per
                      namespace (Namespace, Deployments, Services, NetworkPolicies)
    queries.txt       trace queries `SOURCE DESTINATION PORT  # kind`, as bench/generate.py writes
    manifest.json     parameters, counts and files (bench/run.py reads it to skip regenerating)

Deterministic: the same parameters give the same bytes (one seeded RNG, no set iteration). The
YAML is emitted by a tiny block-style writer (`dump_yaml`): yaml.dump is slower and its output
would depend on PyYAML's version.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# Bump when the output for given parameters changes, so bench/run.py regenerates a stale estate.
GENERATOR_VERSION = 1

DEFAULT_OUT = Path(__file__).resolve().parent / "out" / "kube-estate"
CLUSTER = "eks"
VPC_CIDR = "10.0.0.0/16"
AZS = ("us-east-1a", "us-east-1b", "us-east-1c")
# Node subnets are /20s (4,091 usable addresses each): with the VPC CNI every pod takes one.
PRIVATE = (("private-a", 16), ("private-b", 32), ("private-c", 48))  # name, third octet
PUBLIC = (("public-a", 0), ("public-b", 1), ("public-c", 2))
DATABASE = (("db-a", 8), ("db-b", 9))
SUBNET_USABLE = 4096 - 5  # AWS reserves five addresses per subnet
NODE_TYPE = "m5.4xlarge"  # 8 ENIs x 30 IPs: 234 pods a node, room above ~100 placed on each
PODS_PER_NODE = 100
SERVICE_CIDR = "10.100.0.0/16"
DNS_IP = "10.100.0.10"
DOMAIN = "cluster.local"
DATABASE_NAME = "orders-db"
INTERNET_HOSTS = {"api.example.com": "192.0.2.80", "registry.example.com": "192.0.2.90"}
COREDNS_REPLICAS = 2

KINDS = ("web", "api", "worker", "db", "cache")
# Container ports per kind: (name, containerPort, protocol); the first is the one Services use.
PORTS: dict[str, tuple[tuple[str, int, str], ...]] = {
    "web": (("http", 8080, "TCP"), ("metrics", 9090, "TCP")),
    "api": (("http", 8080, "TCP"), ("grpc", 9000, "TCP"), ("metrics", 9090, "TCP")),
    "worker": (("metrics", 9090, "TCP"),),
    "db": (("postgres", 5432, "TCP"),),
    "cache": (("redis", 6379, "TCP"),),
}
# Service port -> targetPort per kind: api and db name their target (resolved per pod through
# the container port names), the rest use numbers.
SERVICE_PORTS: dict[str, tuple[int, int | str]] = {
    "web": (80, 8080),
    "api": (80, "http"),
    "worker": (9090, 9090),
    "db": (5432, "postgres"),
    "cache": (6379, 6379),
}
NAMESPACE_LABEL = "kubernetes.io/metadata.name"

Doc = dict[str, Any]

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9._/-]*$")
_ADDRESS = re.compile(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(/\d{1,2})?$")
# Plain scalars a YAML 1.1 loader would turn into something other than a string.
_YAML_SPECIAL = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


# --------------------------------------------------------------------------------------------
# a small, deterministic block-style YAML writer


def _scalar(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if (_PLAIN.match(value) and value.lower() not in _YAML_SPECIAL) or _ADDRESS.match(value):
            return value
        return json.dumps(value)  # a JSON string is a YAML double-quoted scalar
    raise TypeError(f"cannot write {type(value).__name__} {value!r}")


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        assert not value
        return "{}"
    if isinstance(value, list):
        assert not value
        return "[]"
    return _scalar(value)


def _block(value: Any, indent: str, out: list[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                out.append(f"{indent}{_scalar(key)}:")
                _block(item, indent + "  ", out)
            else:
                out.append(f"{indent}{_scalar(key)}: {_inline(item)}")
        return
    for item in value:  # a list: mappings as `- key: ...`, their other keys aligned under it
        if isinstance(item, dict) and item:
            lines: list[str] = []
            _block(item, indent + "  ", lines)
            lines[0] = f"{indent}- {lines[0][len(indent) + 2:]}"
            out.extend(lines)
        elif isinstance(item, list) and item:
            raise TypeError("nested block lists are not written by this generator")
        else:
            out.append(f"{indent}- {_inline(item)}")


def dump_yaml(documents: Sequence[Doc], header: str = "") -> str:
    """Documents as one multi-document YAML text (`---` between them)."""
    chunks: list[str] = []
    for doc in documents:
        lines: list[str] = []
        _block(doc, "", lines)
        chunks.append("\n".join(lines) + "\n")
    return header + "---\n".join(chunks)


# --------------------------------------------------------------------------------------------
# parameters and the estate


@dataclass(frozen=True, slots=True)
class Params:
    pods: int = 5000
    services: int = 1000
    policies: int = 500
    namespaces: int = 0  # 0: one per 100 pods (50 at the default size)
    nodes: int = 0  # 0: one per 100 pods (50 at the default size), at least 3
    replicas: int = 5
    queries: int = 200
    seed: int = 1

    def resolved(self) -> Params:
        namespaces = self.namespaces or max(1, self.pods // 100)
        nodes = self.nodes or max(3, -(-self.pods // PODS_PER_NODE))
        return Params(**{**asdict(self), "namespaces": namespaces, "nodes": nodes})


@dataclass(frozen=True, slots=True)
class Workload:
    namespace: str
    name: str
    kind: str
    replicas: int
    labels: dict[str, str]


@dataclass(slots=True)
class Estate:
    params: Params
    files: dict[str, str] = field(default_factory=dict)  # relative path -> text
    queries: list[tuple[str, str, int, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _check(p: Params) -> None:
    if p.pods < COREDNS_REPLICAS + 1:
        raise ValueError(f"--pods must be at least {COREDNS_REPLICAS + 1} (CoreDNS runs 2)")
    if p.replicas < 1 or p.services < 1 or p.policies < 0 or p.queries < 0:
        raise ValueError("--replicas and --services must be positive, --policies and "
                         "--queries not negative")
    # Placement is by crc32, not perfectly even: keep a margin of a third in every subnet.
    if (p.pods + p.nodes) * 3 > SUBNET_USABLE * len(PRIVATE) * 2:
        raise ValueError(f"{p.pods:,} pods do not fit the node subnets with a margin "
                         f"({len(PRIVATE)} x {SUBNET_USABLE:,} addresses)")
    if p.nodes > 250:
        raise ValueError("at most 250 nodes (their addresses are .10-.259 of the node subnets)")


def _workloads(p: Params, rng: random.Random) -> tuple[list[str], list[Workload]]:
    """Deployments, in round-robin order over the namespaces (so any prefix of the list, which
    is what Services and policies take, covers every namespace)."""
    teams = [f"team-{i:02d}" for i in range(p.namespaces)]
    remaining = p.pods - COREDNS_REPLICAS
    out: list[Workload] = []
    k = 0
    while remaining > 0:
        namespace = teams[k % len(teams)]
        kind = KINDS[(k // len(teams)) % len(KINDS)]
        name = f"{kind}-{k:04d}"
        labels = {"app": name, "tier": kind, "version": rng.choice(("v1", "v2"))}
        if rng.random() < 0.1:
            labels["canary"] = "true"
        replicas = min(p.replicas, remaining)
        out.append(Workload(namespace, name, kind, replicas, labels))
        remaining -= replicas
        k += 1
    return teams, out


# --------------------------------------------------------------------------------------------
# the AWS part


def _private_cidr(octet: int) -> str:
    return f"10.0.{octet}.0/20"


def _node_ip(k: int) -> str:
    """Node k sits in private subnet k mod 3 at .10 upwards of its /20 (one address apart from
    the next node in the same subnet); pods take the free addresses around them."""
    octet = PRIVATE[k % len(PRIVATE)][1]
    host = 10 + k // len(PRIVATE)
    return f"10.0.{octet + host // 256}.{host % 256}"


def _aws(p: Params) -> Doc:
    subnets: Doc = {}
    for i, (name, octet) in enumerate(PUBLIC):
        subnets[name] = {"cidr": f"10.0.{octet}.0/24", "az": AZS[i], "route_table": "rt-public"}
    for i, (name, octet) in enumerate(PRIVATE):
        subnets[name] = {"cidr": _private_cidr(octet), "az": AZS[i], "route_table": "rt-private"}
    for i, (name, octet) in enumerate(DATABASE):
        subnets[name] = {"cidr": f"10.0.{octet}.0/24", "az": AZS[i], "route_table": "rt-db"}
    instances = {
        f"node-{k:02d}": {
            "subnet": PRIVATE[k % len(PRIVATE)][0],
            "private_ip": _node_ip(k),
            "security_groups": ["sg-node"],
            "instance_type": NODE_TYPE,
        }
        for k in range(p.nodes)
    }
    return {
        "netpath": 1,
        "description": f"EKS benchmark estate: {p.pods:,} pods, {p.services:,} Services, "
        f"{p.policies:,} NetworkPolicies (bench/kube_estate.py)",
        "vpcs": {
            "eks-vpc": {
                "cidr": VPC_CIDR,
                "region": "us-east-1",
                "internet_gateway": "igw-eks",
                "subnets": subnets,
                "route_tables": {
                    "rt-public": {"routes": {"0.0.0.0/0": "igw-eks"}},
                    "rt-private": {"routes": {"0.0.0.0/0": "nat-a"}},
                    "rt-db": {"routes": {}},  # the local route only
                },
                "nat_gateways": {
                    "nat-a": {"subnet": "public-a", "private_ip": "10.0.0.20",
                              "elastic_ip": "198.51.100.10"},
                },
                "security_groups": {
                    "sg-node": {
                        "description": "EKS worker nodes (and their VPC CNI pods)",
                        "ingress": [
                            {"protocol": "all", "security_group": "sg-node",
                             "description": "node to node, pod to pod"},
                            {"protocol": "tcp", "port": "30000-32767", "cidr": VPC_CIDR,
                             "description": "NodePorts from the VPC"},
                        ],
                    },
                    "sg-db": {
                        "description": "orders-db, PostgreSQL from the nodes only",
                        "ingress": [
                            {"protocol": "tcp", "port": 5432, "security_group": "sg-node",
                             "description": "PostgreSQL from the nodes"},
                        ],
                    },
                },
                "instances": instances,
                "databases": {
                    DATABASE_NAME: {"engine": "postgres", "port": 5432, "subnet": "db-a",
                                    "private_ip": "10.0.8.50", "security_groups": ["sg-db"]},
                },
            },
        },
        "internet_hosts": dict(INTERNET_HOSTS),
    }


def _cluster(p: Params) -> Doc:
    return {
        "netpath": 1,
        "clusters": {
            CLUSTER: {
                "vpc": "eks-vpc",
                "cni": "aws-vpc-cni",
                "network_policy_agent": True,
                "service_cidr": SERVICE_CIDR,
                "dns": {"ip": DNS_IP, "domain": DOMAIN},
                "nodes": {f"node-{k:02d}": {"instance": f"node-{k:02d}"} for k in range(p.nodes)},
                "manifests": ["k8s/"],
            },
        },
    }


# --------------------------------------------------------------------------------------------
# manifests


def _namespace(name: str, labels: dict[str, str]) -> Doc:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def _deployment(w: Workload) -> Doc:
    ports = [{"name": n, "containerPort": port, "protocol": proto}
             for n, port, proto in PORTS[w.kind]]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": w.name, "namespace": w.namespace, "labels": {"app": w.name}},
        "spec": {
            "replicas": w.replicas,
            "selector": {"matchLabels": {"app": w.name}},
            "template": {
                "metadata": {"labels": dict(w.labels)},
                "spec": {"containers": [{
                    "name": w.kind,
                    "image": f"registry.example.com/{w.kind}:1.{len(w.name) % 7}",
                    "ports": ports,
                }]},
            },
        },
    }


def _service(namespace: str, name: str, app: str, ports: list[Doc], node_port: bool) -> Doc:
    spec: Doc = {"selector": {"app": app}, "ports": ports}
    if node_port:
        spec = {"type": "NodePort", **spec}  # the NodePort itself is left to netpath
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def _services(p: Params, workloads: list[Workload]) -> list[tuple[Workload, Doc, int]]:
    """(workload, Service, its first port): one Service per workload in list order, then extra
    ones (`<app>-extra-N`, an admin port) once every workload has one."""
    out: list[tuple[Workload, Doc, int]] = []
    count = p.services - 1  # kube-dns is one of them
    i = 0
    while len(out) < count:
        w = workloads[i % len(workloads)]
        lap = i // len(workloads)
        if lap == 0:
            port, target = SERVICE_PORTS[w.kind]
            ports: list[Doc] = [{"name": "main", "protocol": "TCP", "port": port,
                                 "targetPort": target}]
            if w.kind == "api":  # a second port, by number
                ports.append({"name": "grpc", "protocol": "TCP", "port": 9000,
                              "targetPort": 9000})
            node_port = w.kind == "web" and i % 2 == 0
            out.append((w, _service(w.namespace, w.name, w.name, ports, node_port), port))
        else:
            port = 8000 + lap
            target = PORTS[w.kind][0][1]
            ports = [{"name": "admin", "protocol": "TCP", "port": port, "targetPort": target}]
            out.append((w, _service(w.namespace, f"{w.name}-extra-{lap}", w.name, ports,
                                    False), port))
        i += 1
    return out


def _peer(pods: Doc | None = None, namespaces: Doc | None = None,
          block: Doc | None = None) -> Doc:
    peer: Doc = {}
    if pods is not None:
        peer["podSelector"] = pods
    if namespaces is not None:
        peer["namespaceSelector"] = namespaces
    if block is not None:
        peer["ipBlock"] = block
    return peer


def _labels(**pairs: str) -> Doc:
    return {"matchLabels": dict(pairs)}


def _policy(namespace: str, name: str, selector: Doc, types: list[str],
            ingress: list[Doc] | None = None, egress: list[Doc] | None = None) -> Doc:
    spec: Doc = {"podSelector": selector, "policyTypes": types}
    if ingress is not None:
        spec["ingress"] = ingress
    if egress is not None:
        spec["egress"] = egress
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


# Egress to CoreDNS: what every egress-restricted namespace needs for names to resolve.
DNS_RULE: Doc = {
    "to": [_peer(_labels(**{"k8s-app": "kube-dns"}),
                 _labels(**{NAMESPACE_LABEL: "kube-system"}))],
    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
}


def _allow(w: Workload, pass_no: int) -> Doc:
    """What a team writes for one workload: the first pass by tier, later passes extra
    scrape/admin rules (so 200 policies over 100 workloads stay realistic)."""
    me = _labels(app=w.name)
    if pass_no > 0:
        if w.kind in ("web", "api", "worker"):
            rule = {"from": [_peer(namespaces=_labels(**{NAMESPACE_LABEL: "kube-system"}))],
                    "ports": [{"protocol": "TCP", "port": "metrics"}]}
        else:  # same-namespace clients of the datastores, on their named port
            rule = {"from": [_peer(pods={})], "ports": [{"protocol": "TCP",
                                                          "port": PORTS[w.kind][0][0]}]}
        return _policy(w.namespace, f"allow-{w.name}-extra-{pass_no}", me, ["Ingress"],
                       ingress=[rule])
    name = f"allow-{w.name}"
    if w.kind == "web":
        # From any pod of a prod namespace (OR: from the VPC, for the NodePorts), and out only
        # to the API tier (a named port, judged after Service DNAT) and DNS.
        return _policy(w.namespace, name, me, ["Ingress", "Egress"], ingress=[{
            "from": [_peer(namespaces=_labels(env="prod")),
                     _peer(block={"cidr": VPC_CIDR, "except": [
                         _private_cidr(PRIVATE[0][1])]})],
            "ports": [{"protocol": "TCP", "port": 8080}],
        }], egress=[{
            "to": [_peer(pods=_labels(tier="api"))],
            "ports": [{"protocol": "TCP", "port": "http"}],
        }, DNS_RULE])
    if w.kind == "api":
        # Web pods of prod namespaces (one peer: AND), or non-canary pods of this namespace.
        return _policy(w.namespace, name, me, ["Ingress"], ingress=[{
            "from": [
                _peer(_labels(tier="web"), _labels(env="prod")),
                _peer({"matchExpressions": [
                    {"key": "canary", "operator": "DoesNotExist"},
                    {"key": "version", "operator": "NotIn", "values": ["v0"]},
                ]}),
            ],
            "ports": [{"protocol": "TCP", "port": 8080},
                      {"protocol": "TCP", "port": 9000, "endPort": 9100}],
        }])
    if w.kind == "db":
        return _policy(w.namespace, name, me, ["Ingress"], ingress=[{
            "from": [_peer(_labels(tier="api"))],
            "ports": [{"protocol": "TCP", "port": "postgres"}],
        }])
    if w.kind == "cache":
        return _policy(w.namespace, name, me, ["Ingress"], ingress=[{
            "from": [_peer({"matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["api", "worker"]}]})],
            "ports": [{"protocol": "TCP", "port": 6379}],
        }])
    # worker: egress to the internet on 443 minus private ranges and the metadata service, to
    # the database subnets, and DNS. Selected by expressions, as teams write for a whole tier.
    return _policy(w.namespace, name, {"matchExpressions": [
        {"key": "app", "operator": "Exists"},
        {"key": "tier", "operator": "In", "values": [w.kind]}]}, ["Egress"], egress=[
        {"to": [_peer(block={"cidr": "0.0.0.0/0",
                             "except": ["10.0.0.0/8", "169.254.169.254/32"]})],
         "ports": [{"protocol": "TCP", "port": 443}]},
        {"to": [_peer(block={"cidr": f"10.0.{o}.0/24"}) for _, o in DATABASE],
         "ports": [{"protocol": "TCP", "port": 5432}]},
        DNS_RULE,
    ])


def _policies(p: Params, teams: list[str],
              workloads: list[Workload]) -> tuple[list[Doc], set[str]]:
    """The policies, and the workloads whose first-pass allow admits ingress (the ones meant to
    be reached: the rest of a default-deny namespace is unreachable, as it is for real)."""
    out: list[Doc] = []
    served: set[str] = set()
    for i, team in enumerate(teams):
        out.append(_policy(team, "default-deny-ingress", {}, ["Ingress"]))
        # Egress default-deny with the DNS allowance in every fourth namespace, from the
        # fourth: an estate of one namespace keeps its egress open, so there is more to trace.
        if i % 4 == 3:
            out.append(_policy(team, "default-deny-egress", {}, ["Egress"], egress=[DNS_RULE]))
        if i % 25 == 7:  # the classic mistake: egress locked down with no DNS allowance
            out.append(_policy(team, "db-egress-lockdown", _labels(tier="db"), ["Egress"],
                               egress=[{"to": [_peer(block={"cidr": VPC_CIDR})]}]))
    del out[p.policies:]
    pass_no = 0
    while len(out) < p.policies and workloads:
        for w in workloads:
            if len(out) >= p.policies:
                break
            out.append(_allow(w, pass_no))
            if pass_no == 0 and w.kind in CLIENTS:
                served.add(w.name)
        pass_no += 1
    return out, served


def _coredns() -> list[Doc]:
    return [
        _namespace("kube-system", {NAMESPACE_LABEL: "kube-system"}),
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "coredns", "namespace": "kube-system",
                         "labels": {"k8s-app": "kube-dns"}},
            "spec": {
                "replicas": COREDNS_REPLICAS,
                "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
                "template": {
                    "metadata": {"labels": {"k8s-app": "kube-dns"}},
                    "spec": {"containers": [{
                        "name": "coredns",
                        "image": "coredns/coredns:1.11",
                        "ports": [{"name": "dns", "containerPort": 53, "protocol": "UDP"},
                                  {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"}],
                    }]},
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "kube-dns", "namespace": "kube-system",
                         "labels": {"k8s-app": "kube-dns"}},
            "spec": {
                "clusterIP": DNS_IP,
                "selector": {"k8s-app": "kube-dns"},
                "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                          {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53}],
            },
        },
    ]


# --------------------------------------------------------------------------------------------
# queries


def _pod(w: Workload, rng: random.Random) -> str:
    return f"{w.namespace}/{w.name}-{rng.randrange(w.replicas)}"


# Who a tier's first-pass policy admits, from its own namespace (web: every pod of a prod
# namespace; worker: nobody, its policy is about egress).
CLIENTS: dict[str, tuple[str, ...]] = {"web": KINDS, "api": ("web",), "db": ("api",),
                                       "cache": ("api", "worker")}


def _client(target: Workload, intended: bool, by_namespace: dict[str, list[Workload]],
            rng: random.Random) -> Workload:
    """A source workload in the target's namespace: one of its intended clients, or any."""
    mates = by_namespace[target.namespace]
    wanted = CLIENTS.get(target.kind) if intended else None
    return rng.choice([w for w in mates if wanted is None or w.kind in wanted] or mates)


def _queries(p: Params, rng: random.Random, workloads: list[Workload],
             services: list[tuple[Workload, Doc, int]],
             served: set[str]) -> list[tuple[str, str, int, str]]:
    """Pod -> Service (DNS name: full, short through the search list, namespace-qualified; and
    NAMESPACE/NAME), pod -> pod, pod -> internet host (CoreDNS forwards, NAT), pod -> RDS."""
    kinds = ("svc-fqdn", "svc-short", "svc-namespace", "svc-key", "pod-pod", "pod-internet",
             "pod-rds")
    by_namespace: dict[str, list[Workload]] = {}
    for w in workloads:
        by_namespace.setdefault(w.namespace, []).append(w)
    # Targets meant to be reached: served workloads, and their main Service (not the extras).
    served_workloads = [w for w in workloads if w.name in served] or workloads
    served_services = [s for s in services if s[1]["metadata"]["name"] in served] or services
    out: list[tuple[str, str, int, str]] = []
    for k in range(p.queries):
        kind = kinds[k % len(kinds)]
        source = rng.choice(workloads)
        # Half of the in-cluster queries go from an intended client (the target's namespace,
        # the tier its policy admits) to a served target, so that traces also run the whole way
        # through DNAT and both policy ends rather than stopping at a default deny.
        intended = rng.random() < 0.5
        if kind.startswith("svc-"):
            target, doc, port = rng.choice(served_services if intended else services)
            name, namespace = doc["metadata"]["name"], doc["metadata"]["namespace"]
            if kind == "svc-short" or intended:  # a short name resolves in its namespace only
                source = _client(target, intended, by_namespace, rng)
            destination = {
                "svc-fqdn": f"{name}.{namespace}.svc.{DOMAIN}",
                "svc-short": name,
                "svc-namespace": f"{name}.{namespace}",
                "svc-key": f"{namespace}/{name}",
            }[kind]
        elif kind == "pod-pod":
            target = rng.choice(served_workloads if intended else workloads)
            destination, port = _pod(target, rng), PORTS[target.kind][0][1]
            if intended:
                source = _client(target, True, by_namespace, rng)
        elif kind == "pod-internet":
            destination, port = "api.example.com", 443
        else:
            destination, port = DATABASE_NAME, 5432
        out.append((_pod(source, rng), destination, port, kind))
    return out


# --------------------------------------------------------------------------------------------
# the whole estate


def build(params: Params) -> Estate:
    p = params.resolved()
    _check(p)
    rng = random.Random(p.seed)
    teams, workloads = _workloads(p, rng)
    env = {team: "staging" if i % 3 == 0 else "prod" for i, team in enumerate(teams)}
    services = _services(p, workloads)
    policies, served = _policies(p, teams, workloads)
    estate = Estate(p)
    estate.files["aws.yaml"] = dump_yaml([_aws(p)], "# generated by bench/kube_estate.py\n")
    estate.files["cluster.yaml"] = dump_yaml([_cluster(p)],
                                             "# generated by bench/kube_estate.py\n")
    estate.files["k8s/kube-system.yaml"] = dump_yaml(_coredns())
    # One file per namespace, objects grouped by kind as teams keep them.
    per_team: dict[str, list[Doc]] = {
        team: [_namespace(team, {"team": team, "env": env[team]})] for team in teams}
    for w in workloads:
        per_team[w.namespace].append(_deployment(w))
    for _, doc, _ in services:
        per_team[doc["metadata"]["namespace"]].append(doc)
    for doc in policies:
        per_team[doc["metadata"]["namespace"]].append(doc)
    for team in teams:
        estate.files[f"k8s/{team}.yaml"] = dump_yaml(per_team[team])
    estate.queries = _queries(p, rng, workloads, services, served)
    estate.counts = {
        "pods": COREDNS_REPLICAS + sum(w.replicas for w in workloads),
        "deployments": len(workloads) + 1,
        "services": len(services) + 1,
        "node_port_services": sum(1 for _, d, _ in services if d["spec"].get("type")),
        "network_policies": len(policies),
        "namespaces": len(teams) + 1,
        "nodes": p.nodes,
        "queries": len(estate.queries),
    }
    return estate


def manifest(e: Estate) -> dict[str, Any]:
    return {"generator_version": GENERATOR_VERSION, "params": asdict(e.params),
            "counts": e.counts, "files": sorted(e.files)}


def queries_text(e: Estate) -> str:
    lines = ["# SOURCE DESTINATION PORT  # kind (bench/kube_estate.py)"]
    lines += [f"{s} {d} {port}  # {kind}" for s, d, port, kind in e.queries]
    return "\n".join(lines) + "\n"


def write(e: Estate, out: Path) -> int:
    """Replace the estate in `out`: stale files from other sizes would be merged by the loader
    (top-level YAML) or read as manifests (k8s/)."""
    (out / "k8s").mkdir(parents=True, exist_ok=True)
    (out / ".gitignore").write_text("*\n")  # generated output: never committed by accident
    for folder in (out, out / "k8s"):
        for old in [*folder.glob("*.yaml"), *folder.glob("*.yml")]:
            old.unlink()
    size = 0
    for name, text in e.files.items():
        data = text.encode()
        (out / name).write_bytes(data)
        size += len(data)
    (out / "queries.txt").write_text(queries_text(e))
    (out / "manifest.json").write_text(json.dumps({**manifest(e), "bytes": size}, indent=2)
                                       + "\n")
    return size


def parse_args(argv: Sequence[str] | None) -> tuple[Params, Path, bool]:
    d = Params()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--pods", type=int, default=d.pods, help="exact, CoreDNS included")
    ap.add_argument("--services", type=int, default=d.services, help="exact, kube-dns included")
    ap.add_argument("--policies", type=int, default=d.policies, help="NetworkPolicies, exact")
    ap.add_argument("--namespaces", type=int, default=d.namespaces,
                    help="0: one per 100 pods")
    ap.add_argument("--nodes", type=int, default=d.nodes, help="0: one per 100 pods, at least 3")
    ap.add_argument("--replicas", type=int, default=d.replicas, help="per Deployment")
    ap.add_argument("--queries", type=int, default=d.queries)
    ap.add_argument("--seed", type=int, default=d.seed)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--quiet", action="store_true", help="print nothing on success")
    a = ap.parse_args(argv)
    params = Params(a.pods, a.services, a.policies, a.namespaces, a.nodes, a.replicas,
                    a.queries, a.seed)
    return params, a.out, a.quiet


def main(argv: Sequence[str] | None = None) -> int:
    params, out, quiet = parse_args(argv)
    started = time.perf_counter()
    try:
        estate = build(params)
    except ValueError as exc:
        print(f"kube_estate: {exc}", file=sys.stderr)
        return 2
    size = write(estate, out)
    elapsed = time.perf_counter() - started
    if not quiet:
        objects = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in estate.counts.items())
        print(f"wrote {out}: {len(estate.files)} files, {size:,} bytes in {elapsed:.2f} s")
        print(f"  {objects}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
