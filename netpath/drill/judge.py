"""Judging an answer: one function, no state.

- Free text is compared without case and whitespace (and a final period): the canonical answer
  or one of its `accepted` spellings; for find-the-fault with the fix, also any text that holds
  a word of every `keywords` group (`_holds_words`): the first group names the component, and is
  taken out of the text before the others are looked for (so "route-table rt-public" holds no
  "route"); the others say what the fix is about (plain words), what it does ("+add", one of
  them, not negated: "not ready" does not make it ready) and what it must not say ("!inbound"
  for an outbound rule; "!remove" as a command: "it was removed: add it back" is a fix).
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
        return _holds_words(text, question.keywords)
    return False


# --- key words ---------------------------------------------------------------------------------

# Words that negate the word after them (or the one after that) in the same clause.
_NEGATIONS = frozenset({"not", "no", "never", "nor", "without", "instead", "rather", "cannot",
                        "dont", "don't", "don’t"})
_CLAUSE = re.compile(r"[,;:.!?()\n]")
# A key word stands on its own: "route" is no word of "route-table", nor "dns" of "kube-dns";
# yet "1024" is one of "1024-65535", and "53" of "tcp/53".
_EDGE_BEFORE = r"(?<![\w.])(?<![a-z_]-)"
_EDGE_AFTER = r"(?![\w])(?!-[a-z_])"
_INFLECTED = r"(?:s|es|e?d|ing|led|ling)?"  # labels, restored, allowing, labelled...


def _holds_words(text: str, groups: tuple[tuple[str, ...], ...]) -> bool:
    """Whether `text` names the component (the first group) and holds every other group."""
    said = " ".join(text.lower().split())
    names, *others = groups
    if names and not any(_find(said, name, "") for name in names):
        return False
    for name in sorted(names, key=len, reverse=True):  # the name's words are no fix words
        said = re.sub(_pattern(name, ""), " ", said)
    return all(_holds(said, group) for group in others)


def _holds(said: str, group: tuple[str, ...]) -> bool:
    plain = [w for w in group if w and w[0] not in "+!"]
    actions = [w[1:] for w in group if w.startswith("+") and w[1:]]
    banned = [w[1:] for w in group if w.startswith("!") and w[1:]]
    if any(_said(said, w, "") for w in banned):  # as written: "remove", not "removed"
        return False
    if plain and not any(_said(said, w, _INFLECTED) for w in plain):
        return False
    return not actions or any(_said(said, w, "(?:ing)?") for w in actions)


def _said(said: str, word: str, ending: str) -> bool:
    """`word` is in `said`, and not negated ("not ready", "don't remove")."""
    return any(not _negated(said[:m.start()]) for m in _find(said, word, ending))


def _find(said: str, word: str, ending: str) -> list[re.Match[str]]:
    return list(re.finditer(_pattern(word, ending), said))


def _pattern(word: str, ending: str) -> str:
    core = r"\s+".join(re.escape(part) for part in word.lower().split())
    again = "(?:re-?)?" if ending else ""  # re-add, relabel, restart
    return f"{_EDGE_BEFORE}{again}{core}{ending}{_EDGE_AFTER}"


def _negated(before: str) -> bool:
    clause = _CLAUSE.split(before)[-1].split()
    return any(w in _NEGATIONS or w.endswith(("n't", "n’t")) for w in clause[-2:])


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
