"""Judging an answer: one function, no state.

- Free text is compared without case and whitespace (and a final period): the canonical answer
  or one of its `accepted` spellings; for find-the-fault with the fix, also any text that holds
  a word of every `keywords` group (`_holds_words`), or of every group of one of the `also`
  ways: the first group names the component, and is taken out of the text before the others
  are looked for (so "route-table rt-public" holds no "route"); the others say what the fix is
  about (plain words, even negated: "it has no outbound rules, add one"; "~" words only in the
  action's clause), what it does ("+add", not negated, and another word than the topic: "wrong
  label" is no "label it"), a whole fix in one word ("*restart"), and what it must not say
  ("!inbound" for an outbound rule; "!deny" as a command, "denying" too: "it was removed: add
  it back" is a fix). See `faults.record`.
- A multiple-choice question takes a choice by its number (1-based) or its text; text that is
  no choice is judged as free text against the answer and its accepted spellings (so the code
  alone or the component alone can stand for a "blocked by" choice where the generator says so).
- order-hops compares sequences: the items by their numbers in the prompt (`3, 1, 2`, `3 1 2`,
  `3>1>2`), or by their text or name, separated by commas, semicolons, arrows or new lines.
"""

from __future__ import annotations

import re

from netpath.drill.model import Judgement, Question
from netpath.drill.questions.common import norm

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
        return any(_holds_words(text, way) for way in (question.keywords, *question.also))
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
_GERUND = "ing"  # actions and banned words: "adding", "denying"; never "added", "denied"
_NAME_BEFORE = "(?<!=)"  # a name is no value: "echo" is not in "app=echo"
_NAME_AFTER = r"(?![-/]\w)"  # nor a part of another name: "echo" is not in "echo-0"


_LABEL = re.compile(r"[a-z0-9][\w./-]*=[\w./-]+")


def _other_label(said: str, groups: tuple[tuple[str, ...], ...]) -> bool:
    """A fix about labels that sets another key=value than its own ("set label tier=frontend"
    when app=frontend was lost) is another fix."""
    own = {w.lstrip("+~*").lower() for g in groups for w in g if "=" in w and w[:1] != "!"}
    # The broken value may be named (what happened); setting it is banned elsewhere.
    known = own | {w if w.endswith("-v2") else f"{w}-v2" for w in own}
    return bool(own) and any(m.group(0) not in known for m in _LABEL.finditer(said))


def _holds_words(text: str, groups: tuple[tuple[str, ...], ...]) -> bool:
    """Whether `text` names the component (the first group) and holds every other group."""
    said = " ".join(text.lower().split())
    if _other_label(said, groups):
        return False
    names, *others = groups
    if names and not any(_find(said, name, "", _NAME_BEFORE, _NAME_AFTER) for name in names):
        return False
    for name in sorted(names, key=len, reverse=True):  # the name's words are no fix words
        said = re.sub(_pattern(name, "", _NAME_BEFORE, _NAME_AFTER), " ", said)
    return all(_holds(said, group) for group in others)


def _holds(said: str, group: tuple[str, ...]) -> bool:
    def marked(mark: str) -> list[str]:
        return [w[1:] for w in group if w.startswith(mark) and w[1:]]

    plain = [w for w in group if w and w[0] not in "+!*~"]
    near, actions, whole = marked("~"), marked("+"), marked("*")
    if any(_said(said, w, _GERUND) or _wants(said, w) for w in marked("!")):
        return False  # "remove", "denying", "a rule that denies"; not "removed"
    if any(_said(said, w, _GERUND) for w in whole):
        return True
    if not plain and not near:
        return not actions or any(_said(said, w, _GERUND) for w in actions)
    # What it is about counts even negated ("it has no outbound rules, add one").
    about = [(m, False) for w in plain for m in _find(said, w, _INFLECTED)]
    about += [(m, True) for w in near for m in _find(said, w, _INFLECTED)]
    if not actions:
        return bool(about)
    done = [m for w in actions for m in _find(said, w, _GERUND)
            if not _negated(said[:m.start()])]
    # The action is another word than the topic ("wrong label" is no "label it"); a "~" topic
    # is in the action's clause.
    return any(m.start() != a.start() and (not in_clause or _clause(said, m) == _clause(said, a))
               for m, in_clause in about for a in done)


def _clause(said: str, match: re.Match[str]) -> int:
    return len(_CLAUSE.findall(said[:match.start()]))


def _said(said: str, word: str, ending: str) -> bool:
    """`word` is in `said`, and not negated ("not ready", "don't remove")."""
    return any(not _negated(said[:m.start()]) for m in _find(said, word, ending))


def _find(said: str, word: str, ending: str, before: str = "", after: str = ""
          ) -> list[re.Match[str]]:
    return list(re.finditer(_pattern(word, ending, before, after), said))


def _pattern(word: str, ending: str, before: str = "", after: str = "") -> str:
    words = word.lower().split()
    parts = [re.escape(part) for part in words]
    again = "(?:re-?)?" if ending else ""  # re-add, relabel, restart
    if ending == _GERUND and words:
        parts[-1], ending = _gerund(words[-1]), ""
    core = r"\s+".join(parts)
    return f"{_EDGE_BEFORE}{before}{again}{core}{ending}{_EDGE_AFTER}{after}"


def _gerund(last: str) -> str:
    """The word, or its -ing form: "deny" -> "denying", "delete" -> "deleting", "drop" ->
    "dropping"."""
    stems = {last, last[:-1] if last.endswith("e") else last,
             last + last[-1] if last[-1:] in ("p", "t") else last}
    return f"(?:{re.escape(last)}|(?:{'|'.join(sorted(map(re.escape, stems)))})ing)"


def _wants(said: str, banned: str) -> bool:
    """A banned action asked for in a relative clause: "add a rule that denies ...", "a
    rule which blocks ..." (a bare "it denies the replies" only describes the symptom)."""
    last = banned.split()[-1] if banned.split() else banned
    third = last[:-1] + "ies" if last.endswith("y") and last[-2:-1] not in "aeiou" else \
        last + ("es" if last.endswith(("s", "sh", "ch", "x")) else "s")
    return re.search(rf"\b(?:that|which)\s+{re.escape(third)}\b", said) is not None


def _negated(before: str) -> bool:
    clause = _CLAUSE.split(before)[-1].split()
    if clause[-3:] == ["no", "need", "to"]:  # "no need to add a rule"
        return True
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
