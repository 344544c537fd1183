"""`netpath drill` through the CLI, whole sessions with scripted answers, on a fake generator.

The question generator and the judge are replaced by `tests.drill.fakes` (they are another
module's work); tests/cli/test_drill_end_to_end.py runs the real ones.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import netpath.cli.drill
from netpath.sources.loader import scenario_names
from tests.cli.helpers import Result, run_cli
from tests.drill.fakes import FakeGenerator, fake_judge
from tests.render.streams import ANSI, TerminalIO

SESSION = ("drill", "--seed", "1", "--count", "3", "--scenario", "three-tier")
QUESTION_KEYS = {"id", "kind", "topic", "difficulty", "setup", "prompt", "choices", "given",
                 "correct", "answer", "explanation", "trace"}


@pytest.fixture(autouse=True)
def generator(monkeypatch: pytest.MonkeyPatch) -> FakeGenerator:
    fake = FakeGenerator()
    monkeypatch.setattr(netpath.cli.drill, "load_machinery", lambda: (fake, fake_judge))
    return fake


def questions(*args: str) -> list[dict[str, Any]]:
    """The session's questions, learnt from a JSON run without answers."""
    result = run_cli(*args, "--format", "json", stdin="")
    assert result.exit_code == 0, result.stderr
    return list(result.json["questions"])


def right_answers(*args: str) -> list[str]:
    """An answer per question that is right: the choice's number, or the text."""
    out = []
    for q in questions(*args):
        out.append(str(q["choices"].index(q["answer"]) + 1) if q["choices"] else q["answer"])
    return out


def wrong_answers(*args: str) -> list[str]:
    return [str(len(q["choices"]) + 1) if q["choices"] else "nowhere"
            for q in questions(*args)]


def test_a_whole_session_with_right_answers(tmp_path: Path) -> None:
    answers = right_answers(*SESSION)
    result = run_cli(*SESSION, stdin="\n".join(answers) + "\n")
    assert (result.exit_code, result.stderr) == (0, "")
    out = result.stdout
    assert "scenario   three-tier" in out
    assert "3-tier reference design on AWS" in out
    assert "Question 1 of 3" in out and "Question 3 of 3" in out
    assert out.count("\u2714 Right: ") == 3
    assert "Score: 3 of 3 right (100%)" in out
    assert "Nothing to practise from this drill: every answer was right." in out
    # The scripted answers are shown where a person would have typed them.
    for answer in answers:
        assert re.search(rf"^Your answer[^:]*: {re.escape(answer)}$", out, re.MULTILINE)


def test_wrong_answers_show_the_answer_the_explanation_and_the_trace() -> None:
    asked = questions(*SESSION)
    result = run_cli(*SESSION, stdin="\n".join(wrong_answers(*SESSION)) + "\n")
    assert result.exit_code == 0  # whatever the score
    out = result.stdout
    assert out.count("\u2718 Wrong: ") == 3
    first = asked[0]
    assert f"the answer is {first['answer']}" in out
    assert first["explanation"] in out
    assert "  trace:\n      3  route-table rt-private   forward" in out
    assert "Score: 0 of 3 right (0%)" in out
    topics = sorted({q["topic"] for q in asked})
    assert re.search(r"^To practise: .*" + re.escape(topics[0]), out, re.MULTILINE)


def test_scoring_in_json_counts_each_topic() -> None:
    asked = questions(*SESSION)
    answers = right_answers(*SESSION)
    answers[1] = "0"  # out of range: judged as given, a wrong answer
    result = run_cli(*SESSION, "--format", "json", stdin="\n".join(answers))
    doc = result.json
    assert [q["correct"] for q in doc["questions"]] == [True, False, True]
    assert doc["questions"][1]["given"] == "0"
    assert doc["score"]["total"] == 3 and doc["score"]["correct"] == 2
    by_topic: dict[str, dict[str, int]] = {}
    for q in doc["questions"]:
        entry = by_topic.setdefault(q["topic"], {"total": 0, "correct": 0, "unanswered": 0})
        entry["total"] += 1
        entry["correct"] += q["correct"]
    assert doc["score"]["by_topic"] == by_topic
    assert doc["practise"] == [asked[1]["topic"]]


def test_json_shape() -> None:
    result = run_cli(*SESSION, "--format", "json", stdin="1\nnat-a\n2\n")
    assert (result.exit_code, result.stderr) == (0, "")
    doc = result.json
    assert {"scenario", "seed", "difficulty", "questions", "score", "practise"} <= set(doc)
    assert (doc["scenario"], doc["seed"], doc["difficulty"]) == ("three-tier", 1, 2)
    assert len(doc["questions"]) == 3
    for q in doc["questions"]:
        assert set(q) == QUESTION_KEYS
        assert isinstance(q["correct"], bool) and isinstance(q["choices"], list)
        # A script answers from what a person sees: the setup, and after it the trace lines.
        assert "three-tier" in q["setup"]
        assert q["difficulty"] == 2 and isinstance(q["trace"], list) and q["trace"]
    # `given` is the answer as typed (a number stands for its choice: the judge reads it so).
    first = doc["questions"][0]
    assert first["given"] == "1"
    assert first["correct"] == (first["choices"][0] == first["answer"])
    assert {"total", "correct", "by_topic"} <= set(doc["score"])
    assert "\x1b" not in result.stdout and "Question 1 of" not in result.stdout


def test_the_same_seed_replays_the_same_session() -> None:
    answers = "1\n2\nnat-a\n"
    first, second = run_cli(*SESSION, stdin=answers), run_cli(*SESSION, stdin=answers)
    assert first.stdout == second.stdout
    assert run_cli(*SESSION, "--format", "json", stdin=answers).stdout == \
        run_cli(*SESSION, "--format", "json", stdin=answers).stdout


def test_the_same_seed_picks_the_same_scenario() -> None:
    runs = [run_cli("drill", "--seed", "99", "--format", "json", stdin="") for _ in range(2)]
    assert runs[0].json == runs[1].json
    assert runs[0].json["scenario"] in scenario_names()


def test_without_a_seed_one_is_chosen_and_printed_for_replay() -> None:
    result = run_cli("drill", "--count", "2", "--topic", "aws", stdin="1\n1\n")
    match = re.search(r"seed\s+(\d+)\s.*\nReplay it with: (netpath drill --seed \d+ --topic "
                      r"aws --count 2)\n", result.stdout, re.DOTALL)
    assert match, result.stdout
    assert f"--seed {match.group(1)} " in match.group(2)
    replay = match.group(2).split()[1:]
    again = run_cli(*replay, stdin="1\n1\n")
    # The replay shows the same seed (without the hint: it was given) and the same session.
    assert re.search(rf"seed\s+{match.group(1)}\s+\S\n", again.stdout)
    assert "Replay it with" not in again.stdout
    start = result.stdout.index("Question 1 of 2")
    assert again.stdout[again.stdout.index("Question 1 of 2"):] == result.stdout[start:]


def test_without_a_seed_json_names_the_seed_that_replays_it() -> None:
    doc = run_cli("drill", "--count", "2", "--format", "json", stdin="").json
    replay = run_cli("drill", "--count", "2", "--seed", str(doc["seed"]), "--format", "json",
                     stdin="").json
    assert replay == doc


def test_answers_file(tmp_path: Path) -> None:
    (tmp_path / "answers.txt").write_text("1\nnat-a\n2\n")
    from_stdin = run_cli(*SESSION, "--format", "json", stdin="1\nnat-a\n2\n")
    from_file = run_cli(*SESSION, "--format", "json", "--answers", "answers.txt", cwd=tmp_path,
                        stdin="ignored\nignored\nignored\n")
    assert from_file.exit_code == 0
    assert from_file.json == from_stdin.json


def test_running_out_of_answers_ends_the_session_early() -> None:
    result = run_cli(*SESSION, stdin="1\n")
    assert result.exit_code == 0
    out = result.stdout
    assert "Question 1 of 3" in out
    assert "Question 2 of 3" not in out  # no question is shown that has no answer
    assert "The answers ran out: 2 questions unanswered (counted as not right)." in out
    assert re.search(r"Score: [01] of 3 right", out)
    doc = run_cli(*SESSION, "--format", "json", stdin="1\n").json
    assert [q["given"] is None for q in doc["questions"]] == [False, True, True]
    assert doc["score"]["unanswered"] == 2
    assert all(q["answer"] and q["explanation"] for q in doc["questions"])


def test_no_standard_input_at_all_is_no_answers() -> None:
    result = run_cli(*SESSION)
    assert result.exit_code == 0
    assert "3 questions unanswered" in result.stdout


def test_a_session_is_recorded_and_stats_show_it(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path)}
    run_cli(*SESSION, stdin="\n".join(right_answers(*SESSION)), env=env)
    result = run_cli(*SESSION, "--format", "json", stdin="\n".join(wrong_answers(*SESSION)),
                     env=env)
    asked = result.json["questions"]
    stats = run_cli("drill", "--stats", "--format", "json", env=env)
    assert (stats.exit_code, stats.stderr) == (0, "")
    doc = stats.json
    assert doc["file"] == str(tmp_path / "netpath" / "drill-stats.json")
    assert doc["sessions"] == 2
    for topic in {q["topic"] for q in asked}:
        n = sum(q["topic"] == topic for q in asked)
        assert doc["topics"][topic]["asked"] == 2 * n
        assert doc["topics"][topic]["correct"] == n
    assert set(doc["practise"]) == {q["topic"] for q in asked}
    text = run_cli("drill", "--stats", env=env)
    assert text.exit_code == 0
    assert "Drill progress: 2 drills" in text.stdout
    assert "To practise: " in text.stdout
    assert "drill-stats.json" in " ".join(text.stdout.split()).replace(" ", "")


def test_stats_before_any_drill(tmp_path: Path) -> None:
    result = run_cli("drill", "--stats", env={"HOME": str(tmp_path)})
    assert (result.exit_code, result.stderr) == (0, "")
    assert "No drills yet: start one with netpath drill." in result.stdout
    where = " ".join(result.stdout.split())
    assert str(tmp_path / ".local" / "share" / "netpath" / "drill-stats.json") in \
        where.replace(" ", "") or "Kept in" in where
    nowhere = run_cli("drill", "--stats")
    assert "neither XDG_DATA_HOME nor HOME is set" in " ".join(nowhere.stdout.split())


def test_a_corrupt_stats_file_is_reported_and_replaced(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path)}
    path = tmp_path / "netpath" / "drill-stats.json"
    path.parent.mkdir()
    path.write_text("{half a file")
    stats = run_cli("drill", "--stats", env=env)
    assert stats.exit_code == 0
    assert stats.stderr.startswith(f"warning: {str(path)!r} is not a drill stats file (")
    assert stats.stderr.endswith("; the next drill moves it aside and starts afresh\n")
    result = run_cli(*SESSION, stdin="1\n", env=env)
    assert result.exit_code == 0
    assert "Traceback" not in result.output
    [kept] = (tmp_path / "netpath").glob("drill-stats.json.bad-*")
    assert result.stderr.endswith(f"; kept it as {str(kept)!r} and started afresh\n")
    assert json.loads(path.read_text())["sessions"] == 1
    assert kept.read_text() == "{half a file"


def test_nothing_is_written_without_a_data_directory(tmp_path: Path) -> None:
    result = run_cli(*SESSION, stdin="1\n", env={}, cwd=tmp_path)
    assert (result.exit_code, result.stderr) == (0, "")
    assert list(tmp_path.iterdir()) == []


def test_list_text_and_json() -> None:
    result = run_cli("drill", "--list")
    assert (result.exit_code, result.stderr) == (0, "")
    out = result.stdout
    for heading in ("Topics (--topic):", "Difficulties (--difficulty):", "Question kinds:",
                    f"Scenarios (--scenario NAME; {len(scenario_names())}):"):
        assert heading in out
    for topic in ("aws", "kubernetes", "eks"):
        assert re.search(rf"^  {topic}\s", out, re.MULTILINE)
    scenarios = out[out.index("Scenarios (--scenario"):]
    listed = [line.strip() for line in scenarios.splitlines() if re.fullmatch(r"  \S+", line)]
    assert listed == scenario_names()
    doc = run_cli("drill", "--list", "--format", "json").json
    assert [s["name"] for s in doc["scenarios"]] == scenario_names()
    assert [t["name"] for t in doc["topics"]] == ["aws", "kubernetes", "eks"]
    assert [d["level"] for d in doc["difficulties"]] == [1, 2, 3]
    assert "find-fault" in doc["kinds"]


def assert_bad_input(result: Result, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_scenario_says_did_you_mean() -> None:
    result = run_cli("drill", "--scenario", "thre-tier")
    assert result.stderr == ("error: unknown scenario 'thre-tier' (did you mean 'three-tier'? "
                             "netpath drill --list shows them)\n")
    assert_bad_input(result, "unknown scenario")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--difficulty", "4"), "Invalid value for '--difficulty': 4 is not in the range"),
        (("--difficulty", "0"), "Invalid value for '--difficulty'"),
        (("--difficulty", "hard"), "'hard' is not a valid integer"),
        (("--topic", "gcp"), "Invalid value for '--topic': 'gcp' is not one of"),
        (("--count", "0"), "Invalid value for '--count'"),
        (("--seed", "-1"), "Invalid value for '--seed'"),
        (("--format", "yaml"), "Invalid value for '--format'"),
        (("--list", "--stats"), "give --list or --stats, not both"),
        (("--answers", "missing.txt"),
         "error: cannot read the answers file 'missing.txt': No such file or directory "
         "(--answers FILE takes one answer per line)"),
        (("--scenario", "interview-multi-region"),
         "error: scenario 'interview-multi-region' yields no questions at difficulty 2 "
         "(try another --difficulty than 2, or leave out --scenario)"),
    ],
)
def test_bad_input(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    assert_bad_input(run_cli("drill", *args, cwd=tmp_path, stdin="1\n"), message)


def test_topic_and_difficulty_choose_a_scenario_that_has_them() -> None:
    doc = run_cli("drill", "--seed", "4", "--topic", "eks", "--difficulty", "3",
                  "--format", "json", stdin="").json
    assert doc["scenario"].startswith("trouble-")
    assert doc["difficulty"] == 3
    assert {q["topic"] for q in doc["questions"]} == {"eks"}


def test_help_has_examples_and_exit_codes() -> None:
    result = run_cli("drill", "--help")
    assert result.exit_code == 0
    out = result.stdout
    assert "Usage: netpath drill" in out
    for option in ("--scenario", "--topic", "--difficulty", "--seed", "--count", "--list",
                   "--stats", "--answers", "--format"):
        assert option in out
    assert "netpath drill --scenario three-tier --seed 1" in out
    assert "Exit codes: 0 after a drill" in out
    assert "drill" in run_cli("--help").stdout
    assert max(len(line) for line in out.splitlines()) <= 80


# --- at a terminal -------------------------------------------------------------------------


def test_interactive_at_a_terminal(tmp_path: Path) -> None:
    asked = questions(*SESSION)
    # An empty line and an out-of-range number are asked again; Ctrl-D (end of input) ends it.
    typed = TerminalIO("\n9\n" + right_answers(*SESSION)[0] + "\n")
    result = run_cli(*SESSION, stdin=typed, env={"XDG_DATA_HOME": str(tmp_path)})
    assert (result.exit_code, result.stderr) == (0, "")
    out = result.stdout
    assert "type an answer (Ctrl-D ends the drill)" in out
    n = len(asked[0]["choices"])
    assert f"choose a number from 1 to {n}, or type the answer" in out
    assert "\u2714 Right: " + asked[0]["answer"] in out
    assert "Question 2 of 3" in out  # shown, then the input ended
    assert "Input ended: 2 questions unanswered (counted as not right)." in out
    assert "Score: 1 of 3 right (33%)" in out
    assert json.loads((tmp_path / "netpath" / "drill-stats.json").read_text())["sessions"] == 1


def test_json_at_a_terminal_reads_lines_without_prompting() -> None:
    result = run_cli(*SESSION, "--format", "json", stdin=TerminalIO("1\n"))
    assert result.exit_code == 0
    assert result.json["questions"][0]["given"] is not None
    assert result.stderr == ("note: reading the answers from the terminal, one per line "
                             "(Ctrl-D ends the drill)\n")


class Interrupting(TerminalIO):
    def readline(self, size: int | None = -1) -> str:
        raise KeyboardInterrupt


def test_ctrl_c_ends_the_drill_with_its_score_and_exit_130() -> None:
    result = run_cli(*SESSION, stdin=Interrupting())
    assert result.exit_code == 130
    assert "Interrupted: 3 questions unanswered" in result.stdout
    assert "Score: 0 of 3 right (0%)" in result.stdout


# --- rendering -----------------------------------------------------------------------------


@pytest.mark.parametrize("columns", ["60", "80", "100"])
def test_every_line_fits_the_terminal(columns: str) -> None:
    args = ("drill", "--seed", "3", "--count", "7")  # every kind, free text too
    for result in (run_cli(*args, stdin="1\n2\nnat-a\n3\n4\n1\n", env={"COLUMNS": columns}),
                   run_cli("drill", "--list", env={"COLUMNS": columns})):
        assert result.exit_code == 0
        for line in result.stdout.splitlines():
            assert len(line) <= int(columns), line


def test_no_colour_when_piped_or_with_no_color() -> None:
    answers = "1\n2\nnat-a\n"
    assert "\x1b" not in run_cli(*SESSION, stdin=answers).stdout
    coloured = run_cli(*SESSION, stdin=answers, env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in coloured
    assert ANSI.sub("", coloured) == run_cli(*SESSION, stdin=answers).stdout
    plain = run_cli(*SESSION, stdin=answers, env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout
    assert not re.search(r"\x1b\[[0-9;]*3[0-7]m", plain)


def test_ascii_terminal_gets_ascii_marks_and_boxes() -> None:
    import io

    from netpath.cli.app import run

    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")
    answers = right_answers(*SESSION)
    answers[0] = "nowhere"
    code = run(list(SESSION), out, io.StringIO(), environ={},
               stdin=io.StringIO("\n".join(answers)))
    out.flush()
    text = raw.getvalue().decode("ascii")
    assert code == 0
    assert "x Wrong: " in text and "+ Right: " in text
    assert "+- netpath drill -" in text
