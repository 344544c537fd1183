"""`visible` (characters that alter a display, escaped) and `inert` (no line a CI runner
executes): the rule every text output follows (issue 11)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from netpath.model.visible import inert, json_escape, visible, xml_escape


@pytest.mark.parametrize(("text", "shown"), [
    ("nat-a", "nat-a"),
    ("caf\u00e9 [bold]x[/bold] :smile: C:\\specs", "caf\u00e9 [bold]x[/bold] :smile: C:\\specs"),
    ("a\nb\tc\rd", "a\\nb\\tc\\rd"),
    ("\x1b[8mhidden\x1b[0m", "\\x1b[8mhidden\\x1b[0m"),
    ("\x00\x07\x7f\x85\x9f", "\\x00\\x07\\x7f\\x85\\x9f"),
    ("\u202a\u202e\u2066\u2069", "\\u202a\\u202e\\u2066\\u2069"),  # bidi embeddings, isolates
    ("zero\u200bwidth\u200d\ufeff\u2028\u2029", "zero\\u200bwidth\\u200d\\ufeff\\u2028\\u2029"),
    ("\udcff", "\\udcff"),  # a lone surrogate: a file name that is not UTF-8
    ("\U000e0001", "\\U000e0001"),  # a tag character (Cf)
    ("no\u00a0break", "no\u00a0break"),  # spaces stay
])
def test_visible(text: str, shown: str) -> None:
    assert visible(text) == shown
    assert visible(shown) == shown  # idempotent


def test_visible_leaves_a_printable_string_itself() -> None:
    text = "route-table rt-private forward 0.0.0.0/0 -> nat-a"
    assert visible(text) is text


@pytest.mark.parametrize(("text", "shown"), [
    ("::error file=x::pwned", "\\x3a:error file=x::pwned"),
    ("ok\n    ::add-mask::secret\n", "ok\n    \\x3a:add-mask::secret\n"),
    ("ok\r\n\u00a0::warning::x", "ok\r\n\u00a0\\x3a:warning::x"),  # the runner trims Unicode blanks
    ("the data says ##[error]boom", "the data says #\\x23[error]boom"),  # legacy: anywhere
    ("a :: b, 10.0.0.1:80, ::1 inside", "a :: b, 10.0.0.1:80, ::1 inside"),
])
def test_inert(text: str, shown: str) -> None:
    assert inert(text) == shown


def test_inert_in_structured_formats_keeps_the_data() -> None:
    data = "##[error]x\n::error::y"
    as_json = inert(json.dumps({"k": data}, indent=2), json_escape)
    assert "##[" not in as_json and json.loads(as_json) == {"k": data}
    element = ET.Element("t", name=data)
    element.text = data
    as_xml = inert(ET.tostring(element, encoding="unicode"), xml_escape)
    assert "##[" not in as_xml
    assert not any(line.lstrip().startswith("::") for line in as_xml.splitlines())
    parsed = ET.fromstring(as_xml)
    assert (parsed.get("name"), parsed.text) == (data, data)
