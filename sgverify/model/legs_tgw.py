"""Legs through a transit gateway (docs/vpc.md, "transit gateway").

The table associated with the source VPC's attachment decides by longest
prefix match; the packet enters the transit gateway through the attachment's
interface in one of its subnets and leaves through the far attachment's
interface: the NACLs of the source subnet (outbound), of the near attachment
subnet (inbound), of the far attachment subnet (outbound) and of the
destination subnet (inbound) filter it, each only where the packet crosses a
subnet boundary. Which attachment subnet (zone) is used is a free choice.

A destination outside the far VPC's blocks is routed on by the far
attachment subnet's route table (a central egress VPC sends it to a NAT
gateway there): the packet goes on from that subnet, and its reply must be
routed back to the transit gateway wherever it re-enters a route table.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from . import intervals as iv
from .forwarding import tgw_pieces
from .leg import Hop, RouteBack, TgwBack
from .topology import TargetKind, TgwAttachment

if TYPE_CHECKING:
    from .leg import Leg
    from .legs import Legs, _From


def transit(legs: "Legs", state: "_From", tgw: str, space) -> list["Leg"]:

    t = legs.topology
    vpc = state.subnet.vpc
    if state.transits:  # a second crossing of a transit gateway: not followed, a free choice
        return legs._unknown(state, space, f"target:{tgw} (crossed again)")
    near = [a for a in t.tgw_attachments.values() if a.transit_gateway == tgw and a.vpc == vpc]
    if not near:
        return legs._unknown(state, space, f"target:{tgw}") if tgw not in t.transit_gateways else []
    attachment = near[0]
    if attachment.route_table is None:
        return []
    if attachment.route_table not in t.tgw_route_tables:
        return legs._unknown(state, space, f"target:{attachment.route_table}")
    out = []
    groups = f"tgw-groups:{tgw}" if state.seen == "src" else "no"
    for piece in tgw_pieces(t, attachment.route_table, legs.family):
        part = iv.intersect(list(piece.space), space)
        choice = piece.choice
        if not part or choice.attachment is None:
            continue  # blackhole
        far_attachment = t.tgw_attachments.get(choice.attachment)
        if far_attachment is None or far_attachment.vpc not in t.vpcs:
            out += legs._unknown(state, part, f"target:{choice.attachment}")
            continue
        if far_attachment.vpc == vpc:
            continue
        origin = choice.route.origin if choice.route else t.tgw_route_tables[attachment.route_table].origin
        hop = Hop(f"transit gateway {tgw}, table {attachment.route_table}: -> {far_attachment.key}"
                  + ("" if choice.route else " (propagated)"), origin)
        for near_index, near_subnet in _zones(legs, attachment):
            for far_index, far_subnet in _zones(legs, far_attachment):
                for dest in legs.subnets_of(far_attachment.vpc):
                    reach = iv.intersect(part, legs.blocks(dest))
                    if not reach:
                        continue
                    request, reply = [], []
                    if near_subnet is not None and near_subnet.key != state.subnet.key:
                        request.append(legs.cross(near_subnet, False, state.seen))
                        reply.insert(0, legs.cross(near_subnet, True, state.seen, True, state.nat))
                    far_request, far_reply = [], [
                        RouteBack(dest.key, legs.table(dest), state.seen, tgw, TargetKind.TRANSIT_GATEWAY),
                        TgwBack(far_attachment.route_table, state.seen, attachment.key)]
                    if far_subnet is not None and far_subnet.key != dest.key:
                        far_request.append(legs.cross(far_subnet, True, "dst"))
                        far_reply.append(legs.cross(far_subnet, False, "dst", True, state.nat))
                    far_request.append(legs.cross(dest, False, state.seen))
                    far_reply.insert(2, legs.cross(dest, True, state.seen, True, state.nat))
                    choices = tuple(c for c in (_choice(attachment, near_index), _choice(far_attachment, far_index)) if c)
                    out.append(legs._leave(state, reach, "subnet", None, request + far_request,
                                           far_reply + reply, groups, (hop,), vpc=far_attachment.vpc,
                                           subnet=dest.key, choices=choices))
                beyond = iv.subtract(part, legs.vpc_blocks(far_attachment.vpc), legs.family.top)
                if beyond and far_subnet is not None:
                    choices = tuple(c for c in (_choice(attachment, near_index), _choice(far_attachment, far_index)) if c)
                    out += _onward(legs, state, (attachment, near_subnet), (far_attachment, far_subnet), beyond,
                                   hop, choices)
    return out


def _onward(legs: "Legs", state: "_From", near, far, space, hop: Hop, choices) -> list["Leg"]:
    """Legs for destinations beyond the far VPC: routed on from the far attachment subnet."""
    from .legs import _From

    attachment, near_subnet = near
    far_attachment, far_subnet = far
    out = legs.cross(state.subnet, True, "dst")
    request, reply = state.request + (out,), ()
    hops = state.hops + (out, hop)
    if near_subnet is not None and near_subnet.key != state.subnet.key:
        crossed = legs.cross(near_subnet, False, state.seen)
        request, hops = request + (crossed,), hops + (crossed,)
        reply = (legs.cross(near_subnet, True, state.seen, True, state.nat),)
    reply = (TgwBack(far_attachment.route_table, state.seen, attachment.key),) + reply + \
        (legs.cross(state.subnet, False, "dst", True, state.nat),) + state.reply
    hops += (Hop(f"into {far_attachment.vpc} at {far_subnet.key}, routed on by its table"),)
    moved = _From(far_subnet, state.seen, request, reply, hops, nat=state.nat,
                  back_via=attachment.transit_gateway, transits=state.transits + 1)
    return [replace(leg, choices=leg.choices + choices) for leg in legs._routed(moved, space, None)]


def _zones(legs: "Legs", attachment: TgwAttachment):
    subnets = [legs.topology.subnets[k] for k in attachment.subnets if k in legs.topology.subnets]
    return list(enumerate(subnets)) or [(0, None)]


def _choice(attachment: TgwAttachment, index: int):
    count = len(attachment.subnets)
    return (f"zone:{attachment.key}", index, count) if count > 1 else None

