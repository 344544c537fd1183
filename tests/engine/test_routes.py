"""Longest-prefix match: the documented priority rules, and a property against a brute-force
scan."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from hypothesis import given, settings
from hypothesis import strategies as st

from netpath.engine.routes import Candidate, longest_prefix_match, route_candidates
from netpath.model.resources import ORIGIN_RANK, PrefixList, Route, RouteTable


def route(dest: str, target: str, origin: str = "static", kind: str = "nat-gateway") -> Route:
    return Route(IPv4Network(dest), None, kind, target, origin, ("routes", dest))


def pl_route(plist: str, target: str) -> Route:
    return Route(None, plist, "vpc-endpoint", target, "prefix-list", ("routes", plist))


def lpm(routes: list[Route], address: str, prefix_lists: dict[str, PrefixList] | None = None):
    table = RouteTable("rt", "vpc", tuple(routes), False, ())
    return longest_prefix_match(route_candidates(table, prefix_lists or {}), IPv4Address(address))


def test_most_specific_wins_whatever_the_order() -> None:
    routes = [route("0.0.0.0/0", "nat-a"), route("10.1.0.0/16", "pcx"),
              route("10.1.2.0/24", "tgw")]
    for ordering in (routes, list(reversed(routes))):
        match = lpm(ordering, "10.1.2.3")
        assert match is not None
        assert match.route.target == "tgw"
        assert [c.route.target for c in match.others] == ["pcx", "nat-a"]


def test_no_match_returns_none() -> None:
    assert lpm([route("10.0.0.0/16", "local", "local", "local")], "192.0.2.1") is None


def test_static_beats_prefix_list_at_equal_length() -> None:
    plists = {"pl-s3": PrefixList("pl-s3", (IPv4Network("52.216.0.0/15"),), "s3", ())}
    match = lpm([pl_route("pl-s3", "vpce-s3"), route("52.216.0.0/15", "nat-a")],
                "52.216.1.1", plists)
    assert match is not None and match.route.target == "nat-a"


def test_prefix_list_route_more_specific_than_default_route_wins() -> None:
    plists = {"pl-s3": PrefixList("pl-s3", (IPv4Network("52.216.0.0/15"),), "s3", ())}
    match = lpm([route("0.0.0.0/0", "igw", kind="internet-gateway"), pl_route("pl-s3", "vpce")],
                "52.217.9.9", plists)
    assert match is not None
    assert match.route.target == "vpce"
    assert match.best.prefix == IPv4Network("52.216.0.0/15")


def test_propagated_loses_to_static_at_equal_length() -> None:
    match = lpm([route("10.9.0.0/16", "vgw", "propagated"), route("10.9.0.0/16", "tgw")],
                "10.9.1.1")
    assert match is not None and match.route.target == "tgw"


def test_equal_routes_to_different_targets_are_flagged_ambiguous() -> None:
    plists = {
        "pl-a": PrefixList("pl-a", (IPv4Network("10.8.0.0/16"),), None, ()),
        "pl-b": PrefixList("pl-b", (IPv4Network("10.8.0.0/16"),), None, ()),
    }
    match = lpm([pl_route("pl-a", "x"), pl_route("pl-b", "y")], "10.8.0.1", plists)
    assert match is not None and match.ambiguous


prefixes = st.builds(
    lambda addr, length: IPv4Network((addr, length), strict=False),
    st.integers(0, 2**32 - 1), st.integers(0, 32),
)
origins = st.sampled_from(["static", "prefix-list", "propagated"])


@settings(max_examples=300)
@given(st.lists(st.tuples(prefixes, origins), min_size=0, max_size=30),
       st.integers(0, 2**32 - 1))
def test_lpm_equals_brute_force_scan(entries: list[tuple[IPv4Network, str]], value: int) -> None:
    address = IPv4Address(value)
    routes = [Route(p, None, "nat-gateway", f"t{i}", o, ("r", i))
              for i, (p, o) in enumerate(entries)]
    match = longest_prefix_match([Candidate(r, r.destination) for r in routes], address)
    matching = [r for r in routes if address in r.destination]
    if not matching:
        assert match is None
        return
    best_len = max(r.destination.prefixlen for r in matching)
    best_rank = min(ORIGIN_RANK[r.origin] for r in matching if r.destination.prefixlen == best_len)
    assert match is not None
    assert match.route.destination.prefixlen == best_len
    assert ORIGIN_RANK[match.route.origin] == best_rank
    assert len(match.others) == len(matching) - 1


def test_a_tie_behind_a_route_to_the_same_target_is_still_a_tie() -> None:
    """Three equal prefix-list routes, two to x and one to y: whichever comes second, AWS
    picks between x and y."""
    cidr = (IPv4Network("10.8.0.0/16"),)
    plists = {name: PrefixList(name, cidr, None, ()) for name in ("pl-a", "pl-b", "pl-c")}
    match = lpm([pl_route("pl-a", "x"), pl_route("pl-b", "x"), pl_route("pl-c", "y")],
                "10.8.0.1", plists)
    assert match is not None and match.ambiguous
    assert [c.route.target for c in match.tied] == ["y"]
