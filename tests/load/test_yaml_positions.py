"""The YAML layer: plain data, positions, and refusing input that is wrong or hostile.

Every negative test asserts the message and the place (file:line:column), not just that
something failed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from netpath.load import yaml_positions
from netpath.load.errors import SpecError
from netpath.load.files import decode_spec_bytes, size_error
from netpath.load.source import Position, RawPosition, SourceMap
from netpath.load.yaml_positions import Document, Limits, load_yaml_documents

FIXTURES = Path(__file__).parent / "fixtures"


def load(text: str, *, limits: Limits | None = None) -> tuple[Any, SourceMap, list[SpecError]]:
    """The one document of `text` (None when it was refused), its source map, the errors."""
    documents, errors = load_yaml_documents(text, "f.yaml", limits=limits)
    assert len(documents) <= 1
    if not documents:
        return None, SourceMap(), errors
    return documents[0].data, documents[0].source_map, errors


def where(err: SpecError) -> str:
    return f"{err.file}:{err.line}:{err.column}"


def only_error(text: str, *, limits: Limits | None = None) -> SpecError:
    _, _, errors = load(text, limits=limits)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


# --- plain data ---------------------------------------------------------------------------------


def test_builds_plain_python_data() -> None:
    data, _, errors = load(
        "s: text\ni: 42\nneg: -7\nf: 2.5\nt: true\nF: False\nn: ~\nempty:\n"
        "l: [a, 1, {k: v}]\nhex: 0x1F\ninf: .inf\nstamp: 2024-01-31\n"
    )
    assert errors == []
    assert data == {
        "s": "text", "i": 42, "neg": -7, "f": 2.5, "t": True, "F": False, "n": None,
        "empty": None, "l": ["a", 1, {"k": "v"}], "hex": 31, "inf": float("inf"),
        "stamp": "2024-01-31",  # no date objects: the text as written
    }
    assert type(data["i"]) is int and type(data["t"]) is bool


def test_int_keys_stay_ints_in_data_and_paths() -> None:
    data, source_map, errors = load(
        "listeners:\n  443: {protocol: HTTPS}\n  80: {protocol: HTTP}\n"
        "inbound:\n  - {rule: 100}\n"
    )
    assert errors == []
    assert data["listeners"] == {443: {"protocol": "HTTPS"}, 80: {"protocol": "HTTP"}}
    assert all(type(k) is int for k in data["listeners"])
    assert source_map.key(("listeners", 443)) == Position("f.yaml", 2, 3)
    assert source_map.value(("listeners", 443, "protocol")) == Position("f.yaml", 2, 19)


def test_positions_of_keys_and_values() -> None:
    text = (
        "netpath: 1\n"                          # 1
        "vpcs:\n"                               # 2
        "  prod:\n"                             # 3
        "    cidr: 10.0.0.0/16\n"               # 4
        "    subnets:\n"                        # 5
        "      public-a:  {cidr: 10.0.1.0/24, az: 'us-east-1a'}\n"  # 6
        "    secondary_cidrs:\n"                # 7
        "      - 10.1.0.0/16\n"                 # 8
        "      - \"10.2.0.0/16\"\n"             # 9
    )
    _, sm, errors = load(text)
    assert errors == []
    assert sm.value(()) == Position("f.yaml", 1, 1)
    assert sm.key(("netpath",)) == Position("f.yaml", 1, 1)
    assert sm.value(("netpath",)) == Position("f.yaml", 1, 10)
    assert sm.key(("vpcs", "prod")) == Position("f.yaml", 3, 3)
    assert sm.value(("vpcs", "prod")) == Position("f.yaml", 4, 5)  # a block mapping: first key
    assert sm.value(("vpcs", "prod", "cidr")) == Position("f.yaml", 4, 11)
    assert sm.key(("vpcs", "prod", "subnets", "public-a")) == Position("f.yaml", 6, 7)
    assert sm.value(("vpcs", "prod", "subnets", "public-a")) == Position("f.yaml", 6, 18)
    assert sm.key(("vpcs", "prod", "subnets", "public-a", "az")) == Position("f.yaml", 6, 38)
    assert sm.value(("vpcs", "prod", "subnets", "public-a", "az")) == Position("f.yaml", 6, 42)
    assert sm.value(("vpcs", "prod", "secondary_cidrs", 0)) == Position("f.yaml", 8, 9)
    assert sm.value(("vpcs", "prod", "secondary_cidrs", 1)) == Position("f.yaml", 9, 9)
    assert sm.key(("vpcs", "prod", "secondary_cidrs", 1)) is None  # list items have no key


def test_columns_count_characters_not_bytes() -> None:
    _, sm, _ = load("description: «été»\nnext: x\n")
    assert sm.value(("next",)) == Position("f.yaml", 2, 7)
    _, sm, _ = load("é: [ü, x]\n")
    assert sm.value(("é", 1)) == Position("f.yaml", 1, 8)


# --- duplicate keys -----------------------------------------------------------------------------


def test_duplicate_key_names_both_places_and_keeps_the_first() -> None:
    text = "vpcs:\n  prod:\n    subnets: {a: 1}\n    cidr: 10.0.0.0/16\n    subnets: {b: 2}\n"
    data, _, errors = load(text)
    assert [str(e) for e in errors] == [
        "f.yaml:5:5: vpcs.prod: key 'subnets' appears twice: first at f.yaml:3:5"
    ]
    assert errors[0].path == ("vpcs", "prod")
    assert data["vpcs"]["prod"]["subnets"] == {"a": 1}


@pytest.mark.parametrize(
    ("text", "message", "place"),
    [
        ("a: 1\na: 2\n", "key 'a' appears twice: first at f.yaml:1:1", "f.yaml:2:1"),
        ("x: {k: 1, k: 2}\n", "key 'k' appears twice: first at f.yaml:1:5", "f.yaml:1:11"),
        ("l:\n  - {rule: 100, rule: 200}\n", "key 'rule' appears twice: first at f.yaml:2:6",
         "f.yaml:2:17"),
        ("listeners:\n  443: a\n  443: b\n", "key 443 appears twice: first at f.yaml:2:3",
         "f.yaml:3:3"),
        ("r:\n  'x': 1\n  x: 2\n", "key 'x' appears twice: first at f.yaml:2:3", "f.yaml:3:3"),
    ],
    ids=["top", "flow", "in-list-item", "int-key", "quoted-and-plain"],
)
def test_duplicate_keys_at_any_level(text: str, message: str, place: str) -> None:
    err = only_error(text)
    assert err.message == message
    assert where(err) == place


# --- YAML 1.1 surprises -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "place"),
    [
        ("country: no\n", "'no' is read by YAML 1.1 as the boolean false; quote it (\"no\") "
         "if you mean the text, or write false", "f.yaml:1:10"),
        ("x: [a, Yes]\n", "'Yes' is read by YAML 1.1 as the boolean true; quote it (\"Yes\") "
         "if you mean the text, or write true", "f.yaml:1:8"),
        ("on: 1\n", "'on' is read by YAML 1.1 as the boolean true; quote it (\"on\") "
         "if you mean the text, or write true", "f.yaml:1:1"),
        ("rules:\n  OFF: 1\n", "'OFF' is read by YAML 1.1 as the boolean false; quote it "
         "(\"OFF\") if you mean the text, or write false", "f.yaml:2:3"),
        ("port: 22:22\n", "'22:22' is read by YAML 1.1 as a base-60 number (1342); quote it "
         "(\"22:22\") if you mean the text", "f.yaml:1:7"),
        ("t: 1:20.5\n", "'1:20.5' is read by YAML 1.1 as a base-60 number (80.5); quote it "
         "(\"1:20.5\") if you mean the text", "f.yaml:1:4"),
        ("mode: 0755\n", "'0755' is read by YAML 1.1 as an octal number (493); quote it "
         "(\"0755\") if you mean the text, or drop the leading zero", "f.yaml:1:7"),
        ("n: -010\n", "'-010' is read by YAML 1.1 as an octal number (-8); quote it "
         "(\"-010\") if you mean the text, or drop the leading zero", "f.yaml:1:4"),
        ("10:30: x\n", "'10:30' is read by YAML 1.1 as a base-60 number (630); quote it "
         "(\"10:30\") if you mean the text", "f.yaml:1:1"),
    ],
    ids=["no", "Yes-in-list", "on-as-key", "OFF-as-nested-key", "22:22", "float-base60",
         "0755", "negative-octal", "base60-key"],
)
def test_yaml11_readings_are_refused(text: str, message: str, place: str) -> None:
    err = only_error(text)
    assert err.message == message
    assert where(err) == place


def test_yaml11_fixture_reports_each_surprise_and_accepts_quoted_forms() -> None:
    text = (FIXTURES / "yaml11.yaml").read_text()
    data, _, errors = load(text)
    assert [(e.line, e.column, e.message.split(" is read")[0]) for e in errors] == [
        (2, 10, "'no'"), (3, 1, "'on'"), (4, 7, "'22:22'"), (5, 7, "'0755'"),
    ]
    assert data["quoted"] == {
        "country": "no", "on_text": "on", "port": "22:22", "mode": "0755", "on": 1,
    }


@pytest.mark.parametrize(
    "text",
    ["v: true", "v: True", "v: FALSE", "v: 0", "v: 10", "v: 1_000", "v: 0x1bb", "v: 3.5",
     "v: '0755'", "v: \"22:22\"", "v: 'no'", "\"on\": 1", "v: 08:30", "v: 10:70", "v: n",
     "v: !!str 0755", "v: !!int '0755'"],
)
def test_unsurprising_scalars_are_accepted(text: str) -> None:
    _, _, errors = load(text + "\n")
    assert errors == []


def test_explicitly_tagged_yaml11_values_mean_what_the_tag_says() -> None:
    data, _, errors = load("a: !!int '0755'\nb: !!bool 'yes'\nc: !!str no\n")
    assert errors == []
    assert data == {"a": 493, "b": True, "c": "no"}


# --- anchors, aliases and merge keys ------------------------------------------------------------


def test_merge_keys_and_their_positions() -> None:
    data, sm, errors = load((FIXTURES / "anchors.yaml").read_text())
    assert errors == []
    subnets = data["vpcs"]["prod"]["subnets"]
    assert subnets["private-a"] == {
        "az": "us-east-1a", "route_table": "rt-private", "cidr": "10.0.10.0/24",
    }
    assert subnets["private-b"]["az"] == "us-east-1b"  # written in the mapping: wins
    assert "<<" not in subnets["private-a"]
    base = ("vpcs", "prod", "subnets")
    # A merged key is placed where the anchored mapping wrote it; an explicit one where it is.
    assert sm.key((*base, "private-a", "route_table")) == Position("f.yaml", 4, 3)
    assert sm.key((*base, "private-b", "az")) == Position("f.yaml", 14, 9)
    assert sm.value((*base, "private-b", "az")) == Position("f.yaml", 14, 13)


def test_merge_list_earlier_mappings_win() -> None:
    data, sm, errors = load(
        "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc: {<<: [*a, *b], z: 3}\n"
    )
    assert errors == []
    assert data["c"] == {"x": 1, "y": 1, "z": 3}
    assert sm.value(("c", "y")) == Position("f.yaml", 1, 17)
    assert sm.value(("c", "z")) == Position("f.yaml", 3, 22)


def test_merge_of_a_non_mapping_is_an_error() -> None:
    _, _, errors = load("a: &a [1, {k: v}]\nb: {<<: *a}\nc: {<<: text}\n")
    message = "'<<' (a merge key) takes a mapping or a list of mappings, such as *defaults"
    # The offending item inside the aliased list, then the scalar merged by `c`.
    assert [(where(e), e.path, e.message) for e in errors] == [
        ("f.yaml:1:8", ("b",), message), ("f.yaml:3:9", ("c",), message),
    ]


def test_quoted_merge_key_is_a_plain_key() -> None:
    data, _, errors = load("a: {'<<': 1}\n")
    assert errors == [] and data == {"a": {"<<": 1}}


def test_aliases_build_independent_copies_with_positions_at_the_anchor() -> None:
    data, sm, errors = load("rules: &r [{port: 22}]\nother: *r\n")
    assert errors == []
    assert data["rules"] == data["other"] and data["rules"] is not data["other"]
    data["other"][0]["port"] = 80
    assert data["rules"][0]["port"] == 22
    assert sm.value(("other", 0, "port")) == Position("f.yaml", 1, 19)
    assert sm.key(("other",)) == Position("f.yaml", 2, 1)


def test_errors_inside_an_alias_are_reported_once() -> None:
    err = only_error("a: &a {v: no}\nb: *a\nc: *a\n")
    assert where(err) == "f.yaml:1:11"


def test_billion_laughs_is_refused_quickly() -> None:
    text = (FIXTURES / "billion-laughs.yaml").read_text()
    assert len(text) < 500
    started = time.monotonic()
    data, _, errors = load(text)
    elapsed = time.monotonic() - started
    assert elapsed < 5  # a sanity bound; the measured time is well under a millisecond
    assert data is None
    assert [str(e) for e in errors] == [
        "f.yaml:2:1: refused: YAML aliases expand to more than 1,000,000 nodes (an alias bomb?)"
    ]


def test_merge_key_bomb_is_refused() -> None:
    text, previous = "a: &a {x: 1, y: 2}\n", "a"
    for name in "bcdefghijklmnop":
        text += f"{name}: &{name} {{<<: [{', '.join([f'*{previous}'] * 9)}]}}\n"
        previous = name
    started = time.monotonic()
    err = only_error(text)
    assert time.monotonic() - started < 5
    assert err.message == (
        "refused: YAML aliases expand to more than 1,000,000 nodes (an alias bomb?)"
    )


def test_alias_limit_counts_only_expansion() -> None:
    text = "a: &a [1, 2, 3, 4]\nb: [*a, *a]\n"  # expanding *a twice adds 2 * 5 nodes
    assert load(text, limits=Limits(max_alias_nodes=10))[2] == []
    err = only_error(text, limits=Limits(max_alias_nodes=9))
    assert err.message == "refused: YAML aliases expand to more than 9 nodes (an alias bomb?)"


def test_recursive_alias_is_refused() -> None:
    err = only_error("a: &a [1, *a]\n")
    assert err.message == ("refused: an alias refers to a node that contains it "
                           "(a recursive alias)")
    assert where(err) == "f.yaml:1:4"


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    err = only_error("a: " + "[" * 300 + "]" * 300 + "\n")
    assert err.message == "refused: the document is nested more than 200 levels deep"
    assert where(err) == "f.yaml:1:204"
    assert load("a: " + "[" * 150 + "]" * 150 + "\n")[2] == []


def test_nesting_through_aliases_is_refused() -> None:
    deep = "[" * 150 + "]" * 150
    err = only_error(f"a: &a {deep}\nb: " + "[" * 100 + "*a" + "]" * 100 + "\n")
    assert err.message == "refused: the document is nested more than 200 levels deep"


# --- keys that cannot be keys, tags -------------------------------------------------------------


def test_bad_keys() -> None:
    _, _, errors = load("? [a, b]\n: 1\n~: 2\nok: 3\n")
    assert [(where(e), e.message) for e in errors] == [
        ("f.yaml:1:3", "a key must be a single value, not a list"),
        ("f.yaml:3:1", "empty key: write a name before the ':'"),
    ]


def test_custom_tags_are_refused() -> None:
    _, _, errors = load("a: !Ref vpc\nb: !!binary aGk=\nc: !!set {x}\n")
    assert [(where(e), e.message) for e in errors] == [
        ("f.yaml:1:4", "unsupported YAML tag '!Ref': a netpath spec is plain YAML, without tags"),
        ("f.yaml:2:4",
         "unsupported YAML tag '!!binary': a netpath spec is plain YAML, without tags"),
        ("f.yaml:3:4", "unsupported YAML tag '!!set': a netpath spec is plain YAML, without tags"),
    ]


# --- malformed YAML, bad characters, bad bytes --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "place"),
    [
        ("a: [1, 2\nb: 3\n", "invalid YAML: did not find expected ',' or ']' "
         "(while parsing a flow sequence at f.yaml:1:4)", "f.yaml:2:2"),
        ("a: b: c\n", "invalid YAML: mapping values are not allowed in this context",
         "f.yaml:1:5"),
        ("a:\n  b: 1\n c: 2\n", "invalid YAML: did not find expected key "
         "(while parsing a block mapping at f.yaml:1:1)", "f.yaml:3:2"),
        ("a: *nowhere\n", "invalid YAML: alias *nowhere refers to no anchor "
         "(an anchor (&nowhere) must come before its aliases)", "f.yaml:1:4"),
        ("a: &x 1\nb: &x 2\n", "invalid YAML: anchor &x is defined twice (first at f.yaml:1:4)",
         "f.yaml:2:4"),
        ("a: 'open\n", "invalid YAML: found unexpected end of stream "
         "(while scanning a quoted scalar at f.yaml:1:4)", "f.yaml:2:1"),
    ],
    ids=["flow", "mapping-value", "indent", "undefined-alias", "duplicate-anchor", "quote"],
)
def test_malformed_yaml_gives_the_parsers_words_and_place(text: str, message: str,
                                                           place: str) -> None:
    err = only_error(text)
    assert str(err) == f"{place}: {message}"


def test_parse_error_after_a_good_document_keeps_the_good_one() -> None:
    documents, errors = load_yaml_documents("a: 1\n---\nb: [\n", "k.yaml")
    assert [d.data for d in documents] == [{"a": 1}]
    assert len(errors) == 1 and errors[0].line == 4


def test_nul_byte_is_refused_with_its_place() -> None:
    err = only_error("a: 1\nb: x\x00y\n")
    assert str(err) == ("f.yaml:2:5: the file contains a NUL byte: it looks like binary data, "
                        "not YAML text")


def test_control_character_is_refused_with_its_place() -> None:
    err = only_error("a: 1\n  # é\x1b[31m\n")
    assert str(err) == ("f.yaml:2:6: control character U+001B is not allowed in YAML "
                        "(delete it, or write it as \"\\x1b\" inside a double-quoted string)")


def test_undecodable_bytes_are_refused_with_their_place() -> None:
    text, err = decode_spec_bytes(b"a: 1\nb: caf\xe9 \xff\n", "f.yaml")
    assert text is None and err is not None
    assert str(err) == ("f.yaml:2:7: not UTF-8 text: byte 0xe9 cannot be decoded "
                        "(is this a binary file?) (netpath reads YAML as UTF-8)")
    _, err = decode_spec_bytes("é: ü\nx: \u00e9".encode() + b"\xc3", "f.yaml")
    assert err is not None and (err.line, err.column) == (2, 5)


def test_utf16_and_bom() -> None:
    text, err = decode_spec_bytes("a: 1\n".encode("utf-16"), "f.yaml")
    assert text is None and err is not None
    assert str(err) == ("f.yaml:1:1: the file is UTF-16 text; netpath reads YAML as UTF-8 "
                        "(save it as UTF-8)")
    text, err = decode_spec_bytes(b"\xef\xbb\xbfa: 1\n", "f.yaml")
    assert err is None and text == "a: 1\n"


@pytest.mark.parametrize(("encoding", "name"), [
    ("utf-32", "UTF-32"), ("utf-32-le", "UTF-32"), ("utf-32-be", "UTF-32"),
    ("utf-16-le", "UTF-16"), ("utf-16-be", "UTF-16"),
])
def test_a_utf32_bom_is_not_taken_for_utf16(encoding: str, name: str) -> None:
    """The UTF-32 little-endian BOM starts with the UTF-16 one: UTF-32 is looked for first."""
    raw = ("\ufeff" if encoding != "utf-32" else "").encode(encoding) + "a: 1\n".encode(encoding)
    text, err = decode_spec_bytes(raw, "f.yaml")
    assert text is None and err is not None
    assert str(err) == (f"f.yaml:1:1: the file is {name} text; netpath reads YAML as UTF-8 "
                        "(save it as UTF-8)")


def test_size_error_in_megabytes() -> None:
    err = size_error("big.yaml", 70 * 1024 * 1024 + 100_000, 64 * 1024 * 1024)
    assert str(err) == ("big.yaml: file is 70.1 MB, more than the 64 MB limit "
                        "(set NETPATH_MAX_SPEC_BYTES to raise it)")
    assert str(size_error("s.yaml", 20, 10)) == (
        "s.yaml: file is 20 bytes, more than the 10 bytes limit "
        "(set NETPATH_MAX_SPEC_BYTES to raise it)"
    )


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_never_a_traceback_for_any_bytes(raw: bytes) -> None:
    text, err = decode_spec_bytes(raw, "f.yaml")
    if text is not None:
        documents, errors = load_yaml_documents(text, "f.yaml")
        assert all(isinstance(d, Document) for d in documents)
        assert all(e.file == "f.yaml" for e in errors)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab:-[]{}&*!|>'\"#\n ,?<0123.~yesno", max_size=80))
def test_never_a_traceback_for_yaml_like_text(text: str) -> None:
    documents, errors = load_yaml_documents(text, "f.yaml")
    assert all(e.file == "f.yaml" and e.line is not None for e in errors)


# --- documents ----------------------------------------------------------------------------------


def test_multiple_documents_with_their_own_paths_and_positions() -> None:
    text = "---\n---\nkind: Service\nname: web\n---\n# only a comment\n---\n- a\n- b\n"
    documents, errors = load_yaml_documents(text, "k.yaml")
    assert errors == []
    assert [(d.index, d.data) for d in documents] == [
        (1, {"kind": "Service", "name": "web"}), (3, ["a", "b"]),
    ]
    assert documents[0].position == Position("k.yaml", 3, 1)
    assert documents[0].source_map.key(("name",)) == Position("k.yaml", 4, 1)
    assert documents[1].source_map.value((1,)) == Position("k.yaml", 9, 3)


def test_empty_text_has_no_documents() -> None:
    for text in ("", "\n\n", "# nothing\n", "---\n", "---\n...\n"):
        assert load_yaml_documents(text, "e.yaml") == ([], [])


def test_scalar_document() -> None:
    data, sm, errors = load("just text\n")
    assert (data, errors) == ("just text", [])
    assert sm.value(()) == Position("f.yaml", 1, 1)


def test_pure_python_parser_gives_the_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (FIXTURES / "anchors.yaml").read_text() + "x: no\ny: 1\ny: 2\n"
    expected = load(text)
    monkeypatch.setattr(yaml_positions, "_LOADER", yaml.SafeLoader)
    got = load(text)
    assert got[0] == expected[0]
    assert [str(e) for e in got[2]] == [str(e) for e in expected[2]]
    path = ("vpcs", "prod", "subnets", "private-b", "az")
    assert got[1].value(path) == expected[1].value(path)


# --- the source map -----------------------------------------------------------------------------


def test_locate_prefers_the_key_then_the_value_then_the_nearest_ancestor() -> None:
    _, sm, _ = load("vpcs:\n  prod:\n    subnets: [a, b]\n")
    assert sm.locate(("vpcs", "prod")) == Position("f.yaml", 2, 3)  # the key
    assert sm.locate(("vpcs", "prod", "subnets", 1)) == Position("f.yaml", 3, 18)  # the value
    assert sm.locate(("vpcs", "prod", "subnets", 7)) == Position("f.yaml", 3, 5)  # ancestor key
    assert sm.locate(("nope", "x")) == Position("f.yaml", 1, 1)  # the document
    assert SourceMap().locate(("x",)) is None


def test_locate_error_fills_only_unplaced_errors() -> None:
    _, sm, _ = load("vpcs:\n  prod: {cidr: x}\n")
    placed = sm.locate_error(SpecError("bad cidr", ("vpcs", "prod", "cidr")))
    assert str(placed) == "f.yaml:2:10: vpcs.prod.cidr: bad cidr"
    already = SpecError("x", ("vpcs",), file="other.yaml", line=9, column=9)
    assert sm.locate_error(already) is already


def test_merge_with_prefix_and_first_position_wins() -> None:
    first = SourceMap("a.yaml", {("x",): RawPosition(0, 3)}, {("x",): RawPosition(0, 0)})
    second = SourceMap("b.yaml", {("x",): RawPosition(4, 3), ("y",): RawPosition(5, 3)})
    first.merge(second)
    assert first.value(("x",)) == Position("a.yaml", 1, 4)
    assert first.value(("y",)) == Position("b.yaml", 6, 4)
    first.merge(SourceMap("k.yaml", {("name",): RawPosition(1, 6)}), prefix=("manifests", 0))
    assert first.value(("manifests", 0, "name")) == Position("k.yaml", 2, 7)
    assert first.locate(("manifests", 0, "name", "deeper")) == Position("k.yaml", 2, 7)
    assert first.files == ("a.yaml", "b.yaml", "k.yaml")


@pytest.mark.parametrize("files", [3, 40])  # a scan of the parts, and their merged table
def test_many_files_under_one_prefix_the_first_that_knows_a_path_wins(files: int) -> None:
    merged = SourceMap()
    for n in range(files):
        part = SourceMap(f"{n}.yaml", {("shared",): RawPosition(n, 1), (f"only{n}",):
                                       RawPosition(n, 2)}, {("shared",): RawPosition(n, 0)})
        merged.merge(part)
    assert merged.value(("shared",)) == Position("0.yaml", 1, 2)
    assert merged.key(("shared",)) == Position("0.yaml", 1, 1)
    assert merged.value((f"only{files - 1}",)) == Position(f"{files - 1}.yaml", files, 3)
    assert merged.locate((f"only{files - 1}", "x", 1)) == Position(f"{files - 1}.yaml", files, 3)
    assert merged.value(("missing",)) is None
    # A part added later under a longer prefix does not shadow what an earlier part knows.
    merged.merge(SourceMap("late.yaml", {(): RawPosition(9, 0)}), prefix=("shared",))
    assert merged.value(("shared",)) == Position("0.yaml", 1, 2)
    merged.merge(SourceMap("doc.yaml", {("name",): RawPosition(4, 4)}), prefix=("m", 0))
    assert merged.locate(("m", 0, "name")) == Position("doc.yaml", 5, 5)
