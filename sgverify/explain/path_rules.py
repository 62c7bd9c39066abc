"""Security-group matching on the path, for one concrete packet.

On the path the two ends are known, so a group reference is decided by who
the peer end is and whether the leg lets group references see it (a local
route or a peering: yes; a NAT or internet gateway: no; a transit gateway:
a free choice). A peer that is no resource (an unmanaged host, an outside
host) may be a member of an opaque group, a free choice as everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import CidrPeer, Direction, GroupPeer, PrefixListPeer, Rule
from ..model.ends import EndKind
from ..model.free import member_choice, unknown_choice
from ..model.leg import Leg

if TYPE_CHECKING:
    from .path_evaluate import Flow, PathEvaluator


def groups_visible(leg: Leg, free) -> bool:
    if leg.groups in ("yes", "no"):
        return leg.groups == "yes"
    return bool(free.get(leg.groups, False))


def sg_admitting(ev: "PathEvaluator", flow: "Flow", leg: Leg, direction: Direction) -> list[Rule]:
    network = ev.network
    egress = direction is Direction.EGRESS
    end = flow.src_end if egress else flow.dst_end
    peer_end = flow.dst_end if egress else flow.src_end
    peer_address = flow.dst if egress else ev.address(flow, leg.seen)
    # The peer's own address, over a leg where group references can apply at all.
    own_address = leg.groups != "no" and (leg.arrival in ("subnet", "outside") if egress else leg.seen == "src")
    peer_resource = network.resources.get(peer_end.resource) if peer_end.kind is EndKind.RESOURCE else None
    sees_groups = own_address and groups_visible(leg, flow.free)
    out = []
    for group_key in dict.fromkeys(network.resources[end.resource].groups):
        group = network.groups.get(group_key)
        if group is None:
            continue
        for position, rule in enumerate(group.rules(direction)):
            if rule.service_unknown and not flow.free.get(unknown_choice(rule, position), False):
                continue
            if not any(lo <= flow.service <= hi for lo, hi in rule.service.spans):
                continue
            peer = rule.peer
            if isinstance(peer, CidrPeer):
                matched = peer.cidr.contains(ev.family, peer_address)
            elif isinstance(peer, PrefixListPeer):
                matched = any(c.contains(ev.family, peer_address) for c in network.prefix_lists[peer.prefix_list].cidrs)
            elif isinstance(peer, GroupPeer):
                matched = _member(network, peer.group, peer_resource, sees_groups, own_address,
                                  flow.free, "dst" if egress else "src")
            else:
                matched = flow.free.get(unknown_choice(rule, position), False)
            if matched:
                out.append(rule)
    return out


def _member(network, group: str, peer_resource, sees_groups: bool, own_address: bool, free, side: str) -> bool:
    if peer_resource is not None:
        return sees_groups and group in peer_resource.groups
    g = network.groups.get(group)
    return bool(g and g.opaque and own_address and free.get(member_choice(side, group), False))
