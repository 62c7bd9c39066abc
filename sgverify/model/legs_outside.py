"""Legs through what the input does not describe, and legs from outside.

A target, a route table or a VPC entry point that the input leaves out is a
free choice: the packet may go on to an outside host, or into a VPC that
itself has a way to something undescribed; a table not described may use any
target its VPC has. Outside hosts reach the input through internet gateways
and through such undescribed ways in.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from . import intervals as iv
from .addresses import Cidr, Family
from .leg import Hop, Leg, RouteBack
from .topology import Route, TargetKind, Topology

if TYPE_CHECKING:
    from .ends import Addr
    from .legs import Legs, _From


def any_route(legs: "Legs", state: "_From", space, public: Addr | None, table: str) -> list["Leg"]:
    """A route table not in the input may send a destination to something
    undescribed, or to any target its VPC has: one free choice among them
    per packet (routing is deterministic)."""
    targets = targets_of(legs.topology, state.subnet.vpc, legs.family)
    count = len(targets) + 1
    choice = f"route:{table}"
    out = [replace(leg, choices=leg.choices + ((choice, 0, count),))
          for leg in undescribed(legs, state, space, f"route-table:{table}")]
    for index, route in enumerate(targets, 1):
        hop = Hop(f"{table} (not in the input): perhaps {route} (a free choice)")
        moved = replace(state, hops=state.hops + (hop,))
        out += [replace(leg, choices=leg.choices + ((choice, index, count),))
               for leg in legs._via(moved, route, space, public)]
    return out


def targets_of(t: Topology, vpc: str, family: Family) -> list[Route]:
    """A route to each target a table of the VPC could name."""
    anywhere = Cidr.parse("0.0.0.0/0" if family is Family.V4 else "::/0")
    found = [(TargetKind.INTERNET_GATEWAY, k) for k, g in t.internet_gateways.items() if g.vpc == vpc]
    found += [(TargetKind.EGRESS_ONLY_GATEWAY, k) for k, g in t.egress_only_gateways.items() if g.vpc == vpc]
    found += [(TargetKind.NAT_GATEWAY, k) for k, n in t.nat_gateways.items()
              if n.subnet in t.subnets and t.subnets[n.subnet].vpc == vpc]
    found += [(TargetKind.PEERING, k) for k, p in t.peerings.items() if vpc in (p.requester_vpc, p.accepter_vpc)]
    found += [(TargetKind.TRANSIT_GATEWAY, k) for k in sorted({a.transit_gateway for a in t.tgw_attachments.values()
                                                               if a.vpc == vpc})]
    found += [(TargetKind.GATEWAY_ENDPOINT, k) for k, e in t.endpoints.items() if e.vpc == vpc]
    return [Route(kind, key, anywhere) for kind, key in sorted(found, key=lambda f: (f[0].value, f[1]))]


def undescribed(legs: "Legs", state: "_From", space, name: str) -> list["Leg"]:
    """A free choice: the packet may reach an outside host, or a VPC that
    itself has a way to something undescribed."""
    hop = Hop(f"{name.split(':', 1)[1]}: not in the input (a free choice)")
    assume = (f"via:{name}",)
    out = [legs._leave(state, space, "outside", hops=(hop,), assume=assume)]
    for vpc in legs.unknown_vpcs:
        if vpc == state.subnet.vpc:
            continue
        for far in legs.subnets_of(vpc):
            part = iv.intersect(space, legs.blocks(far))
            if part:
                far_request = (legs.cross(far, False, state.seen),)
                far_reply = (RouteBack(far.key, legs.table(far), state.seen, "", None),
                             legs.cross(far, True, state.seen, True, state.nat))
                out.append(legs._leave(state, part, "subnet", None, far_request, far_reply,
                                       f"groups:{name}", (hop,), vpc=vpc, subnet=far.key, assume=assume))
    return [leg for leg in out if leg.space]


def leads_out(legs: "Legs", route: Route) -> bool:
    """Whether a route may carry a packet on to something undescribed: its
    target, or what lies behind a described one (a peering to a VPC, a NAT
    gateway in a subnet, a transit gateway attachment (a VPN, say) or table
    that the input does not hold). Hosts there may have any address, and may
    send into the route's VPC the same way."""
    t = legs.topology
    if route.blackhole or route.target_kind is TargetKind.LOCAL:
        return False
    if legs._unknown_target(route):
        return True
    if route.target_kind is TargetKind.PEERING:
        peering = t.peerings[route.target]
        return peering.active and not {peering.requester_vpc, peering.accepter_vpc} <= set(t.vpcs)
    if route.target_kind is TargetKind.NAT_GATEWAY:
        return t.nat_gateways[route.target].subnet not in t.subnets
    if route.target_kind is TargetKind.TRANSIT_GATEWAY:
        attachments = [a for a in t.tgw_attachments.values() if a.transit_gateway == route.target]
        tables = [t.tgw_route_tables[a.route_table] for a in attachments if a.route_table in t.tgw_route_tables]
        return any(a.vpc not in t.vpcs or (a.route_table is not None and a.route_table not in t.tgw_route_tables)
                   for a in attachments) or \
            any(r.attachment not in t.tgw_attachments for table in tables for r in table.routes if not r.blackhole)
    return False


def from_outside(legs: "Legs") -> list["Leg"]:
    """From a host outside every described VPC: to another outside host (the
    internet delivers it, unfiltered by the input), through an internet
    gateway to a public address, or through something undescribed."""
    top = legs.family.top
    internet = tuple(legs.places.internet_space)
    out = [Leg(tuple(iv.complement(legs.places.modelled_publics, top)), "outside",
               hops=(Hop("outside the described network"),))]
    for far, gateway, part, resource, at in legs._public_arrivals([(0, top)]):
        out.append(Leg(tuple(part), "public" if resource else "subnet", far.vpc, far.key, resource,
                       groups="no", at=at, request=(legs.cross(far, False, "src"),),
                       reply=(RouteBack(far.key, legs.table(far), "src", gateway, TargetKind.INTERNET_GATEWAY),
                              legs.cross(far, True, "src", True)),
                       source_space=internet,
                       hops=(Hop(f"internet gateway {gateway} into {far.vpc}", legs._origin(gateway)),
                             legs.cross(far, False, "src"))))
    for vpc in legs.unknown_vpcs:
        for far in legs.subnets_of(vpc):
            out.append(Leg(tuple(legs.blocks(far)), "subnet", vpc, far.key, groups=f"groups:entry:{vpc}",
                           request=(legs.cross(far, False, "src"),),
                           reply=(RouteBack(far.key, legs.table(far), "src", "", None),
                                  legs.cross(far, True, "src", True)),
                           assume=(f"via:entry:{vpc}",),
                           hops=(Hop(f"into {vpc} from something not in the input (a free choice)"),
                                 legs.cross(far, False, "src"))))
    return [leg for leg in out if leg.space]
