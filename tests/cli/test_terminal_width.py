"""A terminal that reports 0 columns (some CI runners, `script`) or COLUMNS=0: every command
prints at 80 columns instead of printing nothing."""

from __future__ import annotations

import io
import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netpath.cli.app import run
from netpath.cli.env import Environment

ROOT = Path(__file__).resolve().parents[2]
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
COMMANDS = [
    ["trace", "node-1", "orders-db", "-p", "22"],
    ["show"],
    ["check"],
    ["matrix", "--port", "8080"],
    ["scenarios"],
    ["capacity"],
    ["drill", "--list"],
]


@pytest.fixture
def zero_by_zero() -> Iterator[int]:
    """A pseudo-terminal whose window is 0x0; yields its terminal side's descriptor."""
    import fcntl
    import struct
    import termios

    try:
        master, slave = os.openpty()
    except OSError as exc:
        pytest.skip(f"no pseudo-terminal available: {exc}")
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 0, 0, 0, 0))
    assert os.get_terminal_size(slave).columns == 0
    yield slave
    os.close(slave)
    os.close(master)


class TerminalText(io.StringIO):
    """Text captured in memory by a stream that says it is the terminal `fd`."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd = fd

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd


def test_the_width_is_80_when_nothing_says_otherwise(zero_by_zero: int) -> None:
    tty = TerminalText(zero_by_zero)
    assert Environment.from_streams(tty, io.StringIO(), {}).width == 80
    assert Environment.from_streams(tty, io.StringIO(), {"COLUMNS": "0"}).width == 80
    assert Environment.from_streams(io.StringIO(), io.StringIO(), {"COLUMNS": "0"}).width == 80
    assert Environment.from_streams(tty, io.StringIO(), {"COLUMNS": "100"}).width == 100


@pytest.mark.parametrize("args", COMMANDS, ids=[c[0] for c in COMMANDS])
@pytest.mark.parametrize("columns", [None, "0"])
def test_every_command_prints_at_80_columns_on_a_0_column_terminal(
        zero_by_zero: int, tmp_path: Path, args: list[str], columns: str | None) -> None:
    """Exactly what an 80-column terminal shows (`check` does not wrap its lint lines)."""
    printed = []
    for env in ({"COLUMNS": columns} if columns is not None else {}, {"COLUMNS": "80"}):
        out, err = TerminalText(zero_by_zero), io.StringIO()
        code = run(args, out, err, environ={"NO_COLOR": "1", **env}, cwd=tmp_path)
        assert code in (0, 1), err.getvalue()
        printed.append(ESCAPES.sub("", out.getvalue()))  # a terminal gets styles, not colours
    text, at_80 = printed
    assert len(text.splitlines()) > 3, text
    assert text == at_80
    if args[0] != "check":
        assert 60 < max(len(line) for line in text.splitlines()) <= 80, text


def test_a_real_0x0_terminal(tmp_path: Path) -> None:
    """The process as a shell starts it, its output on a 0x0 pseudo-terminal."""
    import fcntl
    import struct
    import termios

    try:
        master, slave = os.openpty()
    except OSError as exc:
        pytest.skip(f"no pseudo-terminal available: {exc}")
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 0, 0, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NETPATH_SPEC")}
    env["PYTHONPATH"] = str(ROOT)
    child = subprocess.Popen([sys.executable, "-m", "netpath", "trace", "node-1", "orders-db"],
                             stdin=slave, stdout=slave, stderr=subprocess.DEVNULL, env=env,
                             cwd=tmp_path)
    os.close(slave)
    received = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            received += chunk
        elif child.poll() is not None:
            break
    os.close(master)
    assert child.wait(timeout=30) == 0
    assert b"orders-db" in received and b"reachable" in received
