"""Terraform resources that get an IPv6 block AWS assigns.

A VPC's block from Amazon's pool (`assign_generated_ipv6_cidr_block`, an
`aws_vpc_ipv6_cidr_block_association` with `amazon_provided` or an IPAM pool)
has no value before apply; how literal blocks beside it are read is in
..ipv6_blocks, the same for every reader.
"""

from __future__ import annotations

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
