"""The encoding anyone would write first: z3py objects, one fresh solver per query,
one disjunct per rule, and a group reference as an OR of its members' addresses.

It decides the same fragment as the interval limit (concrete addresses, no
opaque groups, no unknown rule parts) and exists to be measured against.
"""

from __future__ import annotations

import z3

from sgverify.model import CidrPeer, Family, GroupPeer, Network
from sgverify.model.addresses import UNFILTERED_SERVICES, public_intervals
from sgverify.model import intervals as iv
from sgverify.spec import AddressEndpoint, AnyEndpoint, Assertion, GroupEndpoint, InternetEndpoint, Kind, ResourceEndpoint


class Naive:
    def __init__(self, network: Network, timeout: float | None = None):
        self.network = network
        self.timeout = timeout

    def holds(self, assertion: Assertion) -> bool | None:
        """True/False, or None when the solver gives up (timeout)."""
        answers = [self._violated(f, assertion) for f in (Family.V4, Family.V6)]
        if any(a is True for a in answers):
            return False
        return None if any(a is None for a in answers) else True

    def _violated(self, family: Family, a: Assertion) -> bool | None:
        width = family.width
        src, dst = z3.BitVec("src", width), z3.BitVec("dst", width)
        svc = z3.BitVec("svc", 24)
        net = self.network
        resources = list(net.resources.values())

        def in_blocks(x, blocks, bits):
            return z3.Or([z3.And(z3.ULE(lo, x), z3.ULE(x, hi)) for lo, hi in blocks] or [z3.BoolVal(False)])

        def member(x, group):
            return z3.Or([x == v for r in net.members(group) for v in r.private_addresses(family)]
                         or [z3.BoolVal(False)])

        def rule(r, peer_var):
            if isinstance(r.peer, GroupPeer):
                peer = member(peer_var, r.peer.group)
            elif isinstance(r.peer, CidrPeer):
                peer = in_blocks(peer_var, iv.of_cidrs([r.peer.cidr], family), width)
            else:
                peer = in_blocks(peer_var, iv.of_cidrs(net.prefix_lists[r.peer.prefix_list].cidrs, family), width)
            return z3.And(in_blocks(svc, r.service.intervals(), 24), peer)

        policies = {}

        def policy(group, direction, peer_var):
            key = (group, direction)
            if key not in policies:
                g = net.groups[group]
                rules = g.ingress if direction == "in" else g.egress
                policies[key] = z3.Or([rule(r, peer_var) for r in rules] or [z3.BoolVal(False)])
            return policies[key]

        def is_resource(x, r):
            return z3.Or([x == v for v in r.addresses(family)] or [z3.BoolVal(False)])

        unmanaged_src = z3.And([src != v for r in resources for v in r.addresses(family)])
        egress = z3.Or([unmanaged_src, in_blocks(dst, iv.of_cidrs(UNFILTERED_SERVICES, family), width)]
                       + [z3.And(is_resource(src, r), z3.Or([policy(g, "out", dst) for g in r.groups]))
                          for r in resources if r.addresses(family)])
        unmanaged_dst = z3.And([dst != v for r in resources for v in r.addresses(family)])
        ingress = z3.Or([unmanaged_dst] + [z3.And(is_resource(dst, r), z3.Or([policy(g, "in", src) for g in r.groups]))
                                           for r in resources if r.addresses(family)])
        delivered = z3.And(egress, ingress)
        sources = z3.Or([self._endpoint(src, e, family, in_blocks) for e in a.sources])
        if a.kind is Kind.ONLY:
            sources = z3.Not(sources)
        destinations = z3.Or([self._endpoint(dst, e, family, in_blocks) for e in a.destinations])
        body = z3.And(sources, destinations, in_blocks(svc, a.traffic.intervals(), 24), src != dst)
        solver = z3.Solver()
        if self.timeout is not None:
            solver.set("timeout", int(self.timeout * 1000))
        solver.add(body, z3.Not(delivered) if a.kind is Kind.ALLOW else delivered)
        result = solver.check()
        return None if result == z3.unknown else result == z3.sat

    def _endpoint(self, x, e, family, in_blocks):
        net = self.network
        if isinstance(e, ResourceEndpoint):
            return z3.Or([x == v for v in net.resources[e.name].addresses(family)] or [z3.BoolVal(False)])
        if isinstance(e, GroupEndpoint):
            return z3.Or([x == v for r in net.members(e.group) for v in r.addresses(family)] or [z3.BoolVal(False)])
        if isinstance(e, AnyEndpoint):
            return z3.BoolVal(True)
        if isinstance(e, InternetEndpoint):
            return in_blocks(x, public_intervals(family), family.width)
        if isinstance(e, AddressEndpoint):
            return in_blocks(x, iv.of_cidrs(e.cidrs, family), family.width)
        raise ValueError(f"endpoint {e}")
