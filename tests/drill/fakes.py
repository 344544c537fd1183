"""A small stand-in for the question generator and the judge, so that session and CLI tests
do not depend on them (they are written in parallel; the end-to-end tests use the real ones).

The fake is deterministic in its rng, like the real one must be, and as particular: it has
nothing at difficulty 3 on topic eks except for the troubleshooting scenarios, and nothing at
all for NO_QUESTIONS, so that the session's scenario choice has something to honour.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from netpath.drill.model import KINDS, TOPICS, Judgement, Question
from netpath.drill.session import chosen

NO_QUESTIONS = "interview-multi-region"
HOPS = ("igw-main", "nat-a", "rt-private", "sg-app", "nacl-private", "alb-web")


def _question(scenario: str, n: int, rng: random.Random, topic: str,
              difficulty: int) -> Question:
    kind = KINDS[(n + len(scenario)) % len(KINDS)]
    answer = rng.choice(HOPS)
    choices = list(rng.sample([h for h in HOPS if h != answer], 3)) + [answer]
    rng.shuffle(choices)
    free_text = kind == "find-fault"
    return Question(
        id=f"{scenario}/{kind}/{n}", kind=kind, topic=topic, difficulty=difficulty,
        scenario=scenario,
        setup=f"{scenario}: node-1 (10.0.1.10) -> api.example.com (tcp/443)",
        prompt=f"Question {n} on {scenario}: which component comes next after [hop {n}]?",
        choices=() if free_text else tuple(choices),
        answer=answer, accepted=(answer.upper(),) if free_text else (),
        explanation=f"The route table sends 0.0.0.0/0 to {answer} (longest prefix wins).",
        excerpt=(f"  3  route-table rt-private   forward   0.0.0.0/0 -> {answer}",
                 "       the packet leaves private-a through the NAT gateway"),
    )


@dataclass
class FakeGenerator:
    calls: list[tuple[str, str | None, int]] = field(default_factory=list)

    def __call__(self, scenario: str, *, rng: random.Random, count: int,
                 topic: str | None = None, difficulty: int = 2,
                 kinds: Sequence[str] | None = None) -> list[Question]:
        self.calls.append((scenario, topic, difficulty))
        if scenario == NO_QUESTIONS:
            return []
        if topic == "eks" and difficulty == 3 and not scenario.startswith("trouble-"):
            return []
        out = []
        for n in range(1, count + 1):
            chosen = topic if topic is not None else rng.choice(TOPICS)
            out.append(_question(scenario, n, rng, chosen, difficulty))
        return out


def fake_judge(question: Question, given: str) -> Judgement:
    """Reads answers as the real judge does: a choice by its text or number, else free text."""
    text = (chosen(question, given) or given).strip().lower()
    right = text == question.answer.lower() or text in (a.lower() for a in question.accepted)
    return Judgement(question.id, given, right, question.answer, question.explanation)
