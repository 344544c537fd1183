"""A drill session without a terminal: choose the scenario and questions, ask, judge, score.

Nothing here reads a file, a stream or the clock: the question generator, the judge and the
source of answers are passed in (the CLI passes `netpath.drill.generate.generate`,
`netpath.drill.grading.judge` and a prompt or the lines of a file; tests pass small fakes).

Reproducibility: a session is a pure function of its seed and options (`plan_session`). The
seed picks the order in which library scenarios are tried, and each scenario's questions come
from a generator seeded with the seed and the scenario's name, so the same seed gives the same
scenario, the same questions in the same order, however many scenarios were tried first.

Missed topics come back more often without breaking that: a session without `--seed` draws a
few candidate seeds and keeps the one whose questions lean most toward the topics the stats
say you miss (`choose_session`). The printed seed still replays the session exactly.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

from netpath.drill.model import TOPICS, Judgement, Question
from netpath.model.record import record

DIFFICULTIES = (1, 2, 3)
CANDIDATES = 4  # candidate seeds weighed against the stats when no --seed is given
MAX_SEED = 999_999  # chosen seeds stay short enough to retype
_NUMBER = re.compile(r"\s*#?(\d+)[.)]?\s*")  # a choice by number, as the judge reads it


class Generate(Protocol):
    def __call__(self, scenario: str, *, rng: random.Random, count: int,
                 topic: str | None = None, difficulty: int = 2,
                 kinds: Sequence[str] | None = None) -> list[Question]: ...


Judge = Callable[[Question, str], Judgement]
# (question, its number from 1) -> the answer as typed, or None: no more answers.
Ask = Callable[[Question, int], str | None]


class DrillError(Exception):
    """Options that cannot make a session (an unknown scenario, no questions for them)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


@record
class Options:
    scenario: str | None = None  # None: one from the library, at random
    topic: str | None = None  # None: every topic
    difficulty: int = 2
    count: int = 5


@record
class Plan:
    """What a session asks: a pure function of (seed, options)."""

    seed: int
    options: Options
    scenario: str
    questions: tuple[Question, ...]


@record
class Asked:
    question: Question
    judgement: Judgement | None  # None: not answered (the answers ran out first)


@record
class TopicScore:
    topic: str
    total: int
    correct: int
    unanswered: int

    @property
    def wrong(self) -> int:
        return self.total - self.correct - self.unanswered


@record
class Score:
    total: int
    correct: int
    unanswered: int
    by_topic: tuple[TopicScore, ...]  # in TOPICS order, topics that were asked only


def check_options(options: Options, scenarios: Sequence[str]) -> None:
    """Raise DrillError for options no session can honour (typer checks the ranges too; this
    is the same check for callers that build Options themselves)."""
    from netpath.model.names import did_you_mean

    if options.scenario is not None and options.scenario not in scenarios:
        hint = did_you_mean(options.scenario, scenarios)
        listing = "netpath drill --list shows them"
        raise DrillError(f"unknown scenario {options.scenario!r}",
                         f"{hint} {listing}" if hint else listing)
    if options.topic is not None and options.topic not in TOPICS:
        raise DrillError(f"unknown topic {options.topic!r}", f"one of {', '.join(TOPICS)}")
    if options.difficulty not in DIFFICULTIES:
        raise DrillError(f"difficulty {options.difficulty} is not 1, 2 or 3")
    if options.count < 1:
        raise DrillError(f"a drill asks at least one question, not {options.count}")


def plan_session(seed: int, options: Options, *, generate: Generate,
                 scenarios: Sequence[str]) -> Plan:
    """The session for `seed`: the first scenario (in the seed's order) that yields `count`
    questions for the options, else the one that yields the most. Raises DrillError when none
    yields any."""
    if options.scenario is not None:
        order = [options.scenario]
    else:
        order = sorted(scenarios)
        random.Random(seed).shuffle(order)
    best: Plan | None = None
    for name in order:
        rng = random.Random(f"{seed}/{name}")  # str seeds hash the same in every process
        questions = generate(name, rng=rng, count=options.count, topic=options.topic,
                             difficulty=options.difficulty)[: options.count]
        if best is None or len(questions) > len(best.questions):
            best = Plan(seed, options, name, tuple(questions))
        if len(questions) == options.count:
            break
    if best is None or not best.questions:
        raise DrillError(_nothing_to_ask(options), _nothing_hint(options))
    return best


def _nothing_to_ask(options: Options) -> str:
    topic = f" {options.topic}" if options.topic else ""
    if options.scenario:
        return (f"scenario {options.scenario!r} yields no{topic} questions at difficulty "
                f"{options.difficulty}")
    return f"no scenario yields{topic} questions at difficulty {options.difficulty}"


def _nothing_hint(options: Options) -> str:
    loosen = [f"another --difficulty than {options.difficulty}"]
    if options.topic:
        loosen.append("leave out --topic")
    if options.scenario:
        loosen.append("leave out --scenario")
    return "try " + ", or ".join(loosen)


def lean(plan: Plan, weights: Mapping[str, float]) -> float:
    """How much the plan's questions lean toward the weighted topics (their mean weight)."""
    if not plan.questions:
        return 0.0
    return sum(weights.get(q.topic, 0.0) for q in plan.questions) / len(plan.questions)


def choose_session(options: Options, *, generate: Generate, scenarios: Sequence[str],
                   weights: Mapping[str, float], rng: random.Random) -> Plan:
    """A session without --seed: of a few random seeds, the one whose questions lean most
    toward the most-missed topics. One seed only when weighing cannot change anything (one
    topic asked for, or no topic weighs more than another)."""
    uniform = len(set(weights.values())) <= 1
    tries = 1 if options.topic is not None or uniform else CANDIDATES
    best: Plan | None = None
    for _ in range(tries):
        plan = plan_session(rng.randint(1, MAX_SEED), options, generate=generate,
                            scenarios=scenarios)
        if best is None or lean(plan, weights) > lean(best, weights):
            best = plan
    assert best is not None  # tries >= 1, and plan_session returns or raises
    return best


def chosen(question: Question, given: str) -> str | None:
    """The choice an answer stands for: a choice's own text (compared as the judge compares),
    else its number (`2`, `#2`, `2.`, `2)`); None for free text and answers that are neither.
    The judge reads answers the same way; this is for showing what a number meant."""
    from netpath.drill.questions.common import norm

    key = norm(given)
    for choice in question.choices:
        if norm(choice) == key:
            return choice
    number = _NUMBER.fullmatch(given)
    if number and 1 <= int(number.group(1)) <= len(question.choices):
        return question.choices[int(number.group(1)) - 1]
    return None


def invalid(question: Question, given: str) -> str | None:
    """Why an answer typed at a prompt cannot be judged (it is asked again), else None.
    Scripted answers are judged as they are: a wrong number is a wrong answer."""
    if not given.strip():
        return "type an answer (Ctrl-D ends the drill)"
    if (question.choices and _NUMBER.fullmatch(given)
            and chosen(question, given) is None):
        return f"choose a number from 1 to {len(question.choices)}, or type the answer"
    return None


def run_session(plan: Plan, ask: Ask, judge: Judge,
                show: Callable[[Asked], None] | None = None) -> list[Asked]:
    """Ask every question in order; once `ask` has no answer the rest go unanswered."""
    results: list[Asked] = []
    stopped = False
    for number, question in enumerate(plan.questions, start=1):
        given = None if stopped else ask(question, number)
        if given is None:
            stopped = True
            results.append(Asked(question, None))
            continue
        asked = Asked(question, judge(question, given))
        results.append(asked)
        if show is not None:
            show(asked)
    return results


def score(results: Sequence[Asked]) -> Score:
    by_topic = []
    for topic in (*TOPICS, *sorted({a.question.topic for a in results} - set(TOPICS))):
        mine = [a for a in results if a.question.topic == topic]
        if mine:
            by_topic.append(TopicScore(topic, len(mine), _correct(mine), _unanswered(mine)))
    return Score(len(results), _correct(results), _unanswered(results), tuple(by_topic))


def _correct(results: Iterable[Asked]) -> int:
    return sum(1 for a in results if a.judgement is not None and a.judgement.correct)


def _unanswered(results: Iterable[Asked]) -> int:
    return sum(1 for a in results if a.judgement is None)


def to_practise(the_score: Score) -> tuple[str, ...]:
    """Topics with a wrong answer in this session, the most missed (by share) first."""
    missed = [t for t in the_score.by_topic if t.wrong]
    missed.sort(key=lambda t: (-t.wrong / (t.total - t.unanswered), -t.wrong))
    return tuple(t.topic for t in missed)


def missed_kinds(results: Sequence[Asked], topic: str) -> tuple[str, ...]:
    """The kinds of question answered wrong in `topic`, in the order they came."""
    kinds = (a.question.kind for a in results if a.question.topic == topic
             and a.judgement is not None and not a.judgement.correct)
    return tuple(dict.fromkeys(kinds))


def answered(results: Iterable[Asked]) -> list[tuple[str, bool]]:
    """(topic, correct) of each answered question: what the stats record."""
    return [(a.question.topic, a.judgement.correct) for a in results
            if a.judgement is not None]
