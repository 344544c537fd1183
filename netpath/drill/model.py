"""What a drill is made of: questions with one correct answer under the engine, and answers.

Questions are generated from real traces of a library scenario (never hand-written answers);
the session layer asks them, judges the answers with `grading.judge`, and scores by topic.
"""

from __future__ import annotations

from netpath.model.record import record

KINDS = (
    "next-hop",  # the packet has left X: what is the next hop?
    "order-hops",  # put the shuffled hops of a path in order
    "source-seen",  # what source IP (and port) does the destination see?
    "deciding-rule",  # which route / NACL rule / security group rule / NetworkPolicy decides?
    "reachable",  # reachable or not; if not, which component blocks and with what code
    "find-fault",  # netpath broke one thing: name the broken component (and the fix)
    "design",  # a design choice the engine can check (subnet type, load balancer, Service type)
)
TOPICS = ("aws", "kubernetes", "eks")


@record
class Question:
    id: str  # stable within a session: "<scenario>/<kind>/<n>"
    kind: str  # one of KINDS
    topic: str  # one of TOPICS
    difficulty: int  # 1..3
    scenario: str
    setup: str  # what the learner is shown first (topology summary, spec excerpt, symptom)
    prompt: str
    choices: tuple[str, ...]  # multiple choice (shuffled by the generator); () = free text
    answer: str  # the canonical correct answer (one of choices when there are choices)
    accepted: tuple[str, ...]  # other spellings accepted for free text (lowercase compared)
    explanation: str  # why, in a sentence or two
    excerpt: tuple[str, ...]  # the relevant trace lines
    # Free text is also right when it holds one word of every group (case and space aside):
    # find-the-fault with the fix at difficulty 3, "the component and a key word".
    keywords: tuple[tuple[str, ...], ...] = ()
    also: tuple[tuple[tuple[str, ...], ...], ...] = ()  # other ways, each like `keywords`


@record
class Judgement:
    question: str  # Question.id
    given: str
    correct: bool
    answer: str
    explanation: str
