"""The optional jsonschema-rs fast path must agree with jsonschema: a document it calls valid
must have no errors under jsonschema, and every invalid one must still get jsonschema's errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from netpath.load import schema
from netpath.load.schema_errors import string_keys
from tests.engine.casekit import load_cases

jsonschema_rs = pytest.importorskip("jsonschema_rs")

REFERENCE = yaml.safe_load(Path("netpath/scenarios/three-tier/netpath.yaml").read_text("utf-8"))
VALID = [REFERENCE, *(case.spec for case in load_cases())]

HEAD = "netpath: 1\nvpcs:\n  prod:\n    cidr: 10.0.0.0/16\n    region: us-east-1\n"
INVALID = {
    "unknown-key": HEAD + "    subnts: {}\n",
    "wrong-type": HEAD + "    secondary_cidrs: 10.1.0.0/16\n",
    "missing-required": "netpath: 1\nvpcs:\n  prod: {cidr: 10.0.0.0/16}\n",
    "bad-cidr": "netpath: 1\nvpcs:\n  prod: {cidr: 10.0.0/16, region: us-east-1}\n",
    "enum-typo": HEAD + "    load_balancers:\n      lb: {type: applicaton, subnets: [a]}\n",
    "version": "netpath: 2\n",
    "bad-listener-key": HEAD + "    load_balancers:\n      lb: {type: network, subnets: [a],"
                               " listeners: {99999: {protocol: TCP, target_group: tg}}}\n",
    "port-too-big": HEAD + "    security_groups:\n      sg: {ingress: [{protocol: tcp,"
                           " port: 70000, cidr: 0.0.0.0/0}]}\n",
    "two-peers": HEAD + "    security_groups:\n      sg: {ingress: [{protocol: all,"
                        " cidr: 0.0.0.0/0, security_group: sg}]}\n",
    "no-peer-and-a-typo": HEAD + "    security_groups:\n      sg: {ingress: [{protocol: all},"
                                 " {protocol: tcp, port: 1, cidr: 0.0.0.0/0, descripton: x}]}\n",
    "tcp-without-port": HEAD + "    security_groups:\n      sg: {ingress: [{protocol: tcp,"
                               " cidr: 0.0.0.0/0}]}\n",
    "bad-name-key": HEAD + "    subnets:\n      app a: {cidr: 10.0.1.0/24, az: us-east-1a}\n",
    "listed-twice": HEAD + "    instances:\n      n1: {subnet: a, security_groups: [x, y, x]}\n",
    "not-a-mapping": "- 1\n- 2\n",
    # Errors deep inside a large mapping: jsonschema walks only what holds them.
    "one-bad-host-of-many": "netpath: 1\ninternet_hosts:\n" + "".join(
        f"  h{i}.example.com: 203.0.{i // 256}.{i % 256}\n" for i in range(3000))
        + "  bad.example.com: 300.1.1.1\n  odd.example.com: {ip: 1.2.3.4, prots: [80]}\n"
        + "  Not A Name: 1.2.3.4\n",
    "unknown-key-after-many": "netpath: 1\ninternet_hosts:\n" + "".join(
        f"  h{i}.example.com: 203.0.{i // 256}.{i % 256}\n" for i in range(3000))
        + "internet_hostz: {}\n",
}


def _slow(document: Any, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    with monkeypatch.context() as patched:
        patched.setattr(schema, "_fast_check", lambda _document: False)
        patched.setattr(schema, "_fast_validator", lambda: None)  # jsonschema alone, throughout
        return schema.validate(document)


@pytest.mark.parametrize("index", range(len(VALID)))
def test_valid_documents_agree(index: int, monkeypatch: pytest.MonkeyPatch) -> None:
    document = VALID[index]
    assert schema._fast_check(string_keys(document))
    assert _slow(document, monkeypatch) == []


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_documents_agree(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    document = yaml.safe_load(INVALID[name])
    assert not schema._fast_check(string_keys(document))
    assert schema.validate(document) == _slow(document, monkeypatch) != []


def test_jsonschema_walks_only_the_parts_that_hold_an_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 11: one unknown key in a spec of 1.6 million keys took 17-39 s, jsonschema walking
    # all of it. jsonschema-rs says which parts are valid; jsonschema descends into the rest.
    document = yaml.safe_load(INVALID["one-bad-host-of-many"])
    validator_class = type(schema._validator())
    real = validator_class.descend
    calls: list[object] = []

    def counted(self: Any, instance: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(instance)
        return real(self, instance, *args, **kwargs)

    monkeypatch.setattr(validator_class, "descend", counted)
    errors = schema.validate(document)
    assert [str(e) for e in errors] == [
        'internet_hosts["bad.example.com"]: expected an IPv4 address or a mapping {ip, ports}, '
        "got '300.1.1.1'",
        "internet_hosts[\"odd.example.com\"].prots: unknown key 'prots' (did you mean "
        "'ports'?)",
        "internet_hosts[\"Not A Name\"]: invalid key 'Not A Name': expected a DNS name like "
        "api.example.com"]
    assert len(calls) < 30  # of the 3,003 hosts, the three that are wrong
