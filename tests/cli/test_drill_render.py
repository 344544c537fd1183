"""The drill's rendering on its own: setup lines, wrapping, marks, the score and stats views."""

from __future__ import annotations

from netpath.drill.model import Judgement, Question
from netpath.drill.session import Asked, Options, Plan, score
from netpath.drill.stats import Stats, add_session
from netpath.render.drill import (
    render_judgement,
    render_question,
    render_setup,
    render_stats,
    render_summary,
)
from tests.render.streams import COLOUR_SGR, rendered

SETUP = ("Scenario s: a test scenario\n"
         "VPC prod 10.0.0.0/16: subnets public-a 10.0.1.0/24 (public, rt-public), private-a "
         "10.0.10.0/24 (private, NAT, rt-private), db-a 10.0.20.0/24 (private, rt-db)\n"
         "  pods: default/pod-a (10.0.10.5), default/pod-b (10.0.10.6)")
EXCERPT = ("  4  node node-1  translate  source 10.0.10.5:60136 -> 10.0.10.100:58630 (SNAT to "
           "the node)",
           "       the node rewrites the source address of the pod's packet to its own address")


def question(n: int = 1, *, setup: str = SETUP, choices: tuple[str, ...] = ("nat-a", "igw"),
             topic: str = "aws", kind: str = "next-hop") -> Question:
    return Question(id=f"s/{kind}/{n}", kind=kind, topic=topic, difficulty=2, scenario="s",
                    setup=setup, prompt="pod-a -> api.example.com (tcp/443): the packet has "
                    "left sg-node (step 5). Which component does it reach next?",
                    choices=choices, answer="igw", accepted=(), explanation="Because.",
                    excerpt=EXCERPT)


def test_setup_lines_already_shown_are_not_shown_again() -> None:
    seen: set[str] = set()

    def draw(console):  # type: ignore[no-untyped-def]
        render_question(console, question(1), 1, 3, seen=seen)
        render_question(console, question(2), 2, 3, seen=seen)
        render_question(console, question(3, setup=SETUP + "\nRequest: pod-a -> db"), 3, 3,
                        seen=seen)

    out = rendered(draw)
    assert out.count("Scenario s: a test scenario") == 1
    assert out.count("\u256d\u2500 setup \u2500") == 1
    assert "setup (new lines; the rest as above)" in out
    assert "Request: pod-a -> db" in out
    assert out.count("  1  nat-a\n  2  igw\n") == 3


def test_long_lines_wrap_under_themselves_at_60_columns() -> None:
    j = Judgement("s/next-hop/1", "1", False, "igw", "Because.")
    out = rendered(lambda c: render_judgement(c, Asked(question(), j)),
                   environ={"COLUMNS": "60"})
    lines = out.splitlines()
    assert all(len(line) <= 60 for line in lines), out
    head = next(i for i, line in enumerate(lines) if "4  node node-1" in line)
    # A trace step continues under its text, not under its number.
    start = lines[head].index("node node-1")
    assert lines[head + 1].startswith(" " * start) and lines[head + 1][start] != " "
    setup = rendered(lambda c: render_question(c, question(), 1, 1, seen=set()),
                     environ={"COLUMNS": "60"})
    assert all(len(line) <= 60 for line in setup.splitlines()), setup
    # A setup line continues two columns further in than it starts.
    assert "\u2502 VPC prod 10.0.0.0/16: subnets public-a 10.0.1.0/24" in setup
    assert "\u2502   (public, rt-public), private-a" in setup
    assert "\u2502   pods: default/pod-a (10.0.10.5), default/pod-b" in setup
    assert "\u2502     (10.0.10.6)" in setup


def test_a_number_is_shown_with_the_choice_it_meant() -> None:
    j = Judgement("s/next-hop/1", "1", False, "igw", "Because.")
    out = rendered(lambda c: render_judgement(c, Asked(question(), j)))
    assert "\u2718 Wrong: you answered 1 (nat-a); the answer is igw" in out
    right = Judgement("s/next-hop/1", "igw", True, "igw", "Because.")
    assert "\u2714 Right: igw\n  Because.\n  trace:\n" in rendered(
        lambda c: render_judgement(c, Asked(question(), right)))


def test_marks_and_boxes_fall_back_to_ascii() -> None:
    j = Judgement("s/next-hop/1", "1", False, "igw", "Because.")
    out = rendered(lambda c: render_judgement(c, Asked(question(), j)), ascii_only=True)
    assert "x Wrong: you answered 1 (nat-a)" in out
    plan = Plan(1, Options(count=2), "s", (question(),))
    panel = rendered(lambda c: render_setup(c, plan, "a test", None), ascii_only=True)
    assert panel.startswith("+- netpath drill -")
    assert "questions  1 (the scenario has 1, not 2), difficulty 2, every topic" in panel


def test_colour_only_on_a_terminal_without_no_color() -> None:
    j = Judgement("s/next-hop/1", "1", False, "igw", "Because.")

    def draw(c):  # type: ignore[no-untyped-def]
        render_judgement(c, Asked(question(), j))

    assert COLOUR_SGR.search(rendered(draw, tty=True))
    assert not COLOUR_SGR.search(rendered(draw, tty=True, environ={"NO_COLOR": "1"}))
    assert "\x1b" not in rendered(draw)


def test_summary_of_a_drill_that_ended_early() -> None:
    results = [Asked(question(1), Judgement("s/next-hop/1", "igw", True, "igw", "")),
               Asked(question(2, kind="design", topic="eks"),
                     Judgement("s/design/2", "x", False, "igw", "")),
               Asked(question(3), None)]
    s = score(results)
    out = rendered(lambda c: render_summary(c, results, s, ("eks",), stopped="Input ended"))
    assert out.startswith("Input ended: 1 question unanswered (counted as not right).\n")
    assert "Score: 1 of 3 right (33%)" in out
    assert "To practise: eks (design)" in out


def test_stats_view() -> None:
    stats = add_session(Stats(), [("aws", True), ("aws", False), ("eks", True)], "2025-03-01")
    out = rendered(lambda c: render_stats(c, stats, "/data/netpath/drill-stats.json", ("aws",)))
    assert "Drill progress: 1 drill" in out
    assert "2 " in out and "1 (50%)" in out and "1 of 2" in out and "2025-03-01" in out
    assert "To practise: aws" in out
    assert "Kept in /data/netpath/drill-stats.json" in out
    empty = rendered(lambda c: render_stats(c, Stats(), "/x", ()))
    assert empty.startswith("No drills yet: start one with netpath drill.\n")
