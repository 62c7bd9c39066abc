"""Literal IPv6 blocks beside an IPv6 block AWS assigns, the same for every reader.

A VPC's block from Amazon's pool (or an IPAM or BYOIP pool) has no value in a
template or a configuration; the VPC layer gives it a stand-in block inside
3fff::/20 (see vpc_defaults). A literal block written elsewhere (a rule's
peer, a NACL entry, a route) is then compared with the stand-in, and the
stand-in is not the real block: `2600:1f18::/36` may hold the VPC's real
addresses and does not hold the stand-in. Such a literal is not known in the
comparison that matters, so readers take it as a value not known.

Only literals that compare the same with every block AWS may assign are kept
as they are: those holding all global unicast space (2000::/3, so `::/0`),
those outside it (link-local, unique local, multicast...), and those inside
the documentation prefix 2001:db8::/32, which AWS never assigns and which
holds no stand-in (see model/assigned_v6.py, where that comparison is made).
"""

from __future__ import annotations

from typing import Callable

from ..model import Cidr, CidrPeer, Peer, UnknownPeer
from ..model.assigned_v6 import compares_the_same, overlaps_stand_ins


def unknown_reason(block: Cidr, assigned: str) -> str:
    return f"is {block}, which may or may not hold the IPv6 block AWS assigns to {assigned}"


def literal_peers(peer: CidrPeer, assigned: str, where: str, warn: Callable[[str], None]) -> list[Peer]:
    """A rule's literal peer, or, where its block may hold the VPC block AWS assigns to `assigned`, that
    as a value not known too (and not the block itself where it holds stand-ins, which it would match
    as the real block may not)."""
    if not assigned or compares_the_same(peer.cidr):
        return [peer]
    reason = unknown_reason(peer.cidr, assigned)
    warn(f"{where} {reason}: it is taken to admit the VPC's addresses or not, a free choice")
    unknown: list[Peer] = [UnknownPeer(f"{where} {reason}")]
    return unknown if overlaps_stand_ins(peer.cidr) else [peer] + unknown


