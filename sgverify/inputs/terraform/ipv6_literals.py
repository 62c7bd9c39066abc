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

from ..ipv6_blocks import compares_the_same, overlaps_stand_ins, unknown_reason

__all__ = ["ASSIGNING_TYPES", "assigned_block_of", "compares_the_same", "overlaps_stand_ins", "unknown_reason"]

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
