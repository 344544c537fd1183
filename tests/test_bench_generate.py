"""The benchmark's estate generator writes a valid spec, deterministically.

The checks walk the merged YAML with plain dicts (not netpath's own loader), so they cannot share
a bug with it; the small estate must also load through `netpath.sources.loader` without a single
error.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SMALL = [
    "--subnets",
    "40",
    "--routes",
    "400",
    "--security-groups",
    "50",
    "--sg-rules",
    "300",
    "--enis",
    "200",
    "--quiet",
]


def _import_generator() -> ModuleType:
    # bench/ is not a package: load the script by path (registered first, as dataclasses need).
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_generate", module)
    spec.loader.exec_module(module)
    return module


generate = _import_generator()


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Refuses duplicate keys, which PyYAML would otherwise silently collapse."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            assert key not in seen, f"duplicate key {key!r} at line {key_node.start_mark.line + 1}"
            seen.add(key)
        return cast(dict[Any, Any], super().construct_mapping(node, deep=deep))


@pytest.fixture(scope="module")
def estate_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("estate")
    assert generate.main([*SMALL, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def docs(estate_dir: Path) -> dict[str, dict[str, Any]]:
    return {
        p.name: yaml.load(p.read_text(), Loader=_StrictLoader)
        for p in sorted(estate_dir.glob("*.yaml"))
    }


def _merge(docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The directory merge of docs/spec.md: sections merge, a named thing twice is an error."""
    spec: dict[str, Any] = {}
    for fname, doc in docs.items():
        for section, body in doc.items():
            if section in ("netpath", "description"):
                assert section not in spec or section == "netpath", f"{section} twice ({fname})"
                spec[section] = body
                continue
            target = spec.setdefault(section, {})
            for name, thing in body.items():
                if section != "vpcs" or name not in target:
                    assert name not in target, f"{section}.{name} defined twice ({fname})"
                    target[name] = dict(thing) if section == "vpcs" else thing
                    continue
                for key, value in thing.items():  # a VPC split across files
                    if isinstance(value, dict):
                        inner = target[name].setdefault(key, {})
                        for item in value:
                            assert item not in inner, f"vpcs.{name}.{key}.{item} twice ({fname})"
                        inner.update(value)
                    else:
                        assert key not in target[name], f"vpcs.{name}.{key} twice ({fname})"
                        target[name][key] = value
    return spec


@pytest.fixture(scope="module")
def spec(docs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return _merge(docs)


VPC_SECTIONS = (
    "subnets",
    "route_tables",
    "network_acls",
    "security_groups",
    "nat_gateways",
    "instances",
    "databases",
    "network_interfaces",
    "load_balancers",
    "target_groups",
    "endpoints",
)


def _names(spec: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(kind, name) for every named thing; the spec wants them unique across the whole spec."""
    for vname, vpc in spec["vpcs"].items():
        yield "vpc", vname
        if "internet_gateway" in vpc:
            yield "internet_gateway", vpc["internet_gateway"]
        for section in VPC_SECTIONS:
            for name in vpc.get(section, {}):
                yield section, name
    for section in ("peerings", "transit_gateways", "prefix_lists"):
        for name in spec.get(section, {}):
            yield section, name
    for tgw in spec.get("transit_gateways", {}).values():
        for name in tgw["attachments"]:
            yield "tgw_attachment", name
        for name in tgw["route_tables"]:
            yield "tgw_route_table", name


def test_every_file_is_a_netpath_v1_document(docs: dict[str, dict[str, Any]]) -> None:
    assert len(docs) == 9  # 4 VPCs x (network + workloads) + global.yaml
    for fname, doc in docs.items():
        assert isinstance(doc, dict), fname
        assert doc.get("netpath") == 1, fname
        assert next(iter(doc)) == "netpath", f"{fname}: netpath: 1 is not the first key"


def test_names_are_unique_strings(spec: dict[str, Any]) -> None:
    seen: dict[str, str] = {}
    for kind, name in _names(spec):
        assert isinstance(name, str), f"{kind} name {name!r} was not read as a string"
        assert name not in seen, f"{name!r} is both a {seen[name]} and a {kind}"
        seen[name] = kind
    assert len(seen) > 300


def test_cidrs_do_not_overlap_and_subnets_sit_in_their_vpc(spec: dict[str, Any]) -> None:
    all_vpc_cidrs: list[IPv4Network] = []
    all_subnets: list[IPv4Network] = []
    for vname, vpc in spec["vpcs"].items():
        cidrs = [IPv4Network(vpc["cidr"])] + [
            IPv4Network(c) for c in vpc.get("secondary_cidrs", [])
        ]
        all_vpc_cidrs += cidrs
        for sname, subnet in vpc["subnets"].items():
            net = IPv4Network(subnet["cidr"])
            assert any(net.subnet_of(c) for c in cidrs), f"{sname} {net} outside {vname}"
            assert subnet["az"].startswith(vpc["region"]), sname
            all_subnets.append(net)
    for group in (all_vpc_cidrs, all_subnets):
        ordered = sorted(group)
        for a, b in zip(ordered, ordered[1:], strict=False):
            assert not a.overlaps(b), f"{a} overlaps {b}"


def _owned_ips(vpc: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(owner, subnet, private ip) for every address the generator chose."""
    for section in ("instances", "databases", "nat_gateways"):
        for name, thing in vpc.get(section, {}).items():
            yield name, thing["subnet"], thing["private_ip"]
    for name, lb in vpc.get("load_balancers", {}).items():
        for sname, node in lb["subnets"].items():
            yield name, sname, node["private_ip"]
    for name, ep in vpc.get("endpoints", {}).items():
        for sname, node in (ep.get("subnets") or {}).items():
            yield name, sname, node["private_ip"]


def test_every_ip_is_usable_in_its_subnet_and_unique(spec: dict[str, Any]) -> None:
    private: set[IPv4Address] = set()
    public: set[str] = set()
    count = 0
    for vpc in spec["vpcs"].values():
        for owner, sname, text in _owned_ips(vpc):
            net = IPv4Network(vpc["subnets"][sname]["cidr"])
            ip = IPv4Address(text)
            offset = int(ip) - int(net.network_address)
            # AWS reserves the network address, .1-.3 and the broadcast address of every subnet.
            assert ip in net and 4 <= offset < net.num_addresses - 1, f"{owner}: {ip} in {net}"
            assert ip not in private, f"{owner}: {ip} used twice"
            private.add(ip)
            count += 1
        for thing in [*vpc["instances"].values(), *vpc.get("nat_gateways", {}).values()]:
            eip = thing.get("public_ip") or thing.get("elastic_ip")
            if eip:
                assert eip not in public, f"public IP {eip} used twice"
                public.add(eip)
    assert count > 200 and public


def test_route_destinations_are_outside_the_vpc(spec: dict[str, Any]) -> None:
    # AWS refuses routes more specific than `local` (bar middlebox routes, not generated here).
    total = 0
    for vname, vpc in spec["vpcs"].items():
        cidrs = [IPv4Network(vpc["cidr"])] + [
            IPv4Network(c) for c in vpc.get("secondary_cidrs", [])
        ]
        for rt in vpc["route_tables"].values():
            for dest in rt["routes"]:
                total += 1
                if dest in spec["prefix_lists"]:
                    continue
                net = IPv4Network(dest)
                assert not any(net.subnet_of(c) for c in cidrs), f"{vname}: route {net} inside"
    assert total == 400


def test_references_resolve(spec: dict[str, Any]) -> None:
    vpcs = spec["vpcs"]
    peerings = spec["peerings"]
    tgws = spec.get("transit_gateways", {})
    attached = {a["vpc"] for t in tgws.values() for a in t["attachments"].values()}
    prefix_lists = spec["prefix_lists"]
    for vname, vpc in vpcs.items():
        subnets, sgs, rts = vpc["subnets"], vpc["security_groups"], vpc["route_tables"]
        instances, lbs, tgs = (
            vpc["instances"],
            vpc.get("load_balancers", {}),
            vpc.get("target_groups", {}),
        )
        for sname, s in subnets.items():
            assert s.get("route_table", next(iter(rts))) in rts, sname
            assert s.get("network_acl", next(iter(vpc["network_acls"]))) in vpc["network_acls"], (
                sname
            )
        assert sum(bool(rt.get("main")) for rt in rts.values()) == 1, vname
        nat_names = set(vpc.get("nat_gateways", {}))
        for rname, rt in rts.items():
            for dest, route in rt["routes"].items():
                target = route if isinstance(route, str) else route["target"]
                if isinstance(route, dict) and route.get("state") == "blackhole":
                    continue  # a deleted target need not exist
                if target in ("local", "blackhole") or target == vpc.get("internet_gateway"):
                    continue
                if target in peerings:
                    p = peerings[target]
                    assert vname in (p["requester"], p["accepter"]), f"{rname}: {target}"
                elif target in tgws:
                    assert vname in attached, f"{rname}: {target} but {vname} is not attached"
                else:
                    assert target in nat_names or target in instances, f"{rname} {dest}: {target}"
        for gname, g in sgs.items():
            for rule in [*g.get("ingress", []), *(g.get("egress") or [])]:
                peers = [k for k in ("cidr", "security_group", "prefix_list") if k in rule]
                assert len(peers) == 1, f"{gname}: {rule}"
                if "security_group" in rule:
                    assert rule["security_group"] in sgs, f"{gname}: {rule}"
                if "prefix_list" in rule:
                    assert rule["prefix_list"] in prefix_lists, f"{gname}: {rule}"
                if rule["protocol"] in ("tcp", "udp"):
                    assert isinstance(rule["port"], int) or "-" in rule["port"], rule
        for section in ("instances", "databases", "nat_gateways"):
            for name, thing in vpc.get(section, {}).items():
                assert thing["subnet"] in subnets, name
                assert all(g in sgs for g in thing.get("security_groups", [])), name
        for iname, inst in instances.items():
            assert 1 <= len(inst["security_groups"]) <= 3, iname
        for lname, lb in lbs.items():
            assert all(s in subnets for s in lb["subnets"]), lname
            assert all(g in sgs for g in lb.get("security_groups", [])), lname
            azs = [subnets[s]["az"] for s in lb["subnets"]]
            assert len(azs) == len(set(azs)), f"{lname}: two nodes in one AZ"
            assert all(lst["target_group"] in tgs for lst in lb["listeners"].values()), lname
        vpc_ips = {i["private_ip"] for i in instances.values()}
        for tname, tg in tgs.items():
            pool = instances if tg["target_type"] == "instance" else vpc_ips
            assert tg["targets"] and all(t in pool for t in tg["targets"]), tname
        for ename, ep in vpc.get("endpoints", {}).items():
            assert all(r in rts for r in ep.get("route_tables", [])), ename
            assert ep.get("prefix_list", "pl-s3") in prefix_lists, ename
            assert all(s in subnets for s in ep.get("subnets", [])), ename
    for p in peerings.values():
        assert p["requester"] in vpcs and p["accepter"] in vpcs and p["requester"] != p["accepter"]
    for tgw in tgws.values():
        atts = tgw["attachments"]
        for aname, att in atts.items():
            assert all(s in vpcs[att["vpc"]]["subnets"] for s in att["subnets"]), aname
        associated: list[str] = []
        for rt in tgw["route_tables"].values():
            associated += rt["associations"]
            assert all(a in atts for a in rt["associations"] + rt["propagations"])
            assert all(t == "blackhole" or t in atts for t in (rt.get("routes") or {}).values())
        assert sorted(associated) == sorted(atts)  # one route table per attachment
    all_lbs = {n for v in vpcs.values() for n in v.get("load_balancers", {})}
    for fqdn, rec in spec["dns"].items():
        if "alias" in rec:
            assert rec["alias"] in all_lbs, fqdn
        if "cname" in rec:
            assert rec["cname"] in spec["dns"] or rec["cname"] in spec["internet_hosts"], fqdn
        assert all(v in vpcs for v in rec.get("vpcs", [])), fqdn


def test_queries_name_things_that_exist(estate_dir: Path, spec: dict[str, Any]) -> None:
    known = {name for _, name in _names(spec)} | set(spec["dns"]) | set(spec["internet_hosts"])
    lines = [
        ln.split("#")[0].split() for ln in (estate_dir / "queries.txt").read_text().splitlines()
    ]
    queries = [q for q in lines if q]
    assert len(queries) == 200
    kinds = {
        ln.split("#")[1].strip() for ln in (estate_dir / "queries.txt").read_text().splitlines()[1:]
    }
    assert {"peering", "transit-gateway", "internet", "cross-subnet", "blackhole"} <= kinds
    for source, destination, port in queries:
        assert 0 < int(port) < 65536
        for end in (source, destination):
            if end == "internet" or end in known:
                continue
            IPv4Address(end)  # else it must be an address


def test_sizes_are_exact(estate_dir: Path) -> None:
    import json

    counts = json.loads((estate_dir / "manifest.json").read_text())["counts"]
    assert counts["subnets"] == 40 and counts["routes"] == 400
    assert counts["security_groups"] == 50 and counts["sg_rules"] == 300
    assert counts["instances"] == 200


def test_deterministic(estate_dir: Path, tmp_path: Path) -> None:
    assert generate.main([*SMALL, "--out", str(tmp_path)]) == 0
    first = sorted(p.name for p in estate_dir.iterdir())
    assert first == sorted(p.name for p in tmp_path.iterdir())
    for name in first:
        assert (estate_dir / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_impossible_sizes_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert generate.main(["--subnets", "40", "--security-groups", "8", "--out", str(tmp_path)]) == 2
    assert "security groups in a VPC" in capsys.readouterr().err


def test_loads_through_netpath(estate_dir: Path) -> None:
    from netpath.load.errors import SpecErrors
    from netpath.sources import loader as load

    try:
        loaded = load.load_spec(estate_dir)
    except SpecErrors as exc:  # the loader raises every error at once, at its edge
        pytest.fail("generated estate has spec errors:\n" + "\n".join(map(str, exc.errors[:20])))
    except ModuleNotFoundError as exc:  # a stage of the loader that is still being written
        if not (exc.name or "").startswith("netpath."):
            raise
        pytest.skip(f"loader incomplete: {exc}")
    model = loaded.model
    assert len(model.subnets) == 40 and len(model.instances) == 200
    assert len(model.security_groups) == 50
