"""A brute-force decision of deny/allow/only on the VPC path: the test oracle.

`decide` enumerates representative packets and walks each one with
path_oracle_walk.py, which states the path semantics hop by hop; `replay`
checks that a verifier's counterexample is a real violation.

Why a finite set of packets is exhaustive (each family on its own; where the
input leaves something out, the walk takes every choice it can permissively
for `deny`/`only` and drops restrictively for `allow`, path_oracle_world.py;
the zone of each transit gateway attachment with several subnets is tried in turn).

Addresses.  Every question the walk or an endpoint asks of an address is
"is it in block B" or "is it address A", for B and A from a finite list: the
VPC, subnet and usable-subnet blocks, NACL, rule, route and prefix-list
blocks, the assertion's blocks, the public blocks, and the addresses of
interfaces, NAT gateways, the link-local services and the resolvers.  Split
the line at every first and last+1 of these: two addresses in one elementary
cell answer every question alike, so one address per cell suffices, plus a
second one where source and destination must be distinct addresses of one end.

Services.  Every question on the service line is "is it in the intervals of a
rule, an entry or the traffic", plus the protocol class (tcp, udp, icmp: the
NAT gateway and the reply's shape) and whether it is an echo request.  The
line is split at all those bounds and one point kept per signature.

Client and NAT ports.  A reply's port is tested only by NACL entries with
port ranges; one port per elementary cell of their bounds within the range.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from path_oracle_walk import NAT_PROTOCOLS, V4, V6, End, World
from path_oracle_world import LINK_LOCAL
from sgverify.model import CidrPeer, Family, Network
from sgverify.model.addresses import NON_PUBLIC_V4, PUBLIC_V6
from sgverify.spec import AddressEndpoint, AnyEndpoint, Assertion, GroupEndpoint, InternetEndpoint, Kind
from sgverify.spec import ResourceEndpoint

SERVICE_TOP = (1 << 24) - 1
DEFAULT_CLIENT_PORTS = (1024, 65535)  # README: replies go to 1024-65535 unless the spec says otherwise
NAT_PORTS = (1024, 65535)  # docs/vpc.md: a reply through a NAT gateway arrives at its own port


@dataclass(frozen=True)
class Witness:
    src: End
    s: int
    d: int
    point: int
    client_port: int | None = None
    nat_port: int | None = None
    target: str = ""
    family: Family = V4


# ---------------------------------------------------------------- representatives

def _cells(bounds, top: int) -> list[tuple[int, int]]:
    points = sorted({0} | {b for b in bounds if 0 < b <= top})
    return [(lo, points[i + 1] - 1 if i + 1 < len(points) else top) for i, lo in enumerate(points)]


def _blocks(world: World, assertion: Assertion) -> list:
    net, t = world.net, world.t
    blocks = list(NON_PUBLIC_V4 if world.family is V4 else PUBLIC_V6)
    blocks += [c for v in t.vpcs.values() for c in v.cidrs] + [c for s in t.subnets.values() for c in s.cidrs]
    blocks += [e.cidr for a in t.nacls.values() for e in a.inbound + a.outbound]
    blocks += [r.destination for rt in t.route_tables.values() for r in rt.routes if r.destination is not None]
    blocks += [c for p in net.prefix_lists.values() for c in p.cidrs]
    blocks += [r.destination for rt in t.tgw_route_tables.values() for r in rt.routes]
    blocks += [r.peer.cidr for r in net.all_rules() if isinstance(r.peer, CidrPeer)]
    for endpoint in assertion.sources + assertion.destinations:
        if isinstance(endpoint, AddressEndpoint):
            blocks += list(endpoint.cidrs)
    return [b for b in blocks if b.family is world.family]


def address_points(world: World, assertion: Assertion) -> list[int]:
    bounds = set()
    for b in _blocks(world, assertion):
        bounds |= {b.first, b.last + 1, b.first + 4, b.last}  # the last two: a subnet's usable part
    points = set(LINK_LOCAL[world.family]) | set(world.resolvers.values()) | world.publics | world.nats_by_ip
    points |= {a for held in world.held.values() for a in held} | {e.private for e in world.ends_beyond}
    for a in points:
        bounds |= {a, a + 1}
    out = []
    for lo, hi in _cells(bounds, world.top):
        out += [lo] + ([lo + 1] if lo < hi else [])
    return out


def service_points(network: Network, assertion: Assertion) -> list[int]:
    lists = [list(r.service.intervals()) for r in network.all_rules()]
    lists += [list(e.service.intervals()) for a in network.topology.nacls.values() for e in a.inbound + a.outbound]
    traffic = assertion.traffic.intervals()
    bounds = {p for intervals in lists + [traffic] for lo, hi in intervals for p in (lo, hi + 1)}
    bounds |= {p << 16 for p in range(257)}  # a cell never spans two protocols
    bounds |= {(1 << 16) | (8 << 8), (1 << 16) | (9 << 8), (58 << 16) | (128 << 8), (58 << 16) | (129 << 8)}
    seen, out = set(), []
    for lo, _ in _cells(bounds, SERVICE_TOP):
        if not any(a <= lo <= b for a, b in traffic):
            continue
        protocol = lo >> 16
        echo = (protocol, (lo >> 8) & 0xFF) in ((1, 8), (58, 128))
        key = (tuple(any(a <= lo <= b for a, b in i) for i in lists),
               protocol if protocol in NAT_PROTOCOLS + (58,) else -1, echo)
        if key not in seen and (protocol in (1, 6, 17, 58) or lo & 0xFFFF == 0):
            seen.add(key)
            out.append(lo)
    return out


def port_points(network: Network, lo: int, hi: int) -> list[int]:
    bounds = {lo}
    for acl in network.topology.nacls.values():
        for e in acl.inbound + acl.outbound:
            for r in e.service.ports or ():
                bounds |= {r.lo, r.hi + 1}
    return [p for p, _ in _cells(bounds, 65535) if lo <= p <= hi]


# ---------------------------------------------------------------- endpoints

def _named(network: Network, endpoints) -> set[str]:
    names = set()
    for endpoint in endpoints:
        if isinstance(endpoint, ResourceEndpoint):
            names.add(endpoint.name)
        elif isinstance(endpoint, GroupEndpoint):
            names |= {r.name for r in network.members(endpoint.group)}
    return names


def _in_space(world: World, endpoints, a: int) -> bool:
    for endpoint in endpoints:
        if isinstance(endpoint, AnyEndpoint):
            return True
        if isinstance(endpoint, InternetEndpoint) and world.is_internet(a):
            return True
        if isinstance(endpoint, AddressEndpoint) and any(world.inside(c, a) for c in endpoint.cidrs):
            return True
    return False


def _has_space(endpoints) -> bool:
    return any(isinstance(e, (AnyEndpoint, InternetEndpoint, AddressEndpoint)) for e in endpoints)


def in_endpoints(world: World, endpoints, end: End, a: int) -> bool:
    """An end at address `a` is in `from`/`to`: a named resource at any address, else by address."""
    return (end.kind == "resource" and end.resource in _named(world.net, endpoints)) or \
        _in_space(world, endpoints, a)


def senders(world: World, assertion: Assertion, points) -> list[tuple[End, int]]:
    """(end, address it sends from) counted by `from` (for `only`: outside `from`)."""
    only = assertion.kind is Kind.ONLY
    out = [(end, a) for end in world.all_ends() for a in points
           if world.holds(end, a) and in_endpoints(world, assertion.sources, end, a) != only]
    if not only:  # an outside host at such a block sends too: to one beyond every described VPC, say
        out += [(world.outside, a) for a in unheld(world, assertion.sources, points, world.holds)
                if not world.holds(world.outside, a)]
    return out


def unheld(world: World, endpoints, points, test) -> list[int]:
    """The points of an `allow`'s address blocks that hold no end at all: the
    project takes such a block as outside hosts that nothing routes to or from,
    so that the `allow` is refuted rather than held vacuously."""
    ends = world.all_ends()
    out = []
    for endpoint in endpoints:
        for cidr in getattr(endpoint, "cidrs", ()) if isinstance(endpoint, AddressEndpoint) else ():
            inside = [a for a in points if world.inside(cidr, a)]
            if inside and not any(test(e, a) for e in ends for a in inside):
                out += inside
    return out


# ---------------------------------------------------------------- deciding

def _delivered(world: World, assertion: Assertion, src: End, s: int, d: int, point: int) -> bool:
    """Some way the request may go arrives within `to` (not back at its own sender)."""
    return any(not (arrival.end == src and d == s) and in_endpoints(world, assertion.destinations, arrival.end, d)
               for arrival in world.request(src, s, d, point))


def targets(world: World, assertion: Assertion, points) -> list[tuple[str, list[int]]]:
    """What `allow` must reach: each named resource at any of its addresses, and the
    address endpoints, each address at whichever end holds it."""
    out = []
    for name in sorted(_named(world.net, assertion.destinations)):
        ends = world.resource_ends[name]
        addresses = sorted({a for e in ends for a in (e.private, e.public) if a is not None})
        if addresses:
            out.append((name, addresses))
    if _has_space(assertion.destinations):
        out.append(("", [d for d in points if _in_space(world, assertion.destinations, d)]))
    return out


def _failing(world: World, src: End, s: int, point: int, target: str, addresses, ports, nat_ports, nobody=()):
    """(client port, NAT port, address) of a connection to `target` none completes, or None.
    The world is restrictive: what the input leaves out carries nothing."""
    if target:
        arrivals = [a for d in addresses for a in world.request(src, s, d, point) if a.end.resource == target]
        for cport, nport in itertools.product(ports, nat_ports):
            if not any(world.completes(a, point, cport, nport) for a in arrivals):
                return cport, nport, addresses[0]
        return None
    for d in addresses:
        holders = [e for e in world.all_ends() if e != src and world.reached(e, d)]
        if not holders and d in nobody:
            holders = [world.outside]
        if not holders:
            continue
        arrivals = [a for a in world.request(src, s, d, point) if a.end in holders]
        for cport, nport in itertools.product(ports, nat_ports):
            if not any(world.completes(a, point, cport, nport) for a in arrivals):
                return cport, nport, d
    return None


def _world(network: Network, assertion: Assertion, family: Family) -> World:
    return World(network, family, permissive=assertion.kind is not Kind.ALLOW)


def zone_choices(network: Network) -> list[dict[str, int]]:
    """Every way to pick one subnet (zone) of each transit gateway attachment
    that has several in the input: which one a packet uses is a free choice,
    one per attachment and packet, the same for the request and its reply."""
    t = network.topology
    counts = {k: len([s for s in a.subnets if s in t.subnets]) for k, a in sorted(t.tgw_attachments.items())}
    keys = [k for k, n in counts.items() if n > 1]
    return [dict(zip(keys, picks)) for picks in itertools.product(*(range(counts[k]) for k in keys))]


def worlds(network: Network, assertion: Assertion, family: Family):
    """One World per zone choice: `deny` and `only` are violated when some choice
    delivers, `allow` when under some choice a connection fails."""
    for zones in zone_choices(network):
        world = _world(network, assertion, family)
        world.zones = zones
        yield world


def decide(network: Network, assertion: Assertion) -> Witness | None:
    """A violating packet, or None when the assertion holds (IPv4 and IPv6)."""
    for family in (V4, V6):
        for world in worlds(network, assertion, family):
            found = _decide(world, assertion)
            if found is not None:
                return found
    return None


def _decide(world: World, assertion: Assertion) -> Witness | None:
    network = world.net
    points = address_points(world, assertion)
    services = service_points(network, assertion)
    sources = senders(world, assertion, points)
    if assertion.kind is Kind.ALLOW:
        ports = port_points(network, *(assertion.client_ports or DEFAULT_CLIENT_PORTS))
        nat_ports = port_points(network, *NAT_PORTS)
        wanted = targets(world, assertion, points)
        nobody = set(unheld(world, assertion.destinations, points, world.reached))
        for src, s in sources:
            for point, (target, addresses) in itertools.product(services, wanted):
                found = _failing(world, src, s, point, target, addresses, ports, nat_ports, nobody)
                if found is not None:
                    return Witness(src, s, found[2], point, found[0], found[1], target, world.family)
        return None
    destinations = [d for d in points if any(world.reached(e, d) and in_endpoints(world, assertion.destinations, e, d)
                                             for e in world.all_ends())]
    for (src, s), d, point in itertools.product(sources, destinations, services):
        if _delivered(world, assertion, src, s, d, point):
            return Witness(src, s, d, point, family=world.family)
    return None


# ---------------------------------------------------------------- replaying a verifier's counterexample

def _candidates(world: World, side, a: int, sending: bool) -> list[End]:
    """The ends a counterexample's side may be: it names a resource or none."""
    test = world.holds if sending else world.reached
    return [e for e in world.all_ends() if test(e, a) and
            (e.resource == side.resource if side.resource else e.kind != "resource")]


def replay_problem(network: Network, assertion: Assertion, example) -> str:
    """Empty when the counterexample is a real violation on the oracle (under some
    zone choice), else why not."""
    problems = [_replay(world, assertion, example) for world in worlds(network, assertion, example.packet.family)]
    return "" if "" in problems else problems[0]


def _replay(world: World, assertion: Assertion, example) -> str:
    network, packet = world.net, example.packet
    s, d, point = packet.src, packet.dst, packet.service
    if not any(lo <= point <= hi for lo, hi in assertion.traffic.intervals()):
        return f"{packet} is outside the assertion's traffic"
    only = assertion.kind is Kind.ONLY
    sources = [e for e in _candidates(world, example.source, s, True)
               if in_endpoints(world, assertion.sources, e, s) != only]
    if not only and not example.source.resource and \
            s in unheld(world, assertion.sources, address_points(world, assertion) + [s], world.holds):
        sources.append(world.outside)
    if not sources:
        return f"no end of {example.source} sends from {packet.src_ip} within `from`"
    if assertion.kind is not Kind.ALLOW:
        wanted = _candidates(world, example.destination, d, False)
        for src in sources:
            if any(a.end in wanted and not (a.end == src and d == s) and
                   in_endpoints(world, assertion.destinations, a.end, d) for a in world.request(src, s, d, point)):
                return ""
        return f"{packet} from {[str(e) for e in sources]} is not delivered to {example.destination}"
    ports = [example.client_port] if example.client_port is not None else \
        port_points(network, *(assertion.client_ports or DEFAULT_CLIENT_PORTS))
    nat_ports = port_points(network, *NAT_PORTS)
    points = address_points(world, assertion)
    nobody = set(unheld(world, assertion.destinations, points + [d], world.reached))
    for src in sources:
        for target, addresses in targets(world, assertion, points):
            if target and (example.destination.resource != target or d not in addresses):
                continue
            if not target and not _in_space(world, assertion.destinations, d):
                continue
            if _failing(world, src, s, point, target, addresses if target else [d], ports, nat_ports, nobody):
                return ""
    return f"every connection {packet} (client port {example.client_port}) completes on the oracle"
