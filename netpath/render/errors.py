"""Error messages for stderr: plain lines, no styling, so editors and CI can parse them.

Spec errors use the compiler convention `file:line:col: path: message (hint)`, one per line, so
an editor jumps to each; a summary line closes the list. Every line passes through `visible`:
a file name, a key or a name quoted back never starts a line of its own or hides text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from netpath.load.errors import SpecError
from netpath.model.visible import visible

ISSUES_URL = "https://github.com/netpath-dev/netpath/issues"


def spec_error_lines(errors: Sequence[SpecError]) -> list[str]:
    # One error, one line, even when a message quotes a multi-line parser complaint: tools
    # that read `file:line:col:` lines would otherwise take the rest for new errors. The file
    # name is the user's (escaped first, so its newlines show); the spec path escapes its keys.
    lines = [visible(_one_line(str(_escaped_file(error)))) for error in errors]
    count = len(errors)
    lines.append(f"{count} error{'' if count == 1 else 's'} in spec")
    return lines


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.split("\n") if part.strip())


def _escaped_file(error: SpecError) -> SpecError:
    return replace(error, file=visible(error.file)) if error.file else error


def query_error_line(message: str, hint: str | None) -> str:
    """`error: unknown source 'node-3' (did you mean 'node-1'?)`."""
    return visible(f"error: {message}" + (f" ({hint})" if hint else ""))


def internal_error_lines(exc: BaseException, *, debug_variable: str) -> list[str]:
    return [
        visible(f"internal error: {type(exc).__name__}: {exc}"),
        "this is a bug in netpath, not in your spec: please report it at "
        f"{ISSUES_URL} with the command you ran "
        f"(set {debug_variable}=1 to see the traceback)",
    ]
