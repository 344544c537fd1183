"""The examples in each command's help are run: a user copies them first.

Examples that name the user's own files (prod/, k8s/, intent.yaml) or read a pipe cannot run
here and are skipped; every other one must not be a usage error (exit 2). The help's layout
keeps each example on a line of its own.
"""

from __future__ import annotations

import shlex

import pytest

from netpath.cli import capacity, check, drill, matrix, scenarios, schema, show, trace
from netpath.cli.app import _lines
from tests.cli.helpers import run_cli

COMMANDS = {"trace": trace, "show": show, "schema": schema, "capacity": capacity,
            "matrix": matrix, "scenarios": scenarios, "check": check, "drill": drill}
USER_FILES = ("prod", "k8s/", "intent.yaml", "your.yaml", "rendered.yaml", "|", "NETPATH_SPEC=")


def _examples() -> list[tuple[str, list[str]]]:
    found = []
    for name, module in COMMANDS.items():
        for line in module.EPILOG.splitlines():
            text = line.strip()
            if not text.startswith("netpath ") or any(mark in text for mark in USER_FILES):
                continue
            text = text.split(" (")[0].split(" > ")[0].strip()
            found.append((name, shlex.split(text)[1:]))
    return found


EXAMPLES = _examples()


def test_there_are_examples_to_run() -> None:
    assert {name for name, _ in EXAMPLES} >= {"trace", "check", "drill", "matrix", "capacity"}


@pytest.mark.parametrize(("command", "argv"), EXAMPLES,
                         ids=[" ".join(argv) for _, argv in EXAMPLES])
def test_a_help_example_runs(command: str, argv: list[str], tmp_path) -> None:
    stdin = "1\n" * 20 if command == "drill" else None
    result = run_cli(*argv, env={"XDG_DATA_HOME": str(tmp_path)}, stdin=stdin)
    assert result.exit_code in (0, 1), result.output


def test_help_keeps_examples_on_their_own_lines() -> None:
    text = run_cli("drill", "--help", env={"COLUMNS": "80"}).stdout
    assert "\n netpath drill --list" in text
    assert "\n netpath drill --stats" in text


def test_epilog_layout_joins_sentences_and_keeps_lines() -> None:
    epilog = "Examples:\n  netpath a\n  netpath b\n\nOne sentence\nwrapped.\nExit codes: 0."
    assert _lines(epilog) == ("Examples:\n\n  netpath a\n\n  netpath b\n\n\n\n"
                              "One sentence wrapped. Exit codes: 0.")
