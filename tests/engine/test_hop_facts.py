"""Hops carry what decided them as data (`Choice`, `OpenShare`, `Crossing`, `before`, rule ids),
next to their sentences: the drill, check and renderers read these, never the sentences.

Invariants are checked over every engine case (about 190 traces of AWS and Kubernetes paths);
the values of each fact against what AWS and Kubernetes do, on cases built for it.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from netpath.engine import prepare, trace
from netpath.engine.hops import ChoiceRule, Hop, Query, Trace
from netpath.model.vocabulary import Action, Component
from tests.engine.casekit import CASES, build, deep_merge, load_cases, run

ALL = load_cases()


@pytest.fixture(scope="module")
def traces() -> list[Trace]:
    return [run(case) for case in ALL]


def _hops(result: Trace) -> tuple[Hop, ...]:
    return (*result.hops, *result.return_path)


def test_every_translation_says_what_it_rewrote(traces: list[Trace]) -> None:
    translations = [h for t in traces for h in _hops(t) if h.action == Action.TRANSLATE]
    assert len(translations) > 50
    for hop in translations:
        assert hop.before is not None and hop.before != hop.packet, hop


def test_every_filter_hop_says_which_way_and_where(traces: list[Trace]) -> None:
    filters = (Component.NETWORK_ACL, Component.SECURITY_GROUP, Component.NETWORK_POLICY)
    for result in traces:
        for hop in _hops(result):
            if hop.component not in filters:
                continue
            assert hop.crossing is not None, hop
            if hop.component == Component.NETWORK_ACL:
                assert hop.crossing.direction in ("inbound", "outbound")
                word = "entering" if hop.crossing.direction == "inbound" else "leaving"
                assert f"{word} {hop.crossing.at}" in hop.detail  # the sentence agrees
            else:
                assert hop.crossing.direction in ("ingress", "egress")


def test_a_partial_block_says_how_much_of_the_range_passes(traces: list[Trace]) -> None:
    partial = [t.blocked_by for t in traces if t.blocked_by and t.blocked_by.partial]
    assert partial
    for blocked in partial:
        assert blocked is not None and blocked.open_share is not None
        assert 0 < blocked.open_share.open < blocked.open_share.total
    whole = [t.blocked_by for t in traces if t.blocked_by and not t.blocked_by.partial]
    assert all(b.open_share is None for b in whole)


def test_a_choice_names_the_one_followed_and_the_others(traces: list[Trace]) -> None:
    choices = [h.choice for t in traces for h in _hops(t) if h.choice is not None]
    assert choices
    for choice in choices:
        assert choice.others and choice.chosen not in choice.others


def _case(description: str) -> Any:
    return next(c for c in ALL if c.description == description)


def test_the_open_share_is_the_ports_the_nacl_lets_back() -> None:
    result = run(_case("a NACL that lets only part of the ephemeral range back fails "
                       "intermittently"))
    blocked = result.blocked_by
    assert blocked is not None and blocked.open_share is not None
    # inbound allows 32768-40000 of Linux's 32768-60999
    assert (blocked.open_share.open, blocked.open_share.total) == (40000 - 32768 + 1,
                                                                   60999 - 32768 + 1)
    assert result.return_path[-1].open_share == blocked.open_share


def test_a_nacl_rule_is_known_by_its_number() -> None:
    result = run(_case("an explicit deny rule that takes part of the ephemeral range is the one "
                       "named"))
    stop = result.return_path[-1]
    assert stop.rule is not None and stop.rule.id == "90"


def _base() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load((CASES / "base.yaml").read_text()))


def test_two_equal_routes_to_different_targets_are_a_choice_at_random() -> None:
    """Two prefix-list routes whose lists hold the same CIDR: same length, same priority,
    different targets. AWS picks one; the hop says which the trace followed and which not."""
    spec = _base()
    spec["prefix_lists"] = {"pl-a": {"cidrs": ["192.0.2.0/24"]},
                            "pl-b": {"cidrs": ["192.0.2.0/24"]}}
    spec["vpcs"]["prod"]["route_tables"]["rt-private"]["routes"].update(
        {"pl-a": "nat-a", "pl-b": "pcx-prod-dev"})
    result = trace(prepare(build(spec)), Query("app-1", "api.example.com", 443))
    hop = next(h for h in result.hops if h.component == Component.ROUTE_TABLE)
    assert hop.choice is not None and hop.choice.how == ChoiceRule.AT_RANDOM
    assert hop.rule is not None and hop.choice.chosen == hop.rule.text
    assert len(hop.choice.others) == 1 and hop.choice.others[0] != hop.choice.chosen
    assert hop.note is not None and "at random" in hop.note  # the sentence agrees


def test_a_route_is_known_by_its_destination() -> None:
    result = trace(prepare(build(_base())), Query("app-1", "api.example.com", 443))
    hop = next(h for h in result.hops if h.component == Component.ROUTE_TABLE)
    assert hop.choice is None and hop.rule is not None and hop.rule.id == "0.0.0.0/0"


def _service_spec(mode: str) -> dict[str, Any]:
    kube = yaml.safe_load((CASES / "kube_services.yaml").read_text())
    spec = deep_merge(_base(), kube["base_patch"])
    spec["clusters"]["eks"]["kube_proxy"] = mode
    spec["clusters"]["eks"]["manifests"] = [
        *({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": f"api-{i}", "namespace": "shop", "labels": {"app": "api"}},
           "spec": {"nodeName": "app-2", "containers": [{"name": "api", "image": "api"}]},
           "status": {"podIP": f"10.0.11.{20 + i}"}} for i in range(3)),
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api", "namespace": "shop"},
         "spec": {"selector": {"app": "api"}, "ports": [{"port": 80, "targetPort": 9000}]}},
    ]
    return spec


@pytest.mark.parametrize(("mode", "how"), [("iptables", ChoiceRule.AT_RANDOM),
                                           ("ipvs", ChoiceRule.ROUND_ROBIN)])
def test_kube_proxy_picks_one_endpoint_of_several(mode: str, how: ChoiceRule) -> None:
    result = trace(prepare(build(_service_spec(mode))), Query("app-1", "shop/api", 80))
    hop = next(h for h in result.hops if h.component == Component.KUBE_PROXY)
    assert hop.choice is not None and hop.choice.how == how
    assert hop.choice.chosen == "shop/api-0"
    assert hop.choice.others == ("shop/api-1", "shop/api-2")
    assert hop.before is not None and hop.before.dst_port == 80 and hop.packet.dst_port == 9000


def test_hops_are_numbered_in_the_order_the_trace_lists_them(traces: list[Trace]) -> None:
    for result in traces:
        steps = [h.step for h in _hops(result)]
        assert steps == list(range(1, len(steps) + 1)), steps
        if result.blocked_by is not None:
            side = result.hops if result.blocked_by.direction == "forward" else result.return_path
            assert result.blocked_by.step == side[-1].step
