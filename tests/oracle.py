"""A brute-force evaluator of what a network delivers: the test oracle.

`decide` enumerates packets and choices over representative points and
evaluates each with oracle_rules.py, which states the semantics rule by rule;
`replay` checks that a verifier's counterexample is a real violation.

Why `decide` is exhaustive.  Every predicate the semantics applies to an
address x is "x lies in block B" for a block B from a finite list: rule CIDRs,
prefix-list entries, endpoint and external CIDRs, resource addresses (as host
blocks), subnets, the private, non-public, public and unfiltered blocks.  Two
addresses in exactly the same blocks (the same *signature*) are
interchangeable: they have the same identity options, the same group
memberships and the same endpoint memberships, and every rule matches both or
neither.  So one address per signature class suffices, except that s != d
needs a second, distinct address when both sides fall in the same class (a
class of a single address cannot host both sides).  Likewise on the service
line: every predicate is "svc in interval list I" (rule services, the
assertion's traffic), so one point per class of points lying in the same
lists suffices.  Identity options and free Booleans are enumerated in full
(free Booleans only for the opaque groups and the rules that can influence
the packet).  Hence the enumeration visits a representative of every
combination of predicate values, and a violation exists iff one is found.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterator, Mapping

from oracle_rules import (
    DST,
    SRC,
    delivered,
    in_endpoints,
    in_intervals,
    is_violation,
    opaque_key,
    side_rules,
    unknown_key,
    who_options,
)
from sgverify.model import Cidr, CidrPeer, Direction, Family, Network, Packet, UnknownPeer
from sgverify.model.addresses import (
    NON_PUBLIC_V4,
    PRIVATE_V4,
    PUBLIC_V6,
    UNFILTERED_SERVICES,
    parse_address,
)
from sgverify.model.service import SERVICE_TOP, split_service
from sgverify.spec import AddressEndpoint, Assertion, Kind

__all__ = [
    "DST", "SRC", "Kind", "OracleVerdict", "Witness", "decide", "delivered", "is_violation",
    "opaque_key", "relevant_blocks", "replay", "unknown_key", "who_options",
]


# ---------------------------------------------------------------- exhaustive search

@dataclass(frozen=True)
class Witness:
    """A violating packet with every choice made: identities and free Booleans."""

    packet: Packet
    src_who: str | None
    dst_who: str | None
    free: Mapping


@dataclass(frozen=True)
class OracleVerdict:
    holds: bool
    witness: Witness | None = None


def relevant_blocks(network: Network, assertion: Assertion, family: Family) -> list[Cidr]:
    """Every address block any predicate of the semantics may test, in `family`."""
    blocks: list[Cidr] = list(NON_PUBLIC_V4 + PRIVATE_V4 + PUBLIC_V6 + UNFILTERED_SERVICES)
    for rule in network.all_rules():
        if isinstance(rule.peer, CidrPeer):
            blocks.append(rule.peer.cidr)
    for prefix_list in network.prefix_lists.values():
        blocks.extend(prefix_list.cidrs)
    for external in network.externals.values():
        blocks.extend(external.cidrs)
    for resource in network.resources.values():
        blocks.extend(resource.subnets)
        blocks.extend(Cidr.host(f, v) for f, v in resource.ips + resource.public_ips)
    for endpoint in assertion.sources + assertion.destinations:
        if isinstance(endpoint, AddressEndpoint):
            blocks.extend(endpoint.cidrs)
    return sorted({b for b in blocks if b.family is family}, key=lambda b: (b.first, b.last))


def _elementary(bounds: set[int], top: int) -> list[tuple[int, int]]:
    """Split [0, top] at `bounds` (each the first point of a new interval)."""
    points = sorted({0} | {b for b in bounds if 0 < b <= top})
    return [(lo, (points[i + 1] - 1) if i + 1 < len(points) else top)
            for i, lo in enumerate(points)]


def _classes(cells: list[tuple[int, int]], signature) -> list[list[tuple[int, int]]]:
    """Group elementary intervals by signature (same value of every predicate)."""
    grouped: dict = {}
    for cell in cells:
        grouped.setdefault(signature(cell[0]), []).append(cell)
    return list(grouped.values())


def address_classes(network: Network, assertion: Assertion, family: Family) -> list[list[int]]:
    """Per signature class: one or two distinct representative addresses."""
    blocks = relevant_blocks(network, assertion, family)
    bounds = {b.first for b in blocks} | {b.last + 1 for b in blocks}
    cells = _elementary(bounds, family.top)

    def signature(x: int) -> tuple[bool, ...]:
        return tuple(b.first <= x <= b.last for b in blocks)

    reps = []
    for intervals in _classes(cells, signature):
        points = itertools.chain.from_iterable(range(lo, min(hi, lo + 1) + 1) for lo, hi in intervals)
        reps.append(list(itertools.islice(points, 2)))
    return reps


def service_points(network: Network, assertion: Assertion) -> list[int]:
    """One service point per class of points lying in the same rule and traffic intervals."""
    lists = [rule.service.intervals() for rule in network.all_rules()]
    traffic = assertion.traffic.intervals()
    bounds = {p for intervals in lists + [traffic] for lo, hi in intervals for p in (lo, hi + 1)}
    cells = [c for c in _elementary(bounds, SERVICE_TOP) if in_intervals(c[0], traffic)]
    points = [group[0][0] for group in _classes(
        cells, lambda v: tuple(in_intervals(v, i) for i in lists))]
    for point in points:  # a cell never starts inside a port-less protocol's low bits
        protocol, port, icmp_type, icmp_code = split_service(point)
        assert Packet(Family.V4, 0, 1, protocol, port, icmp_type, icmp_code).service == point
    return points


def opaque_choices(network: Network, who: str | None, side: str) -> list[dict]:
    """Every assignment of m(side, G) over opaque groups (all false unless unmanaged)."""
    if who is not None:
        return [{}]
    opaque = sorted(key for key, group in network.groups.items() if group.opaque)
    return [{opaque_key(side, g): bit for g, bit in zip(opaque, bits)}
            for bits in itertools.product((False, True), repeat=len(opaque))]


def unknown_choices(network: Network, src_who, dst_who) -> list[dict]:
    """Every assignment of u(rule) over the rules this packet can meet."""
    rules = side_rules(network, src_who, Direction.EGRESS) + side_rules(
        network, dst_who, Direction.INGRESS)
    keys = sorted({unknown_key(r) for r in rules
                   if isinstance(r.peer, UnknownPeer) or r.service_unknown})
    return [dict(zip(keys, bits)) for bits in itertools.product((False, True), repeat=len(keys))]


@dataclass(frozen=True)
class _SideOption:
    cls: int
    who: str | None
    free: dict


def side_options(network: Network, assertion: Assertion, family: Family, classes, side: str
                 ) -> Iterator[_SideOption]:
    """Identity and opaque choices per address class, pruned by endpoint membership."""
    endpoints = assertion.sources if side == SRC else assertion.destinations
    want_in = not (side == SRC and assertion.kind is Kind.ONLY)
    for index, reps in enumerate(classes):
        x = reps[0]
        for who in who_options(network, family, x):
            for free in opaque_choices(network, who, side):
                if in_endpoints(network, endpoints, family, x, who, side, free) == want_in:
                    yield _SideOption(index, who, free)


def search(network: Network, assertion: Assertion, family: Family) -> Witness | None:
    classes = address_classes(network, assertion, family)
    services = service_points(network, assertion)
    srcs = list(side_options(network, assertion, family, classes, SRC))
    dsts = list(side_options(network, assertion, family, classes, DST)) if srcs else []
    for src, dst in itertools.product(srcs, dsts):
        if src.cls != dst.cls:
            s, d = classes[src.cls][0], classes[dst.cls][0]
        elif len(classes[src.cls]) == 2:
            s, d = classes[src.cls]
        else:
            continue  # a one-address class cannot hold both ends
        for extra in unknown_choices(network, src.who, dst.who):
            free = {**src.free, **dst.free, **extra}
            for svc in services:
                protocol, port, icmp_type, icmp_code = split_service(svc)
                packet = Packet(family, s, d, protocol, port, icmp_type, icmp_code)
                if is_violation(network, assertion, packet, src.who, dst.who, free):
                    return Witness(packet, src.who, dst.who, free)
    return None


def decide(network: Network, assertion: Assertion) -> OracleVerdict:
    """Exhaustively decide `assertion` on `network` (both families)."""
    for family in (Family.V4, Family.V6):
        witness = search(network, assertion, family)
        if witness is not None:
            return OracleVerdict(False, witness)
    return OracleVerdict(True, None)


# ---------------------------------------------------------------- replaying a verifier result

def _free_choices(network: Network, src_who, dst_who) -> Iterator[dict]:
    for src_free in opaque_choices(network, src_who, SRC):
        for dst_free in opaque_choices(network, dst_who, DST):
            for extra in unknown_choices(network, src_who, dst_who):
                yield {**src_free, **dst_free, **extra}


def _side_problem(network: Network, family: Family, value: int, side) -> str:
    if parse_address(side.address) != (family, value):
        return f"address {side.address} differs from the packet's {family.name} {value}"
    if side.resource is not None and side.resource not in network.resources:
        return f"names unknown resource {side.resource!r}"
    if side.resource not in who_options(network, family, value):
        options = who_options(network, family, value)
        return f"identity {side.resource!r} is not one of the legal {options!r}"
    return ""


def replay(network: Network, assertion: Assertion, result) -> None:
    """Raise AssertionError unless `result`'s counterexample is a real violation.

    The counterexample's assumptions are free text, so instead of parsing them
    this accepts the counterexample when *some* choice of the free Booleans
    makes it a violation (for allow: some choice under which the packet is
    dropped).  Identities are taken exactly as stated by each Side.
    """
    from sgverify.solve.result import Verdict

    if result.verdict is not Verdict.VIOLATED:
        return
    example = result.counterexample
    where = f"assertion {assertion.name!r} ({assertion.kind.value})"
    if example is None:
        raise AssertionError(f"{where}: violated without a counterexample")
    packet = example.packet
    problems = [f"source {p}" for p in [_side_problem(network, packet.family, packet.src,
                                                      example.source)] if p]
    problems += [f"destination {p}" for p in [_side_problem(network, packet.family, packet.dst,
                                                            example.destination)] if p]
    if packet.src == packet.dst:
        problems.append("source and destination are the same address")
    if packet.protocol in (6, 17) and packet.port is None:
        problems.append("tcp/udp packet without a port")
    if problems:
        raise AssertionError(f"{where}: bad counterexample {packet}: " + "; ".join(problems))
    src_who, dst_who = example.source.resource, example.destination.resource
    if any(is_violation(network, assertion, packet, src_who, dst_who, free)
           for free in _free_choices(network, src_who, dst_who)):
        return
    raise AssertionError(
        f"{where}: counterexample {packet} (src={src_who!r}, dst={dst_who!r}, "
        f"assumptions={list(example.assumptions)!r}) is not a violation under any free choice: "
        + _explain(network, assertion, packet, src_who, dst_who))


def _explain(network: Network, assertion: Assertion, packet: Packet, src_who, dst_who) -> str:
    family = packet.family
    everything = {}
    for free in _free_choices(network, src_who, dst_who):
        everything.update({k: True for k in free})
    facts = {
        "in traffic": in_intervals(packet.service, assertion.traffic.intervals()),
        "src in from": in_endpoints(network, assertion.sources, family, packet.src, src_who,
                                    SRC, everything),
        "dst in to": in_endpoints(network, assertion.destinations, family, packet.dst, dst_who,
                                  DST, everything),
        "delivered (free all true)": delivered(network, packet, src_who, dst_who, everything),
        "delivered (free all false)": delivered(network, packet, src_who, dst_who, {}),
    }
    return ", ".join(f"{k}={v}" for k, v in facts.items())
