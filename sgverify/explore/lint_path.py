"""Lint findings about the VPC path layer (networks with a topology).

- NET001-shadowed-nacl-entry: an entry no packet ever reaches, because
  entries with lower numbers already decide everything it matches;
- NET002-nacl-drops-replies: an inbound allow for tcp/udp whose replies
  (to client ports 1024-65535) the same NACL's outbound entries deny;
- NET003-route-to-nothing: a blackhole route, or a route to a target that is
  not in the input;
- NET004-public-address-without-internet-route: a resource with a public
  address in a subnet whose table has no route to an internet gateway;
- NET005-rule-never-delivered: a security-group ingress rule with an address
  peer that admits nothing the path ever delivers (proved on the path).

Shadowing is exact: an entry's (block x service) box is covered by the union
of the earlier boxes, decided piece by piece of the address line.
"""

from __future__ import annotations

from ..model import CidrPeer, Family, Network
from ..model import intervals as iv
from ..model.service import SERVICE_TOP, TCP, UDP
from ..model.topology import AclAction, AclEntry, NetworkAcl, TargetKind
from .lint import Level, make, rule_finding

EPHEMERAL = (1024, 65535)
RULE_PROOF_LIMIT = 200  # NET005 proves one query per rule: bounded on large estates


def path_findings(network: Network) -> list:
    if network.topology is None:
        return []
    t = network.topology
    found = []
    for nacl in t.nacls.values():
        found += _shadowed(nacl) + _drops_replies(nacl)
    found += _dead_routes(network) + _public_without_route(network) + _never_delivered(network)
    return found


def _box(entry: AclEntry):
    return [(entry.cidr.first, entry.cidr.last)], list(entry.service.spans)


def covered(box, earlier) -> bool:
    """Is the box (addresses x services) inside the union of the earlier boxes?"""
    addresses, services = box
    points = sorted({addresses[0][0], addresses[0][1] + 1} |
                    {p for (a, _) in earlier for lo, hi in a for p in (lo, hi + 1)
                     if addresses[0][0] <= p <= addresses[0][1]})
    for lo, nxt in zip(points, points[1:]):
        over = [s for a, s in earlier if iv.contains(a, lo)]
        union = iv.normalize(i for s in over for i in s)
        if iv.subtract(services, union, SERVICE_TOP):
            return False
    return True


def _shadowed(nacl: NetworkAcl) -> list:
    out = []
    for egress in (False, True):
        entries = sorted(nacl.entries(egress), key=lambda e: e.number)
        for index, entry in enumerate(entries):
            earlier = [_box(e) for e in entries[:index] if e.cidr.family is entry.cidr.family]
            if earlier and covered(_box(entry), earlier):
                out.append(make("NET001-shadowed-nacl-entry", Level.WARNING,
                                f"{nacl.key} {entry.label} never applies: lower-numbered entries already "
                                f"decide everything it matches", entry.origin, nacl.key, entry.label))
    return out


def _drops_replies(nacl: NetworkAcl) -> list:
    out = []
    outbound = sorted(nacl.outbound, key=lambda e: e.number)
    for entry in sorted(nacl.inbound, key=lambda e: e.number):
        if entry.action is not AclAction.ALLOW:
            continue
        for protocol in (TCP, UDP):
            if not any(lo <= (protocol << 16) | 0xFFFF and hi >= protocol << 16 for lo, hi in entry.service.spans):
                continue
            replies = [((protocol << 16) | EPHEMERAL[0], (protocol << 16) | EPHEMERAL[1])]
            if not _allows_all(outbound, entry.cidr.family, entry.cidr.first, replies):
                name = "tcp" if protocol == TCP else "udp"
                out.append(make("NET002-nacl-drops-replies", Level.WARNING,
                                f"{nacl.key} {entry.label} admits {name} from {entry.cidr}, but its outbound "
                                f"entries deny the replies to client ports {EPHEMERAL[0]}-{EPHEMERAL[1]} "
                                f"(e.g. to {entry.cidr.text.split('/')[0]})", entry.origin, nacl.key,
                                entry.label, name))
    return out


def _allows_all(entries, family: Family, address: int, services) -> bool:
    """First match over `entries` admits every service of `services` towards `address`."""
    left = list(services)
    for entry in entries:
        if not entry.cidr.contains(family, address):
            continue
        hit = iv.intersect(left, list(entry.service.spans))
        if hit and entry.action is AclAction.DENY:
            return False
        left = iv.subtract(left, list(entry.service.spans), SERVICE_TOP)
        if not left:
            return True
    return not left


def _dead_routes(network: Network) -> list:
    from ..model.ends import Places
    from ..model.legs import UNKNOWN_KINDS, Legs

    legs = Legs(Places(network, Family.V4))
    out = []
    for table in network.topology.route_tables.values():
        for route in table.routes:
            if route.blackhole:
                why = "is a blackhole: what it matches is dropped"
            elif legs._unknown_target(route) and route.target_kind not in UNKNOWN_KINDS:
                why = f"points at {route.target or route.target_kind.value}, which is not in the input"
            else:
                continue
            out.append(make("NET003-route-to-nothing", Level.WARNING, f"route {table.key}: {route} {why}",
                            route.origin if route.origin.file else table.origin, table.key, str(route)))
    return out


def _public_without_route(network: Network) -> list:
    t = network.topology
    out = []
    for resource in network.resources.values():
        if not resource.public_ips:
            continue
        for key in resource.subnet_ids:
            subnet = t.subnets.get(key)
            table = t.route_table_of(subnet) if subnet else None
            if table not in t.route_tables:
                continue
            if not any(r.target_kind is TargetKind.INTERNET_GATEWAY and not r.blackhole
                       for r in t.route_tables[table].routes):
                out.append(make("NET004-public-address-without-internet-route", Level.INFO,
                                f"{resource.name} has a public address, but {key}'s table {table} has no route "
                                f"to an internet gateway: the address carries nothing", resource.origin,
                                resource.name, key))
    return out


def _never_delivered(network: Network) -> list:
    from ..solve import Verdict
    from ..solve.path_prove import PathNetwork, check_path_assertion
    from ..spec import AddressEndpoint, Assertion, Kind, ResourceEndpoint

    paths = PathNetwork(network)
    out = []
    checked = 0
    for resource in sorted(network.resources.values(), key=lambda r: r.name):
        for key in dict.fromkeys(resource.groups):
            group = network.groups.get(key)
            for rule in group.ingress if group else ():
                if not isinstance(rule.peer, CidrPeer) or rule.service_unknown or checked >= RULE_PROOF_LIMIT:
                    continue
                checked += 1
                traffic = _traffic_of(rule)
                if traffic is None:
                    continue
                peer = AddressEndpoint(str(rule.peer.cidr), (rule.peer.cidr,))
                a = Assertion("lint", Kind.DENY, (peer,), (ResourceEndpoint(resource.name),), traffic)
                if check_path_assertion(paths, a).verdict is Verdict.HOLDS:
                    out.append(rule_finding("NET005-rule-never-delivered", Level.INFO,
                                            f"{rule.label} admits {rule.service} from {rule.peer} to "
                                            f"{resource.name}, but no route or NACL ever delivers such a packet",
                                            rule, resource.name))
    return out


def _traffic_of(rule):
    from ..model.service import ALL, PORTED
    from ..spec import Traffic

    service = rule.service
    if service.protocol == ALL:
        return Traffic()
    if service.protocol in PORTED:
        return Traffic(service.protocol, service.ports)
    if service.icmp_type is not None:
        return None  # an assertion cannot name an icmp type: left out
    return Traffic(service.protocol)
