"""Longest-prefix match over a route table, prefix-list routes included.

AWS picks the most specific matching route whatever the order routes are written in (the
guide's "evaluated in order" is wrong); among routes of equal prefix length, static routes beat
prefix-list routes, which beat propagated ones
(https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html).
The index buckets routes by prefix length, so a lookup is at most 33 dictionary probes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Generic, TypeVar

from netpath.model.addr import Address, Prefix
from netpath.model.record import record
from netpath.model.resources import ORIGIN_RANK, PrefixList, Route, RouteTable, TgwRoute

R = TypeVar("R", Route, TgwRoute)


@record
class Candidate(Generic[R]):
    route: R
    prefix: Prefix  # the prefix that matched (for a prefix-list route: one of its CIDRs)


@record
class RouteMatch(Generic[R]):
    best: Candidate[R]
    others: tuple[Candidate[R], ...]  # every other matching route, most specific first
    # the other routes as specific and as preferred as the best, to other targets: AWS picks
    # one of them at random and keeps it
    tied: tuple[Candidate[R], ...] = ()

    @property
    def route(self) -> R:
        return self.best.route

    @property
    def ambiguous(self) -> bool:
        return bool(self.tied)


class PrefixIndex(Generic[R]):
    """Routes bucketed by prefix length: {length: {network as int: [candidates]}}."""

    __slots__ = ("_buckets", "_lengths")

    _buckets: dict[int, dict[int, list[Candidate[R]]]]
    _lengths: list[int]

    def __init__(self, candidates: Iterable[Candidate[R]]) -> None:
        buckets: dict[int, dict[int, list[Candidate[R]]]] = {}
        for candidate in candidates:
            prefix = candidate.prefix
            bucket = buckets.setdefault(prefix.prefixlen, {})
            bucket.setdefault(int(prefix.network_address), []).append(candidate)
        for bucket in buckets.values():
            for found in bucket.values():
                found.sort(key=lambda c: _rank(c.route))
        self._buckets = buckets
        self._lengths = sorted(buckets, reverse=True)

    def matches(self, address: Address) -> list[Candidate[R]]:
        """Every matching candidate, most specific first, best rank first within a length."""
        value = int(address)
        found: list[Candidate[R]] = []
        for length in self._lengths:
            network = value & _MASKS[length]
            hits = self._buckets[length].get(network)
            if hits:
                found.extend(hits)
        return found

    def lookup(self, address: Address) -> RouteMatch[R] | None:
        found = self.matches(address)
        if not found:
            return None
        best = found[0]
        rank = _rank(best.route)
        tied = []
        for other in found[1:]:  # most specific, then best ranked, first: the ties lead
            if other.prefix.prefixlen != best.prefix.prefixlen or _rank(other.route) != rank:
                break
            if other.route.target != best.route.target:
                tied.append(other)
        return RouteMatch(best, tuple(found[1:]), tuple(tied))


_MASKS = tuple(((1 << 32) - 1) ^ ((1 << (32 - n)) - 1) for n in range(33))


def _rank(route: Route | TgwRoute) -> int:
    return ORIGIN_RANK[route.origin]


def route_candidates(
    table: RouteTable, prefix_lists: Mapping[str, PrefixList]
) -> list[Candidate[Route]]:
    """Expand prefix-list routes into one candidate per CIDR of the list."""
    out: list[Candidate[Route]] = []
    for route in table.routes:
        if route.prefix_list is not None:
            plist = prefix_lists.get(route.prefix_list)
            for cidr in plist.cidrs if plist else ():
                out.append(Candidate(route, cidr))
        elif route.destination is not None:
            out.append(Candidate(route, route.destination))
    return out


def longest_prefix_match(
    routes: Iterable[Candidate[R]], address: Address
) -> RouteMatch[R] | None:
    """One-off lookup without an index (tests and small tables)."""
    return PrefixIndex(routes).lookup(address)
