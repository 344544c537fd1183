"""The benchmark's EKS estate generator (bench/kube_estate.py) writes a spec netpath loads without
an error, whose queries all trace, byte for byte the same every time.

A small estate keeps this to a second or two; the default size is only built in memory, to check
that its counts are the issue's exactly.
"""

from __future__ import annotations

import importlib.util
import sys
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from netpath.engine import prepare, trace
from netpath.engine.hops import Query
from netpath.sources.loader import load_spec

ROOT = Path(__file__).resolve().parent.parent


def _import_generator() -> ModuleType:
    # bench/ is not a package: load the script by path (registered first, as dataclasses need).
    spec = importlib.util.spec_from_file_location("bench_kube_estate",
                                                  ROOT / "bench" / "kube_estate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_kube_estate", module)
    spec.loader.exec_module(module)
    return module


gen = _import_generator()
SMALL = {"pods": 50, "services": 10, "policies": 5, "queries": 21}


def _write(out: Path, **sizes: int) -> Any:
    estate = gen.build(gen.Params(**sizes))
    gen.write(estate, out)
    return estate


def _queries(path: Path) -> list[tuple[str, str, int, str]]:
    out = []
    for line in path.read_text().splitlines():
        text, _, kind = line.partition("#")
        if text.split():
            source, destination, port = text.split()
            out.append((source, destination, int(port), kind.strip()))
    return out


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("kube-estate")
    return out, _write(out, **SMALL)


def test_small_estate_loads_with_the_counts_asked_for(small: tuple[Path, Any]) -> None:
    out, estate = small
    loaded = load_spec(out)  # raises SpecErrors on any error
    cluster = loaded.model.clusters[gen.CLUSTER]
    assert len(cluster.pods) == SMALL["pods"] == estate.counts["pods"]
    assert len(cluster.services) == SMALL["services"] == estate.counts["services"]
    assert len(cluster.network_policies) == SMALL["policies"]
    # Every manifest file was read (the loader lists them), none of them writes a pod IP...
    manifests = sorted(f for f in estate.files if f.startswith("k8s/"))
    assert all(any(shown.endswith(f) for shown in loaded.files) for f in manifests)
    assert not any("podIP" in text for text in estate.files.values())
    # ...so netpath assigned them all: distinct, inside the node subnets, not a node's address.
    nodes = {n.ip for n in cluster.nodes.values()}
    subnets = [IPv4Network(f"10.0.{octet}.0/20") for _, octet in gen.PRIVATE]
    ips = [pod.ip for pod in cluster.pods.values()]
    assert all("ip" in pod.assigned for pod in cluster.pods.values())
    assert len(set(ips)) == len(ips)
    assert not nodes & set(ips)
    assert all(any(IPv4Address(str(ip)) in s for s in subnets) for ip in ips)


def test_small_estate_queries_all_trace(small: tuple[Path, Any]) -> None:
    out, _ = small
    network = prepare(load_spec(out).model)
    queries = _queries(out / "queries.txt")
    assert {kind for *_, kind in queries} == {"svc-fqdn", "svc-short", "svc-namespace",
                                              "svc-key", "pod-pod", "pod-internet", "pod-rds"}
    verdicts = {trace(network, Query(s, d, p)).verdict for s, d, p, _ in queries}
    assert verdicts == {"reachable", "blocked"}  # policies both admit and deny


def test_same_parameters_same_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    _write(first, **SMALL)
    _write(second, **SMALL)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    other = gen.build(gen.Params(**{**SMALL, "seed": 2}))
    assert other.files != gen.build(gen.Params(**SMALL)).files  # the seed does matter


def test_default_size_is_the_issues() -> None:
    estate = gen.build(gen.Params())
    counts = estate.counts
    assert (counts["pods"], counts["services"], counts["network_policies"]) == (5000, 1000, 500)
    assert counts["nodes"] == 50 and counts["namespaces"] == 51
    assert len(estate.queries) == 200
    assert len([f for f in estate.files if f.startswith("k8s/")]) == 51
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10x faster at 1 MB
    docs = [d for text in estate.files.values() for d in yaml.load_all(text, Loader=loader)]
    kinds = [d.get("kind") for d in docs]
    assert kinds.count("NetworkPolicy") == 500 and kinds.count("Service") == 1000


def test_yaml_writer_round_trips() -> None:
    # Strings YAML 1.1 would read as something else must come back as the same strings.
    tricky = ["true", "no", "on", "10", "1.5", "", "a: b", "*", "- x", "0.0.0.0/0", "10.0.0.1",
              "30000-32767", "kubernetes.io/metadata.name", "#x", "null", "~"]
    docs: list[dict[str, Any]] = [
        {"plain": "web", "n": 5, "yes": True, "empty": {}, "none": [], "list": tricky,
         "nested": [{"a": 1, "b": {"c": [1, 2]}}, {"d": "e"}]},
        {str(v): v for v in tricky if v},
    ]
    assert list(yaml.safe_load_all(gen.dump_yaml(docs))) == docs
