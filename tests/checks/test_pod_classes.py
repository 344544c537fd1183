"""Group expectations between pods are judged by class (issue 11: a namespace of 400 pods to
itself took 10 s, a trace per pair). The results must be exactly those of tracing every pair:
verdicts, codes, ports, and for a broken pair its problem and excerpt."""

from __future__ import annotations

from itertools import product
from pathlib import Path

import pytest

from netpath.checks import runner
from netpath.checks.expectations import Expectation, Group
from netpath.engine import prepare
from netpath.engine.network import Network
from netpath.model.resources import Model
from netpath.model.vocabulary import Code
from netpath.sources.loader import load_spec
from tests.engine.test_matrix import make_vpc_model

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "netpath" / "scenarios").glob(
    "*/netpath.yaml"))


def _expectations(model: Model) -> list[Expectation]:
    namespaces = sorted({(c.name, p.namespace) for c in model.clusters.values()
                         for p in c.pods.values()})
    groups = [Group(namespace=ns, cluster=cluster) for cluster, ns in namespaces]
    groups += [Group(cluster=name) for name in model.clusters]
    found = []
    for n, (source, destination) in enumerate(product(groups, groups)):
        for port, protocol in ((8080, "tcp"), (53, "udp"), (5432, "tcp"), (80, "tcp")):
            for reachable, code in ((True, None), (False, None),
                                    (False, Code.NETPOL_INGRESS_DENIED)):
                found.append(Expectation(
                    name=f"e{n}", description="", source=source, destination=destination,
                    port=port, protocol=protocol, reachable=reachable, via=(), not_via=(),
                    code=code, source_ip_seen=None, path=("expectations", n)))
    return found


def _both_ways(network: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    expectations = _expectations(network.model)
    by_class, errors = runner.run_expectations(network, expectations)
    with monkeypatch.context() as patched:
        patched.setattr(runner, "by_class", lambda _exp: False)
        traced, traced_errors = runner.run_expectations(network, expectations)
    assert errors == traced_errors
    assert len(by_class) == len(traced)
    for mine, theirs in zip(by_class, traced, strict=True):
        assert mine == theirs, mine.name


@pytest.mark.parametrize("spec", [s for s in SCENARIOS if "clusters:" in s.read_text()],
                         ids=lambda s: s.parent.name)
def test_by_class_is_tracing_every_pair_on_the_scenarios(
        spec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = load_spec(spec).model
    if not any(c.pods for c in model.clusters.values()):
        pytest.skip("no pods")
    _both_ways(prepare(model), monkeypatch)


@pytest.mark.parametrize("cni", ["aws-vpc-cni", "calico"])
def test_by_class_is_tracing_every_pair_on_a_generated_vpc(
        cni: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _both_ways(prepare(make_vpc_model(40, 8, 12, seed=4, cni=cni)), monkeypatch)


def test_only_broken_pairs_are_traced(monkeypatch: pytest.MonkeyPatch) -> None:
    model = make_vpc_model(40, 8, 12, seed=4)
    network = prepare(model)
    traced: list[object] = []
    real = runner._Runner._trace

    def counting(self: runner._Runner, query: runner._Query) -> object:
        traced.append(query)
        return real(self, query)

    monkeypatch.setattr(runner._Runner, "_trace", counting)
    group = Group(cluster=next(iter(model.clusters)))
    exp = Expectation(name="n", description="", source=group, destination=group, port=8080,
                      protocol="tcp", reachable=False, via=(), not_via=(), code=None,
                      source_ip_seen=None, path=("expectations", 0))
    (result,), errors = runner.run_expectations(network, [exp])
    assert not errors
    assert 0 < len(traced) == len(result.failures) < len(result.pairs) // 2
    assert all(p.excerpt for p in result.failures)
