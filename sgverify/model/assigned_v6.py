"""IPv6 blocks AWS assigns to VPCs, and the stand-ins that take their place.

A VPC's block from Amazon's pool (or an IPAM or BYOIP pool) has no value in a
template or a configuration; readers give it a stand-in block inside
3fff::/20, the IPv6 documentation prefix: 3fff::/21 for a block from
Amazon's pool, 3fff:800::/21 for one from another pool. What a literal block
may share with the real block is worked out here, once, for the readers and
for the verdicts.
"""

from __future__ import annotations

from .addresses import Cidr, Family

STAND_IN_PREFIX = Cidr.parse("3fff::/20")
POOL_BIT = 1 << 107  # the first bit after 3fff::/20: set for a block from an IPAM or BYOIP pool
GLOBAL_UNICAST = Cidr.parse("2000::/3")
DOCUMENTATION = Cidr.parse("2001:db8::/32")


def compares_the_same(block: Cidr) -> bool:
    """Whether `block` holds all or none of every block AWS may assign, and so of the stand-ins too."""
    if block.family is not Family.V6:
        return True
    return within(GLOBAL_UNICAST, block) or not overlap(block, GLOBAL_UNICAST) or within(block, DOCUMENTATION)


def overlaps_stand_ins(block: Cidr) -> bool:
    return overlap(block, STAND_IN_PREFIX)


def is_stand_in(block: Cidr) -> bool:
    """Whether `block` lies inside the stand-ins' prefix: cut from a stand-in (the reader gave it)."""
    return block.family is Family.V6 and within(block, STAND_IN_PREFIX)


def within(inner: Cidr, outer: Cidr) -> bool:
    """Whether `outer` holds all of `inner`."""
    return outer.first <= inner.first and inner.last <= outer.last


def overlap(a: Cidr, b: Cidr) -> bool:
    return a.first <= b.last and b.first <= a.last


# Every IPv6 range AWS publishes (ip-ranges.json, all services), each widened to
# its /24: the blocks Amazon's pool assigns to VPCs lie inside these.
AMAZON_V6 = tuple(Cidr.parse(c) for c in (
    "2001:3f00::/24", "2400:6500::/24", "2400:6700::/24", "2400:7f00::/24", "2403:b300::/24",
    "2404:c200::/24", "2406:da00::/24", "2409:8c00::/24", "240f:8000::/24", "2600:1f00::/24",
    "2600:9000::/24", "2600:f000::/24", "2602:f700::/24", "2605:9c00::/24", "2605:b100::/24",
    "2606:7b00::/24", "2606:8100::/24", "2606:f00::/24", "2620:100::/24", "2804:800::/24",
    "2a01:500::/24", "2a05:d000::/24"))


def may_hold_real_block(block: Cidr, stand_in: Cidr) -> bool:
    """Whether a literal `block` may share addresses with the real block `stand_in`
    stands for: a block from Amazon's pool lies in AMAZON_V6, one from an IPAM or
    BYOIP pool may be any global unicast block."""
    if compares_the_same(block) or is_stand_in(block):
        return False
    if stand_in.network & POOL_BIT:
        return True
    return any(overlap(block, amazon) for amazon in AMAZON_V6)
