"""JSON Schema patterns as ECMA-262 reads them, for Python's `re`.

A schema's `pattern` is an ECMA-262 regular expression, where `$` matches only at the end of
the input. Python's `$` also matches before a final newline, so `^[A-Za-z0-9][A-Za-z0-9._-]*$`
took `"web\\n"` for a name: jsonschema-rs (the `fast` extra) refused it, jsonschema let it
through, and the newline reached every text output. Here an unescaped `$` outside a character
class becomes `\\Z`; the rest of the schemas' patterns reads the same in both dialects.
"""

from __future__ import annotations

import functools
import re


@functools.cache
def ecma_regex(pattern: str) -> re.Pattern[str]:
    """`pattern` compiled so that `$` means the end of the input, as in ECMA-262."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            char = r"\Z"
        out.append(char)
        i += 1
    return re.compile("".join(out))
