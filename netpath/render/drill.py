"""`netpath drill` for people (rich) and scripts (JSON): the setup panel, each question with
its numbered choices, right or wrong with the answer, the explanation and the trace excerpt,
the score by topic and the topics to practise; the `--list` and `--stats` views.

Layout for a classic 80-column terminal (everything wraps to the console's width):

    +- netpath drill ------------------------------------------+
    | scenario   three-tier                                    |
    |            3-tier reference design on AWS (guide, ...)   |
    | questions  2, difficulty 2, every topic                  |
    | seed       1                                             |
    +----------------------------------------------------------+

    Question 1 of 2 (aws, next-hop)
    +- setup --------------------------------------------------+
    | the question's setup: only lines not on screen already   |
    +----------------------------------------------------------+
    The packet has left nat-a; what is the next hop?
      1  igw-main
      2  rt-private
    Your answer (1-2, or type it): 1
    + Right: igw-main
      explanation, wrapped and indented
      trace:
        the excerpt lines

Marks and boxes fall back to ASCII when the stream cannot encode them (rich substitutes the
boxes; the marks are chosen here). Colours follow the console, which the CLI built from the
environment (none when piped or with NO_COLOR). Text is built from `Text`, never markup:
component names come from specs and may hold square brackets. Each line of a setup, a prompt,
a choice, an answer (the one typed too), an explanation and an excerpt, and what the progress
file says, goes through `visible` on its way in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TextIO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.prompt import InvalidResponse, Prompt
from rich.table import Table
from rich.text import Text

from netpath.drill.model import KINDS, TOPICS, Question
from netpath.drill.session import Asked, Plan, Score, chosen, invalid, missed_kinds
from netpath.drill.stats import Stats, TopicProgress
from netpath.model.visible import inert, json_escape, visible
from netpath.render.text import emit

PANEL_WIDTH = 80  # the setup panel stops growing here on wide terminals
TOPIC_SUMMARIES = {
    "aws": "VPC networking: route tables, security groups, NACLs, NAT, gateways, "
           "load balancers, DNS",
    "kubernetes": "Services and kube-proxy, CoreDNS, NetworkPolicy, Ingress",
    "eks": "Kubernetes on AWS: the VPC CNI, pod IPs and SNAT, security groups for pods, "
           "the load balancer controller",
}
DIFFICULTY_SUMMARIES = {
    1: "warm-up: one component at a time",
    2: "interview level (the default)",
    3: "harder: several components; a broken network asks for the fix too",
}


def _marks(console: Console) -> tuple[str, str]:
    return ("+", "x") if console.options.ascii_only else ("\u2714", "\u2718")


def render_setup(console: Console, plan: Plan, description: str, replay: str | None) -> None:
    """The panel that opens a session. `replay`: the command line that replays it, shown under
    the panel when netpath chose the seed."""
    options = plan.options
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row("scenario", Text(visible(plan.scenario)) if not description else
                 Group(Text(visible(plan.scenario)), Text(visible(description), style="dim")))
    asked = len(plan.questions)
    shortfall = f" (the scenario has {asked}, not {options.count})" if asked < options.count else ""
    grid.add_row("questions", Text(
        f"{asked}{shortfall}, difficulty {options.difficulty}, "
        + (f"topic {options.topic}" if options.topic else "every topic")))
    grid.add_row("seed", Text(str(plan.seed)))
    width = min(console.width, PANEL_WIDTH)
    out: list[RenderableType] = [Panel(grid, title="netpath drill", title_align="left",
                                       width=width, box=box.ROUNDED)]
    if replay is not None:  # its own line, to copy whole
        out.append(_hanging("Replay it with: ", Text(visible(replay)), console, indent=2))
    emit(console, [*out, Text()])


def render_question(console: Console, question: Question, number: int, total: int,
                    *, seen: set[str]) -> None:
    """The question's header, its setup, its prompt and numbered choices. Setup lines already
    on screen (`seen`, which this updates) are not shown again: a drill's questions share
    most of their scenario's topology summary."""
    out: list[RenderableType] = [Text.assemble(
        (f"Question {number} of {total}", "bold"),
        (f" ({question.topic}, {question.kind})", "dim"))]
    lines = [visible(line) for line in question.setup.splitlines() if line.strip()]
    new = [line for line in lines if line not in seen]
    if new:
        width = min(console.width, PANEL_WIDTH)
        title = "setup" if len(new) == len(lines) else "setup (new lines; the rest as above)"
        out.append(Panel(_block(new, console, width - 4), title=title, title_align="left",
                         box=box.ROUNDED, width=width))
        seen.update(new)
    out.append(_block([visible(line) for line in question.prompt.splitlines()], console,
                      console.width, "bold", hang=0))
    for index, choice in enumerate(question.choices, start=1):
        out.append(_hanging(f"{index:>3}  ", Text(visible(choice)), console))
    emit(console, out)


_LEAD = re.compile(r"(\s*)(\d+\s+)?")  # indentation, and a trace step's number


def _block(lines: Sequence[str], console: Console, width: int, style: str = "",
           hang: int = 2) -> Text:
    """Lines wrapped to `width`, each continuing under itself: under the text after a trace
    step's number, else `hang` columns further in than the line starts."""
    out = Text(style=style)
    for i, line in enumerate(lines):
        lead = _LEAD.match(line)
        assert lead is not None  # the pattern matches the empty string
        indent = lead.end() if lead.group(2) else len(lead.group(1)) + hang
        wrapped = _hanging(line[:lead.end()], Text(line[lead.end():]), console,
                           indent=min(indent, width // 2), width=width)
        out.append_text(wrapped if not i else Text("\n") + wrapped)
    return out


def prompt_label(question: Question) -> str:
    if question.choices:
        return f"Your answer (1-{len(question.choices)}, or type it)"
    return "Your answer"


def render_given(console: Console, question: Question, given: str) -> None:
    """A scripted answer, shown where a person would have typed it."""
    emit(console, [Text.assemble((prompt_label(question) + ": ", "bold"),
                                 visible(given.strip()))])


def render_judgement(console: Console, asked: Asked) -> None:
    judgement = asked.judgement
    if judgement is None:
        return
    right, wrong = _marks(console)
    if judgement.correct:
        head = Text.assemble((f"{right} Right: ", "bold green"), visible(judgement.answer))
    else:
        given = judgement.given.strip() or "(nothing)"
        meant = chosen(asked.question, judgement.given)
        if meant is not None and meant != given:  # a number: say which choice it was
            given = f"{given} ({meant})"
        head = Text.assemble((f"{wrong} Wrong: ", "bold red"),
                             visible(f"you answered {given}; "),
                             "the answer is ", (visible(judgement.answer), "bold"))
    out: list[RenderableType] = [_hanging("", head, console, indent=2)]
    if judgement.explanation:
        out.append(_hanging("  ", Text(visible(judgement.explanation)), console))
    if asked.question.excerpt:
        out.append(Text("  trace:", style="dim"))
        out.append(_block([visible(f"    {line}") for line in asked.question.excerpt], console,
                          console.width, "dim"))
    out.append(Text())
    emit(console, out)


def _hanging(lead: str, text: Text, console: Console, indent: int | None = None,
             width: int | None = None) -> Text:
    """`lead` then `text` wrapped to `width` (default: the console's); continuation lines
    start `indent` columns in (default: under the text)."""
    pad = len(lead) if indent is None else indent
    room = max((width or console.width) - max(len(lead), pad), 20)
    lines = text.wrap(console, room, overflow="fold")
    out = Text(lead)
    for i, line in enumerate(lines):
        if i:
            out.append("\n" + " " * pad)
        out.append_text(line)
    return out


def render_summary(console: Console, results: Sequence[Asked], score: Score,
                   practise: Sequence[str], *, stopped: str | None = None) -> None:
    """The score by topic and the topics to practise. `stopped`: why the session ended
    before its last question (the answers ran out, Ctrl-C)."""
    out: list[RenderableType] = []
    if score.unanswered:
        s = "" if score.unanswered == 1 else "s"
        out.append(Text(f"{stopped or 'The answers ran out'}: {score.unanswered} question{s} "
                        "unanswered (counted as not right).", style="yellow"))
        out.append(Text())
    share = round(100 * score.correct / score.total) if score.total else 0
    out.append(Text(f"Score: {score.correct} of {score.total} right ({share}%)", style="bold"))
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for name in ("topic", "right", "wrong", "unanswered"):
        table.add_column(name, justify="left" if name == "topic" else "right")
    for t in score.by_topic:
        table.add_row(t.topic, f"{t.correct} of {t.total}", str(t.wrong), str(t.unanswered))
    out += [table, Text()]
    if practise:
        lines = [f"{topic} ({', '.join(missed_kinds(results, topic))})" for topic in practise]
        out.append(_hanging("To practise: ", Text("; ".join(lines)), console))
    elif score.correct == score.total:
        out.append(Text("Nothing to practise from this drill: every answer was right."))
    emit(console, out)


def session_document(plan: Plan, results: Sequence[Asked], score: Score,
                     practise: Sequence[str]) -> str:
    questions = []
    for asked in results:
        q, j = asked.question, asked.judgement
        questions.append({
            "id": q.id, "kind": q.kind, "topic": q.topic, "difficulty": q.difficulty,
            # What a learner is shown before the prompt (the topology, the rules a question
            # asks about, the symptom): a script needs it to answer, as a person does.
            "setup": q.setup, "prompt": q.prompt,
            "choices": list(q.choices),
            "given": None if j is None else j.given,
            "correct": j is not None and j.correct,
            "answer": q.answer if j is None else j.answer,
            "explanation": q.explanation if j is None else j.explanation,
            "trace": list(q.excerpt),
        })
    doc = {
        "scenario": plan.scenario,
        "seed": plan.seed,
        "difficulty": plan.options.difficulty,
        "topic": plan.options.topic,
        "questions": questions,
        "score": {
            "total": score.total, "correct": score.correct, "unanswered": score.unanswered,
            "by_topic": {t.topic: {"total": t.total, "correct": t.correct,
                                   "unanswered": t.unanswered} for t in score.by_topic},
        },
        "practise": list(practise),
    }
    return inert(json.dumps(doc, indent=2), json_escape) + "\n"


def render_list(console: Console, scenarios: Sequence[tuple[str, str]]) -> None:
    out: list[RenderableType] = [Text("Topics (--topic):", style="bold")]
    out.append(_two_columns([(t, TOPIC_SUMMARIES.get(t, "")) for t in TOPICS]))
    out += [Text(), Text("Difficulties (--difficulty):", style="bold")]
    out.append(_two_columns([(str(d), s) for d, s in DIFFICULTY_SUMMARIES.items()]))
    out += [Text(), Text("Question kinds:", style="bold"),
            _hanging("  ", Text(", ".join(KINDS)), console), Text()]
    out.append(Text(f"Scenarios (--scenario NAME; {len(scenarios)}):", style="bold"))
    for name, description in scenarios:
        out.append(Text(visible(f"  {name}")))
        if description:
            out.append(_hanging("      ", Text(visible(description), style="dim"), console))
    emit(console, out)


def list_document(scenarios: Sequence[tuple[str, str]]) -> str:
    doc = {
        "topics": [{"name": t, "description": TOPIC_SUMMARIES.get(t, "")} for t in TOPICS],
        "difficulties": [{"level": d, "description": s}
                         for d, s in DIFFICULTY_SUMMARIES.items()],
        "kinds": list(KINDS),
        "scenarios": [{"name": n, "description": d} for n, d in scenarios],
    }
    return inert(json.dumps(doc, indent=2), json_escape) + "\n"


def _two_columns(rows: Sequence[tuple[str, str]]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for left, right in rows:
        grid.add_row(Text(f"  {left}"), Text(right, style="dim"))
    return grid


def render_stats(console: Console, stats: Stats, where: str,
                 practise: Sequence[str]) -> None:
    out: list[RenderableType] = []
    if not stats.sessions:
        out.append(Text("No drills yet: start one with netpath drill."))
    else:
        s = "" if stats.sessions == 1 else "s"
        out.append(Text(f"Drill progress: {stats.sessions} drill{s}", style="bold"))
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        for name in ("topic", "answered", "right", "last 10", "last drill"):
            table.add_column(name, justify="left" if name in ("topic", "last drill")
                             else "right")
        for topic in (*TOPICS, *sorted(set(stats.topics) - set(TOPICS))):
            p = stats.topics.get(topic, TopicProgress())
            share = f" ({round(100 * p.correct / p.asked)}%)" if p.asked else ""
            recent = f"{p.recent.count(True)} of {len(p.recent)}" if p.recent else "-"
            table.add_row(visible(topic), str(p.asked), f"{p.correct}{share}", recent,
                          visible(p.last or "-"))
        out.append(table)
        if practise:
            out.append(Text.assemble(("To practise: ", "bold"), visible(", ".join(practise))))
    out.append(_hanging("", Text(visible(f"Kept in {where}"), style="dim"), console, indent=2))
    emit(console, out)


def stats_document(stats: Stats, where: str | None, practise: Sequence[str]) -> str:
    doc = {
        "file": where,
        "sessions": stats.sessions,
        "topics": {t: {"asked": p.asked, "correct": p.correct, "recent": list(p.recent),
                       "last": p.last} for t, p in sorted(stats.topics.items())},
        "practise": list(practise),
    }
    return inert(json.dumps(doc, indent=2), json_escape) + "\n"


class AnswerPrompt(Prompt):
    """A rich prompt for one question: a choice's number or free text; asks again on an
    empty line or a number out of range; Ctrl-D (end of input) raises EOFError."""

    def __init__(self, question: Question, console: Console) -> None:
        super().__init__(Text(prompt_label(question), style="bold"), console=console)
        self.question = question

    @classmethod
    def get_input(cls, console: Console, prompt: Text | str, password: bool,
                  stream: TextIO | None = None) -> str:
        line = console.input(prompt, password=password, stream=stream)
        if stream is not None and line == "":  # readline's end of input (a blank line is "\n")
            raise EOFError
        return line

    def process_response(self, value: str) -> str:
        problem = invalid(self.question, value)
        if problem is not None:
            raise InvalidResponse(Text(problem, style="yellow"))
        return value.strip()


def ask_answer(console: Console, question: Question, stream: TextIO | None) -> str:
    """Prompt at a terminal; raises EOFError when the input ends."""
    return AnswerPrompt(question, console)(stream=stream)
