"""Literal IPv6 blocks in a template whose VPC gets an IPv6 block AWS assigns.

`AmazonProvidedIpv6CidrBlock`, an IPv6 IPAM or BYOIP pool without a literal
block, or an `Ipv6CidrBlock` that is not literal give a VPC a block no
template holds (see ..ipv6_blocks). A rule's literal `CidrIpv6` that may or
may not hold it admits the VPC's addresses or not, a free choice beside the
block itself; a NACL entry or route that writes one (in the VPC layer,
`Layer.cidr`) is not known, so its NACL or table is left out. A prefix list
of the template with such an entry is the same: a rule naming it may match
the VPC's addresses or not, a route to it leaves its table out.
"""

from __future__ import annotations

from typing import Any

from ...model import Cidr, CidrPeer, Peer, PrefixListPeer, UnknownPeer
from ...model.assigned_v6 import compares_the_same, overlaps_stand_ins
from ..ipv6_blocks import literal_peers, unknown_reason
from .intrinsics import ResRef, Unknown

VPC_BLOCK = "AWS::EC2::VPCCidrBlock"


def assigned_block(ctx: Any) -> str:
    """`logical (file:line)` of the first VPC block AWS assigns; "" when every IPv6 block is literal."""
    for logical in ctx.logicals(VPC_BLOCK):
        _, props, line = ctx.body(logical)
        if _assigns(ctx, props, line):
            return f"{logical} ({ctx.path}:{line})"
    return ""


def literal_vpc_blocks(ctx: Any) -> list[Cidr]:
    """The literal IPv6 blocks of VPCs none of whose IPv6 blocks AWS assigns: an address inside one
    compares with what the VPC layer holds as it does with the real block."""
    by_vpc: dict[str, list] = {}
    for logical in ctx.logicals(VPC_BLOCK):
        _, props, line = ctx.body(logical)
        vpc = ctx.resolver.resolve(props.get("VpcId"), line)
        key = vpc.logical if isinstance(vpc, ResRef) else str(vpc)
        text = ctx.resolver.resolve(props.get("Ipv6CidrBlock"), line)
        if _assigns(ctx, props, line):
            by_vpc.setdefault(key, []).append(None)
        elif isinstance(text, str):
            try:
                by_vpc.setdefault(key, []).append(Cidr.parse(text))
            except ValueError:
                continue  # the VPC layer reports it
    return [b for blocks in by_vpc.values() if None not in blocks for b in blocks]


def _assigns(ctx: Any, props: Any, line: int) -> bool:
    if "Ipv6CidrBlock" in props:
        return not isinstance(ctx.resolver.resolve(props["Ipv6CidrBlock"], line), str)
    if "AmazonProvidedIpv6CidrBlock" in props:
        wanted = ctx.resolver.resolve(props["AmazonProvidedIpv6CidrBlock"], line)
        return isinstance(wanted, Unknown) or str(wanted).strip().lower() != "false"
    return "Ipv6IpamPoolId" in props or "Ipv6Pool" in props


def incomparable_entry(ctx: Any, prefix_list: str) -> str:
    """Why a prefix list of the template cannot be compared with a VPC block AWS assigns; "" if it can."""
    found = ctx.prefix_lists.get(prefix_list) if ctx.assigned_v6 else None
    for cidr in found.cidrs if found is not None else ():
        if not compares_the_same(cidr):
            return f"its entry {unknown_reason(cidr, ctx.assigned_v6)}"
    return ""


def literal_v6_peers(ctx: Any, peer: Peer, line: int, where: str) -> list[Peer]:
    """The peer itself, or, where its block may hold a VPC block AWS assigns, that as a value not known
    too (and not the block itself where it holds stand-ins, which it would match as the real block may not)."""
    if isinstance(peer, PrefixListPeer):
        incomparable = incomparable_entry(ctx, peer.prefix_list)
        if not incomparable:
            return [peer]
        reason = f"prefix list {peer.prefix_list}: {incomparable}"
        ctx.warn(line, f"{reason}: a rule naming it is taken to admit the VPC's addresses or not, a free choice")
        holds_stand_ins = any(overlaps_stand_ins(c) for c in ctx.prefix_lists[peer.prefix_list].cidrs)
        return [UnknownPeer(reason)] if holds_stand_ins else [peer, UnknownPeer(reason)]
    if not isinstance(peer, CidrPeer):
        return [peer]
    return literal_peers(peer, ctx.assigned_v6, where, lambda text: ctx.warn(line, text))
