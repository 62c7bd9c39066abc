"""The naive path encoding: what one writes first, for the same questions.

z3py objects (no SMT text), a fresh solver per pair of ends, every NACL as a
nested If chain entry by entry, every security group as one disjunct per
rule, nothing shared between pairs. It reuses sgverify's leg structure
(which ways exist) but none of its encoder, so the two encodings of NACLs,
groups, routes back and replies are independent and must agree.
"""

from __future__ import annotations

import z3

from sgverify.model import CidrPeer, Direction, Family, GroupPeer, Network, PrefixListPeer
from sgverify.model.ends import Addr, EndKind, Places
from sgverify.model.forwarding import LOCAL, table_pieces, tgw_pieces
from sgverify.model.leg import Crossing, RouteBack
from sgverify.model.legs import Legs
from sgverify.model.service import ICMP, ICMPV6, TCP, UDP
from sgverify.model.topology import AclAction
from sgverify.solve.path_sides import allow_targets, destination_ends, source_ends
from sgverify.spec import Assertion, Kind


class NaivePath:
    def __init__(self, network: Network):
        self.network = network
        self.legs = {f: Legs(Places(network, f)) for f in (Family.V4, Family.V6)}

    def violated(self, assertion: Assertion, timeout: float | None = None) -> bool | None:
        for family, legs in self.legs.items():
            for case in self._cases(legs, assertion):
                s = z3.Solver()
                if timeout:
                    s.set("timeout", int(timeout * 1000))
                s.add(case)
                answer = s.check()
                if answer == z3.sat:
                    return True
                if answer == z3.unknown:
                    return None
        return False

    def _cases(self, legs: Legs, a: Assertion):
        w = legs.family.width
        v = {n: z3.BitVec(n, w) for n in ("src", "dst")}
        v["svc"], v["cport"], v["natport"] = z3.BitVec("svc", 24), z3.BitVec("cport", 16), z3.BitVec("natport", 16)
        asked = _in(v["svc"], a.traffic.intervals())
        if a.kind is Kind.ALLOW:
            ports = a.client_ports or (1024, 65535)
            for src, space in source_ends(legs, a.sources):
                for alternatives in allow_targets(legs, a.destinations):
                    alternatives = [x for x in alternatives if not (x.end == src and x.address is None)]
                    ok = []
                    for alt in alternatives:
                        dst = z3.BitVecVal(alt.address, w) if alt.address is not None else v["dst"]
                        here = self._delivered(legs, src, alt.end, dst, v, reply=True)
                        ok.append(here if alt.address is not None else z3.And(_in(v["dst"], alt.space), here))
                    free_dst = [_in(v["dst"], x.space) for x in alternatives if x.address is None]
                    yield z3.And(_in(v["src"], space), asked, z3.ULE(ports[0], v["cport"]),
                                 z3.ULE(v["cport"], ports[1]), z3.UGE(v["natport"], 1024),
                                 z3.Or(free_dst) if free_dst else z3.BoolVal(True), z3.Not(z3.Or(ok)))
            return
        for src, space in source_ends(legs, a.sources, only=a.kind is Kind.ONLY):
            for dst, dst_space in destination_ends(legs, a.destinations):
                here = self._delivered(legs, src, dst, v["dst"], v, reply=False)
                same = v["src"] != v["dst"] if dst == src else z3.BoolVal(True)
                yield z3.And(_in(v["src"], space), _in(v["dst"], dst_space), asked, same, here)

    def _delivered(self, legs: Legs, src, dst, dst_term, v, reply: bool):
        from sgverify.encode.path_query import arrivals

        out = []
        for leg in legs.from_end(src):
            space = arrivals(leg, dst)
            if not space:
                continue
            parts = [_in(dst_term, space)]
            if leg.source_space is not None:
                parts.append(_in(v["src"], leg.source_space))
            parts += [z3.Bool(n) for n in leg.assume]
            parts += [z3.BitVec(n, 8) == value for n, value, _ in leg.choices]
            if leg.protocols is not None:
                parts.append(z3.Or([z3.Extract(23, 16, v["svc"]) == p for p in leg.protocols]))
            parts += [self._acl(legs, c, dst_term, v) for c in leg.request]
            if leg.arrival != "service":
                if src.resource:
                    parts.append(self._sg(legs, src, dst, leg, Direction.EGRESS, dst_term, v))
                if dst.resource:
                    parts.append(self._sg(legs, dst, src, leg, Direction.INGRESS, dst_term, v))
                if reply:
                    back = [self._acl(legs, c, dst_term, v) if isinstance(c, Crossing) else
                            self._back(legs, c, dst_term, v) for c in leg.reply]
                    parts.append(z3.Or(z3.Not(_reply_needed(v["svc"])), z3.And(back)))
            out.append(z3.And(parts))
        return z3.Or(out) if out else z3.BoolVal(False)

    def _addr(self, ref, dst_term, v, w):
        if ref == "src":
            return v["src"]
        if ref == "dst":
            return dst_term
        assert isinstance(ref, Addr)
        return z3.BitVecVal(ref.value, w) if ref.fixed else z3.BitVec(ref.name, w)

    def _acl(self, legs: Legs, c: Crossing, dst_term, v):
        direction = "outbound" if c.egress else "inbound"
        if c.nacl is None:
            return z3.Bool(f"nacl:{c.subnet}:{direction}:{'reply' if c.reply else 'request'}")
        w = legs.family.width
        address = self._addr(c.address, dst_term, v, w)
        service = _reply(v["svc"], v["natport"] if c.nat_port else v["cport"]) if c.reply else v["svc"]
        chain = z3.BoolVal(False)
        entries = sorted(legs.topology.nacls[c.nacl].entries(c.egress), key=lambda e: e.number, reverse=True)
        for e in entries:
            if e.cidr.family is not legs.family:
                continue
            match = z3.And(z3.ULE(e.cidr.first, address), z3.ULE(address, e.cidr.last), _in(service, e.service.spans))
            chain = z3.If(match, z3.BoolVal(e.action is AclAction.ALLOW), chain)
        return chain

    def _back(self, legs: Legs, check, dst_term, v):
        w, t = legs.family.width, legs.topology
        address = self._addr(check.address, dst_term, v, w)
        if isinstance(check, RouteBack):
            if check.table is None:
                return z3.Bool(f"route-back:{check.subnet}")
            good = [p.space for p in table_pieces(t, check.table, t.subnets[check.subnet].vpc, legs.family,
                                                  legs.network.prefix_lists)
                    if p.choice is not LOCAL and not p.choice.blackhole and
                    ((p.choice.target == check.target) if check.target else legs._unknown_target(p.choice))]
            return z3.Or([_in(address, s) for s in good]) if good else z3.BoolVal(False)
        if check.table is None:
            return z3.BoolVal(False)
        if check.table not in t.tgw_route_tables:
            return z3.Bool(f"tgw-back:{check.table}")
        good = [p.space for p in tgw_pieces(t, check.table, legs.family) if p.choice.attachment == check.attachment]
        return z3.Or([_in(address, s) for s in good]) if good else z3.BoolVal(False)

    def _sg(self, legs: Legs, end, peer_end, leg, direction, dst_term, v):
        from sgverify.model.free import member_choice, unknown_choice

        net, w = self.network, legs.family.width
        egress = direction is Direction.EGRESS
        peer = dst_term if egress else self._addr(leg.seen, dst_term, v, w)
        own = leg.groups != "no" and (leg.arrival in ("subnet", "outside") if egress else leg.seen == "src")
        visible = {"yes": z3.BoolVal(True), "no": z3.BoolVal(False)}.get(leg.groups) or z3.Bool(leg.groups)
        peer_resource = net.resources.get(peer_end.resource) if peer_end.kind is EndKind.RESOURCE else None
        out = []
        for key in dict.fromkeys(net.resources[end.resource].groups):
            group = net.groups.get(key)
            for position, rule in enumerate(group.rules(direction) if group else ()):
                p = rule.peer
                if isinstance(p, CidrPeer):
                    match = z3.And(z3.ULE(p.cidr.first, peer), z3.ULE(peer, p.cidr.last)) \
                        if p.cidr.family is legs.family else z3.BoolVal(False)
                elif isinstance(p, PrefixListPeer):
                    match = z3.Or([z3.And(z3.ULE(c.first, peer), z3.ULE(peer, c.last))
                                   for c in net.prefix_lists[p.prefix_list].cidrs if c.family is legs.family] or
                                  [z3.BoolVal(False)])
                elif isinstance(p, GroupPeer):
                    if peer_resource is not None:
                        match = z3.And(visible, z3.BoolVal(own and p.group in peer_resource.groups))
                    else:
                        g = net.groups.get(p.group)
                        match = z3.Bool(member_choice("dst" if egress else "src", p.group)) \
                            if g is not None and g.opaque and own else z3.BoolVal(False)
                else:
                    match = z3.Bool(unknown_choice(rule, position))
                parts = [match, _in(v["svc"], rule.service.spans)]
                if rule.service_unknown:
                    parts.append(z3.Bool(unknown_choice(rule, position)))
                out.append(z3.And(parts))
        return z3.Or(out) if out else z3.BoolVal(False)


def _in(term, intervals):
    parts = [z3.And(z3.ULE(lo, term), z3.ULE(term, hi)) for lo, hi in intervals]
    return z3.Or(parts) if parts else z3.BoolVal(False)


def _reply(svc, port):
    proto = z3.Extract(23, 16, svc)
    ported = z3.Or(proto == TCP, proto == UDP)
    echo4 = z3.Extract(23, 8, svc) == (ICMP << 8) | 8
    echo6 = z3.Extract(23, 8, svc) == (ICMPV6 << 8) | 128
    return z3.If(ported, z3.Concat(proto, port), z3.If(echo4, z3.BitVecVal(ICMP << 16, 24),
                                                       z3.If(echo6, z3.BitVecVal((ICMPV6 << 16) | (129 << 8), 24), svc)))


def _reply_needed(svc):
    proto = z3.Extract(23, 16, svc)
    typed = z3.Or(proto == ICMP, proto == ICMPV6)
    echo = z3.Or(z3.Extract(23, 8, svc) == (ICMP << 8) | 8, z3.Extract(23, 8, svc) == (ICMPV6 << 8) | 128)
    return z3.Not(z3.And(typed, z3.Not(echo)))
