"""`netpath drill` in a real terminal: a child process on a pseudo-terminal, answers typed.

Two terminals drive the same session:
- `PtyTerminal`: the `pty`/`os.openpty` pair, the window set to COLUMNS x 24 with TIOCSWINSZ
  (no COLUMNS variable: netpath must find the width itself). The screen is the raw byte stream
  minus escape sequences, which is exact for output that only prints lines (no cursor moves).
- `TmuxTerminal` (when tmux is installed): a detached tmux session on a private server, so the
  screen is what a terminal emulator made of the output; `capture-pane -J` joins wrapped lines,
  so a line wider than the window shows as wider.

The session is `--seed 1 --count 2 --scenario three-tier`. With the fake generator (always)
the child is a small wrapper that installs `tests.drill.fakes` and runs netpath's `main`; with
the real one (when `netpath.drill.generate` imports) it is `python -m netpath drill` itself.
The answers are worked out beforehand from the same seeded plan: the first is typed wrong-ly
out of range (asked again), then right; the second wrong.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import select
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest

from netpath.drill.model import Question
from netpath.drill.session import Generate, Options, plan_session
from netpath.sources.loader import scenario_names
from tests.drill.fakes import FakeGenerator

ROOT = Path(__file__).resolve().parents[2]
ARGS = ["drill", "--seed", "1", "--count", "2", "--scenario", "three-tier"]
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]")
TIMEOUT = 30.0
WRAPPER = """\
import sys
import netpath.cli.drill
from tests.drill.fakes import FakeGenerator, fake_judge
netpath.cli.drill.load_machinery = lambda: (FakeGenerator(), fake_judge)
from netpath.cli.app import main
main()
"""


class Terminal(Protocol):
    def expect(self, text: str) -> None: ...
    def type_line(self, text: str) -> None: ...
    def finish(self) -> tuple[int, str]: ...  # exit code, the whole screen


def plain(raw: str) -> str:
    return ESCAPES.sub("", raw).replace("\r\n", "\n").replace("\r", "")


class PtyTerminal:
    def __init__(self, argv: list[str], env: dict[str, str], columns: int) -> None:
        import fcntl
        import struct
        import termios

        try:
            master, slave = os.openpty()
        except OSError as exc:
            pytest.skip(f"no pseudo-terminal available: {exc}")
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        self.master = master

        def controlling_terminal() -> None:  # as a shell would: Ctrl-C reaches the child
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     cwd=ROOT, preexec_fn=controlling_terminal)
        os.close(slave)
        self.raw = b""
        self.seen = 0  # expect() looks past what an earlier expect() matched

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: every slave end is closed, the child has exited
            return False
        self.raw += chunk
        return bool(chunk)

    def expect(self, text: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while True:
            screen = plain(self.raw.decode("utf-8", "replace"))
            found = screen.find(text, self.seen)
            if found >= 0:
                self.seen = found + len(text)
                return
            if time.monotonic() > deadline or not self._read(0.2):
                pytest.fail(f"{text!r} never appeared; the screen:\n{screen}")

    def type_line(self, text: str) -> None:
        os.write(self.master, text.encode() + b"\r")  # Enter, as a keyboard sends it

    def press(self, key: bytes) -> None:
        os.write(self.master, key)

    def finish(self) -> tuple[int, str]:
        while self._read(0.2) and self.proc.poll() is None:
            pass
        while self._read(0.05):  # what is left in the pty after the exit
            pass
        code = self.proc.wait(timeout=TIMEOUT)
        os.close(self.master)
        return code, plain(self.raw.decode("utf-8", "replace"))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class TmuxTerminal:
    def __init__(self, argv: list[str], env: dict[str, str], columns: int) -> None:
        self.socket = f"netpath-test-{uuid.uuid4().hex[:12]}"
        # The pane stays after netpath exits, to read its screen; set in the config so that it
        # holds from the start. The exit status goes to a file: tmux's own pane_dead_status
        # was seen missing now and then. The server (and so the pane) inherits `env`; the
        # wrapper's source goes through it rather than through shell quoting.
        home = Path(env["HOME"])
        config, self.status = home / "tmux.conf", home / "exit-status"
        config.write_text("set-option -g remain-on-exit on\n")
        command = " ".join('"$NETPATH_WRAPPER"' if a == WRAPPER else f"'{a}'" for a in argv)
        self._tmux("-f", str(config), "new-session", "-d", "-x", str(columns), "-y", "200",
                   "-c", str(ROOT), f"{command}; echo $? > '{self.status}'",
                   env={**env, "NETPATH_WRAPPER": WRAPPER})
        self.seen = 0

    def _tmux(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True,
                              text=True, env=env, timeout=TIMEOUT, check=False)
        if done.returncode != 0:
            pytest.fail(f"tmux {' '.join(args[:2])}: {done.stderr.strip()}")
        return done.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-J", "-S", "-")

    def expect(self, text: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while True:
            screen = self.screen()
            found = screen.find(text, self.seen)
            if found >= 0:
                self.seen = found + len(text)
                return
            if time.monotonic() > deadline:
                pytest.fail(f"{text!r} never appeared; the screen:\n{screen}")
            time.sleep(0.1)

    def type_line(self, text: str) -> None:
        self._tmux("send-keys", "-l", text)
        self._tmux("send-keys", "Enter")

    def finish(self) -> tuple[int, str]:
        deadline = time.monotonic() + TIMEOUT
        while True:
            status = self.status.read_text().strip() if self.status.is_file() else ""
            if status.isdigit():
                return int(status), self.screen()
            if time.monotonic() > deadline:
                pytest.fail(f"netpath did not exit; the screen:\n{self.screen()}")
            time.sleep(0.1)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True,
                           timeout=TIMEOUT, check=False)


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TMUX", "NETPATH_SPEC")}
    env.update(TERM="xterm-256color", HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"),
               PYTHONPATH=str(ROOT), LANG="C.UTF-8", LC_ALL="C.UTF-8")
    return env


@contextlib.contextmanager
def terminal(kind: str, argv: list[str], tmp_path: Path, columns: int) -> Iterator[Terminal]:
    if kind == "tmux" and shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    made = (TmuxTerminal if kind == "tmux" else PtyTerminal)(argv, _environment(tmp_path),
                                                             columns)
    try:
        yield made
    finally:
        made.close()


def wrong(question: Question) -> str:
    if question.choices:
        return str(next(i for i, c in enumerate(question.choices, 1) if c != question.answer))
    return "nowhere-at-all"


def right(question: Question) -> str:
    if question.choices:
        return str(question.choices.index(question.answer) + 1)
    return question.answer


def drive(term: Terminal, questions: tuple[Question, ...], columns: int) -> str:
    term.expect("seed       1")
    first, second = questions
    term.expect("Question 1 of 2")
    term.expect("Your answer")
    if first.choices:  # out of range: asked again, in place
        term.type_line(str(len(first.choices) + 1))
        term.expect(f"choose a number from 1 to {len(first.choices)}")
        term.expect("Your answer")
    term.type_line(right(first))
    term.expect(f"\u2714 Right: {first.answer}")
    term.expect("Question 2 of 2")
    term.expect("Your answer")
    term.type_line(wrong(second))
    term.expect("\u2718 Wrong: ")
    term.expect("Score: 1 of 2 right (50%)")
    code, screen = term.finish()
    assert code == 0, screen
    flat = " ".join(screen.split())
    for question in questions:
        assert " ".join(question.prompt.split()) in flat
    assert f"the answer is {second.answer}" in flat
    assert "To practise: " + second.topic in flat
    for line in screen.splitlines():
        assert len(line.rstrip()) <= columns, f"{len(line.rstrip())} columns: {line!r}"
    return screen


def _plan(generate: Generate) -> tuple[Question, ...]:
    plan = plan_session(1, Options("three-tier", None, 2, 2), generate=generate,
                        scenarios=scenario_names())
    assert len(plan.questions) == 2
    return plan.questions


@pytest.mark.parametrize("kind", ["pty", "tmux"])
@pytest.mark.parametrize("columns", [80, 60])
def test_drill_in_a_terminal_with_the_fake_generator(kind: str, columns: int,
                                                     tmp_path: Path) -> None:
    argv = [sys.executable, "-c", WRAPPER, *ARGS]
    with terminal(kind, argv, tmp_path, columns) as term:
        screen = drive(term, _plan(FakeGenerator()), columns)
    assert "Question 1 of 2" in screen
    assert (tmp_path / "data" / "netpath" / "drill-stats.json").is_file()


@pytest.mark.parametrize("kind", ["pty", "tmux"])
def test_netpath_drill_in_a_terminal(kind: str, tmp_path: Path) -> None:
    try:
        from netpath.drill.generate import generate
        from netpath.drill.grading import judge  # noqa: F401
        generate("three-tier", rng=random.Random(1), count=1)
    except ImportError as exc:
        pytest.skip(f"the question generator is not there yet: {exc}")
    argv = [sys.executable, "-m", "netpath", *ARGS]
    with terminal(kind, argv, tmp_path, 80) as term:
        drive(term, _plan(generate), 80)


@pytest.mark.parametrize(("key", "why", "exit_code"),
                         [(b"\x04", "Input ended", 0), (b"\x03", "Interrupted", 130)])
def test_ctrl_d_and_ctrl_c_end_the_drill_with_its_score(key: bytes, why: str, exit_code: int,
                                                         tmp_path: Path) -> None:
    argv = [sys.executable, "-c", WRAPPER, *ARGS]
    first, _ = _plan(FakeGenerator())
    with terminal("pty", argv, tmp_path, 80) as term:
        assert isinstance(term, PtyTerminal)
        term.expect("Your answer")
        term.type_line(right(first))
        term.expect("Question 2 of 2")
        term.expect("Your answer")
        term.press(key)
        term.expect(f"{why}: 1 question unanswered (counted as not right).")
        term.expect("Score: 1 of 2 right (50%)")
        code, screen = term.finish()
    assert code == exit_code, screen
    assert "Traceback" not in screen
    # What was answered counts: the progress file has the first answer.
    stats = (tmp_path / "data" / "netpath" / "drill-stats.json").read_text()
    assert f'"{first.topic}": {{\n      "asked": 1,\n      "correct": 1' in stats
