"""The one way CLI tests run netpath: in-process through `netpath.cli.app.run`.

`run_cli` returns what a user would see (stdout, stderr, exit code, and stdout parsed as JSON
when it is JSON). The environment is empty unless a test passes one, so a developer's own
NETPATH_SPEC, NO_COLOR or COLUMNS never changes a result. No sys.exit patching: `run` returns.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from netpath.cli.app import run


@dataclass(frozen=True)
class Result:
    stdout: str
    stderr: str
    exit_code: int
    json: Any  # stdout parsed as JSON, or None when it is not JSON

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@contextmanager
def _working_directory(cwd: Path | None) -> Iterator[None]:
    # Relative spec paths are opened relative to the process's directory, as in a shell.
    if cwd is None:
        yield
        return
    before = Path.cwd()
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(before)


def run_cli(*args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None,
            stdin: str | TextIO | None = None) -> Result:
    """`stdin`: what the command reads (a string is piped text; pass a stream that says it is
    a terminal to drive an interactive command). None: nothing to read."""
    stdout, stderr = io.StringIO(), io.StringIO()
    reader = io.StringIO(stdin) if isinstance(stdin, str) else stdin
    with _working_directory(cwd):
        code = run(list(args), stdout, stderr, environ=dict(env or {}), cwd=cwd, stdin=reader)
    out = stdout.getvalue()
    try:
        parsed = json.loads(out) if out.lstrip().startswith(("{", "[")) else None
    except ValueError:
        parsed = None
    return Result(out, stderr.getvalue(), int(code), parsed)


# What a child netpath may take: a read that does not end fails in seconds with MemoryError
# instead of taking the test machine's memory with it.
CHILD_MEMORY = 1024 * 1024 * 1024


def run_cli_process(*args: str, env: Mapping[str, str] | None = None, cwd: Path,
                    stdin: Path | None = None, timeout: float = 30.0) -> Result:
    """`netpath ARGS` in a child process, for input that could hang or exhaust memory: the
    child is killed after `timeout` seconds (the test fails, the suite goes on) and may take
    no more than CHILD_MEMORY. `stdin`: a file to read standard input from (/dev/zero)."""
    import resource
    import subprocess
    import sys

    import pytest

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))

    child_env = {"PATH": os.environ.get("PATH", ""), "PYTHONIOENCODING": "utf-8",
                 "NO_COLOR": "1", **(env or {})}
    with open(stdin if stdin is not None else os.devnull, "rb") as reader:
        try:
            done = subprocess.run([sys.executable, "-m", "netpath", *args], cwd=cwd,
                                  env=child_env, stdin=reader, capture_output=True,
                                  timeout=timeout, preexec_fn=limit_memory, check=False)
        except subprocess.TimeoutExpired:
            pytest.fail(f"netpath {' '.join(args)} did not finish in {timeout:.0f} s")
    out = done.stdout.decode("utf-8", "replace")
    try:
        parsed = json.loads(out) if out.lstrip().startswith(("{", "[")) else None
    except ValueError:
        parsed = None
    return Result(out, done.stderr.decode("utf-8", "replace"), done.returncode, parsed)
