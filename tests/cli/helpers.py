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
