"""Typed addresses, prefixes and port ranges.

Addresses and prefixes are `ipaddress` objects, never strings, so that IPv6 can follow; the
engine's indexes key on `int(address)` and `prefixlen` for speed.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

Address = IPv4Address
Prefix = IPv4Network

ANY_PREFIX = IPv4Network("0.0.0.0/0")


def parse_address(text: str) -> Address:
    return IPv4Address(text)


def ipv4_or_none(text: str) -> Address | None:
    """The IPv4 address `text` writes, None when it is anything else."""
    try:
        return IPv4Address(text)
    except ValueError:
        return None


def parse_prefix(text: str) -> Prefix:
    """A CIDR in canonical form; `strict` so that 10.0.1.5/24 is refused, as AWS does."""
    return IPv4Network(text, strict=True)


def is_public(address: Address) -> bool:
    """Routable on the internet: not private, shared (100.64/10), loopback, link-local...

    Documentation ranges (TEST-NET-1/2/3) count as public here: specs and examples use them
    as stand-ins for real public addresses.
    """
    if any(address in network for network in _DOCUMENTATION):
        return True
    return address.is_global


_DOCUMENTATION = tuple(
    IPv4Network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)


@dataclass(frozen=True, slots=True, order=True)
class PortRange:
    """An inclusive range of ports, e.g. 32768-60999."""

    low: int
    high: int

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.low <= port <= self.high

    @property
    def size(self) -> int:
        return self.high - self.low + 1

    def __str__(self) -> str:
        if self.low == self.high:
            return str(self.low)
        if self == ALL_PORTS:
            return "all"
        return f"{self.low}-{self.high}"

    @staticmethod
    def parse(value: int | str) -> PortRange:
        """`443`, `"443"`, `"1024-65535"` or `"all"`."""
        if isinstance(value, int):
            return PortRange(value, value)
        text = value.strip()
        if text in ("all", "*"):
            return ALL_PORTS
        if "-" in text:
            low, high = text.split("-", 1)
            return PortRange(int(low), int(high))
        return PortRange(int(text), int(text))


ALL_PORTS = PortRange(0, 65535)
