"""Output streams for renderer tests: a pipe, a terminal, an ASCII-only pipe."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping

from rich.console import Console

from netpath.cli.env import Environment

ANSI = re.compile(r"\x1b\[[0-9;]*m")
# SGR parameters that set a colour: 30-37, 38;..., 39, 40-47, 48;..., 49, 90-97, 100-107.
COLOUR_SGR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m")


class TerminalIO(io.StringIO):
    """A StringIO that says it is a terminal, as a real tty would."""

    def isatty(self) -> bool:
        return True


def rendered(
    draw: Callable[[Console], None],
    *,
    environ: Mapping[str, str] | None = None,
    tty: bool = False,
    ascii_only: bool = False,
) -> str:
    """Run `draw` on the console the CLI would build for such a stream, return what it wrote."""
    if ascii_only:
        raw = io.BytesIO()
        stream = io.TextIOWrapper(raw, encoding="ascii")
        draw(Environment.from_streams(stream, io.StringIO(), environ or {}).console())
        stream.flush()
        return raw.getvalue().decode("ascii")
    out: io.StringIO = TerminalIO() if tty else io.StringIO()
    draw(Environment.from_streams(out, io.StringIO(), environ or {}).console())
    return out.getvalue()


def flat(text: str) -> str:
    """Whitespace-normalised text, to assert on sentences that rich may wrap anywhere."""
    return " ".join(ANSI.sub("", text).split())
