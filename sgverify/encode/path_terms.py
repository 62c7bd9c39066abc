"""SMT-LIB terms for the path layer: network ACLs, routes back, security groups.

Terms are written over a few bit-vectors: `src` and `dst` (the addresses as
sent), `svc` (the request's 24-bit service), `rsvc`/`nsvc` (the reply's
service to the client's port and to a NAT gateway's port), free addresses and
free choices. Every reusable term becomes a named Boolean defined once in
the query (`Terms.defs`), so a NACL or a security group of thousands of
entries is written once however many legs cross it.

A NACL is ordered, first match wins, implicit deny: written as a chain over
runs of entries with the same action, `b_i = m_i or b_{i+1}` for an allow run
and `b_i = not m_i and b_{i+1}` for a deny run, `false` at the end: linear in
the entries, with no deep nesting.
"""

from __future__ import annotations

from ..model import CidrPeer, Direction, Family, GroupPeer, Network, PrefixListPeer
from ..model import intervals as iv
from ..model.ends import Addr, End, EndKind
from ..model.forwarding import LOCAL, table_pieces, tgw_pieces
from ..model.free import member_choice, unknown_choice
from ..model.leg import Crossing, Leg, Ref, RouteBack, TgwBack
from ..model.legs import Legs
from ..model.service import ICMP, ICMPV6, SERVICE_BITS, TCP, UDP, merge_intervals
from . import smt


def safe(name: str) -> str:
    """A free choice's name as an SMT symbol."""
    return "|" + name.replace("|", "/").replace("\\", "/") + "|"


class Terms:
    def __init__(self, legs: Legs, prefix: str = ""):
        self.prefix = prefix  # keeps two networks' named terms apart in one query (diff)
        self.legs = legs
        self.network: Network = legs.network
        self.family: Family = legs.family
        self.width = self.family.width
        self.defs: list[str] = []  # assertions defining the named terms
        self.decls: dict[str, str] = {}  # symbol -> sort
        self.free: set[str] = set()  # free Boolean names
        self._named: dict[tuple, str] = {}
        self._acl_written: set[str] = set()

    # -- leaves --------------------------------------------------------------
    def bool_var(self, name: str) -> str:
        self.free.add(name)
        symbol = safe(name)
        self.decls[symbol] = "Bool"
        return symbol

    def addr(self, ref: Ref) -> str:
        if ref in ("src", "dst"):
            return ref
        assert isinstance(ref, Addr)
        if ref.fixed:
            return smt.bv(ref.value, self.width)
        symbol = safe(ref.name)
        if symbol not in self.decls:
            self.decls[symbol] = f"(_ BitVec {self.width})"
            self.defs.append(smt.in_intervals(symbol, ref.space, self.width))
        return symbol

    def addr_in(self, ref: Ref | str, intervals) -> str:
        if isinstance(ref, Addr) and ref.fixed:
            return smt.TRUE if iv.contains(list(intervals), ref.value) else smt.FALSE
        term = ref if isinstance(ref, str) and ref not in ("src", "dst") else self.addr(ref)
        return smt.in_intervals(term, list(intervals), self.width)

    def svc_in(self, term: str, intervals) -> str:
        return smt.in_intervals(term, list(intervals), SERVICE_BITS)

    def _name(self, key: tuple, build) -> str:
        """A named Boolean for a reusable term, defined once."""
        if key not in self._named:
            body = build()
            if body in (smt.TRUE, smt.FALSE):
                self._named[key] = body
            else:
                symbol = f"{self.prefix}t{len(self._named)}"
                self.decls[symbol] = "Bool"
                self.defs.append(f"(= {symbol} {body})")
                self._named[key] = symbol
        return self._named[key]

    # -- reply services ------------------------------------------------------------
    def reply_definitions(self) -> None:
        """rsvc / nsvc: the reply's service; `reply_needed`: whether there is one."""
        for name, port in (("rsvc", "cport"), ("nsvc", "natport")):
            self.decls[name] = f"(_ BitVec {SERVICE_BITS})"
            proto = "((_ extract 23 16) svc)"
            ported = smt.any_of([f"(= {proto} {smt.bv(TCP, 8)})", f"(= {proto} {smt.bv(UDP, 8)})"])
            echo_v4 = f"(= ((_ extract 23 8) svc) {smt.bv((ICMP << 8) | 8, 16)})"
            echo_v6 = f"(= ((_ extract 23 8) svc) {smt.bv((ICMPV6 << 8) | 128, 16)})"
            term = (f"(ite {ported} (concat {proto} {port}) (ite {echo_v4} {smt.bv(ICMP << 16, 24)} "
                    f"(ite {echo_v6} {smt.bv((ICMPV6 << 16) | (129 << 8), 24)} svc)))")
            self.defs.append(f"(= {name} {term})")
        self.decls["reply_needed"] = "Bool"
        typed = smt.any_of([f"(= ((_ extract 23 16) svc) {smt.bv(ICMP, 8)})",
                            f"(= ((_ extract 23 16) svc) {smt.bv(ICMPV6, 8)})"])
        echo = smt.any_of([f"(= ((_ extract 23 8) svc) {smt.bv((ICMP << 8) | 8, 16)})",
                           f"(= ((_ extract 23 8) svc) {smt.bv((ICMPV6 << 8) | 128, 16)})"])
        self.defs.append(f"(= reply_needed (not (and {typed} (not {echo}))))")

    # -- network ACLs ----------------------------------------------------------------
    def crossing(self, c: Crossing, dst: str) -> str:
        direction = "outbound" if c.egress else "inbound"
        if c.nacl is None:
            return self.bool_var(f"nacl:{c.subnet}:{direction}:{'reply' if c.reply else 'request'}")
        service = ("nsvc" if c.nat_port else "rsvc") if c.reply else "svc"
        address = dst if c.address == "dst" else self.addr(c.address)
        return self._name(("acl", c.nacl, c.egress, address, service), lambda: self._acl(c, address, service))

    def _acl(self, c: Crossing, address: str, service: str) -> str:
        """The chain's text is kept on the legs: every query of a network that
        crosses this NACL reuses it (only z3's parse is paid again)."""
        cache = self.legs.__dict__.setdefault("_acl_text", {})
        key = (self.prefix, c.nacl, c.egress, address, service)
        if key not in cache:
            cache[key] = self._acl_chain(c, address, service, f"{self.prefix}c{len(cache)}_")
        tail, symbols, defs = cache[key]
        for symbol in symbols:
            self.decls[symbol] = "Bool"
        if symbols and symbols[0] not in self._acl_written:
            self._acl_written.add(symbols[0])
            self.defs.extend(defs)
        return tail

    def _acl_chain(self, c: Crossing, address: str, service: str, stem: str):
        entries = sorted(self.legs.topology.nacls[c.nacl].entries(c.egress), key=lambda e: e.number)
        entries = [e for e in entries if e.cidr.family is self.family]
        runs: list[tuple[bool, list]] = []
        for entry in entries:
            allow = entry.action.value == "allow"
            if runs and runs[-1][0] == allow:
                runs[-1][1].append(entry)
            else:
                runs.append((allow, [entry]))
        tail, symbols, defs = smt.FALSE, [], []
        for allow, run in reversed(runs):
            match = smt.any_of(smt.all_of([self.addr_in(address, [(e.cidr.first, e.cidr.last)]),
                                           self.svc_in(service, e.service.spans)]) for e in run)
            body = smt.any_of([match, tail]) if allow else smt.all_of([smt.negate(match), tail])
            if body in (smt.TRUE, smt.FALSE):
                tail = body
            else:
                symbol = f"{stem}{len(symbols)}"
                symbols.append(symbol)
                defs.append(f"(= {symbol} {body})")
                tail = symbol
        return tail, symbols, defs

    # -- routes back -----------------------------------------------------------------
    def route_back(self, check: RouteBack, dst: str) -> str:
        if check.table is None:
            return self.bool_var(f"route-back:{check.subnet}")
        address = dst if check.address == "dst" else self.addr(check.address)
        return self._name(("back", check.table, check.target, address), lambda: self._route_back(check, address))

    def _route_back(self, check: RouteBack, address: str) -> str:
        t = self.legs.topology
        vpc = t.subnets[check.subnet].vpc
        good = []
        for piece in table_pieces(t, check.table, vpc, self.family, self.network.prefix_lists):
            route = piece.choice
            if route is LOCAL or route.blackhole:
                continue
            if (route.target == check.target) if check.target else self.legs._unknown_target(route):
                good.extend(piece.space)
        return self.addr_in(address, iv.normalize(good))

    def tgw_back(self, check: TgwBack, dst: str) -> str:
        t = self.legs.topology
        if check.table is None:
            return smt.FALSE
        if check.table not in t.tgw_route_tables:
            return self.bool_var(f"tgw-back:{check.table}")
        address = dst if check.address == "dst" else self.addr(check.address)
        good = [i for p in tgw_pieces(t, check.table, self.family) if p.choice.attachment == check.attachment
                for i in p.space]
        return self.addr_in(address, iv.normalize(good))

    # -- security groups ------------------------------------------------------------
    def groups_visible(self, leg: Leg) -> str:
        if leg.groups in ("yes", "no"):
            return smt.TRUE if leg.groups == "yes" else smt.FALSE
        return self.bool_var(leg.groups)

    def sg(self, end: End, peer_end: End, leg: Leg, direction: Direction, dst: str) -> str:
        """The end's groups admit the packet (egress: to `dst`; ingress: from the seen source)."""
        egress = direction is Direction.EGRESS
        peer = dst if egress else self.addr(leg.seen)
        resource = self.network.resources[end.resource]
        by_address = self._name(("sg", end.resource, direction, peer),
                                lambda: self._sg_addresses(resource, direction, peer))
        own = leg.groups != "no" and (leg.arrival in ("subnet", "outside") if egress else leg.seen == "src")
        peer_resource = self.network.resources.get(peer_end.resource) if peer_end.kind is EndKind.RESOURCE else None
        parts = [by_address]
        for group_key in dict.fromkeys(resource.groups):
            group = self.network.groups.get(group_key)
            for position, rule in enumerate(group.rules(direction) if group else ()):
                matched = self._non_address_peer(rule, position, peer_resource, own, leg, egress)
                if matched == smt.FALSE:
                    continue
                known = [matched, self.svc_in("svc", rule.service.spans)]
                if rule.service_unknown:
                    known.append(self.bool_var(unknown_choice(rule, position)))
                parts.append(smt.all_of(known))
        return smt.any_of(parts)

    def _non_address_peer(self, rule, position, peer_resource, own: bool, leg: Leg, egress: bool) -> str:
        peer = rule.peer
        if isinstance(peer, (CidrPeer, PrefixListPeer)):
            return smt.FALSE if not rule.service_unknown else self._address_match(rule, peer, leg, egress)
        if isinstance(peer, GroupPeer):
            if peer_resource is not None:
                visible = own and peer.group in peer_resource.groups
                return self.groups_visible(leg) if visible else smt.FALSE
            g = self.network.groups.get(peer.group)
            if g is not None and g.opaque and own:
                return self.bool_var(member_choice("dst" if egress else "src", peer.group))
            return smt.FALSE
        return self.bool_var(unknown_choice(rule, position))

    def _address_match(self, rule, peer, leg: Leg, egress: bool) -> str:
        """A CIDR rule whose service is unknown: written with the rule (not merged)."""
        address = "dst" if egress else self.addr(leg.seen)
        return self.addr_in(address, self._peer_intervals(peer))

    def _peer_intervals(self, peer) -> list:
        if isinstance(peer, CidrPeer):
            return iv.of_cidr(peer.cidr, self.family)
        return iv.of_cidrs(self.network.prefix_lists[peer.prefix_list].cidrs, self.family)

    def _sg_addresses(self, resource, direction: Direction, peer: str) -> str:
        """Rules with address peers and known services, merged by service."""
        by_service: dict[tuple, list] = {}
        for group_key in dict.fromkeys(resource.groups):
            group = self.network.groups.get(group_key)
            for rule in group.rules(direction) if group else ():
                if isinstance(rule.peer, (CidrPeer, PrefixListPeer)) and not rule.service_unknown:
                    by_service.setdefault(tuple(rule.service.spans), []).extend(self._peer_intervals(rule.peer))
        # Services with the same peers merge too: fewer, wider disjuncts.
        by_peers: dict[tuple, list] = {}
        for spans, peers in by_service.items():
            by_peers.setdefault(tuple(iv.normalize(peers)), []).extend(spans)
        return smt.any_of(smt.all_of([self.svc_in("svc", merge_intervals(spans)), self.addr_in(peer, list(peers))])
                          for peers, spans in by_peers.items() if peers)
