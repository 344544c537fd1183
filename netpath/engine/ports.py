"""Ephemeral port ranges and deterministic port choices.

The client that opens a connection picks its source port from its own ephemeral range; a reply
goes back to that port, which is why stateless NACLs must let the whole range back
(https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html#nacl-ephemeral-ports).
Ports are chosen by hashing the flow, never at random: the same trace gives the same ports.
"""

from __future__ import annotations

import zlib

from netpath.model.addr import PortRange
from netpath.model.record import record


@record
class Ephemeral:
    who: str  # in words, for explanations
    ports: PortRange

    def __str__(self) -> str:
        return f"{self.who} {self.ports}"


# Linux's default net.ipv4.ip_local_port_range is 32768-60999 (AWS's NACL page says 61000).
EPHEMERAL: dict[str, Ephemeral] = {
    "linux": Ephemeral("Linux", PortRange(32768, 60999)),
    "windows": Ephemeral("Windows", PortRange(49152, 65535)),
    "nat-gateway": Ephemeral("NAT gateway", PortRange(1024, 65535)),
    "elb": Ephemeral("Elastic Load Balancing", PortRange(1024, 65535)),
    "lambda": Ephemeral("AWS Lambda", PortRange(1024, 65535)),
    "internet": Ephemeral("an internet client, whose range netpath assumes",
                          PortRange(1024, 65535)),
}


def ephemeral_for(client_os: str) -> Ephemeral:
    return EPHEMERAL.get(client_os, EPHEMERAL["linux"])


def pick_port(ports: PortRange, *salt: object) -> int:
    """A port inside `ports` chosen by a stable hash of `salt`."""
    digest = zlib.crc32("|".join(str(s) for s in salt).encode())
    return ports.low + digest % ports.size
