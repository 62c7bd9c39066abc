"""Literal IPv6 blocks beside an IPv6 block AWS assigns.

A VPC's block from Amazon's pool (`assign_generated_ipv6_cidr_block`, an
`aws_vpc_ipv6_cidr_block_association` with `amazon_provided` or an IPAM pool)
has no value before apply; the VPC layer gives it a stand-in block inside
3fff::/20 (see vpc_defaults). A literal block written elsewhere (a rule's
`ipv6_cidr_blocks`, a NACL entry, a route) is compared with the stand-in, and
the stand-in is not the real block: `2600:1f18::/36` may hold the VPC's real
addresses and does not hold the stand-in. Such a literal is therefore not
known in the comparison that matters, and is read as a value not known.

Only literals that compare the same with every block AWS may assign are kept
as they are: those holding all global unicast space (2000::/3, e.g. ::/0),
those outside it (link-local, unique local, multicast...), and the
documentation prefix 2001:db8::/32, which AWS never assigns.
"""

from __future__ import annotations

from ...model import Cidr, Family
from ..vpc_defaults import STAND_IN_PREFIX

GLOBAL_UNICAST = Cidr.parse("2000::/3")
DOCUMENTATION = Cidr.parse("2001:db8::/32")
ASSIGNING_TYPES = ("aws_vpc", "aws_vpc_ipv6_cidr_block_association")


def assigned_block_of(res_type: str, values: dict, origin: str) -> str:
    """`address (file:line)` of a resource whose IPv6 block AWS assigns; "" for any other."""
    if res_type not in ASSIGNING_TYPES or isinstance(values.get("ipv6_cidr_block"), str) and \
            values.get("ipv6_cidr_block"):
        return ""  # no IPv6 block, or a literal one
    if res_type == "aws_vpc":
        generated = values.get("assign_generated_ipv6_cidr_block")
        asks = generated not in (None, False, "false") or values.get("ipv6_ipam_pool_id") not in (None, "")
        return origin if asks else ""
    return origin  # an association without a literal block: amazon_provided or a pool


def compares_the_same(block: Cidr) -> bool:
    """Whether `block` holds all or none of every block AWS may assign, and the same of the stand-ins."""
    if block.family is not Family.V6:
        return True
    return _within(block, GLOBAL_UNICAST) or not _overlap(block, GLOBAL_UNICAST) or _within(DOCUMENTATION, block)


def unknown_reason(block: Cidr, assigned: str) -> str:
    return f"is {block}, which may or may not hold the IPv6 block AWS assigns to {assigned}"


def overlaps_stand_ins(block: Cidr) -> bool:
    return _overlap(block, STAND_IN_PREFIX)


def _within(outer: Cidr, inner: Cidr) -> bool:
    """Whether `outer` holds all of `inner`."""
    return outer.first <= inner.first and inner.last <= outer.last


def _overlap(a: Cidr, b: Cidr) -> bool:
    return a.first <= b.last and b.first <= a.last
