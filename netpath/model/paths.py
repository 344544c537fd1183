"""Spec paths: where a thing sits inside the spec document.

The engine and the checks speak in spec paths
(`vpcs.prod.route_tables.rt-private.routes["0.0.0.0/0"]`); they are turned into
file:line:column only when rendering, through the loader's source map.
"""

from __future__ import annotations

import re

from netpath.model.visible import visible

SpecPath = tuple[str | int, ...]

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


def format_path(path: SpecPath) -> str:
    """`("vpcs", "prod", "routes", "0.0.0.0/0", 1)` -> `vpcs.prod.routes["0.0.0.0/0"][1]`.

    A quoted key is written as a string literal: its quotes and backslashes escaped, and the
    characters that would alter a display too (`["web\\n"]`, see `visible`)."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _PLAIN_KEY.fullmatch(part):
            out.append(f".{part}" if out else part)
        else:
            escaped = visible(part.replace("\\", "\\\\").replace('"', '\\"'))
            out.append(f'["{escaped}"]')
    return "".join(out) or "<document>"
