"""Text from a spec, shown safely: every character that could change what a terminal or a CI
log displays is written as an escape a person can read.

Names, descriptions, file names, DNS names and keys come from files that a pull request can
change. Printed as they are, a newline starts a line that GitHub Actions runs as a workflow
command (`::add-mask::...`, `::error file=...::`), `ESC[8m` hides the rest of a line on a
terminal and U+202E reverses it. `visible` is the one function every text output passes such
strings through (the renderers, the error lines on stderr, a spec path's quoted keys); the
structured formats (JSON, SARIF) keep the data exact, JSON escaping what it must.

Escaped: every character that `str.isprintable` refuses except spaces, so C0 (newline, tab,
ESC...), DEL, C1, the bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069) and
every other format character (zero-width spaces and joiners, U+FEFF), line and paragraph
separators, lone surrogates (a file name that is not UTF-8) and unassigned code points. They
are written as Python writes them in a string literal: `\\n`, `\\t`, `\\r`, `\\x1b`, `\\u202e`,
`\\U000e0001`. Backslashes themselves are left alone (a Windows path stays readable), and so
is the square bracket: renderers never interpret rich markup in data.

Neutral ground, as `names.py`: the model's spec paths, the renderers and the CLI all use it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_char(char: str) -> str:
    """One character as a visible escape: `\\n`, `\\x1b`, `\\u202e`, `\\U000e0001`."""
    short = _SHORT.get(char)
    if short is not None:
        return short
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def is_hidden(char: str) -> bool:
    """True for a character `visible` escapes: not printable, and not a space."""
    return not char.isprintable() and unicodedata.category(char) != "Zs"


def visible(text: str) -> str:
    """`text` with every character that alters a display escaped visibly; the same string
    when there is none (the common case costs one `isprintable`). Idempotent: what it returns
    holds nothing to escape."""
    if text.isprintable():
        return text
    return "".join(escape_char(c) if is_hidden(c) else c for c in text)


# --- workflow commands in finished output ------------------------------------------------------

# What a CI log runner executes (GitHub Actions, actions/runner `ActionCommand`): a line whose
# first non-blank characters are `::` (`::error file=x::...`, `::add-mask::...`), and the legacy
# `##[error]...` anywhere in a line. Text can reach a line's start without a newline of its own:
# wrapped, folded or indented under netpath's words, or a file name that starts an error line.
_LINE_COMMAND = re.compile(r"(?:\A|(?<=[\r\n]))(\s*)::")
_LEGACY_COMMAND = "##["


def inert(text: str, escape: Callable[[str], str] = escape_char) -> str:
    """Finished output (laid out, wrapped) with nothing a CI runner would execute: a line that
    would start with `::` has its first colon escaped (`\\x3a:error`), and the second `#` of
    `##[` is escaped (`#\\x23[`). `escape` writes a character as the format reads it back:
    `visible`'s escapes for text, `\\u0023` in JSON, `&#35;` in XML, so that structured
    formats keep their data exact. netpath's own annotations (`--format github`) are the only
    lines that start with `::`, and they are written after this."""
    if "::" not in text and _LEGACY_COMMAND not in text:
        return text
    text = _LINE_COMMAND.sub(lambda m: f"{m.group(1)}{escape(':')}:", text)
    return text.replace(_LEGACY_COMMAND, f"#{escape('#')}[")


def json_escape(char: str) -> str:
    """A character as a JSON string escape (`\\u0023`): the decoded data is unchanged."""
    return f"\\u{ord(char):04x}"


def xml_escape(char: str) -> str:
    """A character as an XML character reference (`&#35;`): the parsed data is unchanged."""
    return f"&#{ord(char)};"
