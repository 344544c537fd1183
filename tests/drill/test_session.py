"""The session without a terminal: choosing, reproducibility, asking, judging, scoring."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from netpath.drill.model import TOPICS, Judgement, Question
from netpath.drill.session import (
    CANDIDATES,
    Asked,
    DrillError,
    Options,
    Plan,
    TopicScore,
    answered,
    check_options,
    choose_session,
    chosen,
    invalid,
    lean,
    missed_kinds,
    plan_session,
    run_session,
    score,
    to_practise,
)
from netpath.sources.loader import scenario_names
from tests.drill.fakes import NO_QUESTIONS, FakeGenerator, fake_judge

NAMES = scenario_names()


def plan(seed: int = 1, **options: object) -> Plan:
    return plan_session(seed, Options(**options), generate=FakeGenerator(),  # type: ignore[arg-type]
                        scenarios=NAMES)


def ids(p: Plan) -> list[str]:
    return [q.id for q in p.questions]


def test_the_same_seed_gives_the_same_scenario_and_questions_in_order() -> None:
    first, second = plan(7, count=5), plan(7, count=5)
    assert first == second
    assert len(first.questions) == 5
    assert first.scenario in NAMES


def test_other_seeds_give_other_sessions() -> None:
    sessions = {(p.scenario, tuple(q.answer for q in p.questions))
                for p in (plan(seed, count=5) for seed in range(1, 11))}
    assert len(sessions) >= 8


def test_a_seed_does_not_depend_on_the_scenarios_tried_before() -> None:
    # --scenario NAME with the seed that picked NAME asks the same questions.
    chosen = plan(3, count=4)
    assert plan(3, count=4, scenario=chosen.scenario).questions == chosen.questions


def test_scenario_option_is_honoured() -> None:
    p = plan(1, scenario="three-tier", count=3)
    assert p.scenario == "three-tier"
    assert all(q.scenario == "three-tier" for q in p.questions)


def test_topic_and_difficulty_are_passed_to_the_generator_and_honoured() -> None:
    generator = FakeGenerator()
    p = plan_session(5, Options(topic="eks", difficulty=3, count=3), generate=generator,
                     scenarios=NAMES)
    # The fake has eks questions at difficulty 3 for troubleshooting scenarios only: the
    # session keeps trying scenarios until one has them.
    assert p.scenario.startswith("trouble-")
    assert {q.topic for q in p.questions} == {"eks"}
    assert {q.difficulty for q in p.questions} == {3}
    assert {(topic, difficulty) for _, topic, difficulty in generator.calls} == {("eks", 3)}


def test_a_scenario_without_questions_is_skipped() -> None:
    names = [NO_QUESTIONS, "three-tier"]
    for seed in range(1, 6):
        p = plan_session(seed, Options(count=2), generate=FakeGenerator(), scenarios=names)
        assert p.scenario == "three-tier"


def test_no_questions_at_all_is_bad_input_with_a_way_out() -> None:
    with pytest.raises(DrillError) as caught:
        plan(1, scenario=NO_QUESTIONS)
    assert caught.value.message == (
        f"scenario {NO_QUESTIONS!r} yields no questions at difficulty 2")
    assert caught.value.hint == "try another --difficulty than 2, or leave out --scenario"
    with pytest.raises(DrillError) as caught:
        plan(1, scenario="three-tier", topic="eks", difficulty=3)
    assert caught.value.message == "scenario 'three-tier' yields no eks questions at difficulty 3"


def test_fewer_questions_than_asked_for_is_a_shorter_session() -> None:
    def three(scenario: str, **kwargs: object) -> list[Question]:
        return FakeGenerator()(scenario, **{**kwargs, "count": 3})  # type: ignore[arg-type]

    p = plan_session(1, Options(count=5, scenario="three-tier"), generate=three,
                     scenarios=NAMES)
    assert len(p.questions) == 3


@pytest.mark.parametrize(
    ("options", "message", "hint"),
    [
        (Options(scenario="thre-tier"), "unknown scenario 'thre-tier'",
         "did you mean 'three-tier'? netpath drill --list shows them"),
        (Options(scenario="zzz"), "unknown scenario 'zzz'", "netpath drill --list shows them"),
        (Options(topic="gcp"), "unknown topic 'gcp'", "one of aws, kubernetes, eks"),
        (Options(difficulty=4), "difficulty 4 is not 1, 2 or 3", None),
        (Options(count=0), "a drill asks at least one question, not 0", None),
    ],
)
def test_bad_options(options: Options, message: str, hint: str | None) -> None:
    with pytest.raises(DrillError) as caught:
        check_options(options, NAMES)
    assert (caught.value.message, caught.value.hint) == (message, hint)


def test_choose_session_keeps_the_candidate_leaning_most_to_missed_topics() -> None:
    weights = {"aws": 0.1, "kubernetes": 0.9, "eks": 0.5}
    chosen = choose_session(Options(count=6), generate=FakeGenerator(), scenarios=NAMES,
                            weights=weights, rng=random.Random(42))
    # The same candidates, drawn again from the same rng, none leaning further.
    rng = random.Random(42)
    candidates = [plan(rng.randint(1, 999_999), count=6) for _ in range(CANDIDATES)]
    assert chosen in candidates
    assert lean(chosen, weights) == max(lean(c, weights) for c in candidates)
    # ... and the session is the one its seed gives: the printed seed replays it.
    assert plan(chosen.seed, count=6) == chosen


def test_missed_topics_come_back_more_often() -> None:
    weights = {"aws": 0.1, "kubernetes": 0.9, "eks": 0.1}
    rng = random.Random(0)
    share = {True: 0.0, False: 0.0}
    for weighted in (True, False):
        for _ in range(30):
            p = choose_session(Options(count=4), generate=FakeGenerator(), scenarios=NAMES,
                               weights=weights if weighted else dict.fromkeys(TOPICS, 0.5),
                               rng=rng)
            share[weighted] += sum(q.topic == "kubernetes" for q in p.questions) / 120
    assert share[True] > share[False] + 0.15, share


def test_one_candidate_when_weighing_cannot_change_anything() -> None:
    for options, weights in [(Options(topic="aws"), {"aws": 0.1, "kubernetes": 0.9}),
                             (Options(), dict.fromkeys(TOPICS, 0.5))]:
        generator = FakeGenerator()
        choose_session(options, generate=generator, scenarios=["three-tier"],
                       weights=weights, rng=random.Random(1))
        assert len(generator.calls) == 1


def question(choices: Sequence[str] = ("nat-a", "igw-main", "rt-private"), *,
             topic: str = "aws", kind: str = "next-hop", answer: str = "igw-main",
             n: int = 1) -> Question:
    return Question(id=f"s/{kind}/{n}", kind=kind, topic=topic, difficulty=2, scenario="s",
                    setup="", prompt="next hop?", choices=tuple(choices), answer=answer,
                    accepted=(), explanation="because", excerpt=())


@pytest.mark.parametrize(
    ("given", "meant"),
    [("2", "igw-main"), (" 3 \n", "rt-private"), ("#1", "nat-a"), ("2.", "igw-main"),
     ("3)", "rt-private"), ("4", None), ("0", None), ("igw-main", "igw-main"),
     ("  IGW-Main ", "igw-main"), ("2 3", None), ("elsewhere", None)],
)
def test_chosen_reads_a_number_or_a_choice_text(given: str, meant: str | None) -> None:
    assert chosen(question(), given) == meant


def test_a_choice_text_wins_over_a_number() -> None:
    assert chosen(question(("3", "1", "2")), "1") == "1"
    assert chosen(question(("100", "110", "*")), "2") == "110"
    assert chosen(question(choices=()), "2") is None


@pytest.mark.parametrize(
    ("choices", "given", "problem"),
    [
        (("a", "b"), "", "type an answer (Ctrl-D ends the drill)"),
        (("a", "b"), "   ", "type an answer (Ctrl-D ends the drill)"),
        (("a", "b"), "3", "choose a number from 1 to 2, or type the answer"),
        (("a", "b"), "0", "choose a number from 1 to 2, or type the answer"),
        (("a", "b"), "#3", "choose a number from 1 to 2, or type the answer"),
        (("a", "b"), "2", None),
        (("a", "b"), "c", None),  # wrong, but an answer: judged, not asked again
        (("100", "110", "*"), "110", None),  # a choice that is a number is itself
        ((), "42", None),
    ],
)
def test_invalid_answers_at_a_prompt(choices: tuple[str, ...], given: str,
                                     problem: str | None) -> None:
    assert invalid(question(choices), given) == problem


def session_plan(*questions: Question) -> Plan:
    return Plan(1, Options(count=len(questions)), "s", questions)


def test_run_session_judges_each_answer_and_shows_it() -> None:
    p = session_plan(question(n=1), question(n=2, topic="eks"))
    shown: list[Asked] = []
    results = run_session(p, lambda q, n: {1: "2", 2: "nat-a"}[n], fake_judge, shown.append)
    assert results == shown
    assert [(a.judgement.given, a.judgement.correct) for a in results  # type: ignore[union-attr]
            ] == [("2", True), ("nat-a", False)]


def test_running_out_of_answers_leaves_the_rest_unanswered() -> None:
    p = session_plan(*(question(n=n) for n in range(1, 5)))
    answers = iter(["2"])
    asked: list[int] = []

    def ask(q: Question, n: int) -> str | None:
        asked.append(n)
        return next(answers, None)

    results = run_session(p, ask, fake_judge)
    assert asked == [1, 2]  # not asked again once the answers ran out
    assert [a.judgement is None for a in results] == [False, True, True, True]


def asked(topic: str, correct: bool | None, kind: str = "next-hop", n: int = 1) -> Asked:
    q = question(topic=topic, kind=kind, n=n)
    judgement = None if correct is None else Judgement(q.id, "x", correct, q.answer, "why")
    return Asked(q, judgement)


def test_score_by_topic_and_what_to_practise() -> None:
    results = [asked("kubernetes", True), asked("aws", False, "deciding-rule"),
               asked("aws", True), asked("eks", False, "find-fault"),
               asked("eks", False, "next-hop"), asked("aws", None),
               asked("aws", False, "deciding-rule")]
    s = score(results)
    assert (s.total, s.correct, s.unanswered) == (7, 2, 1)
    assert s.by_topic == (TopicScore("aws", 4, 1, 1), TopicScore("kubernetes", 1, 1, 0),
                          TopicScore("eks", 2, 0, 0))
    assert [t.wrong for t in s.by_topic] == [2, 0, 2]
    # eks: 2 of 2 answered wrong; aws: 2 of 3; kubernetes: nothing missed.
    assert to_practise(s) == ("eks", "aws")
    assert missed_kinds(results, "eks") == ("find-fault", "next-hop")
    assert missed_kinds(results, "aws") == ("deciding-rule",)
    assert answered(results) == [("kubernetes", True), ("aws", False), ("aws", True),
                                 ("eks", False), ("eks", False), ("aws", False)]


def test_nothing_to_practise_when_all_is_right_or_unanswered() -> None:
    assert to_practise(score([asked("aws", True), asked("eks", None)])) == ()
