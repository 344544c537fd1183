"""`netpath drill`: interview practice with questions the engine answers from real traces.

Interactive when standard input is a terminal (rich prompts); otherwise the answers are the
lines of standard input or of --answers FILE, and running out of them ends the drill early.
The session itself (choosing, asking, judging, scoring) is `netpath.drill.session`, the
progress file `netpath.drill.stats`, the rendering `netpath.render.drill`. Like every command
module, this one imports only typer at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from netpath.cli.env import Environment, ExitCode, environment

if TYPE_CHECKING:
    from rich.console import Console

    from netpath.drill.model import Question
    from netpath.drill.session import Ask, Asked, Generate, Judge, Options, Plan


class Topic(StrEnum):
    aws = "aws"
    kubernetes = "kubernetes"
    eks = "eks"


class Format(StrEnum):
    text = "text"
    json = "json"


DEFAULT_COUNT = 5
DEFAULT_DIFFICULTY = 2
MAX_ANSWERS_BYTES = 1 << 20  # --answers FILE: 50 answers at most are read
MAX_ANSWER_CHARS = 64 * 1024  # one line of answers on standard input

HELP = (
    "Practise for networking interviews: follow the packet, what the destination sees, which "
    "rule decides, reachable or not, find the fault, design choices.\n\n"
    "Every question is generated from a real trace of a library scenario and judged by the "
    "engine; each answer is followed by the correct one, its explanation and the relevant part "
    "of the trace, and the drill ends with a score by topic and the topics to practise. "
    "Progress is kept per topic ($XDG_DATA_HOME/netpath/drill-stats.json) and missed topics "
    "come back more often."
)
EPILOG = """\
Examples:
  netpath drill                                (a random scenario, 5 questions)
  netpath drill --topic kubernetes --difficulty 3 --count 10
  netpath drill --scenario three-tier --seed 1 (the same drill every time)
  printf '1\\n3\\n' | netpath drill --seed 1 --count 2 --format json
  netpath drill --list
  netpath drill --stats

At a terminal, answer with a choice's number or type the answer; Ctrl-D ends the drill early.
Otherwise the answers are read one per line (standard input or --answers FILE).

Exit codes: 0 after a drill, whatever the score, even when its progress cannot be saved;
2 bad input (an unknown scenario, a bad --difficulty, an answers file that cannot be read, is
no regular file or is over 1 MiB); 130 interrupted.
"""


def drill_command(
    ctx: typer.Context,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", metavar="NAME", show_default=False,
                     help="The library scenario to drill on (netpath drill --list). Default: "
                     "one at random that has questions for --topic and --difficulty."),
    ] = None,
    topic: Annotated[
        Topic | None,
        typer.Option("--topic", case_sensitive=False, show_default=False,
                     help="Only questions on this topic. Default: every topic."),
    ] = None,
    difficulty: Annotated[
        int, typer.Option("--difficulty", min=1, max=3, help="1 warm-up, 2 interview, 3 hard.")
    ] = DEFAULT_DIFFICULTY,
    seed: Annotated[
        int | None,
        typer.Option("--seed", min=0, show_default=False,
                     help="Replay a drill: the same seed asks the same questions in the same "
                     "order. Default: a new seed, printed so that the drill can be replayed."),
    ] = None,
    count: Annotated[
        int, typer.Option("--count", "-n", min=1, max=50, help="How many questions.")
    ] = DEFAULT_COUNT,
    list_views: Annotated[
        bool, typer.Option("--list", help="List the scenarios, topics and difficulties.")
    ] = False,
    stats_view: Annotated[
        bool, typer.Option("--stats", help="Show your progress per topic.")
    ] = False,
    answers: Annotated[
        str | None,
        typer.Option("--answers", metavar="FILE", show_default=False,
                     help="Read the answers from FILE, one per line, instead of asking."),
    ] = None,
    output: Annotated[
        Format,
        typer.Option("--format", "-f", case_sensitive=False,
                     help="text for people; json for scripts (questions, given and correct "
                     "answers, score), never interactive."),
    ] = Format.text,
) -> int:
    """`netpath drill` (help text: HELP)."""
    env = environment(ctx)
    if list_views and stats_view:
        raise typer.BadParameter("give --list or --stats, not both", param_hint="'--stats'")
    if list_views:
        return _list(env, output)
    if stats_view:
        return _stats(env, output)

    from netpath.drill.session import Options

    options = Options(scenario, topic.value if topic else None, difficulty, count)
    return _drill(env, options, seed, answers, output)


def load_machinery() -> tuple[Generate, Judge]:
    """The question generator and the judge (tests replace this function with fakes)."""
    from netpath.drill.generate import generate
    from netpath.drill.grading import judge

    return generate, judge


def _drill(env: Environment, options: Options, seed: int | None, answers: str | None,
           output: Format) -> int:
    from netpath.drill import session, stats
    from netpath.render.errors import query_error_line
    from netpath.sources.loader import scenario_names

    names = scenario_names()
    lines: Iterator[str] | None = None
    try:
        session.check_options(options, names)
        if answers is not None:
            lines = _read_answers(env, answers)
        generate, judge = load_machinery()
        if seed is not None:
            plan = session.plan_session(seed, options, generate=generate, scenarios=names)
        else:
            import random

            path = stats.stats_path(env.environ)
            progress = stats.load(path).stats if path is not None else stats.Stats()
            plan = session.choose_session(options, generate=generate, scenarios=names,
                                          weights=stats.weights(progress),
                                          rng=random.Random())
    except session.DrillError as exc:
        env.err(query_error_line(exc.message, exc.hint))
        return ExitCode.BAD_INPUT

    stopped: str | None = None  # why the drill ended early at the terminal, when it did
    if lines is None and not (env.stdin_is_tty and output is Format.text):
        if env.stdin_is_tty:
            env.err("note: reading the answers from the terminal, one per line "
                    "(Ctrl-D ends the drill)")
        lines = _stream_lines(env)
    if output is Format.json:
        assert lines is not None  # json never prompts
        results = session.run_session(plan, _scripted(lines, None), judge)
    else:
        results, stopped = _run_text(env, plan, options, seed is None, judge, lines)
    the_score = session.score(results)
    practise = session.to_practise(the_score)
    if output is Format.json:
        from netpath.render.drill import session_document

        env.stdout.write(session_document(plan, results, the_score, practise))
    else:
        from netpath.render.drill import render_summary

        render_summary(env.console(), results, the_score, practise, stopped=stopped)
    _record(env, session.answered(results))
    return ExitCode.INTERRUPTED if stopped == "Interrupted" else ExitCode.OK


def _run_text(env: Environment, plan: Plan, options: Options, chose_seed: bool, judge: Judge,
              lines: Iterator[str] | None) -> tuple[list[Asked], str | None]:
    """The drill at a terminal (`lines` None: prompts) or with scripted answers, shown as it
    goes; and why it ended early at the terminal, if it did."""
    from netpath.drill.session import run_session
    from netpath.render.drill import render_judgement, render_question, render_setup

    console = env.console()
    render_setup(console, plan, _description(plan.scenario),
                 _replay(plan, options) if chose_seed else None)
    seen: set[str] = set()  # setup lines on screen already

    def show_question(question: Question, number: int) -> None:
        render_question(console, question, number, len(plan.questions), seen=seen)

    def show_judgement(asked: Asked) -> None:
        render_judgement(console, asked)

    if lines is not None:
        ask = _scripted(lines, show_question, console)
        return run_session(plan, ask, judge, show_judgement), None
    prompter = _Prompter(env, console, show_question)
    return run_session(plan, prompter, judge, show_judgement), prompter.stopped


def _scripted(lines: Iterator[str], show: Callable[[Question, int], None] | None,
              console: Console | None = None) -> Ask:
    """Answers from lines; a question is shown only when there is an answer for it."""
    def ask(question: Question, number: int) -> str | None:
        given = next(lines, None)
        if given is not None and show is not None and console is not None:
            from netpath.render.drill import render_given

            show(question, number)
            render_given(console, question, given)
        return given

    return ask


class _Prompter:
    """Asks at the terminal; Ctrl-D or Ctrl-C ends the drill (`stopped` says which)."""

    def __init__(self, env: Environment, console: Console,
                 show: Callable[[Question, int], None]) -> None:
        self.env, self.console, self.show = env, console, show
        self.stopped: str | None = None

    def __call__(self, question: Question, number: int) -> str | None:
        from netpath.render.drill import ask_answer

        self.show(question, number)
        try:
            return ask_answer(self.console, question, self.env.stdin)
        except EOFError:
            self.stopped = "Input ended"
        except KeyboardInterrupt:
            self.stopped = "Interrupted"
        self.console.line()
        return None


def _read_answers(env: Environment, answers: str) -> Iterator[str]:
    """The lines of --answers FILE: a regular file of at most MAX_ANSWERS_BYTES, read without
    blocking (a FIFO or /dev/zero is refused by what it is, before any read)."""
    from netpath.drill.files import BadFile, read_regular, size
    from netpath.drill.session import DrillError

    path = Path(answers)
    hint = "--answers FILE takes one answer per line"
    try:
        raw = read_regular(path if path.is_absolute() else env.cwd / path, MAX_ANSWERS_BYTES)
        text = raw.decode("utf-8")
    except BadFile as exc:
        raise DrillError(f"the answers file {answers!r} {exc.reason}",
                         f"{hint}, at most {size(MAX_ANSWERS_BYTES)}; answers from a command "
                         "can be piped to standard input") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise DrillError(f"cannot read the answers file {answers!r}: {reason}", hint) from None
    return iter(text.splitlines())


def _stream_lines(env: Environment) -> Iterator[str]:
    """The lines of standard input, each read with a bound: a line longer than
    MAX_ANSWER_CHARS (standard input from /dev/zero) ends the answers, with a warning."""
    if env.stdin is None:
        return
    while line := env.stdin.readline(MAX_ANSWER_CHARS + 1):
        if len(line) > MAX_ANSWER_CHARS and not line.endswith("\n"):
            env.err(f"warning: standard input has a line longer than {MAX_ANSWER_CHARS:,} "
                    "characters; no more answers are read")
            return
        yield line.rstrip("\r\n")


def _description(scenario: str) -> str:
    from netpath.cli.scenarios import scenario_summaries

    return dict(scenario_summaries()).get(scenario, "")


def _replay(plan: Plan, options: Options) -> str:
    parts = ["netpath drill", f"--seed {plan.seed}"]
    if options.scenario is not None:
        parts.append(f"--scenario {options.scenario}")
    if options.topic is not None:
        parts.append(f"--topic {options.topic}")
    if options.difficulty != DEFAULT_DIFFICULTY:
        parts.append(f"--difficulty {options.difficulty}")
    if options.count != DEFAULT_COUNT:
        parts.append(f"--count {options.count}")
    return " ".join(parts)


def _record(env: Environment, answered: list[tuple[str, bool]]) -> None:
    from netpath.drill import stats

    path = stats.stats_path(env.environ)
    if path is None or not answered:
        return
    import datetime

    from netpath.model.visible import visible

    for note in stats.record_session(path, answered, datetime.date.today().isoformat()):
        env.err(visible(f"warning: {note}"))  # a note names the progress file


def _list(env: Environment, output: Format) -> int:
    from netpath.cli.scenarios import scenario_summaries

    summaries = scenario_summaries()
    if output is Format.json:
        from netpath.render.drill import list_document

        env.stdout.write(list_document(summaries))
    else:
        from netpath.render.drill import render_list

        render_list(env.console(), summaries)
    return ExitCode.OK


def _stats(env: Environment, output: Format) -> int:
    from netpath.drill import stats

    path = stats.stats_path(env.environ)
    loaded = stats.load(path) if path is not None else stats.Loaded(stats.Stats())
    if loaded.problem is not None:
        from netpath.model.visible import visible

        then = "; the next drill moves it aside and starts afresh" if loaded.corrupt else ""
        env.err(visible(f"warning: {loaded.problem}{then}"))
    practise = stats.to_practise(loaded.stats)
    where = str(path) if path is not None else None
    if output is Format.json:
        from netpath.render.drill import stats_document

        env.stdout.write(stats_document(loaded.stats, where, practise))
    else:
        from netpath.render.drill import render_stats

        render_stats(env.console(), loaded.stats,
                     where or "nowhere: neither XDG_DATA_HOME nor HOME is set", practise)
    return ExitCode.OK
