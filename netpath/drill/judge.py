"""Judging an answer: one function, no state.

- Free text is compared without case and whitespace (and a final period): the canonical answer
  or one of its `accepted` spellings; for find-the-fault with the fix, also any text that holds
  one word of every `keywords` group ("the component and a key word") and none of a group's
  words written "!word" (the wrong direction of a rule).
- A multiple-choice question takes a choice by its number (1-based) or its text; text that is
  no choice is judged as free text against the answer and its accepted spellings (so the code
  alone or the component alone can stand for a "blocked by" choice where the generator says so).
- order-hops compares sequences: the items by their numbers in the prompt (`3, 1, 2`, `3 1 2`,
  `3>1>2`), or by their text or name, separated by commas, semicolons, arrows or new lines.
"""

from __future__ import annotations

import re

from netpath.drill.model import Judgement, Question
from netpath.drill.questions_common import norm

_NUMBER = re.compile(r"\s*#?(\d+)[.)]?\s*")
_SEPARATORS = re.compile(r"\s*(?:->|=>|→|>|,|;|\||\n)\s*")


def judge(question: Question, given: str) -> Judgement:
    return Judgement(question=question.id, given=given, correct=is_correct(question, given),
                     answer=question.answer, explanation=question.explanation)


def is_correct(question: Question, given: str) -> bool:
    text = given.strip()
    if not text:
        return False
    if question.kind == "order-hops":
        return _order_correct(question, text)
    if question.choices:
        chosen = _choice(question.choices, text)
        if chosen is not None:
            return chosen == question.answer
    key = norm(text)
    if key == norm(question.answer) or key in {norm(a) for a in question.accepted}:
        return True
    if question.keywords and not question.choices:
        return all(_holds(key, group) for group in question.keywords)
    return False


def _holds(key: str, group: tuple[str, ...]) -> bool:
    """One of the group's words, and none of its "!" words (an inbound fix that says
    "outbound" too is a guess, not a fix)."""
    wanted = [norm(w) for w in group if not w.startswith("!")]
    banned = [norm(w[1:]) for w in group if w.startswith("!")]
    if any(word and word in key for word in banned):
        return False
    return not wanted or any(word in key for word in wanted)


def _choice(choices: tuple[str, ...], text: str) -> str | None:
    key = norm(text)
    for choice in choices:
        if norm(choice) == key:
            return choice
    number = _NUMBER.fullmatch(text)
    if number and 1 <= int(number.group(1)) <= len(choices):
        return choices[int(number.group(1)) - 1]
    return None


# --- order-hops --------------------------------------------------------------------------------


def order_items(question: Question) -> list[str]:
    """The items in their right order (the answer lists them, comma-separated)."""
    return [item.strip() for item in question.answer.split(",")]


def _numbers(question: Question) -> list[int] | None:
    """The right order as the prompt's numbers (an accepted spelling made only of numbers)."""
    for spelling in question.accepted:
        parts = _split(spelling)
        if parts and all(p.isdigit() for p in parts):
            return [int(p) for p in parts]
    return None


def _split(text: str) -> list[str]:
    parts = [p for p in _SEPARATORS.split(text.strip()) if p]
    if len(parts) == 1 and re.fullmatch(r"[\d\s]+", parts[0]):
        parts = parts[0].split()
    return parts


def _order_correct(question: Question, text: str) -> bool:
    if norm(text) in {norm(a) for a in (question.answer, *question.accepted)}:
        return True
    items = order_items(question)
    parts = _split(text)
    if parts and all(p.lstrip("#").isdigit() for p in parts):
        numbers = _numbers(question)
        return numbers is not None and [int(p.lstrip("#")) for p in parts] == numbers
    if len(parts) == 1 and len(items) > 1:
        parts = parts[0].split()  # names separated by spaces only
    resolved = [_item(items, p) for p in parts]
    return resolved == list(range(len(items)))


def _item(items: list[str], token: str) -> int | None:
    """The index of the item `token` names: its full text, else its name alone when only one
    item has that name."""
    key = norm(token)
    for i, item in enumerate(items):
        if norm(item) == key:
            return i
    named = [i for i, item in enumerate(items) if norm(item.split(" ", 1)[-1]) == key]
    return named[0] if len(named) == 1 else None
