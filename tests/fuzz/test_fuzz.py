"""Fuzzing the contract (issue 11): whatever the input, netpath exits 0, 1 or 2 (never 70), in
bounded time, and says what is wrong. Three sources of input:

- the shipped scenarios, mutated (tests/fuzz/mutate.py): every way a real spec goes wrong;
- documents built from netpath's own vocabulary: shapes no scenario has;
- raw bytes: what a file can be before it is YAML.

CI runs a short derandomized slice (HYPOTHESIS_PROFILE=ci); `make fuzz` runs the long one
(NETPATH_FUZZ_EXAMPLES, default 500 per test, commands in their own bounded interpreter).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netpath
from tests.fuzz.contract import check
from tests.fuzz.mutate import mutate

SCENARIOS = Path(netpath.__file__).parent / "scenarios"
EXAMPLES = int(os.environ.get("NETPATH_FUZZ_EXAMPLES", "12"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
NAMES = sorted(p.name for p in SCENARIOS.iterdir() if (p / "netpath.yaml").is_file())


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.yaml") if p.is_file())


def _commands(data: st.DataObject, names: list[str]) -> list[list[str]]:
    source = data.draw(st.sampled_from(["internet", *names[:40]]), label="source")
    destination = data.draw(st.sampled_from(["internet", *names[:40]]), label="destination")
    return [["show"], ["check", "--format", "json"], ["trace", source, destination]]


@FUZZ
@given(data=st.data())
def test_a_mutated_scenario_keeps_the_contract(tmp_path_factory: Any,
                                               data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(NAMES), label="scenario")
    root = tmp_path_factory.mktemp("fuzz") / name
    shutil.copytree(SCENARIOS / name, root)
    files = _files(root)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3), label="mutations")):
        file = data.draw(st.sampled_from(files), label="file")
        documents = list(yaml.safe_load_all(file.read_text(encoding="utf-8"))) or [None]
        index = data.draw(st.integers(min_value=0, max_value=len(documents) - 1), label="doc")
        documents[index] = mutate(documents[index], data)
        file.write_text(yaml.dump_all(documents, Dumper=_Dumper, sort_keys=False,
                                      allow_unicode=True), encoding="utf-8")
    spec = root / "netpath.yaml"
    names = sorted({str(k) for k in _keys(yaml.safe_load(spec.read_text(encoding="utf-8")))})
    for args in _commands(data, names):
        check([*args, "--spec", str(spec)], root)


def _keys(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [*(str(k) for k in node), *(k for v in node.values() for k in _keys(v))]
    if isinstance(node, list):
        return [k for v in node for k in _keys(v)]
    return []


# Documents from netpath's vocabulary: right words, wrong shapes.
WORDS = st.sampled_from([
    "netpath", "vpcs", "subnets", "cidr", "az", "route_table", "route_tables", "routes",
    "instances", "subnet", "private_ip", "security_groups", "ingress", "egress", "nacls",
    "clusters", "vpc", "nodes", "manifests", "kind", "metadata", "name", "namespace", "spec",
    "ports", "port", "selector", "dns", "internet_hosts", "load_balancers", "listeners",
    "nat_gateways", "peerings", "0.0.0.0/0", "10.0.0.0/16", "prod", "a", "local"])
SCALARS = st.one_of(WORDS, st.integers(min_value=-1, max_value=70000), st.booleans(), st.none(),
                    st.text(max_size=8))
DOCUMENTS = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(WORDS, inner, max_size=5)), max_leaves=40)


@FUZZ
@given(document=DOCUMENTS, netpath_key=st.booleans())
def test_a_document_of_netpath_words_keeps_the_contract(tmp_path_factory: Any, document: Any,
                                                        netpath_key: bool) -> None:
    if netpath_key and isinstance(document, dict):
        document = {"netpath": 1, **document}
    root = tmp_path_factory.mktemp("doc")
    (root / "netpath.yaml").write_text(yaml.dump(document, Dumper=_Dumper), encoding="utf-8")
    for args in (["show"], ["check"], ["trace", "internet", "a"]):
        check([*args, "--spec", "netpath.yaml"], root)


@FUZZ
@given(content=st.binary(max_size=600))
def test_raw_bytes_keep_the_contract(tmp_path_factory: Any, content: bytes) -> None:
    root = tmp_path_factory.mktemp("bytes")
    (root / "netpath.yaml").write_bytes(content)
    code, _, _ = check(["show", "--spec", "netpath.yaml"], root)
    assert code in (0, 2)


@pytest.mark.skipif(bool(os.environ.get("NETPATH_FUZZ_SUBPROCESS")),
                    reason="the patch is in this process, the command in another")
def test_the_contract_fails_on_an_internal_error(tmp_path: Path, monkeypatch: Any) -> None:
    """The harness can fail: an exception inside a command is exit 70, which it refuses."""
    import netpath.engine

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(netpath.engine, "trace", broken)
    try:
        check(["trace", "internet", "pod-a"], tmp_path)
    except AssertionError as refused:
        assert "exited 70" in str(refused)
    else:
        raise AssertionError("exit 70 passed the contract")


# Text from a spec reaches text output escaped (netpath/model/visible.py): a name or description
# carrying a terminal escape, a bidi override or a workflow command shows none of them raw.
HOSTILE = st.sampled_from(["\x1b[8m", "\x07", "\u202e", "\x9b31m", "\x00", "\r::error::x",
                           "\n::add-mask::x", "\u2066"])
RAW = ("\x1b", "\x07", "\u202e", "\x9b", "\x00", "\r", "\u2066")


@FUZZ
@given(data=st.data(), hostile=HOSTILE)
def test_no_control_character_from_a_spec_reaches_text_output(
        tmp_path_factory: Any, data: st.DataObject, hostile: str) -> None:
    root = tmp_path_factory.mktemp("text") / "three-tier"
    shutil.copytree(SCENARIOS / "three-tier", root)
    spec = root / "netpath.yaml"
    document = yaml.safe_load(spec.read_text(encoding="utf-8"))
    strings = _string_paths(document)
    path = data.draw(st.sampled_from(strings), label="where")
    holder = document
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = f"{holder[path[-1]]}{hostile}"
    spec.write_text(yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True),
                    encoding="utf-8")
    for args in (["show"], ["check"], ["check", "--format", "github"],
                 ["trace", "pod-a", "api.example.com"]):
        _, out, err = check([*args, "--spec", "netpath.yaml"], root)
        for char in RAW:
            assert char not in out + err, (args, repr(char))
        lines = (out + err).splitlines()
        assert not any(line.lstrip().startswith("::add-mask::") for line in lines), args


def _string_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _string_paths(v, (*prefix, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _string_paths(v, (*prefix, i))]
    return [prefix] if isinstance(node, str) else []
