"""The VPC path, walked hop by hop for one concrete packet: the test oracle.

Written from the AWS facts (VPC user guide; docs/vpc.md "Semantics of the
path"; the semantics list items 17-25), with no code shared with the engine:
only the model's frozen values are read (path_oracle_world.py).

One packet goes from an *end* (a resource's interface, an unmanaged host of a
subnet, or an outside host) to a destination address, in one family. The walk
applies, in order: the source's security groups (egress), the source subnet's
NACL outbound when the packet leaves the subnet, the source subnet's route
table (longest prefix match over CIDR and prefix-list destinations, `local`
always winning for the VPC's blocks), the gateways (an internet gateway maps a
public IPv4 1:1 and carries IPv6 from the interface's own global address; an
egress-only gateway carries IPv6 out only; a NAT gateway carries IPv4 tcp, udp
and icmp, rewriting the source; a peering is never transitive; a gateway
endpoint hands the packet to its service), the destination subnet's NACL
inbound and the destination's groups (ingress). The link-local services and
the VPC resolver are reached at once, unfiltered. A request that arrives
records the checks its reply needs: every NACL again in the other direction
(stateless) and the routes back; security groups never filter a reply.

Where the input leaves something out, the walk follows the World's mode
(path_oracle_world.py): permissively every way it might go (so `request`
gives a list of arrivals), restrictively none.

The engine's conventions followed here (docs/vpc.md): an interface cannot
hold an IPv4 subnet's first four or its last address; group references see a
source only over a local route or a direct peering; a request counts as
delivered whether or not its reply could return.
"""

from __future__ import annotations

from dataclasses import dataclass

from path_oracle_world import (LINK_LOCAL_SERVICES, NAT_PROTOCOLS, V4, V6, End, World as Places,
                               in_service, reply_point)
from sgverify.model.topology import TargetKind

__all__ = ["LINK_LOCAL_SERVICES", "NAT_PROTOCOLS", "V4", "V6", "Arrival", "End", "World", "in_service"]


@dataclass(frozen=True)
class Arrival:
    end: End
    seen: int  # the source address the destination sees
    groups: object  # whether group references see the source: True, False or "free"
    replies: tuple = ()  # ("nacl", subnet, egress, address, at_nat) / ("route", subnet, address, target)
    nat: bool = False
    service: bool = False  # an unfiltered AWS service: no group, NACL or reply check


class World(Places):
    """The walk of one packet over one network and family."""

    def in_cidr(self, cidr, a: int) -> bool:
        return self.inside(cidr, a)

    # -- the request -------------------------------------------------------------
    def request(self, src: End, s: int, d: int, point: int) -> list[Arrival]:
        """Where the packet from `src` (sending from `s`) to `d` may arrive: every
        way that is not dropped, groups included (one way unless something the
        input leaves out is met permissively)."""
        if not src.subnet:  # an outside host, or a resource in a VPC the input does not describe
            if src.kind == "resource" and not self.permissive:
                return []  # where it is, and so every way from it, is a free choice
            arrivals = self._from_outside(s, d, point)
        elif d in self.services(src.vpc):
            return [Arrival(self.outside, s, False, service=True)]  # before any group, NACL or route
        else:
            arrivals = self._from_subnet(src, s, d, point)
        out = []
        for arrival in arrivals:
            if src.kind == "resource" and not self.sg_admits(src, True, arrival.end, d, point, arrival.groups):
                continue
            end = arrival.end
            if end.kind == "resource" and not self.sg_admits(end, False, src, arrival.seen, point, arrival.groups,
                                                             own=arrival.seen == s):
                continue
            out.append(arrival)
        return out

    def _from_outside(self, s: int, d: int, point: int) -> list[Arrival]:
        out = []
        if not self.modelled_public(d):  # the internet (or what lies beyond) delivers it, unfiltered by the input
            out += [Arrival(self.outside, s, "free")] * self.holds(self.outside, d) + self.beyond(d, s, "free")
        end = self._public_end(d)
        if end is not None and self.is_internet(s):
            gateway = self.igw_of(end.vpc)
            if gateway is not None and self.nacl_admits(end.subnet, False, s, point):
                out.append(Arrival(end, s, False, (("route", end.subnet, s, gateway),
                                                   ("nacl", end.subnet, True, s, False))))
        if self.permissive:  # something undescribed may carry it into a VPC that has a way out to it
            for vpc in self.unknown_vpcs:
                end = self.end_at(vpc, d)
                if end is not None and self.nacl_admits(end.subnet, False, s, point):
                    out.append(Arrival(end, s, "free"))
        return out

    def beyond(self, d: int, seen: int, groups, replies: tuple = (), nat: bool = False) -> list[Arrival]:
        """Beside the outside host at d: a resource whose VPC the input does not
        describe, at d (a free choice: perhaps it is not there). Outside hosts
        still hold its address behind something undescribed: another network
        may reuse it (semantics list item 25)."""
        if not self.permissive:
            return []
        return [Arrival(e, seen, groups, replies, nat) for e in self.ends_beyond if e.private == d]

    def _public_end(self, d: int) -> End | None:
        """The end an internet gateway delivers `d` to: the interface whose public
        IPv4 it is, or (IPv6, global) the end at it in a VPC with an internet gateway."""
        if self.family is V4:
            return self.by_public.get(d)
        for vpc, v in self.t.vpcs.items():
            if any(self.inside(c, d) for c in v.blocks(V6)) and self.igw_of(vpc) is not None:
                return self.end_at(vpc, d)
        return None

    def _from_subnet(self, src: End, s: int, d: int, point: int) -> list[Arrival]:
        here = src.subnet
        route = self.lookup(here, d)
        if route == "local":
            end = self.end_at(src.vpc, d)
            if end is None:
                return []
            if end.subnet == here:
                return [Arrival(end, s, True)]  # inside one subnet no NACL filters
            if not (self.nacl_admits(here, True, d, point) and self.nacl_admits(end.subnet, False, s, point)):
                return []
            return [Arrival(end, s, True, (("nacl", end.subnet, True, s, False), ("nacl", here, False, d, False)))]
        return self._routed(here, route, s, src.public, d, point, (), False)

    def _routed(self, here: str, route, seen: int, public: int | None, d: int, point: int,
                near: tuple, nat: bool, via: str = "", crossed: bool = False) -> list[Arrival]:
        """`route` of subnet `here` carries the packet (sent from `seen`) on; `near`
        are the reply checks already due on the way here, in reply order; `via` is
        the transit gateway it came through (its reply must go back there);
        `crossed`: a transit gateway was crossed before a NAT gateway took it."""
        if route == "free":  # a table not in the input: any target of its VPC, or something undescribed
            if not self.permissive:
                return []
            out = self._undescribed(here, seen, d, point, near, nat)
            for choice in self.choices_of(self.subnets[here].vpc):
                out += self._routed(here, choice, seen, public, d, point, near, nat, via, crossed)
            return out
        if route is None or route.blackhole:
            return []
        kind = route.target_kind
        if self.undescribed(route) or ((via or crossed) and kind is TargetKind.TRANSIT_GATEWAY):
            return self._undescribed(here, seen, d, point, near, nat)  # crossing a TGW again: a free choice
        if kind is TargetKind.TRANSIT_GATEWAY:
            return self._transit(here, route.target, seen, d, point, near, nat)
        if via and kind is TargetKind.PEERING and not self.permissive:
            return []  # no edge-to-edge use of a peering, as far as the input says: a free choice
        back = (("nacl", here, False, d, nat),) + near  # the reply re-enters `here`
        if kind in (TargetKind.INTERNET_GATEWAY, TargetKind.EGRESS_ONLY_GATEWAY):
            return self._internet(here, route, seen, public, d, point, back, nat)
        if kind is TargetKind.NAT_GATEWAY:
            return self._nat(here, route.target, seen, d, point, near, nat, via)
        if kind is TargetKind.PEERING:
            return self._peering(here, route.target, seen, d, point, near, back, nat)
        if kind is TargetKind.GATEWAY_ENDPOINT:  # the service is an outside host at d
            if not self.nacl_admits(here, True, d, point):
                return []
            return [Arrival(self.outside, seen, False, back, nat)] + self.beyond(d, seen, False, back, nat)
        return []

    def _internet(self, here: str, route, seen: int, public, d: int, point: int, back: tuple,
                  nat: bool) -> list[Arrival]:
        vpc = self.subnets[here].vpc
        egress_only = route.target_kind is TargetKind.EGRESS_ONLY_GATEWAY
        gateway = (self.t.egress_only_gateways if egress_only else self.t.internet_gateways).get(route.target)
        if gateway is None or gateway.vpc != vpc or (egress_only and self.family is V4):
            return []
        if self.family is V4:
            if public is None:
                return []  # no public address: the internet gateway cannot carry it
            seen = public
        if not self.nacl_admits(here, True, d, point):
            return []
        if self.is_internet(d):
            return [Arrival(self.outside, seen, False, back, nat)]
        end = self._public_end(d)
        far_gateway = self.igw_of(end.vpc) if end is not None else None
        if far_gateway is None or not self.nacl_admits(end.subnet, False, seen, point):
            return []
        return [Arrival(end, seen, False, (("route", end.subnet, seen, far_gateway),
                                           ("nacl", end.subnet, True, seen, nat)) + back, nat)]

    def _peering(self, here: str, key: str, seen: int, d: int, point: int, near: tuple, back: tuple,
                 nat: bool) -> list[Arrival]:
        vpc = self.subnets[here].vpc
        peering = self.t.peerings[key]
        other = peering.other(vpc) if peering.active else None
        if other is None:
            return []
        if other not in self.t.vpcs:
            return self._undescribed(here, seen, d, point, near, nat)
        end = self.end_at(other, d)  # nothing goes further: no transit, no edge-to-edge
        if end is None or not self.nacl_admits(here, True, d, point) or \
                not self.nacl_admits(end.subnet, False, seen, point):
            return []
        return [Arrival(end, seen, not nat, (("route", end.subnet, seen, key),
                                             ("nacl", end.subnet, True, seen, nat)) + back, nat)]

    def _undescribed(self, here: str, seen: int, d: int, point: int, near: tuple, nat: bool) -> list[Arrival]:
        """Something the input does not describe carries the packet (permissively):
        to an outside host at d, or into a VPC that itself has a way out to it."""
        if not self.permissive or not self.nacl_admits(here, True, d, point):
            return []
        out = [Arrival(self.outside, seen, False, (), nat)] + self.beyond(d, seen, False, (), nat)
        for vpc in self.unknown_vpcs:
            end = self.end_at(vpc, d) if vpc != self.subnets[here].vpc else None
            if end is not None and self.nacl_admits(end.subnet, False, seen, point):
                out.append(Arrival(end, seen, "free", (), nat))
        return out

    def _nat(self, here: str, key: str, s: int, d: int, point: int, near: tuple, nat: bool,
             via: str = "") -> list[Arrival]:
        gateway = self.t.nat_gateways.get(key)
        if nat or self.family is not V4 or point >> 16 not in NAT_PROTOCOLS:
            return []  # IPv4 tcp, udp and icmp only, and never from one NAT gateway to another
        home = gateway.subnet
        if self.subnets[home].vpc != self.subnets[here].vpc:
            return []
        if home != here:
            if not (self.nacl_admits(here, True, d, point) and self.nacl_admits(home, False, s, point)):
                return []
            near = (("nacl", home, True, s, False), ("nacl", here, False, d, False)) + near
        if via:  # the NAT gateway sends the reply to `s` by its own subnet's table
            near = (("route", home, s, via),) + near
        public = gateway.public_ip if gateway.public else None
        return self._routed(home, self.lookup(home, d), gateway.private_ip, public, d, point, near, True,
                            crossed=bool(via))

    # -- transit gateways ---------------------------------------------------------
    def _attachment(self, tgw: str, vpc: str):
        found = sorted((a for a in self.t.tgw_attachments.values() if a.transit_gateway == tgw and a.vpc == vpc),
                       key=lambda a: a.key)
        return found[0] if found else None

    def zone(self, attachment) -> str | None:
        """The attachment's subnet the packet uses: one of those the input holds,
        as the World's zone choice says."""
        held = [k for k in attachment.subnets if k in self.t.subnets]
        return held[self.zones.get(attachment.key, 0)] if held else None

    def tgw_lookup(self, table_key, a: int):
        """The attachment a TGW table sends `a` to: longest prefix over its static routes
        and its propagating attachments' VPC blocks, a static route winning at one
        length; None: blackhole or no route; "free": the table is not in the input."""
        if table_key is None:
            return None
        table = self.t.tgw_route_tables.get(table_key)
        if table is None:
            return "free"
        best, rank = None, None
        candidates = [(r.destination, r.attachment if not r.blackhole else None, 1) for r in table.routes]
        for key in table.propagations:
            att = self.t.tgw_attachments.get(key)
            if att is not None and att.vpc in self.t.vpcs:
                candidates += [(c, key, 0) for c in self.t.vpcs[att.vpc].blocks(self.family)]
        for cidr, target, static in candidates:
            if self.inside(cidr, a) and (rank is None or (cidr.prefix, static) > rank):
                best, rank = target, (cidr.prefix, static)
        return best

    def _transit(self, here: str, tgw: str, seen: int, d: int, point: int, near: tuple,
                 nat: bool) -> list[Arrival]:
        """In at the source VPC's attachment, out at the attachment its table
        picks, each in the subnet (zone) the World's choice gives; on into that
        VPC's subnet holding d, or routed on by the far attachment subnet's table."""
        vpc = self.subnets[here].vpc
        near_att = self._attachment(tgw, vpc)
        if near_att is None:
            return [] if tgw in self.t.transit_gateways else self._undescribed(here, seen, d, point, near, nat)
        far_key = self.tgw_lookup(near_att.route_table, d)
        if far_key == "free":
            return self._undescribed(here, seen, d, point, near, nat)
        far_att = self.t.tgw_attachments.get(far_key) if far_key else None
        if far_key and (far_att is None or far_att.vpc not in self.t.vpcs):
            return self._undescribed(here, seen, d, point, near, nat)  # a VPN, say: behind it, anything
        if far_att is None or far_att.vpc == vpc:
            return []
        n_sub, f_sub = self.zone(near_att) or here, self.zone(far_att)  # None: the input holds none of them
        if not self.nacl_admits(here, True, d, point):
            return []
        back = (("tgw", far_att.route_table, seen, near_att.key),)
        if n_sub != here:
            if not self.nacl_admits(n_sub, False, seen, point):
                return []
            back += (("nacl", n_sub, True, seen, nat),)
        back += (("nacl", here, False, d, nat),) + near
        if not self.in_vpc(far_att.vpc, d):
            if f_sub is None:
                return []
            return self._routed(f_sub, self.lookup(f_sub, d), seen, None, d, point, back, nat, via=tgw)
        end = self.end_at(far_att.vpc, d)
        if end is None:
            return []
        checks = (("route", end.subnet, seen, tgw),)
        if f_sub not in (None, end.subnet):
            if not self.nacl_admits(f_sub, True, d, point):
                return []
            checks += (("nacl", f_sub, False, d, nat),)
        if not self.nacl_admits(end.subnet, False, seen, point):
            return []
        checks = (("nacl", end.subnet, True, seen, nat),) + checks
        return [Arrival(end, seen, "free" if not nat else False, checks + back, nat)]  # referencing: a choice

    # -- the reply ---------------------------------------------------------------
    def completes(self, arrival: Arrival, point: int, client_port: int, nat_port: int) -> bool:
        """The reply of an arrived request returns: every NACL crossed again, the other
        way, and every route back. Beyond a NAT gateway the reply is addressed to the
        NAT's own port; from the NAT on, to the client's."""
        if arrival.service:
            return True
        back = reply_point(point, client_port)
        if back is None:
            return True
        at_nat = reply_point(point, nat_port)
        for check in arrival.replies:
            if check[0] == "nacl":
                _, subnet, egress, address, beyond_nat = check
                if not self.nacl_admits(subnet, egress, address, at_nat if beyond_nat else back):
                    return False
            elif check[0] == "tgw":
                _, table, address, attachment = check
                if self.tgw_lookup(table, address) != attachment:
                    return False
            else:
                _, subnet, address, target = check
                route = self.lookup(subnet, address)
                if route in ("local", "free", None) or route.blackhole or route.target != target:
                    return False
        return True
