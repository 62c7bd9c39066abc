"""Literal IPv6 blocks of a spec that the network cannot compare.

A VPC's IPv6 block that AWS assigns has no value in a configuration or a
template; its reader stands for it with a block of 3fff::/20. A spec's literal
block (`from: 2600:1f18::/36`) that may hold some of the real block's
addresses is then compared with the stand-in, which it does not hold: the
addresses it names inside the VPC are taken for outside hosts. A proof that
relies on that comparison is not a proof, so such a "holds" is unknown.
A counterexample stays one: it is a packet of one way the block may lie.
"""

from __future__ import annotations

from ..model import Family, Network
from ..model.assigned_v6 import is_stand_in, may_hold_real_block
from ..spec import AddressEndpoint, Assertion


def unsettled_literals(network: Network, assertion: Assertion) -> list[str]:
    """Why the assertion's literal IPv6 blocks may hold a VPC's real block: one reason each."""
    if network.topology is None:
        return []
    stand_ins = [(vpc.key, block) for vpc in network.topology.vpcs.values()
                 for block in vpc.blocks(Family.V6) if is_stand_in(block)]
    reasons = []
    for endpoint in assertion.sources + assertion.destinations:
        if not isinstance(endpoint, AddressEndpoint):
            continue
        for cidr in endpoint.cidrs:
            held = [key for key, block in stand_ins if cidr.family is Family.V6 and may_hold_real_block(cidr, block)]
            if held:
                reasons.append(f"{cidr} may hold addresses of the IPv6 block AWS assigns to "
                               f"{', '.join(dict.fromkeys(held))}, which the input stands for with another block")
    return reasons
