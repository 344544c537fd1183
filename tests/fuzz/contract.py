"""The contract every run keeps, whatever the input: exit 0, 1 or 2 (never 70, an internal
error), within 10 s and 1 GB for inputs under 1 MB.

CI runs commands in-process with a 10 s alarm (fast: no interpreter start per run).
`make fuzz` sets NETPATH_FUZZ_SUBPROCESS=1: each command runs in its own interpreter under a
1 GB address-space limit and a 10 s timeout, so memory is bounded too.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from tests.cli.helpers import run_cli

SECONDS = 10
MEMORY = 1024**3
ALLOWED = (0, 1, 2)
ENV = {"NO_COLOR": "1", "COLUMNS": "100"}


class TooSlow(Exception):
    pass


@contextmanager
def _alarm(seconds: int) -> Iterator[None]:
    def ring(signum: int, frame: FrameType | None) -> None:
        raise TooSlow(f"over {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run netpath with `args` in `cwd`, bounded; (exit code, stdout, stderr)."""
    if os.environ.get("NETPATH_FUZZ_SUBPROCESS"):
        try:
            done = subprocess.run([sys.executable, "-m", "netpath", *args], cwd=cwd,
                                  capture_output=True, text=True, timeout=SECONDS,
                                  env={**os.environ, **ENV}, stdin=subprocess.DEVNULL,
                                  preexec_fn=_limit_memory, errors="replace")
        except subprocess.TimeoutExpired:
            raise AssertionError(f"netpath {' '.join(args)}: over {SECONDS} s") from None
        return done.returncode, done.stdout, done.stderr
    with _alarm(SECONDS):
        result = run_cli(*args, cwd=cwd, env=ENV, stdin="")
    return result.exit_code, result.stdout, result.stderr


def check(args: list[str], cwd: Path) -> tuple[int, str, str]:
    code, out, err = run(args, cwd)
    assert code in ALLOWED, f"netpath {' '.join(args)} exited {code}:\n{err[-2000:]}"
    return code, out, err
