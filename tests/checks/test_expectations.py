"""Reading expectations: every field and group form, and located errors, all at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from netpath.checks.expectations import (
    Expectation,
    Group,
    load_expectations,
    load_schema,
    schema_text,
)
from netpath.load.errors import SpecError
from netpath.load.source import SourceMap
from netpath.sources.loader import load_spec
from tests.checks.specs import SECTION, SMALL


def _read(tmp_path: Path, text: str, name: str = "e.yaml"
          ) -> tuple[list[Expectation], list[str], list[SpecError]]:
    from netpath.checks.expectations import sorted_errors

    (tmp_path / name).write_text(text, encoding="utf-8")
    found, source_map, errors = load_expectations([(tmp_path / name, name)], None, SourceMap())
    return (list(found.expectations), [rule for rule, _ in found.ignore],
            sorted_errors(errors, source_map))


def _messages(errors: list[SpecError]) -> list[str]:
    return [str(e) for e in errors]


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(load_schema())
    assert json.loads(schema_text()) == load_schema()


def test_every_field(tmp_path: Path) -> None:
    found, ignore, errors = _read(tmp_path, """\
netpath-expect: 1
ignore: [NP003, SUB001]
expectations:
  - name: frontend reaches the API
    description: the whole story
    from: default/pod-a
    to: backend-service
    port: 8080
    protocol: udp
    reachable: true
    via: [nat-a, sg-node]
    not_via: [igw-prod]
    source_ip_seen: 198.51.100.10
  - from: internet
    to: orders-db
    code: NO_PUBLIC_IP
  - from: node-1
    to: node-2
    protocol: icmp
    reachable: false
""")
    assert errors == [] and ignore == ["NP003", "SUB001"]
    first, second, third = found
    assert first == Expectation(
        name="frontend reaches the API", description="the whole story", source="default/pod-a",
        destination="backend-service", port=8080, protocol="udp", reachable=True,
        via=("nat-a", "sg-node"), not_via=("igw-prod",), code=None,
        source_ip_seen="198.51.100.10", path=("e.yaml", "expectations", 0))
    assert first.expected == "reachable"
    # `code` implies reachable: false; without a name, "<from> -> <to>[:<port>]"
    assert (second.reachable, second.code, second.expected) == (
        False, "NO_PUBLIC_IP", "blocked (NO_PUBLIC_IP)")
    assert second.name == "internet -> orders-db" and second.protocol == "tcp"
    assert (third.reachable, third.port, third.expected) == (False, None, "blocked")


def test_every_group_form(tmp_path: Path) -> None:
    found, _, errors = _read(tmp_path, """\
netpath-expect: 1
expectations:
  - {from: {namespace: dev}, to: {namespace: prod, cluster: eks}, port: 80, reachable: false}
  - {from: {selector: {app: web, tier: front}}, to: {subnet: db-a}, reachable: true}
  - {from: {selector: {app: web}, namespace: dev}, to: {cluster: eks}, reachable: true}
""")
    assert errors == []
    assert [(e.source, e.destination) for e in found] == [
        (Group(namespace="dev"), Group(namespace="prod", cluster="eks")),
        (Group(selector=(("app", "web"), ("tier", "front"))), Group(subnet="db-a")),
        (Group(namespace="dev", selector=(("app", "web"),)), Group(cluster="eks")),
    ]
    assert found[0].name == "namespace dev -> namespace prod in eks:80"
    assert found[1].name == "pods app=web,tier=front -> subnet db-a"
    assert found[2].name == "pods app=web in dev -> cluster eks"


def test_errors_are_located_and_reported_together(tmp_path: Path) -> None:
    _, _, errors = _read(tmp_path, """\
netpath-expect: 2
expectations:
  - from: node-1
    to: orders-db
    vai: [nat-a]
    reachable: true
  - from: node-1
    to: orders-db
    port: 99999
    reachable: true
  - from: node-1
    to: orders-db
    code: NO_ROUT
  - from: node-1
    to: orders-db
    reachable: true
    code: NO_ROUTE
  - from: node-1
    to: orders-db
  - from: node-1
    to: {subnet: db-a, namespace: x}
    reachable: true
  - from: node-1
    to: orders-db
    protocol: icmp
    port: 8
    reachable: false
  - from: node-1
    to: orders-db
    source_ip_seen: 10.0.0
    reachable: false
  - from: 3
    to: orders-db
    reachable: true
""")
    assert _messages(errors) == [
        "e.yaml:1:1: netpath-expect: unsupported expectations format version 2: this netpath "
        "reads version 1",
        "e.yaml:5:5: expectations[0].vai: unknown key 'vai' (did you mean 'via'?)",
        "e.yaml:9:5: expectations[1].port: 99999 is greater than the maximum of 65535",
        "e.yaml:13:5: expectations[2].code: unknown explanation code 'NO_ROUT' "
        "(did you mean 'NO_ROUTE'?)",
        "e.yaml:17:5: expectations[3].code: code 'NO_ROUTE' names why a path is blocked, but "
        "reachable is true (remove `code`, or write reachable: false)",
        "e.yaml:18:5: expectations[4]: missing required key 'reachable' (write reachable: "
        "true or false; `code:` implies false)",
        "e.yaml:21:5: expectations[5].to: a subnet group takes no other key (found "
        "'namespace') ({subnet: NAME} selects every interface of the subnet)",
        "e.yaml:26:5: expectations[6].port: icmp has no ports: leave out `port`",
        "e.yaml:30:5: expectations[7].source_ip_seen: expected an IPv4 address like "
        "198.51.100.10, got '10.0.0'",
        "e.yaml:30:5: expectations[7].source_ip_seen: source_ip_seen needs a delivered "
        "packet, but the path is expected to be blocked",
        "e.yaml:32:5: expectations[8].from: expected a string, got 3",
    ]


@pytest.mark.parametrize(("text", "message"), [
    ("", "e.yaml: file is empty: expected a mapping with `netpath-expect: 1`"),
    ("- a\n", "e.yaml:1:1: the document is not a mapping: expected a mapping with "
     "`netpath-expect: 1`"),
    ("netpath-expect: 1\n---\nx: 1\n", "e.yaml:3:1: an expectations file holds one YAML "
     "document, this one has 2"),
    ("expectations: []\n", "e.yaml:1:1: missing required key 'netpath-expect' (every "
     "expectations file starts with `netpath-expect: 1`)"),
    ("netpath-expect: 1\nexpectations:\n  - {from: a, to: b, reachable: yes}\n",
     "e.yaml:3:33: expectations[0].reachable: 'yes' is read by YAML 1.1 as the boolean true; "
     "quote it (\"yes\") if you mean the text, or write true"),
    ("netpath-expect: 1\nexpectations: [{from: a, to: b, reachable: true}\n",
     "e.yaml:3:1: invalid YAML"),
])
def test_bad_documents(tmp_path: Path, text: str, message: str) -> None:
    _, _, errors = _read(tmp_path, text)
    assert _messages(errors)[0].startswith(message)


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    found, source_map, errors = load_expectations([(tmp_path / "nope.yaml", "nope.yaml")],
                                                  None, SourceMap())
    assert found.expectations == () and [e.message for e in errors] == [
        "no such file or directory: nope.yaml"]


def test_an_empty_ignore_only_file_is_fine(tmp_path: Path) -> None:
    found, ignore, errors = _read(tmp_path, "netpath-expect: 1\nignore: [NP001]\n")
    assert (found, ignore, errors) == ([], ["NP001"], [])


def test_the_spec_section_is_read_and_located_in_the_spec(tmp_path: Path) -> None:
    spec = tmp_path / "netpath.yaml"
    spec.write_text(SMALL + SECTION, encoding="utf-8")
    loaded = load_spec(spec)
    found, _, errors = load_expectations([], loaded.expect, loaded.source_map)
    assert errors == []
    assert [(e.name, e.path) for e in found.expectations] == [
        ("app-1 -> app-2:8080", ("expect", "expectations", 0)),
        ("app-1 -> app-2:22", ("expect", "expectations", 1)),
    ]
    spec.write_text(SMALL + "expect:\n  netpath-expect: 1\n  expectations:\n"
                    "    - {from: app-1, too: app-2, reachable: true}\n", encoding="utf-8")
    loaded = load_spec(spec)
    from netpath.checks.expectations import sorted_errors

    found, source_map, errors = load_expectations([], loaded.expect, loaded.source_map)
    assert [str(e) for e in sorted_errors(errors, source_map)] == [
        f"{spec}:27:7: expect.expectations[0]: missing required key 'to'",
        f"{spec}:27:21: expect.expectations[0].too: unknown key 'too' (did you mean 'to'?)",
    ]


def test_files_and_section_together_keep_their_own_places(tmp_path: Path) -> None:
    spec = tmp_path / "netpath.yaml"
    spec.write_text(SMALL + SECTION, encoding="utf-8")
    (tmp_path / "more.yaml").write_text(
        "netpath-expect: 1\nexpectations:\n  - {from: app-2, to: app-1, reachable: true}\n",
        encoding="utf-8")
    loaded = load_spec(spec)
    found, source_map, _ = load_expectations([(tmp_path / "more.yaml", "more.yaml")],
                                             loaded.expect, loaded.source_map)
    where = [source_map.locate(e.path) for e in found.expectations]
    assert [(str(w.file), w.line) for w in where if w] == [
        (str(spec), 26), (str(spec), 27), ("more.yaml", 3)]
