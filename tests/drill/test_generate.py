"""generate(): every library scenario yields well-formed questions at every difficulty, each
with exactly one correct choice, reproducibly for a seed, and fast once the scenario is loaded."""

from __future__ import annotations

import random
import re
import time
from collections import Counter

import pytest

from netpath.drill import generate as generate_module
from netpath.drill.generate import generate, load
from netpath.drill.grading import judge
from netpath.drill.model import KINDS, TOPICS, Question
from netpath.sources.loader import scenario_names

SCENARIOS = scenario_names()
DIFFICULTIES = (1, 2, 3)


@pytest.fixture(scope="module")
def library() -> dict[tuple[str, int], list[Question]]:
    return {(name, d): generate(name, rng=random.Random(11), count=24, difficulty=d)
            for name in SCENARIOS for d in DIFFICULTIES}


def all_questions(library: dict[tuple[str, int], list[Question]]) -> list[Question]:
    return [q for questions in library.values() for q in questions]


def test_the_library_has_scenarios() -> None:
    assert len(SCENARIOS) >= 20


@pytest.mark.parametrize("name", SCENARIOS)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_every_scenario_yields_varied_questions_at_every_difficulty(
        library: dict[tuple[str, int], list[Question]], name: str, difficulty: int) -> None:
    questions = library[(name, difficulty)]
    assert len(questions) >= 15, (name, difficulty, len(questions))
    kinds = Counter(q.kind for q in questions)
    assert len(kinds) >= 4, kinds
    # Varied: no kind takes over while others are available.
    assert max(kinds.values()) <= len(questions) // 2, kinds
    # The four kinds every scenario of the library supports, a few of each.
    for kind in ("next-hop", "reachable", "find-fault", "source-seen"):
        assert kinds[kind] >= 1, (kind, kinds)


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_every_kind_occurs_across_the_library(
        library: dict[tuple[str, int], list[Question]], difficulty: int) -> None:
    kinds = Counter(q.kind for (_, d), qs in library.items() if d == difficulty for q in qs)
    assert set(kinds) == set(KINDS), kinds
    assert all(count >= 3 for count in kinds.values()), kinds


def test_every_topic_occurs_across_the_library(
        library: dict[tuple[str, int], list[Question]]) -> None:
    assert {q.topic for q in all_questions(library)} == set(TOPICS)


def test_questions_are_well_formed(library: dict[tuple[str, int], list[Question]]) -> None:
    for (name, difficulty), questions in library.items():
        ids = [q.id for q in questions]
        assert ids == [f"{name}/{q.kind}/{n}" for n, q in enumerate(questions, 1)]
        for q in questions:
            assert (q.scenario, q.difficulty) == (name, difficulty)
            assert q.kind in KINDS and q.topic in TOPICS
            assert q.prompt.strip() and q.setup.strip() and q.explanation.strip()
            assert q.setup.startswith(f"Scenario {name}")
            assert q.excerpt, q
            assert q.answer.strip()
            if difficulty == 3 or q.kind == "order-hops":
                assert q.choices == (), q
            elif q.kind == "reachable" and difficulty == 1:
                assert q.choices == ("yes", "no")
            else:
                assert 3 <= len(q.choices) <= (4 if difficulty == 1 else 6), q
            if q.choices:
                assert q.answer in q.choices
                assert len({c.lower() for c in q.choices}) == len(q.choices), q.choices
                assert not any(c.strip().isdigit() for c in q.choices), q.choices


def test_excerpt_lines_are_the_renderers_head_lines(
        library: dict[tuple[str, int], list[Question]]) -> None:
    head = re.compile(r"^ {0,2}\d{1,3}  \S+ .+  (send|forward|allow|deny|translate|deliver|"
                      r"drop|resolve)  ")
    for q in all_questions(library):
        heads = [line for line in q.excerpt
                 if not line.startswith(("     ", "trace ", "netpath capacity"))]
        if q.excerpt[0] == "netpath capacity":  # IP capacity: the report, not a trace
            assert len(q.excerpt) > 1 and not heads, q.excerpt
            continue
        assert heads and all(head.match(line) for line in heads), q.excerpt


def test_exactly_one_choice_is_right(library: dict[tuple[str, int], list[Question]]) -> None:
    for q in all_questions(library):
        if not q.choices:
            continue
        by_text = [judge(q, choice).correct for choice in q.choices]
        by_number = [judge(q, str(n)).correct for n in range(1, len(q.choices) + 1)]
        assert by_text == by_number == [c == q.answer for c in q.choices], q


def test_the_answer_and_its_accepted_spellings_are_right(
        library: dict[tuple[str, int], list[Question]]) -> None:
    for q in all_questions(library):
        assert judge(q, q.answer).correct, q
        assert judge(q, f"  {q.answer.upper()}  ").correct, q
        for spelling in q.accepted:
            assert judge(q, spelling).correct, (q, spelling)
        for other in q.choices:
            if other != q.answer:  # no accepted spelling is a distractor's
                assert all(a.lower() != other.lower() for a in q.accepted), q


def test_the_same_seed_gives_the_same_questions() -> None:
    first = generate("three-tier", rng=random.Random(5), count=20, difficulty=2)
    generate_module._cache.clear()  # a fresh load changes nothing
    second = generate("three-tier", rng=random.Random(5), count=20, difficulty=2)
    assert first == second
    other = generate("three-tier", rng=random.Random(6), count=20, difficulty=2)
    assert other != first


def test_kinds_and_topic_narrow_the_questions() -> None:
    questions = generate("three-tier", rng=random.Random(1), count=10,
                         kinds=["source-seen", "design"])
    assert questions and {q.kind for q in questions} <= {"source-seen", "design"}
    for topic in TOPICS:
        found = generate("three-tier", rng=random.Random(1), count=6, topic=topic)
        assert found and all(q.topic == topic for q in found), topic


def test_a_scenario_without_the_topic_yields_nothing() -> None:
    assert generate("flow-pod-to-pod-same-node", rng=random.Random(1), count=5,
                    topic="aws", kinds=["design"]) == []


@pytest.mark.parametrize("bad", [dict(difficulty=4), dict(topic="gcp"),
                                 dict(kinds=["trivia"])])
def test_bad_arguments(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        generate("three-tier", rng=random.Random(1), count=3, **bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["three-tier", "interview-3-tier-eks", "interview-grpc-nlb-alb"])
def test_twenty_questions_take_well_under_a_second_once_loaded(name: str) -> None:
    load(name)
    for difficulty in DIFFICULTIES:
        started = time.perf_counter()
        generate(name, rng=random.Random(difficulty), count=20, difficulty=difficulty)
        assert time.perf_counter() - started < 0.5


def test_the_same_seed_gives_the_same_questions_in_another_process() -> None:
    """Nothing depends on the process (string hashing, set order): a seed replays anywhere."""
    import json
    import os
    import subprocess
    import sys

    script = ("import json, random; from netpath.drill.generate import generate; "
              "print(json.dumps([[q.id, q.prompt, list(q.choices), q.answer] for name in "
              "('three-tier', 'interview-3-tier-eks') for d in (1, 2, 3) for q in "
              "generate(name, rng=random.Random(9), count=12, difficulty=d)]))")
    outputs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, check=True)
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]


def test_a_kubernetes_only_spec_yields_kubernetes_questions() -> None:
    """Not only library scenarios: any spec path works, here plain manifests (no VPC)."""
    from pathlib import Path

    spec = Path(__file__).parents[1] / "sources" / "kubernetes" / "fixtures" / "plain"
    for difficulty in DIFFICULTIES:
        questions = generate(str(spec), rng=random.Random(2), count=10, difficulty=difficulty)
        assert len(questions) == 10
        assert {q.topic for q in questions} == {"kubernetes"}
        assert len({q.kind for q in questions}) >= 4
