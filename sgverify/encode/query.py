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
        # Interval-set terms hold no free Booleans, so they are kept across
        # queries: a builder is reused for every assertion on a network.
        self._interval_terms: dict[tuple, z3.BoolRef] = {}

    # -- helpers -------------------------------------------------------
    def _addr_in(self, side: SideVars, intervals) -> z3.BoolRef:
        return self._cached(side.name, side.address, intervals, self.width)

    def _svc_in(self, intervals) -> z3.BoolRef:
        return self._cached("service", self.service, intervals, SERVICE_BITS)

    def _cached(self, name: str, variable, intervals, width: int) -> z3.BoolRef:
        key = (name, tuple(intervals))
        term = self._interval_terms.get(key)
        if term is None:
            if len(self._interval_terms) > 200_000:
                self._interval_terms.clear()  # bound the memory of very long runs
            term = self._interval_terms[key] = in_intervals(variable, intervals, width)
        return term

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

    def identity(self, side: SideVars, slots: set[int], space, classes) -> z3.BoolRef:
        """Constraints tying the side's slot to its address, within the side's space.

        `classes` partitions the concrete profile slots in `slots` into sets the
        rest of the formula never tells apart (same reduced policy); the slot is
        tied to its class by address, not to its exact profile: "slot in K iff
        the address belongs to a resource of K". That is all the formula can
        observe, and the explanation reads the resource from the address.
        Restricting address sets to the space is exact: the query confines the
        address to it.
        """
        c = self.c
        space = list(space)
        parts = [slot_in(side.slot, slots, self.slot_width)]
        included: list[tuple[int, int]] = []
        for members in classes:
            addresses = iv.intersect(iv.normalize(
                [i for slot in members for i in c.profile_addresses[slot - 1]]), space)
            parts.append(slot_in(side.slot, members, self.slot_width) == self._addr_in(side, addresses))
            included.extend(addresses)
        excluded = iv.subtract(iv.intersect(c.all_concrete, space), iv.normalize(included), c.family.top)
        if excluded:
            parts.append(z3.Not(self._addr_in(side, excluded)))
        for index, _ in enumerate(c.symbolic):
            slot = c.symbolic_slot(index)
            if slot in slots:
                inside = iv.intersect(c.symbolic_free_space(index), space)
                parts.append(z3.Implies(self._slot_is(side, slot), self._addr_in(side, inside)))
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
                    slots: set[int], peer_view: PeerView) -> tuple[z3.BoolRef, list[list[int]]]:
        """The side's own filter (egress at the source, ingress at the destination) admits.

        Slots whose policies reduce to the same thing in the peer's view share
        one term: `slot in {...} and <policy>`. Also returns those classes of
        concrete profile slots (the empty policy being one), for `identity`.
        """
        parts = []
        if UNMANAGED in slots:
            parts.append(self._slot_is(side, UNMANAGED))
        if direction is Direction.EGRESS:
            unfiltered = iv.of_cidrs(UNFILTERED_SERVICES, self.c.family)
            parts.append(self._addr_in(peer, unfiltered))
        by_policy: dict[Reduced, list[int]] = {}
        reduced_of: dict[int, Reduced] = {}
        for slot in sorted(slots - {UNMANAGED}):
            profile = self.c.profile_of_slot(slot)
            if profile not in reduced_of:
                reduced_of[profile] = reduce_policy(self.c, profile, direction, peer_view)
            by_policy.setdefault(reduced_of[profile], []).append(slot)
        classes = []
        for reduced, group_slots in by_policy.items():
            concrete = [s for s in group_slots if s <= len(self.c.profiles)]
            if concrete:
                classes.append(concrete)
            if not reduced.empty:
                parts.append(all_of([slot_in(side.slot, group_slots, self.slot_width),
                                     self.reduced_term(reduced, peer)], self.ctx))
        return any_of(parts, self.ctx), classes

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
        self.free, self._member_terms = {}, {}  # per query: each Query owns its free choices
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
        src_allows, src_classes = self.side_allows(
            self.src, self.dst, Direction.EGRESS, src_slots, PeerView(dst_space, frozenset(dst_slots)))
        dst_allows, dst_classes = self.side_allows(
            self.dst, self.src, Direction.INGRESS, dst_slots, PeerView(src_space, frozenset(src_slots)))
        delivered = all_of([src_allows, dst_allows], self.ctx)
        outcome = z3.Not(delivered) if assertion.kind is Kind.ALLOW else delivered
        formula = all_of([
            self.identity(self.src, src_slots, src_space, src_classes),
            self.identity(self.dst, dst_slots, dst_space, dst_classes),
            from_term,
            self.in_endpoints(assertion.destinations, self.dst),
            self._svc_in(assertion.traffic.intervals()),
            self.src.address != self.dst.address,
            outcome,
        ], self.ctx)
        return Query(formula, self.src, self.dst, self.service, self.free)
