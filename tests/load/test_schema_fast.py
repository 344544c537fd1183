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
}


def _slow(document: Any, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    with monkeypatch.context() as patched:
        patched.setattr(schema, "_fast_check", lambda _document: False)
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
