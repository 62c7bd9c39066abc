"""One assertion, one family -> one z3 formula whose models are violations.

Variables (per family and query): the atom of each side's address (see
atoms.py: the formula sees an address only through the sets it belongs to),
the 24-bit service (protocol << 16 | port, or type << 8 | code), the identity
of each side, and free Booleans for what the input leaves unknown (opaque
group membership, unknown rule parts). The formula is satisfiable iff the
assertion is violated; its models are counterexamples.

Identity numbers, per query and side: 0 = an unmanaged address; 1..S = the
symbolic resources (no known address); then one number per class of profiles
whose policies reduce to the same thing in this query (identity.py).

The formula is written as SMT-LIB text (smt.py) and parsed once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import z3

from ..model import Direction
from ..model import intervals as iv
from ..model.addresses import UNFILTERED_SERVICES, public_intervals
from ..model.free import member_choice
from ..model.service import SERVICE_BITS
from ..spec import Assertion, GroupEndpoint, Kind, ResourceEndpoint
from . import smt
from .atoms import Atoms, partition
from .compile import UNMANAGED, CompiledFamily
from .identity import Identity, possible_slots, side_space
from .reduce import PeerView, Reduced, Reducer

SIDES = ("src", "dst")


@dataclass
class Query:
    formula: z3.BoolRef
    service: z3.BitVecRef
    free: dict[str, z3.BoolRef]
    who: dict[str, z3.BitVecRef]  # side -> identity number
    atom: dict[str, z3.BitVecRef]  # side -> address atom
    atoms: Atoms
    identities: dict[str, Identity]

    @property
    def size(self) -> dict[str, int]:
        """What the encoder handed the solver (for --stats)."""
        return {"address atoms": self.atoms.count,
                "source classes": len(self.identities["src"].classes),
                "destination classes": len(self.identities["dst"].classes)}

    def addresses(self, value) -> tuple[int, int]:
        """(source, destination) addresses of a model; `value` evaluates a term to an int."""
        return self.atoms.addresses(value(self.atom["src"]), value(self.atom["dst"]))

    def resource(self, side: str, value, address: int) -> str | None:
        """The resource a side is in a model (None: an unmanaged address)."""
        return self.identities[side].resource(value(self.who[side]), address)


@dataclass
class _Text:
    """The text of one query under construction."""

    address_sets: dict[tuple, int] = field(default_factory=dict)  # set -> its number
    address_terms: dict[tuple[str, int], str] = field(default_factory=dict)
    free: dict[str, str] = field(default_factory=dict)  # choice name -> alias in the text
    members: dict[tuple[str, str], str] = field(default_factory=dict)


class QueryBuilder:
    def __init__(self, compiled: CompiledFamily, ctx: z3.Context):
        self.c = compiled
        self.ctx = ctx
        self.tag = compiled.family.value
        self.who_width = max(1, (compiled.slot_count - 1).bit_length())
        self.service = z3.BitVec(f"service{self.tag}", SERVICE_BITS, ctx)
        self.who = {side: z3.BitVec(f"{side}_who{self.tag}", self.who_width, ctx) for side in SIDES}
        # Service terms hold no query state, so they are kept across queries:
        # a builder is reused for every assertion on a network.
        self._service_terms: dict[tuple, str] = {}
        self._text = _Text()
        self._identities: dict[str, Identity] = {}

    # -- leaves --------------------------------------------------------
    def _addr_in(self, side: str, intervals) -> str:
        """A Boolean for "the side's address is in `intervals`", defined over
        address atoms once the query is complete."""
        key = tuple(intervals)
        if not key:
            return smt.FALSE
        if key == ((0, self.c.family.top),):
            return smt.TRUE
        number = self._text.address_sets.setdefault(key, len(self._text.address_sets))
        return self._text.address_terms.setdefault((side, number), f"{side}_in_{number}")

    def _svc_in(self, intervals) -> str:
        key = tuple(intervals)
        term = self._service_terms.get(key)
        if term is None:
            term = self._service_terms[key] = smt.in_intervals("service", intervals, SERVICE_BITS)
        return term

    def _who_in(self, side: str, numbers) -> str:
        return smt.one_of(f"{side}_who", numbers, self.who_width)

    def _free(self, name: str) -> str:
        return self._text.free.setdefault(name, f"free_{len(self._text.free)}")

    # -- endpoints -----------------------------------------------------
    def in_endpoints(self, endpoints, side: str) -> str:
        return smt.any_of(self._in_endpoint(e, side) for e in endpoints)

    def _in_endpoint(self, endpoint, side: str) -> str:
        c = self.c
        identity = self._identities[side]
        if isinstance(endpoint, ResourceEndpoint):
            resource = c.network.resources[endpoint.name]
            if not resource.symbolic:
                return self._addr_in(side, iv.of_points(resource.addresses(c.family)))
            slot = c.slot_of_resource(endpoint.name)
            return smt.FALSE if slot is None else self._who_in(side, identity.numbers([slot]))
        if isinstance(endpoint, GroupEndpoint):
            return smt.any_of([
                self._addr_in(side, c.group_addresses.get(endpoint.group, [])),
                self._who_in(side, identity.numbers(c.group_symbolic.get(endpoint.group, []))),
                self._opaque_member(side, endpoint.group),
            ])
        return self._addr_in(side, endpoint.intervals(c.family))

    # -- rules ---------------------------------------------------------
    def member(self, side: str, group: str) -> str:
        """The side's address is a private address of a member of `group`."""
        key = (side, group)
        if key not in self._text.members:
            c = self.c
            self._text.members[key] = smt.any_of([
                self._addr_in(side, c.group_private.get(group, [])),
                self._who_in(side, self._identities[side].numbers(c.group_symbolic.get(group, []))),
                self._opaque_member(side, group),
            ])
        return self._text.members[key]

    def _opaque_member(self, side: str, group: str) -> str:
        g = self.c.network.groups.get(group)
        if g is None or not g.opaque:
            return smt.FALSE
        chosen = self._free(member_choice(side, group))
        return smt.all_of([self._who_in(side, [UNMANAGED]), chosen])

    def reduced_term(self, reduced: Reduced, peer: str) -> str:
        parts = [self._svc_in(reduced.always)] if reduced.always else []
        parts += [smt.all_of([self._svc_in(s), self._addr_in(peer, a)]) for s, a in reduced.by_addresses]
        parts += [smt.all_of([self._svc_in(s), self.member(peer, g)]) for s, g in reduced.by_group]
        for item in reduced.unknown:
            known = [self._free(item.name)]
            if item.services is not None:
                known.append(self._svc_in(item.services))
            if item.addresses is not None:
                known.append(self._addr_in(peer, item.addresses))
            if item.group is not None:
                known.append(self.member(peer, item.group))
            parts.append(smt.all_of(known))
        return smt.any_of(parts)

    def side_allows(self, side: str, peer: str, direction: Direction, slots: set[int],
                    peer_view: PeerView) -> str:
        """The side's own filter (egress at the source, ingress at the destination) admits.

        Slots whose policies reduce to the same thing in the peer's view form
        one class and share one term: `identity in {...} and <policy>`.
        """
        c = self.c
        parts = []
        if UNMANAGED in slots:
            parts.append(self._who_in(side, [UNMANAGED]))
        if direction is Direction.EGRESS:
            parts.append(self._addr_in(peer, iv.of_cidrs(UNFILTERED_SERVICES, c.family)))
        reducer = Reducer(c, direction, peer_view)
        by_reduced: dict[Reduced, list[tuple[tuple[int, ...], list | None]]] = {}
        if 4 * len(slots) < len(c.profiles):  # a few profiles: reduce each
            for slot in sorted(slots - {UNMANAGED}):
                by_reduced.setdefault(reducer.reduce(c.profile_of_slot(slot)), []).append(((slot,), None))
        else:  # most profiles: reduce each distinct policy once
            for cls in c.policy_classes(direction, peer_view.services):
                members = cls.slots if slots.issuperset(cls.slots) else tuple(s for s in cls.slots if s in slots)
                if members:
                    known = cls.addresses if members is cls.slots else None
                    by_reduced.setdefault(reducer.reduce_policy(cls.policy), []).append((members, known))
            for slot in sorted(s for s in slots if s > len(c.profiles)):  # symbolic resources
                by_reduced.setdefault(reducer.reduce(c.profile_of_slot(slot)), []).append(((slot,), None))
        identity = self._identities[side]
        for reduced, groups in by_reduced.items():
            class_slots = [s for members, _ in groups for s in members]
            identity.add_class(class_slots, _addresses(groups))
            if not reduced.empty:
                parts.append(smt.all_of([self._who_in(side, identity.numbers(class_slots)),
                                         self.reduced_term(reduced, peer)]))
        return smt.any_of(parts)

    def identity(self, side: str, space) -> str:
        """Tie the side's identity number to its address (identity.py)."""
        return self._identities[side].constraint(
            lambda numbers: self._who_in(side, numbers), lambda s: self._addr_in(side, s), space)

    # -- the assertion -------------------------------------------------
    def violation(self, assertion: Assertion, unmanaged_sources: bool = False) -> Query | None:
        """The formula whose models violate the assertion, or None if none can exist.

        With `unmanaged_sources`, only violations whose source is an unmanaged
        address (no filter of its own): a sub-space of the violations, whose
        formula leaves out every source-side policy. None when the sources hold
        no such address, or nothing else (the whole query is as small then).
        """
        self._text = _Text()  # per query: each Query owns its free choices and address sets
        c = self.c
        src_slots = possible_slots(c, assertion.sources)
        dst_slots = possible_slots(c, assertion.destinations)
        src_space = side_space(c, assertion.sources)
        dst_space = side_space(c, assertion.destinations)
        if assertion.kind is Kind.ONLY:
            src_slots, src_space = set(range(c.slot_count)), ((0, c.family.top),)
        if unmanaged_sources:
            if UNMANAGED not in src_slots or len(src_slots) == 1:
                return None
            src_slots = {UNMANAGED}  # the identity keeps the source off every held address
        if not src_slots or not dst_slots or not src_space or not dst_space:
            return None
        self._identities = {"src": Identity(c, src_slots), "dst": Identity(c, dst_slots)}
        asked = tuple(assertion.traffic.intervals())
        allows = [
            self.side_allows("src", "dst", Direction.EGRESS, src_slots,
                             PeerView(dst_space, frozenset(dst_slots), asked)),
            self.side_allows("dst", "src", Direction.INGRESS, dst_slots,
                             PeerView(src_space, frozenset(src_slots), asked)),
        ]
        delivered = smt.all_of(allows)
        from_term = self.in_endpoints(assertion.sources, "src")
        body = smt.all_of([
            self.identity("src", src_space),
            self.identity("dst", dst_space),
            smt.negate(from_term) if assertion.kind is Kind.ONLY else from_term,
            self.in_endpoints(assertion.destinations, "dst"),
            self._svc_in(assertion.traffic.intervals()),
            smt.negate(delivered) if assertion.kind is Kind.ALLOW else delivered,
            self._public_sources_go_out(),
        ])
        return self._parse(body)

    def _public_sources_go_out(self) -> str:
        """A packet from a resource's public address exists only beyond the
        internet gateway, so it is headed for a public address."""
        if not self.public_sources:
            return smt.TRUE
        return smt.any_of([smt.negate(self._addr_in("src", self.public_sources)),
                           self._addr_in("dst", public_intervals(self.c.family))])

    @cached_property
    def public_sources(self) -> list[tuple[int, int]]:
        c = self.c
        return iv.of_points(v for r in c.network.resources.values() for v in r.public_addresses(c.family))

    def _parse(self, body: str) -> Query:
        atoms = partition(list(self._text.address_sets), self.c.family.top)
        width = max(1, (atoms.count - 1).bit_length())
        atom = {side: z3.BitVec(f"{side}_atom{self.tag}_{width}", width, self.ctx) for side in SIDES}
        free = {name: z3.Bool(name, self.ctx) for name in self._text.free}
        decls = {"service": self.service, **{f"{s}_who": self.who[s] for s in SIDES},
                 **{f"{s}_atom": atom[s] for s in SIDES},
                 **{alias: free[name] for name, alias in self._text.free.items()}}
        declarations = "".join(f"(declare-const {name} Bool)" for name in self._text.address_terms.values())
        conjuncts = [body, *self._atom_definitions(atoms, width)]
        # One assertion: z3 hands back one term, with no per-conjunct wrapping in Python.
        text = f"{declarations}(assert (and {' '.join(conjuncts)}))"
        formula = z3.parse_smt2_string(text, decls=decls, ctx=self.ctx)[0]
        return Query(formula, self.service, free, dict(self.who), atom, atoms, self._identities)

    def _atom_definitions(self, atoms: Atoms, width: int) -> list[str]:
        """Every address Boolean over atom numbers; source and destination differ."""
        out = [smt.one_of(f"{s}_atom", range(atoms.count), width) for s in SIDES]
        for (side, number), name in self._text.address_terms.items():
            out.append(f"(= {name} {smt.one_of(f'{side}_atom', atoms.members[number], width)})")
        roomy = smt.one_of("src_atom", atoms.roomy, width)
        out.append(smt.any_of(["(not (= src_atom dst_atom))", roomy]))
        return out


def _addresses(groups) -> list | None:
    """A class's addresses when every policy class in it brought them (else
    the identity gathers them from the profiles)."""
    known = [addresses for _, addresses in groups]
    if any(a is None for a in known):
        return None
    return known[0] if len(known) == 1 else iv.normalize(i for a in known for i in a)
