"""Builders for small networks and hypothesis strategies for random ones.

Addresses and blocks come from small pools so that the oracle's search stays
small while still exercising the corners: /0 of both families, /1 splits,
0.0.0.0/32, host blocks, overlapping private and public space, IPv6 blocks,
metadata addresses.
"""

from __future__ import annotations

import functools
import itertools

from hypothesis import strategies as st

from sgverify.model import (
    ALL,
    ICMP,
    ICMPV6,
    TCP,
    UDP,
    Cidr,
    CidrPeer,
    Direction,
    External,
    GroupPeer,
    Network,
    PortRange,
    PrefixList,
    PrefixListPeer,
    Resource,
    Rule,
    SecurityGroup,
    Service,
    UnknownPeer,
    parse_address,
)
from sgverify.spec import (
    AddressEndpoint,
    AnyEndpoint,
    Assertion,
    GroupEndpoint,
    InternetEndpoint,
    Kind,
    ResourceEndpoint,
    Traffic,
)

# ---------------------------------------------------------------- builders


def cidr(text: str) -> Cidr:
    return Cidr.parse(text)


def addr(text: str):
    return parse_address(text)


def ports(lo: int, hi: int | None = None) -> tuple[PortRange, ...]:
    return (PortRange(lo, lo if hi is None else hi),)


def rule(group: str, direction: Direction, index: int, service: Service, peer,
         service_unknown: str = "") -> Rule:
    return Rule(group=group, direction=direction, index=index, service=service, peer=peer,
                text=f"{service} {peer}", service_unknown=service_unknown)


def group(key: str, ingress=(), egress=(), opaque: bool = False) -> SecurityGroup:
    """A group from (service, peer) pairs, or (service, peer, service_unknown) triples."""
    def build(direction, specs):
        return tuple(rule(key, direction, i, *spec) for i, spec in enumerate(specs))
    return SecurityGroup(key=key, name=key, ingress=build(Direction.INGRESS, ingress),
                         egress=build(Direction.EGRESS, egress), opaque=opaque)


def resource(name: str, groups, ips=(), public_ips=(), subnets=()) -> Resource:
    return Resource(name=name, groups=tuple(groups), ips=tuple(addr(a) for a in ips),
                    public_ips=tuple(addr(a) for a in public_ips),
                    subnets=tuple(cidr(c) for c in subnets))


def network(groups, resources, externals=(), prefix_lists=()) -> Network:
    return Network(groups={g.key: g for g in groups}, resources={r.name: r for r in resources},
                   externals={e.name: e for e in externals},
                   prefix_lists={p.key: p for p in prefix_lists})


def assertion(kind: Kind, sources, destinations, traffic: Traffic | None = None,
              name: str = "a") -> Assertion:
    return Assertion(name=name, kind=kind, sources=tuple(sources),
                     destinations=tuple(destinations), traffic=traffic or Traffic())


def cidrs_endpoint(*texts: str) -> AddressEndpoint:
    return AddressEndpoint(",".join(texts), tuple(cidr(t) for t in texts))


# ---------------------------------------------------------------- pools

PRIVATE_V4_IPS = ("10.0.0.1", "10.0.0.2", "10.0.0.5", "10.0.1.7", "172.16.0.1", "192.168.1.1")
PUBLIC_V4_IPS = ("1.1.1.1", "2.2.2.2", "3.3.3.3", "1.1.1.2")
PRIVATE_V6_IPS = ("fd00::1", "fd00::2")
PUBLIC_V6_IPS = ("2001:db8::1", "2001:db8::2")
SUBNETS = ("10.0.0.0/30", "10.0.1.0/24", "fd00::/126", "10.0.0.0/24", "2001:db8::/126",
           "3.3.3.0/30")
CIDR_POOL = (
    "0.0.0.0/0", "::/0", "0.0.0.0/32", "0.0.0.0/1", "128.0.0.0/1", "10.0.0.0/8",
    "10.0.0.0/24", "10.0.0.0/30", "10.0.1.0/24", "10.0.0.1/32", "1.1.1.0/30", "2.2.2.2/32",
    "169.254.169.254/32", "172.16.0.0/12", "2001:db8::/126", "2001:db8::/32", "fd00::/126",
    "fd00::/8", "fd00::1/128", "2000::/3", "fd00:ec2::254/128",
)
PORT_RANGES = ((0, 0), (22, 22), (80, 80), (0, 65535), (1024, 65535), (20, 25), (443, 443))
PROTOCOLS = (TCP, UDP, ICMP, ICMPV6, ALL, 47, 50, 132)

cidrs = st.sampled_from(CIDR_POOL).map(cidr)


def _service_pool() -> tuple[Service, ...]:
    pool = [Service(p) for p in PROTOCOLS if p not in (TCP, UDP, ICMP, ICMPV6)]
    for protocol in (TCP, UDP):
        pool += [Service(protocol)] + [Service(protocol, (PortRange(*r),)) for r in PORT_RANGES]
    for protocol in (ICMP, ICMPV6):
        pool += [Service(protocol)] + [
            Service(protocol, icmp_type=t, icmp_code=c) for t in (0, 3, 8) for c in (None, 0, 4)]
    return tuple(pool)


# One draw per service and per peer keeps generation fast.
services = st.sampled_from(_service_pool())


def peer_pool(group_keys, prefix_list_keys) -> tuple:
    """CIDRs, groups (twice, to weigh them up), prefix lists, one unknown peer."""
    return (tuple(CidrPeer(cidr(c)) for c in CIDR_POOL)
            + tuple(GroupPeer(g) for g in group_keys) * 2
            + tuple(PrefixListPeer(p) for p in prefix_list_keys) * 2
            + (UnknownPeer("unknown until apply"),))


@functools.lru_cache(maxsize=None)
def _index(size: int) -> st.SearchStrategy[int]:
    return st.integers(0, size - 1)


def pick(draw, options):
    """One of `options` (a sequence), drawn with a cached strategy."""
    return options[draw(_index(len(options)))]


def _subsets(items, most: int) -> tuple[tuple, ...]:
    return tuple(c for n in range(1, most + 1) for c in itertools.combinations(items, n))


RESOURCE_SHAPES = ("v4", "v4", "v4+pub", "v6", "v6+pub", "dual", "sym", "sym", "bare")
SUBNET_CHOICES = _subsets(SUBNETS, 2)
CIDR_CHOICES = _subsets(CIDR_POOL, 2)
_unknown_service = st.integers(0, 14)


def draw_rules(draw, key: str, direction: Direction, peers: tuple,
               unknown_service_all: bool) -> tuple[Rule, ...]:
    out = []
    for index in range(draw(_index(6))):
        service_unknown = "computed" if draw(_unknown_service) == 0 else ""
        service = draw(services)
        if service_unknown and unknown_service_all:
            service = Service(ALL)
        out.append(rule(key, direction, index, service, pick(draw, peers), service_unknown))
    return tuple(out)


def _rotated(draw, pool: tuple) -> list:
    start = draw(_index(len(pool)))
    return list(pool[start:] + pool[:start])


def draw_resources(draw, group_keys: tuple) -> list[Resource]:
    pools = [_rotated(draw, p) for p in (PRIVATE_V4_IPS, PUBLIC_V4_IPS, PRIVATE_V6_IPS,
                                         PUBLIC_V6_IPS)]
    v4, v4_public, v6, v6_public = pools
    group_choices = _subsets(group_keys, 2)
    out = []
    for i in range(2 + draw(_index(5))):
        shape = pick(draw, RESOURCE_SHAPES)
        ips, public_ips, subnets = [], [], ()
        if shape in ("v4", "v4+pub", "dual") and v4:
            ips.append(v4.pop())
        if shape == "v4+pub" and v4_public:
            public_ips.append(v4_public.pop())
        if shape in ("v6", "v6+pub", "dual") and v6:
            ips.append(v6.pop())
        if shape == "v6+pub" and v6_public:
            public_ips.append(v6_public.pop())
        if shape == "sym" or (not (ips or public_ips) and shape != "bare"):
            subnets = pick(draw, SUBNET_CHOICES)
        out.append(resource(f"r{i}", pick(draw, group_choices), ips, public_ips, subnets))
    return out


@st.composite
def networks(draw, unknown_service_all: bool = False) -> Network:
    """A random small network.

    unknown_service_all: rules whose service is partly unknown carry
    Service(ALL) rather than a drawn service with known parts (protocol).
    """
    keys = tuple(f"sg-{chr(ord('a') + i)}" for i in range(2 + draw(_index(4))))
    opaque = ("sg-other",) if draw(_index(5)) == 0 else ()
    prefix_lists = [PrefixList(key=f"pl-{i}", cidrs=tuple(map(cidr, pick(draw, CIDR_CHOICES))))
                    for i in range(draw(_index(3)))]
    peers = peer_pool(keys + opaque, [p.key for p in prefix_lists])
    groups = [
        SecurityGroup(key=k, name=k, ingress=draw_rules(draw, k, Direction.INGRESS, peers,
                                                 unknown_service_all),
                      egress=draw_rules(draw, k, Direction.EGRESS, peers,
                                                unknown_service_all))
        for k in keys
    ] + [SecurityGroup(key=k, name=k, opaque=True) for k in opaque]
    externals = [External(name=f"ext{i}", cidrs=tuple(map(cidr, pick(draw, CIDR_CHOICES))))
                 for i in range(draw(_index(3)))]
    # Resources carry only described groups (never the opaque one).
    return network(groups, draw_resources(draw, keys), externals, prefix_lists)


def endpoint_choices(net: Network) -> tuple:
    """Every endpoint an assertion on `net` may name (address ones from the pool)."""
    return (
        tuple(ResourceEndpoint(r) for r in sorted(net.resources))
        + tuple(GroupEndpoint(g) for g in sorted(net.groups))
        + tuple(AddressEndpoint(e.name, e.cidrs) for e in net.externals.values())
        + tuple(AddressEndpoint(c, (cidr(c),)) for c in CIDR_POOL)
        + (AnyEndpoint(), InternetEndpoint(), InternetEndpoint())
    )


TRAFFIC_CHOICES = tuple(Traffic(p) for p in (ALL, TCP, UDP, ICMP, 47)) + tuple(
    Traffic(p, (PortRange(*r),)) for p in (ALL, TCP, UDP) for r in PORT_RANGES)


@st.composite
def assertions(draw, net: Network) -> Assertion:
    choices = endpoint_choices(net)
    kind = pick(draw, tuple(Kind))
    sources = [pick(draw, choices) for _ in range(1 + draw(_index(2)))]
    destinations = [pick(draw, choices) for _ in range(1 + draw(_index(2)))]
    return assertion(kind, sources, destinations, pick(draw, TRAFFIC_CHOICES), name="random")


@st.composite
def cases(draw, unknown_service_all: bool = False):
    """A (network, assertion) pair."""
    net = draw(networks(unknown_service_all))
    return net, draw(assertions(net))
