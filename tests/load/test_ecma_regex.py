"""Schema patterns read as ECMA-262 reads them: `$` is the end of the input."""

from __future__ import annotations

import pytest

from netpath.load.ecma_regex import ecma_regex

NAME = "^[A-Za-z0-9][A-Za-z0-9._-]*$"


@pytest.mark.parametrize(("pattern", "text", "matches"), [
    (NAME, "web-1", True),
    (NAME, "web-1\n", False),  # Python's `$` alone would match before the newline
    (NAME, "web\n-1", False),
    ("^a[$]$", "a$", True),  # a `$` inside a class is a dollar
    ("^a\\$$", "a$", True),  # and so is an escaped one
    ("^a\\$$", "a$\n", False),
    ("x", "a x b", True),  # unanchored patterns search, as JSON Schema says
])
def test_ecma_regex(pattern: str, text: str, matches: bool) -> None:
    assert bool(ecma_regex(pattern).search(text)) is matches
