"""One assertion, one family -> one z3 formula whose models are violations.

Variables (per family): src and dst addresses (32 or 128 bits), the 24-bit
service (protocol << 16 | port, or type << 8 | code), the identity slot of
each side, and free Booleans for what the input leaves unknown (opaque group
membership, unknown rule parts). The formula is satisfiable iff the assertion
is violated; its models are counterexamples.

Slicing: only the profiles an endpoint can be are encoded; the others are
excluded by address, so the formula stays sound and small.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from ..model import Direction
from ..model import intervals as iv
from ..model.addresses import UNFILTERED_SERVICES, public_intervals
from ..model.free import member_choice
from ..model.service import SERVICE_BITS
from ..spec import (
    AddressEndpoint,
    AnyEndpoint,
    Assertion,
    GroupEndpoint,
    InternetEndpoint,
    Kind,
    ResourceEndpoint,
)
from .compile import UNMANAGED, CompiledFamily
from .reduce import PeerView, Reduced, reduce_policy
from .terms import all_of, any_of, in_intervals, slot_in


@dataclass(frozen=True)
class SideVars:
    name: str  # "src" or "dst"
    address: z3.BitVecRef
    slot: z3.BitVecRef


@dataclass
class Query:
    formula: z3.BoolRef
    src: SideVars
    dst: SideVars
    service: z3.BitVecRef
    free: dict[str, z3.BoolRef]


class QueryBuilder:
    def __init__(self, compiled: CompiledFamily, ctx: z3.Context):
        self.c = compiled
        self.ctx = ctx
        self.width = compiled.family.width
        self.slot_width = max(1, (compiled.slot_count - 1).bit_length())
        tag = compiled.family.value
        self.src = SideVars("src", z3.BitVec(f"src{tag}", self.width, ctx),
                            z3.BitVec(f"src_who{tag}", self.slot_width, ctx))
        self.dst = SideVars("dst", z3.BitVec(f"dst{tag}", self.width, ctx),
                            z3.BitVec(f"dst_who{tag}", self.slot_width, ctx))
        self.service = z3.BitVec(f"service{tag}", SERVICE_BITS, ctx)
        self.free: dict[str, z3.BoolRef] = {}
        self._member_terms: dict[tuple, z3.BoolRef] = {}

    # -- helpers -------------------------------------------------------
    def _addr_in(self, side: SideVars, intervals) -> z3.BoolRef:
        return in_intervals(side.address, intervals, self.width)

    def _svc_in(self, intervals) -> z3.BoolRef:
        return in_intervals(self.service, intervals, SERVICE_BITS)

    def _slot_is(self, side: SideVars, slot: int) -> z3.BoolRef:
        return side.slot == z3.BitVecVal(slot, self.slot_width, self.ctx)

    def _free(self, name: str) -> z3.BoolRef:
        if name not in self.free:
            self.free[name] = z3.Bool(name, self.ctx)
        return self.free[name]

    # -- identity ------------------------------------------------------
    def possible_slots(self, endpoints, side: SideVars) -> set[int]:
        """Identity slots an endpoint set may take (an over-approximation)."""
        c = self.c
        slots: set[int] = set()
        for endpoint in endpoints:
            if isinstance(endpoint, ResourceEndpoint):
                slot = c.slot_of_resource(endpoint.name)
                if slot is not None:
                    slots.add(slot)
            elif isinstance(endpoint, GroupEndpoint):
                slots.update(c.group_profiles.get(endpoint.group, ()))
                slots.update(c.group_symbolic.get(endpoint.group, ()))
                if self._opaque(endpoint.group):
                    slots.add(UNMANAGED)
            else:
                slots.update(self._slots_of_space(self._endpoint_space(endpoint)))
        return slots

    def all_slots(self) -> set[int]:
        return set(range(self.c.slot_count))

    def _slots_of_space(self, space) -> set[int]:
        c = self.c
        slots = {i + 1 for i, addrs in enumerate(c.profile_addresses) if iv.intersect(addrs, space)}
        for index, (_, _, subnet) in enumerate(c.symbolic):
            if iv.subtract(iv.intersect(subnet, space), c.all_concrete, c.family.top):
                slots.add(c.symbolic_slot(index))
        if iv.subtract(space, c.all_concrete, c.family.top):
            slots.add(UNMANAGED)
        return slots

    def _endpoint_space(self, endpoint):
        family = self.c.family
        if isinstance(endpoint, AddressEndpoint):
            return iv.of_cidrs(endpoint.cidrs, family)
        if isinstance(endpoint, InternetEndpoint):
            return public_intervals(family)
        if isinstance(endpoint, AnyEndpoint):
            return [(0, family.top)]
        raise TypeError(f"not an address endpoint: {endpoint!r}")

    def identity(self, side: SideVars, slots: set[int]) -> z3.BoolRef:
        """Constraints tying the side's slot to its address, restricted to `slots`."""
        c = self.c
        parts = [slot_in(side.slot, slots, self.slot_width)]
        excluded = []
        for index, addrs in enumerate(c.profile_addresses):
            slot = index + 1
            if slot in slots:
                parts.append(self._slot_is(side, slot) == self._addr_in(side, addrs))
            else:
                excluded.extend(addrs)
        if excluded:
            parts.append(z3.Not(self._addr_in(side, iv.normalize(excluded))))
        not_concrete = z3.Not(self._addr_in(side, c.all_concrete))
        for index, (_, _, subnet) in enumerate(c.symbolic):
            slot = c.symbolic_slot(index)
            if slot in slots:
                inside = all_of([self._addr_in(side, subnet), not_concrete], self.ctx)
                parts.append(z3.Implies(self._slot_is(side, slot), inside))
        return all_of(parts, self.ctx)

    def _opaque(self, group: str) -> bool:
        g = self.c.network.groups.get(group)
        return g is not None and g.opaque

    # -- endpoints -----------------------------------------------------
    def in_endpoints(self, endpoints, side: SideVars) -> z3.BoolRef:
        return any_of([self._in_endpoint(e, side) for e in endpoints], self.ctx)

    def _in_endpoint(self, endpoint, side: SideVars) -> z3.BoolRef:
        c = self.c
        if isinstance(endpoint, ResourceEndpoint):
            resource = c.network.resources[endpoint.name]
            if not resource.symbolic:
                return self._addr_in(side, iv.of_points(resource.addresses(c.family)))
            slot = c.slot_of_resource(endpoint.name)
            return z3.BoolVal(False, self.ctx) if slot is None else self._slot_is(side, slot)
        if isinstance(endpoint, GroupEndpoint):
            return any_of([
                self._addr_in(side, c.group_addresses.get(endpoint.group, [])),
                slot_in(side.slot, c.group_symbolic.get(endpoint.group, []), self.slot_width),
                self._opaque_member(side, endpoint.group),
            ], self.ctx)
        return self._addr_in(side, self._endpoint_space(endpoint))

    # -- rules ---------------------------------------------------------
    def member(self, side: SideVars, group: str) -> z3.BoolRef:
        """The side's address is a private address of a member of `group`."""
        key = (side.name, group)
        if key not in self._member_terms:
            c = self.c
            self._member_terms[key] = any_of([
                self._addr_in(side, c.group_private.get(group, [])),
                slot_in(side.slot, c.group_symbolic.get(group, []), self.slot_width),
                self._opaque_member(side, group),
            ], self.ctx)
        return self._member_terms[key]

    def _opaque_member(self, side: SideVars, group: str) -> z3.BoolRef:
        if not self._opaque(group):
            return z3.BoolVal(False, self.ctx)
        chosen = self._free(member_choice(side.name, group))
        return z3.And(self._slot_is(side, UNMANAGED), chosen)

    def reduced_term(self, reduced: Reduced, peer: SideVars) -> z3.BoolRef:
        parts = [self._svc_in(reduced.always)] if reduced.always else []
        parts += [all_of([self._svc_in(s), self._addr_in(peer, a)], self.ctx) for s, a in reduced.by_addresses]
        parts += [all_of([self._svc_in(s), self.member(peer, g)], self.ctx) for s, g in reduced.by_group]
        for item in reduced.unknown:
            known = [self._free(item.name)]
            if item.services is not None:
                known.append(self._svc_in(item.services))
            if item.addresses is not None:
                known.append(self._addr_in(peer, item.addresses))
            if item.group is not None:
                known.append(self.member(peer, item.group))
            parts.append(all_of(known, self.ctx))
        return any_of(parts, self.ctx)

    def side_allows(self, side: SideVars, peer: SideVars, direction: Direction,
                    slots: set[int], peer_view: PeerView) -> z3.BoolRef:
        """The side's own filter (egress at the source, ingress at the destination) admits.

        Slots whose policies reduce to the same thing in the peer's view share
        one term: `slot in {...} and <policy>`.
        """
        parts = []
        if UNMANAGED in slots:
            parts.append(self._slot_is(side, UNMANAGED))
        if direction is Direction.EGRESS:
            unfiltered = iv.of_cidrs(UNFILTERED_SERVICES, self.c.family)
            parts.append(self._addr_in(peer, unfiltered))
        by_policy: dict[Reduced, list[int]] = {}
        for slot in sorted(slots - {UNMANAGED}):
            reduced = reduce_policy(self.c, self.c.profile_of_slot(slot), direction, peer_view)
            if not reduced.empty:
                by_policy.setdefault(reduced, []).append(slot)
        for reduced, group_slots in by_policy.items():
            parts.append(all_of([slot_in(side.slot, group_slots, self.slot_width),
                                 self.reduced_term(reduced, peer)], self.ctx))
        return any_of(parts, self.ctx)

    def space(self, endpoints) -> tuple[tuple[int, int], ...]:
        """Every address an endpoint set can have (a superset, implied by the query)."""
        c = self.c
        out: list[tuple[int, int]] = []
        for endpoint in endpoints:
            if isinstance(endpoint, ResourceEndpoint):
                resource = c.network.resources[endpoint.name]
                out += iv.of_points(resource.addresses(c.family))
                out += self._symbolic_space([c.slot_of_resource(endpoint.name)])
            elif isinstance(endpoint, GroupEndpoint):
                if self._opaque(endpoint.group):
                    return ((0, c.family.top),)
                out += c.group_addresses.get(endpoint.group, [])
                out += self._symbolic_space(c.group_symbolic.get(endpoint.group, []))
            else:
                out += self._endpoint_space(endpoint)
        return tuple(iv.normalize(out))

    def _symbolic_space(self, slots) -> list[tuple[int, int]]:
        c = self.c
        first = 1 + len(c.profiles)
        return [i for slot in slots if slot is not None and slot >= first for i in c.symbolic[slot - first][2]]

    # -- the assertion -------------------------------------------------
    def violation(self, assertion: Assertion) -> Query | None:
        """The formula whose models violate the assertion, or None if none can exist."""
        everything = ((0, self.c.family.top),)
        src_slots = self.possible_slots(assertion.sources, self.src)
        dst_slots = self.possible_slots(assertion.destinations, self.dst)
        src_space = self.space(assertion.sources)
        dst_space = self.space(assertion.destinations)
        if assertion.kind is Kind.ONLY:
            src_slots, src_space = self.all_slots(), everything
        if not src_slots or not dst_slots or not src_space or not dst_space:
            return None
        from_term = self.in_endpoints(assertion.sources, self.src)
        if assertion.kind is Kind.ONLY:
            from_term = z3.Not(from_term)
        delivered = all_of([
            self.side_allows(self.src, self.dst, Direction.EGRESS, src_slots,
                             PeerView(dst_space, frozenset(dst_slots))),
            self.side_allows(self.dst, self.src, Direction.INGRESS, dst_slots,
                             PeerView(src_space, frozenset(src_slots))),
        ], self.ctx)
        outcome = z3.Not(delivered) if assertion.kind is Kind.ALLOW else delivered
        formula = all_of([
            self.identity(self.src, src_slots),
            self.identity(self.dst, dst_slots),
            from_term,
            self.in_endpoints(assertion.destinations, self.dst),
            self._svc_in(assertion.traffic.intervals()),
            self.src.address != self.dst.address,
            outcome,
        ], self.ctx)
        return Query(formula, self.src, self.dst, self.service, self.free)
