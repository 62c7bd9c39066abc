"""Which ends an assertion's `from` and `to` stand for on the path.

A resource is its interfaces (one end per subnet); a group is its members'
(and, for an opaque group, any host's, since its members are unknown); an
address endpoint is every end that can hold one of its addresses: in any VPC
or outside. A destination counts at any of its addresses, public ones
included; a source always sends from its own (private) addresses.
"""

from __future__ import annotations

from ..model import intervals as iv
from ..model.ends import End, EndKind
from ..model.legs import Legs
from ..spec import AddressEndpoint, AnyEndpoint, GroupEndpoint, InternetEndpoint, ResourceEndpoint
from ..encode.path_query import Alternative


def once(legs: Legs, key: tuple, build):
    """What depends only on the network (and the endpoints), kept on its legs:
    specs ask the same `from` (the internet, an office block) of many assertions."""
    if key not in legs._cache:
        legs._cache[key] = build()
    return legs._cache[key]


def all_ends(legs: Legs) -> list[End]:
    places = legs.places
    return once(legs, ("all ends",), lambda: [e for es in places.resource_ends.values() for e in es]
                + places.host_ends + [legs.outside_end])


def _named_resources(legs: Legs, endpoints) -> tuple[set[str], bool]:
    """Resources named (directly or by group) and whether an opaque group is among them."""
    network = legs.network
    names: set[str] = set()
    opaque = False
    for endpoint in endpoints:
        if isinstance(endpoint, ResourceEndpoint):
            names.add(endpoint.name)
        elif isinstance(endpoint, GroupEndpoint):
            names.update(r.name for r in network.members(endpoint.group))
            group = network.groups.get(endpoint.group)
            opaque = opaque or bool(group and group.opaque)
    return names, opaque


def _intervals(legs: Legs, endpoints) -> list[tuple[int, int]]:
    family = legs.family
    out: list[tuple[int, int]] = []
    for endpoint in endpoints:
        if isinstance(endpoint, InternetEndpoint):
            out = iv.union(out, legs.places.internet_space)
        elif isinstance(endpoint, (AddressEndpoint, AnyEndpoint)):
            out = iv.union(out, endpoint.intervals(family))
    return out


def source_ends(legs: Legs, endpoints, only: bool = False) -> list[tuple[End, list]]:
    """(end, the addresses it sends from that count) for `from` (for `only`: outside `from`)."""
    return once(legs, ("source ends", tuple(endpoints), only), lambda: _source_ends(legs, endpoints, only))


def _source_ends(legs: Legs, endpoints, only: bool) -> list[tuple[End, list]]:
    names, opaque = _named_resources(legs, endpoints)
    space = _intervals(legs, endpoints)
    top = legs.family.top
    out = []
    for end in all_ends(legs):
        named = end.kind is EndKind.RESOURCE and end.resource in names
        if only:
            if named:
                continue
            part = iv.subtract(list(end.space), space, top) if space else list(end.space)
        elif named or (opaque and end.kind is not EndKind.RESOURCE):
            part = list(end.space)  # (an opaque group's members are unknown: any host may be one)
        elif not space:
            continue
        else:
            part = iv.intersect(list(end.space), space)
        if part:
            out.append((end, part))
    if not only:
        gap = unheld(legs, endpoints, [e.space for e in all_ends(legs)])
        if gap:
            out.append((End(EndKind.OUTSIDE, tuple(gap)), gap))
    return out


def unheld(legs: Legs, endpoints, held_spaces) -> list[tuple[int, int]]:
    """The blocks of an `allow` endpoint that hold no end of the network (an
    address outside every VPC and the internet, or in a VPC block no subnet
    covers, say). Each block written names hosts the user expects, so one that
    holds none is a host outside that nothing routes to or from: the
    connection does not complete. Left out, the `allow` would hold vacuously.
    A block that holds some end is about those ends."""
    if not any(isinstance(e, AddressEndpoint) for e in endpoints):
        return []
    held = iv.normalize([i for part in held_spaces for i in part])
    gap: list[tuple[int, int]] = []
    for endpoint in endpoints:
        if isinstance(endpoint, AddressEndpoint):
            for cidr in endpoint.cidrs:
                block = iv.of_cidr(cidr, legs.family)
                if block and not iv.intersect(block, held):
                    gap = iv.union(gap, block)
    return gap


def destination_ends(legs: Legs, endpoints) -> list[tuple[End, list]]:
    """(end, the destinations as sent that count) for `to` in `deny`/`only`."""
    return once(legs, ("destination ends", tuple(endpoints)), lambda: _destination_ends(legs, endpoints))


def _destination_ends(legs: Legs, endpoints) -> list[tuple[End, list]]:
    names, opaque = _named_resources(legs, endpoints)
    space = _intervals(legs, endpoints)
    out = []
    for end in all_ends(legs):
        if (end.kind is EndKind.RESOURCE and end.resource in names) or (opaque and end.kind is not EndKind.RESOURCE):
            part = list(end.reached)
        elif not space:
            continue
        else:
            part = iv.intersect(list(end.reached), space)
        if part:
            out.append((end, part))
    return out


def allow_targets(legs: Legs, endpoints) -> list[list[Alternative]]:
    """Each destination an `allow` must reach, as the alternatives that count:
    a resource at any of its addresses; an address at whichever end holds it.
    A resource whose addresses are not known is in each of its subnets (the
    nodes of a load balancer, the instances of a fleet) or in one not known:
    each end is then a destination of its own, reached at its private or its
    public address."""
    network = legs.network
    names, _ = _named_resources(legs, endpoints)
    targets = []
    for name in sorted(names):
        symbolic = network.resources[name].symbolic
        alternatives: list[Alternative] = []
        for end in legs.places.resource_ends.get(name, []):
            if symbolic:
                alternatives = [Alternative(end, None, end.space)]
            else:
                alternatives += [Alternative(end, a, ()) for lo, hi in end.known_reached for a in range(lo, hi + 1)]
            if end.free_public is not None:  # reached from the internet at its public address
                alternatives.append(Alternative(end, end.free_public, ()))
            if symbolic:
                targets.append(alternatives)
        if alternatives and not symbolic:
            targets.append(alternatives)
    space = _intervals(legs, endpoints)
    if space:
        alternatives = []
        ends = all_ends(legs)
        for end in ends:
            part = iv.intersect(end.reached, space)
            if part:
                alternatives.append(Alternative(end, None, tuple(part)))
        gap = unheld(legs, endpoints, [e.reached for e in ends])
        if gap:
            alternatives.append(Alternative(End(EndKind.OUTSIDE, tuple(gap)), None, tuple(gap)))
        if alternatives:
            targets.append(alternatives)
    return targets


class Admitted:
    """What a destination's groups could admit at all, to leave out sources
    they never admit before any formula is written (exact: a source is left
    out only when no address it can be seen from matches any rule).

    A source is seen from its own addresses, its public address, or a NAT
    gateway's address; a group reference admits only members; an unknown
    peer or rule part admits anyone.
    """

    def __init__(self, legs: Legs, end: End, services):
        from ..model import CidrPeer, PrefixListPeer

        network, family = legs.network, legs.family
        self.anyone = end.kind is not EndKind.RESOURCE
        self.addresses: list = []
        self.groups: set[str] = set()
        self.nat = legs.nat_addresses
        self.network = network
        if self.anyone:
            return
        for key in dict.fromkeys(network.resources[end.resource].groups):
            group = network.groups.get(key)
            for rule in group.ingress if group else ():
                if rule.service_unknown:
                    self.anyone = True
                elif not iv.intersect(list(rule.service.spans), list(services)):
                    continue
                peer = rule.peer
                if isinstance(peer, CidrPeer):
                    self.addresses += iv.of_cidr(peer.cidr, family)
                elif isinstance(peer, PrefixListPeer):
                    self.addresses += iv.of_cidrs(network.prefix_lists[peer.prefix_list].cidrs, family)
                elif hasattr(peer, "group"):
                    g = network.groups.get(peer.group)
                    self.groups.add(peer.group)
                    self.anyone = self.anyone or bool(g and g.opaque)
                else:
                    self.anyone = True
        self.addresses = iv.normalize(self.addresses)
        # Any source may be behind a NAT gateway whose address a rule admits.
        self.anyone = self.anyone or self.nat is None or bool(iv.intersect(list(self.nat), self.addresses))

    def may_admit(self, src: End, space) -> bool:
        if self.anyone:
            return True
        if src.kind is EndKind.RESOURCE and not self.groups.isdisjoint(self.network.resources[src.resource].groups):
            return True
        if src.public is not None:
            if not src.public.fixed:
                return True
            if iv.meets([(src.public.value, src.public.value)], self.addresses):
                return True
        return iv.meets(space, self.addresses)

    def narrowed(self, src: End, space) -> list:
        """The source addresses that can count. A host outside the network is
        seen at its own address (nothing translates a packet coming in), so
        only addresses a rule admits can be delivered; the formula then need
        not carry the internet minus every public address of the input."""
        if self.anyone or src.kind is not EndKind.OUTSIDE:
            return list(space)
        return iv.intersect(list(space), self.addresses)
