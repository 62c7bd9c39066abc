"""What a diff row says: its witness, the rules on both sides, its fingerprint."""

from __future__ import annotations

from bisect import bisect_right

from ..explain.evaluate import Situation, peer_matches, unfiltered_destination
from ..gate.fingerprint import fingerprint
from ..model import CidrPeer, Direction, Family, Network, Rule
from ..model import intervals as iv
from ..model.addresses import format_address
from ..model.intervals import Intervals
from ..regions import Principal, cidrs_of
from ..regions.compiled import compiled
from ..regions.principals import address_space, concrete_addresses
from ..regions.render import IntervalTexts, block_texts, describe_addresses
from .engine import Change, ChangeKind
from .peers import describe_peers, peer_form
from .profiles import Profiles

PROFILE_LISTING = 8

SIDE_NAME = {ChangeKind.ADDED: ("new", "old"), ChangeKind.REMOVED: ("old", "new")}


def change_fingerprint(change: Change) -> str:
    r = change.region
    spans = [",".join(map(_SPAN_TEXTS.__getitem__, s)) for s in (r.sources, r.destinations, r.services)]
    return fingerprint(f"{change.kind.value}-access", str(r.destination), str(r.source), str(r.family.value),
                       r.certainty.value, *spans)


_SPAN_TEXTS = IntervalTexts("%d-%d".__mod__)  # `lo-hi`, as the fingerprint writes an interval


def rules_of(region) -> tuple[Rule, ...]:
    """Admitting rules, ingress first: the destination's rule is usually the one that changed."""
    return tuple(region.ingress_rules) + tuple(region.egress_rules)


def who(principal: Principal) -> str | None:
    return principal.name if principal.is_resource else None


def elsewhere(change: Change, other: Network) -> str:
    """Why the witness is not delivered by the other network (certain rows), in one line."""
    r = change.region
    packet = r.witness()
    this, that = SIDE_NAME[change.kind]
    missing = [p.name for p in (r.source, r.destination) if p.is_resource and p.name not in other.resources]
    if missing:
        return f"{that}: {', '.join(missing)} does not exist there"
    if packet is None:
        return ""
    if not change.certain:
        return f"{that}: not delivered for some choice of what is unknown"
    for principal, address in ((r.source, packet.src), (r.destination, packet.dst)):
        # The pair there holds other addresses: the row is about who has the address.
        if principal.is_resource:
            if not iv.meets(address_space(other, principal, r.family), [(address, address)]):
                return f"{that}: {format_address(r.family, address)} is not an address of {principal.name} there"
        elif not principal.by_holder and (holders := compiled(other).holders(r.family, address)):
            return f"{that}: {format_address(r.family, address)} is an address of {holders[0]} there"
    situation = Situation(other, packet, _sender(other, r.source, r.family, packet.src),
                          _sender(other, r.destination, r.family, packet.dst), {})
    blocked = []
    # Only a resource end filters (a side row's "any address" end is named for its identity only).
    if r.source.is_resource and not (unfiltered_destination(packet) or _admitted(situation, Direction.EGRESS)):
        blocked.append(f"egress of {r.source.name} ({_groups(other, r.source.name)})")
    if r.destination.is_resource and not _admitted(situation, Direction.INGRESS):
        blocked.append(f"ingress of {r.destination.name} ({_groups(other, r.destination.name)})")
    return f"{that}: blocked by " + " and ".join(blocked) + ": no rule admits it" if blocked else ""


def _sender(network: Network, principal: Principal, family: Family, address: int) -> str | None:
    """Who the end is in `network`: the resource; for a side row's "any address", the one
    resource holding the address (a certain row's address has at most one)."""
    if principal.by_holder:
        holders = compiled(network).holders(family, address)
        return holders[0] if len(holders) == 1 else None
    return who(principal)


def _admitted(s: Situation, direction: Direction) -> bool:
    """What egress_ok (apart from unfiltered destinations) and ingress_ok say, for a
    situation with no free choice in force: only rules whose service holds the
    packet's can match, and a rule's position in its group matters only for choices."""
    own, peer_side = ("src", "dst") if direction is Direction.EGRESS else ("dst", "src")
    name = s.resource(own)
    if name is None:
        return True  # an unmanaged host filters nothing
    rules = compiled(s.network).rules_at(name, direction, s.packet.service)
    return any(peer_matches(s, rule, 0, peer_side) for rule in rules)


def _groups(network: Network, resource: str) -> str:
    groups = network.resources[resource].groups
    return ", ".join(groups) or "no security groups"


def side_spans(change: Change, sources: bool, network: Network | None) -> Intervals:
    """The addresses to write for one side of a row (`network`: the one delivering it).

    An unmanaged side is every address in a block but the resources' own, which
    on a large estate is thousands of holes. Filling a hole that only resources'
    addresses make gives the same unmanaged addresses (a resource's address is
    never unmanaged) in a few blocks: "unmanaged [10.0.0.0/16]".
    """
    r = change.region
    spans = list(r.sources if sources else r.destinations)
    principal = r.source if sources else r.destination
    if network is None or principal.is_resource or principal.by_holder:
        return spans  # a side row's "any address" holds the resources' addresses too
    return fill_resource_holes(spans, concrete_addresses(network, r.family), r.family)


def fill_resource_holes(spans: Intervals, resources: Intervals, family: Family) -> Intervals:
    """`spans` with each gap that lies inside `resources` filled; a run of `resources` just
    outside either end is added too where that gives fewer CIDR blocks (and nothing is
    filled where that gives more)."""
    if not spans or not resources:
        return spans
    starts = _starts(resources)

    def run_at(x: int):
        i = bisect_right(starts, x) - 1
        return resources[i] if 0 <= x <= family.top and i >= 0 and resources[i][1] >= x else None

    inside = [list(spans[0])]
    for lo, hi in spans[1:]:
        run = run_at(inside[-1][1] + 1)
        if run is not None and run[1] >= lo - 1:
            inside[-1][1] = hi
        else:
            inside.append([lo, hi])
    before, after = run_at(inside[0][0] - 1), run_at(inside[-1][1] + 1)
    choices = []
    for left in (None, before) if before else (None,):
        for right in (None, after) if after else (None,):
            filled = [tuple(piece) for piece in inside]
            if left:
                filled[0] = (left[0], filled[0][1])
            if right:
                filled[-1] = (filled[-1][0], right[1])
            choices.append(filled)
    # Filling can cost blocks too ([41] and [44] are two, [41-44] three): the spans as they
    # are stay a choice, the last, so a tie still fills.
    choices.append(list(spans))
    return min(choices, key=lambda filled: len(cidrs_of(filled, family)))


_STARTS: list = [None, None]  # the resource addresses asked last, and their starts


def _starts(resources: Intervals) -> list[int]:
    """Where each run of resource addresses starts (every row of a diff asks of the same
    runs, tens of thousands on a large estate)."""
    if _STARTS[0] is not resources:
        _STARTS[:] = [resources, [lo for lo, _ in resources]]
    return _STARTS[1]


def describe_side(change: Change, sources: bool = True, profiles: Profiles | None = None,
                  network: Network | None = None) -> str:
    """A region's source (or destination) addresses, as briefly as exactly possible.

    Besides the engine's own wording, a block named by a rule of either network
    is tried as the whole: "10.0.0.0/16 except 10.0.0.0/24" reads better than
    the twenty blocks it amounts to. A profile's scattered member addresses
    are listed up to PROFILE_LISTING (the JSON report's blocks hold them all).
    An unmanaged side is written without resources' holes (side_spans) when
    `network`, the one delivering the row, is given.
    """
    r = change.region
    spans = side_spans(change, sources, network)
    principal = r.source if sources else r.destination
    if profiles is not None and principal.name in profiles.members:
        return describe_addresses(spans, r.family, PROFILE_LISTING)
    if principal.by_holder:
        return describe_peers(spans, r.family, peer_rules(change, sources, network), network)
    best = describe_addresses(spans, r.family)
    top = r.family.top
    for cidr in _candidate_blocks(change, ingress=sources):
        whole = iv.of_cidrs([cidr], r.family)
        if iv.subtract(list(spans), whole, top):
            continue  # not a superset
        rest = cidrs_of(iv.subtract(whole, list(spans), top), r.family)
        # The text would hold one comma fewer than its excepted blocks: count before
        # writing it (a large diff tries thousands of blocks and keeps few).
        if max(len(rest) - 1, 0) < best.count(","):
            best = str(cidr) + (" except " + ", ".join(str(c) for c in rest) if rest else "")
    return best


def peer_rules(change: Change, sources: bool, network: Network | None) -> list:
    """What may name the far end of a side row: the rules of both networks on the side
    facing it that admit part of the row, then (`network` given, the one delivering the
    row) every rule of that side whose services meet the row's (those that make its holes)."""
    r = change.region
    side = (lambda region: region.ingress_rules) if sources else (lambda region: region.egress_rules)
    out = [*side(r), *side(change.other)]
    own = r.destination if sources else r.source
    if network is not None and own.name in network.resources:
        direction = Direction.INGRESS if sources else Direction.EGRESS
        lo, hi = r.services[0][0], r.services[-1][1]
        out += [rule for rule, spans, first, last in compiled(network).side_services(own.name, direction)
                if first <= hi and last >= lo and iv.meets(list(spans), list(r.services))]
    return out


def side_blocks(change: Change, sources: bool, network: Network | None) -> tuple[list, list]:
    """(blocks, except_blocks) for the JSON report: a side row's far end as written
    (peers.peer_form), anything else as its blocks with no exceptions."""
    family = change.region.family
    return tuple(block_texts(ranges, family) for ranges in side_ranges(change, sources, network))


def side_ranges(change: Change, sources: bool, network: Network | None) -> tuple[list, list]:
    """side_blocks as address ranges: (the whole, its holes)."""
    r = change.region
    spans = side_spans(change, sources, network)
    if (r.source if sources else r.destination).by_holder:
        within, _, holes = peer_form(spans, r.family, peer_rules(change, sources, network), network)
        return within, holes
    return spans, []


def profile_lines(change: Change, profiles: Profiles | None) -> list[str]:
    """For each side that is a profile: its members (the first PROFILE_LISTING), and
    which of them the witness packet comes from or goes to."""
    if profiles is None:
        return []
    r = change.region
    packet = r.witness()
    out = []
    for side, principal, address in (("from", r.source, packet and packet.src),
                                     ("to", r.destination, packet and packet.dst)):
        members = profiles.members.get(principal.name)
        if members is None:
            continue
        shown = ", ".join(members[:PROFILE_LISTING]) + (", ..." if len(members) > PROFILE_LISTING else "")
        holder = profiles.resource_at(principal, r.family, address) if address is not None else None
        out.append(f"{principal.name}: {shown} ({len(members)} resources)"
                   + (f"; witness {side} {holder}" if holder else ""))
    return out


def _candidate_blocks(change: Change, ingress: bool):
    direction_rules = (lambda region: region.ingress_rules) if ingress else (lambda region: region.egress_rules)
    seen = []
    for region in (change.region, change.other):
        for rule in direction_rules(region):
            if isinstance(rule.peer, CidrPeer) and rule.peer.cidr.family is change.region.family \
                    and rule.peer.cidr not in seen:
                seen.append(rule.peer.cidr)
    return seen


def external_label(change: Change, *networks: Network) -> tuple[str | None, str | None]:
    """(source, destination) external names, for an unmanaged side lying wholly inside one."""
    r = change.region
    out = []
    for principal, spans in ((r.source, r.sources), (r.destination, r.destinations)):
        name = None
        if not principal.is_resource:
            for network in networks:
                for external in network.externals.values():
                    blocks = iv.of_cidrs(external.cidrs, r.family)
                    if blocks and not iv.subtract(list(spans), blocks, r.family.top):
                        name = name or external.name
        out.append(name)
    return out[0], out[1]
