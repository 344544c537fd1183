"""IP capacity questions (the guide's IP exhaustion case): figures from the capacity report."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from netpath.drill.generate import load
from netpath.drill.questions import capacity as qc


def _ask(maker: qc.Maker, scenario: str, seed: int = 1, difficulty: int = 1):
    return maker(load(scenario), random.Random(seed), difficulty)


def test_max_pods_of_an_m5_large_is_29() -> None:
    q = _ask(qc._max_pods, "three-tier")
    assert q is not None and q.answer == "29 pods"  # 3 x (10 - 1) + 2, the EKS AMI's value
    assert "29" in q.accepted and "110 pods" in q.choices
    assert q.topic == "eks" and q.kind == "design"


def test_usable_addresses_leave_out_the_five_aws_reserves() -> None:
    q = _ask(qc._usable_addresses, "three-tier")
    assert q is not None and q.answer == "251 addresses"  # a /24
    small = [_ask(qc._usable_addresses, "interview-ip-exhaustion", seed) for seed in range(6)]
    assert {q.answer for q in small if q is not None and "/27" in q.prompt} == {"27 addresses"}


@pytest.mark.parametrize(("scenario", "causes"), [
    # batch-15 is the 18th pod of a t3.medium (max pods 17): never started, so Pending;
    # web-24's subnet (a /27) is out of addresses: started, waiting for an IP.
    ("interview-ip-exhaustion", {"shop/batch-15": (qc.MAX_PODS, "Pending"),
                                 "shop/web-24": (qc.SUBNET_FULL, "ContainerCreating")}),
    ("trouble-ip-exhaustion-broken", {"shop/web-50": (qc.SUBNET_FULL, "ContainerCreating"),
                                      "shop/web-51": (qc.SUBNET_FULL, "ContainerCreating")}),
])
def test_a_stuck_pod_is_explained_by_the_capacity_report(
        scenario: str, causes: dict[str, tuple[str, str]]) -> None:
    seen = {}
    for seed in range(12):
        q = _ask(qc._stuck_pod, scenario, seed)
        assert q is not None and q.answer in q.choices
        pod = next(p for p in causes if f" {p} stays " in q.prompt)
        seen[pod] = (q.answer, q.prompt.split(" stays ")[1].split(".")[0])
        if q.answer == qc.MAX_PODS:  # past max pods every IP is taken too: not a wrong choice
            assert qc.NODE_FULL not in q.choices
        assert "NO_POD_IP" not in q.prompt  # the learner works it out
    assert seen == causes


def test_no_stuck_pod_question_where_every_pod_has_an_ip() -> None:
    assert _ask(qc._stuck_pod, "trouble-ip-exhaustion-fixed") is None
    assert _ask(qc._stuck_pod, "interview-ip-exhaustion", difficulty=3) is None


def test_a_cluster_without_vpc_addresses_asks_none() -> None:
    plain = Path(__file__).parents[1] / "sources" / "kubernetes" / "fixtures" / "plain"
    s = load(str(plain))  # plain manifests: no VPC, so no VPC CNI limits
    assert all(m(s, random.Random(seed), 1) is None for m in qc.makers() for seed in range(3))


@pytest.mark.parametrize("scenario", ["three-tier", "interview-ip-exhaustion",
                                      "trouble-ip-exhaustion-broken"])
@pytest.mark.parametrize("difficulty", [1, 2])
def test_choices_hold_the_answer_once_and_no_duplicates(scenario: str, difficulty: int) -> None:
    for maker in qc.makers():
        for seed in range(4):
            q = _ask(maker, scenario, seed, difficulty)
            if q is None:
                continue
            assert q.choices.count(q.answer) == 1
            assert len(set(q.choices)) == len(q.choices) >= 3
