"""Reading specs from disk: files, directories merged by the rules of docs/spec.md, bad input."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from netpath.load.errors import SpecErrors
from netpath.load.files import max_spec_bytes, read_spec, read_spec_text
from netpath.load.source import Position

FIXTURES = Path(__file__).parent / "fixtures"


def errors_of(path: Path, display: str | None = None) -> list[str]:
    with pytest.raises(SpecErrors) as caught:
        read_spec(path, display=display)
    return [str(e) for e in caught.value.errors]


def write(directory: Path, name: str, text: str | bytes) -> Path:
    path = directory / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --- one file -----------------------------------------------------------------------------------


def test_reads_one_file_with_positions(tmp_path: Path) -> None:
    path = write(tmp_path, "netpath.yaml", "netpath: 1\nvpcs:\n  prod: {cidr: 10.0.0.0/16}\n")
    loaded = read_spec(path, display="netpath.yaml")
    assert loaded.data == {"netpath": 1, "vpcs": {"prod": {"cidr": "10.0.0.0/16"}}}
    assert loaded.files == ("netpath.yaml",)
    assert loaded.source_map.value(("vpcs", "prod", "cidr")) == Position("netpath.yaml", 3, 16)


def test_display_defaults_to_the_path_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    write(tmp_path, "spec.yaml", "netpath: 1\n")
    monkeypatch.chdir(tmp_path)
    loaded = read_spec(Path("spec.yaml"))
    assert loaded.files == ("spec.yaml",)
    assert loaded.source_map.locate(("netpath",)) == Position("spec.yaml", 1, 1)


def test_read_spec_text() -> None:
    loaded = read_spec_text("netpath: 1\ndescription: x\n", "scenarios/demo/netpath.yaml")
    assert loaded.data == {"netpath": 1, "description": "x"}
    assert loaded.files == ("scenarios/demo/netpath.yaml",)
    assert loaded.source_map.key(("description",)) == Position("scenarios/demo/netpath.yaml", 2, 1)


def test_read_spec_text_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETPATH_MAX_SPEC_BYTES", "10")
    with pytest.raises(SpecErrors) as caught:
        read_spec_text("netpath: 1\nvpcs: {}\n", "t.yaml")
    assert [str(e) for e in caught.value.errors] == [
        "t.yaml: file is 20 bytes, more than the 10 bytes limit "
        "(set NETPATH_MAX_SPEC_BYTES to raise it)"
    ]


def test_read_spec_text_reports_errors() -> None:
    with pytest.raises(SpecErrors) as caught:
        read_spec_text("netpath: 1\nnetpath: 1\n", "t.yaml")
    assert [str(e) for e in caught.value.errors] == [
        "t.yaml:2:1: key 'netpath' appears twice: first at t.yaml:1:1"
    ]


def test_the_reference_scenario_loads() -> None:
    spec = Path(__file__).parents[2] / "netpath" / "scenarios" / "three-tier" / "netpath.yaml"
    loaded = read_spec(spec, display="three-tier.yaml")
    assert loaded.data["netpath"] == 1
    assert loaded.source_map.locate(("vpcs", "prod", "subnets", "db-a")) == Position(
        "three-tier.yaml", 20, 7
    )


# --- files that are not a spec ------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    assert errors_of(tmp_path / "nope.yaml", "specs/nope.yaml") == [
        "no such file or directory: specs/nope.yaml"
    ]


@pytest.mark.parametrize("text", ["", "\n  \n", "# just a comment\n", "---\n"],
                         ids=["empty", "blank", "comment", "bare-marker"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "e.yaml", text)
    assert errors_of(path, "e.yaml") == [
        "e.yaml: file is empty: expected a mapping with `netpath: 1`"
    ]


@pytest.mark.parametrize(
    ("text", "kind", "place"),
    [
        ("- netpath: 1\n", "a list", "1:1"),
        ("\n  hello\n", "a string", "2:3"),
        ("42\n", "a number", "1:1"),
        ("~\n", "null", "1:1"),
        ("true\n", "a boolean", "1:1"),
    ],
)
def test_document_that_is_not_a_mapping(tmp_path: Path, text: str, kind: str, place: str) -> None:
    path = write(tmp_path, "s.yaml", text)
    assert errors_of(path, "s.yaml") == [
        f"s.yaml:{place}: the document is {kind}, expected a mapping with `netpath: 1`"
    ]


def test_more_than_one_document(tmp_path: Path) -> None:
    path = write(tmp_path, "m.yaml", "netpath: 1\n---\n# second\nvpcs: {}\n---\nx: 1\n")
    assert errors_of(path, "m.yaml") == [
        "m.yaml:4:1: a spec file holds one YAML document, this one has 3 (remove the `---` line, "
        "or put each document in its own file of a directory)"
    ]


def test_a_leading_or_trailing_marker_is_still_one_document(tmp_path: Path) -> None:
    path = write(tmp_path, "m.yaml", "---\nnetpath: 1\n---\n")
    assert read_spec(path).data == {"netpath": 1}


def test_binary_file(tmp_path: Path) -> None:
    path = write(tmp_path, "b.yaml", b"netpath: 1\n\x89PNG\r\n\x1a\n\x00\x00")
    assert errors_of(path, "b.yaml") == [
        "b.yaml:2:1: not UTF-8 text: byte 0x89 cannot be decoded (is this a binary file?) "
        "(netpath reads YAML as UTF-8)"
    ]
    path = write(tmp_path, "n.yaml", b"netpath: 1\nx: \x00\x01\x02")
    assert errors_of(path, "n.yaml") == [
        "n.yaml:2:4: the file contains a NUL byte: it looks like binary data, not YAML text"
    ]


def test_malformed_yaml_in_a_file(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "netpath: 1\nvpcs:\n  prod: {cidr: 10.0.0.0/16\n")
    assert errors_of(path, "bad.yaml") == [
        "bad.yaml:4:1: invalid YAML: did not find expected ',' or '}' "
        "(while parsing a flow mapping at bad.yaml:3:9)"
    ]


def test_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:  # sparse: 65 MiB on paper, nothing on disk
        handle.truncate(65 * 1024 * 1024)
    assert errors_of(path, "huge.yaml") == [
        "huge.yaml: file is 65 MB, more than the 64 MB limit "
        "(set NETPATH_MAX_SPEC_BYTES to raise it)"
    ]


def test_size_limit_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "s.yaml", "netpath: 1\n" + "# padding\n" * 200_000)
    monkeypatch.setenv("NETPATH_MAX_SPEC_BYTES", str(1024 * 1024))
    assert errors_of(path, "s.yaml") == [
        "s.yaml: file is 1.9 MB, more than the 1 MB limit (set NETPATH_MAX_SPEC_BYTES to raise it)"
    ]
    monkeypatch.setenv("NETPATH_MAX_SPEC_BYTES", str(4 * 1024 * 1024))
    assert read_spec(path).data == {"netpath": 1}


@pytest.mark.parametrize(("value", "limit"), [("2M", 2 * 1024**2), ("3 mb", 3 * 1024**2),
                                             ("1_000", 1000), ("1G", 1024**3), ("", 64 * 1024**2)])
def test_size_limit_spellings(monkeypatch: pytest.MonkeyPatch, value: str, limit: int) -> None:
    monkeypatch.setenv("NETPATH_MAX_SPEC_BYTES", value)
    assert max_spec_bytes() == limit


def test_size_limit_that_is_not_a_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETPATH_MAX_SPEC_BYTES", "lots")
    path = write(tmp_path, "s.yaml", "netpath: 1\n")
    assert errors_of(path, "s.yaml") == [
        "NETPATH_MAX_SPEC_BYTES='lots' is not a size (write bytes, or a number with K, M or G: "
        "128M)"
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "locked.yaml", "netpath: 1\n")
    path.chmod(0)
    assert errors_of(path, "locked.yaml") == ["cannot read locked.yaml: permission denied"]


# --- directories --------------------------------------------------------------------------------


def test_directory_is_merged_in_name_order(tmp_path: Path) -> None:
    folder = shutil.copytree(FIXTURES / "split", tmp_path / "split")
    loaded = read_spec(folder, display="split")
    assert loaded.files == ("split/10-network.yaml", "split/20-compute.yml")
    assert loaded.data == {
        "netpath": 1,
        "description": "prod, split across two files",
        "vpcs": {"prod": {
            "cidr": "10.0.0.0/16",
            "region": "us-east-1",
            "subnets": {
                "private-a": {"cidr": "10.0.10.0/24", "az": "us-east-1a"},
                "private-b": {"cidr": "10.0.11.0/24", "az": "us-east-1b"},
            },
            "instances": {"node-1": {"subnet": "private-a"}},
        }},
        "dns": {"db.prod.internal": {"a": "10.0.20.50"}},
    }
    sm = loaded.source_map
    subnets = ("vpcs", "prod", "subnets")
    assert sm.key((*subnets, "private-a")) == Position("split/10-network.yaml", 8, 7)
    assert sm.key((*subnets, "private-b")) == Position("split/20-compute.yml", 5, 7)
    assert sm.key(("dns", "db.prod.internal")) == Position("split/20-compute.yml", 9, 3)
    assert sm.key(("vpcs", "prod")) == Position("split/10-network.yaml", 4, 3)  # the first file


def test_directory_display_keeps_the_users_spelling(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIXTURES / "split", tmp_path / "split")
    monkeypatch.chdir(tmp_path)
    loaded = read_spec(Path("./split/"), display="./split/")
    assert loaded.files == ("./split/10-network.yaml", "./split/20-compute.yml")


def test_merge_conflicts_name_both_places(tmp_path: Path) -> None:
    folder = shutil.copytree(FIXTURES / "conflict", tmp_path / "conflict")
    assert errors_of(folder, "conflict") == [
        "conflict/b.yaml:4:5: vpcs.prod.cidr: defined twice: conflict/a.yaml:4:5 and "
        "conflict/b.yaml:4:5",
        "conflict/b.yaml:6:7: vpcs.prod.subnets.private-a: defined twice: conflict/a.yaml:6:7 and "
        "conflict/b.yaml:6:7",
    ]


@pytest.mark.parametrize(
    ("first", "second", "path"),
    [
        ("description: a\n", "description: b\n", "description"),
        ("dns: {x.example.com: {a: 1.2.3.4}}\n", "dns: {x.example.com: {a: 1.2.3.5}}\n",
         'dns["x.example.com"]'),
        ("transit_gateways: {tgw: {region: r}}\n", "transit_gateways: {tgw: {attachments: {}}}\n",
         "transit_gateways.tgw"),
        ("vpcs: {prod: {route_tables: {rt: {routes: {}}}}}\n",
         "vpcs: {prod: {route_tables: {rt: {main: true}}}}\n", "vpcs.prod.route_tables.rt"),
        ("vpcs: {prod: {secondary_cidrs: [a]}}\n", "vpcs: {prod: {secondary_cidrs: [b]}}\n",
         "vpcs.prod.secondary_cidrs"),
        ("vpcs: {prod: {}}\n", "vpcs: [prod]\n", "vpcs"),
    ],
    ids=["top-level-scalar", "dns-entry", "tgw-not-split", "route-table", "list", "shape"],
)
def test_what_two_files_may_not_both_define(tmp_path: Path, first: str, second: str,
                                            path: str) -> None:
    write(tmp_path, "a.yaml", "netpath: 1\n" + first)
    write(tmp_path, "b.yaml", "netpath: 1\n" + second)
    (error,) = errors_of(tmp_path, "d")
    assert error.startswith("d/b.yaml:2:") and f": {path}: defined twice: d/a.yaml:2:" in error


def test_netpath_version_may_repeat_but_not_differ(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "netpath: 1\n")
    write(tmp_path, "b.yaml", "netpath: 1\n")
    assert read_spec(tmp_path).data == {"netpath": 1}
    write(tmp_path, "c.yaml", "netpath: 2\n")
    assert errors_of(tmp_path, "d") == [
        "d/c.yaml:1:1: netpath: the files disagree on the spec format version: 1 at d/a.yaml:1:1, "
        "2 here"
    ]


def test_every_error_of_every_file_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "netpath: 1\nvpcs: {prod: {cidr: x}}\nx: no\n")
    write(tmp_path, "b.yaml", b"\xff\xfe garbage")
    write(tmp_path, "c.yaml", "- not a mapping\n")
    write(tmp_path, "d.yaml", "netpath: 1\nvpcs: {prod: {cidr: y}}\n")
    assert errors_of(tmp_path, "d") == [
        "d/a.yaml:3:4: x: 'no' is read by YAML 1.1 as the boolean false; quote it (\"no\") if you "
        "mean the text, or write false",
        "d/b.yaml:1:1: the file is UTF-16 text; netpath reads YAML as UTF-8 (save it as UTF-8)",
        "d/c.yaml:1:1: the document is a list, expected a mapping with `netpath: 1`",
        "d/d.yaml:2:15: vpcs.prod.cidr: defined twice: d/a.yaml:2:15 and d/d.yaml:2:15",
    ]


def test_directory_without_yaml(tmp_path: Path) -> None:
    write(tmp_path, "notes.txt", "hello")
    write(tmp_path, ".hidden.yaml", "netpath: 1\n")
    (tmp_path / "sub.yaml").mkdir()
    assert errors_of(tmp_path, "specs") == ["no *.yaml or *.yml files in specs/"]
    assert errors_of(tmp_path, "specs/") == ["no *.yaml or *.yml files in specs/"]


def test_directory_is_not_read_recursively(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "netpath: 1\n")
    (tmp_path / "nested").mkdir()
    write(tmp_path / "nested", "b.yaml", "description: ignored\n")
    assert read_spec(tmp_path, display="d").files == ("d/a.yaml",)
