"""The free space of a subnet: whole aligned /28s for prefixes, single addresses anywhere.

The property test keeps a reference bitmap of the subnet: a prefix takes the lowest /28 with
every address free, an address takes a free one from a /28 already in use when there is one
(the kind choice SubnetSpace documents), else from a whole /28. Both must agree on success,
free addresses and whole /28s after every step.
"""

from __future__ import annotations

from ipaddress import IPv4Network

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netpath.engine.subnet_space import PREFIX_SIZE, subnet_space


def test_reserved_addresses_spoil_the_first_and_last_28() -> None:
    space = subnet_space(IPv4Network("10.0.10.0/24"), [])
    assert (space.blocks, space.free) == (14, 251)  # 16 /28s; 256 - 5 reserved


def test_a_28_subnet_never_holds_a_prefix() -> None:
    space = subnet_space(IPv4Network("10.0.10.0/28"), [])
    assert (space.blocks, space.free) == (0, 11)
    assert not space.take(1, 0)
    assert space.take(0, 11) and space.free == 0


def test_interfaces_spoil_the_28_they_sit_in() -> None:
    cidr = IPv4Network("10.0.10.0/24")
    addresses = [int(cidr.network_address) + offset for offset in (20, 21, 40, 300)]
    space = subnet_space(cidr, addresses)  # 300 is outside: ignored
    assert (space.blocks, space.free) == (12, 248)


def test_single_addresses_use_broken_28s_first() -> None:
    space = subnet_space(IPv4Network("10.0.10.0/24"), [])
    assert space.loose == 27  # the first /28 holds 4 reserved addresses, the last 1
    assert space.take(0, 27) and space.blocks == 14
    assert space.take(0, 1) and space.blocks == 13 and space.loose == 15


def test_taking_is_all_or_nothing() -> None:
    space = subnet_space(IPv4Network("10.0.10.0/27"), [])
    before = (space.blocks, space.loose)
    assert not space.take(1, 0)
    assert not space.take(0, 28)
    assert (space.blocks, space.loose) == before
    with pytest.raises(ValueError):
        space.take(0, -1)


def _reference_take(free: set[int], size: int, prefixes: int, addresses: int) -> bool:
    trial = set(free)
    for _ in range(prefixes):
        block = next((b for b in range(0, size, PREFIX_SIZE)
                      if all(b + i in trial for i in range(PREFIX_SIZE))), None)
        if block is None:
            return False
        trial -= set(range(block, block + PREFIX_SIZE))
    for _ in range(addresses):
        broken = [a for a in sorted(trial)
                  if not all(a // 16 * 16 + i in trial for i in range(PREFIX_SIZE))]
        pool = broken or sorted(trial)
        if not pool:
            return False
        trial.discard(pool[0])
    free.clear()
    free.update(trial)
    return True


def _whole_blocks(free: set[int], size: int) -> int:
    return sum(all(b + i in free for i in range(PREFIX_SIZE)) for b in range(0, size, PREFIX_SIZE))


@settings(max_examples=200, deadline=None)
@given(length=st.integers(24, 28), data=st.data())
def test_agrees_with_a_bitmap_of_the_subnet(length: int, data: st.DataObject) -> None:
    cidr = IPv4Network(f"10.0.8.0/{length}")
    size = cidr.num_addresses
    used = data.draw(st.sets(st.integers(0, size - 1), max_size=12))
    space = subnet_space(cidr, [int(cidr.network_address) + u for u in used])
    free = set(range(size)) - used - {0, 1, 2, 3, size - 1}
    steps = data.draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 20)), max_size=8))
    for prefixes, addresses in steps:
        assert space.take(prefixes, addresses) == _reference_take(free, size, prefixes,
                                                                  addresses)
        assert (space.free, space.blocks) == (len(free), _whole_blocks(free, size))
