"""The free addresses of a subnet, as the VPC CNI can take them.

A secondary IP can be any free address. A prefix (prefix delegation) is a whole /28: 16
contiguous addresses aligned on a multiple of 16, none of them in use. So a subnet can have
addresses left and still refuse a prefix: AWS's reserved addresses (the first four and the
last) spoil the first and the last /28 of every subnet, and each interface's address spoils the
/28 it sits in. A /28 subnet can never hold a prefix.
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-prefix-eni.html)

Which free address a single IP takes is AWS's choice; netpath takes it from a /28 that is
already broken when there is one, the kindest case, so a shortage it reports is real.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from netpath.model.addr import Prefix

PREFIX_SIZE = 16  # a /28
RESERVED_AT_START = 4  # network, VPC router, DNS, future use
RESERVED_AT_END = 1  # broadcast


@dataclass
class SubnetSpace:
    blocks: int  # aligned /28s with no address in use
    loose: int  # free addresses inside /28s that something already uses

    @property
    def free(self) -> int:
        return self.blocks * PREFIX_SIZE + self.loose

    def take(self, prefixes: int, addresses: int) -> bool:
        """Take `prefixes` whole /28s and `addresses` single addresses, all or nothing."""
        if prefixes < 0 or addresses < 0:
            raise ValueError("cannot give addresses back")
        blocks = self.blocks - prefixes
        if blocks < 0 or addresses > self.loose + blocks * PREFIX_SIZE:
            return False
        loose = self.loose
        if addresses > loose:
            broken = -(-(addresses - loose) // PREFIX_SIZE)
            blocks -= broken
            loose += broken * PREFIX_SIZE
        self.blocks, self.loose = blocks, loose - addresses
        return True


def subnet_space(cidr: Prefix, in_use: Iterable[int]) -> SubnetSpace:
    """The space of a subnet whose interfaces use the addresses `in_use` (integers; those
    outside the subnet are ignored)."""
    first = int(cidr.network_address)
    size = cidr.num_addresses
    used = {a - first for a in in_use if 0 <= a - first < size}
    used |= set(range(min(RESERVED_AT_START, size)))
    used.add(size - RESERVED_AT_END)
    spoiled = {offset // PREFIX_SIZE for offset in used}
    all_blocks = size // PREFIX_SIZE
    return SubnetSpace(all_blocks - len(spoiled), len(spoiled) * PREFIX_SIZE - len(used))
