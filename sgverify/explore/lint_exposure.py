"""Lint checks on what the internet reaches: split public exposures, admin ports."""

from __future__ import annotations

from ..model import Direction, Family, Network
from ..model import intervals as iv
from ..model.addresses import public_intervals
from ..model.service import SERVICE_TOP, TCP, service_point
from .lint import Level, make
from .lint_cover import certain_addresses

ASSEMBLED = "SG004-assembled-public-exposure"
ADMIN_PORT = "SG005-admin-port-open-to-internet"

# Remote administration and data stores that should never face the internet.
ADMIN_PORTS = {
    22: "ssh", 23: "telnet", 135: "msrpc", 139: "netbios", 445: "smb", 1433: "sql server",
    1521: "oracle", 2049: "nfs", 2375: "docker", 3306: "mysql", 3389: "rdp", 5432: "postgresql",
    5900: "vnc", 5984: "couchdb", 6379: "redis", 9042: "cassandra", 9200: "elasticsearch",
    11211: "memcached", 27017: "mongodb",
}


def exposure_findings(network: Network) -> list:
    findings = []
    for resource in network.resources.values():
        findings += assembled_exposures(network, resource.name)
        findings += admin_ports_open(network, resource.name)
    return findings


def ingress_rules(network: Network, name: str) -> list:
    resource = network.resources[name]
    return [r for g in dict.fromkeys(resource.groups) if g in network.groups
            for r in network.groups[g].rules(Direction.INGRESS)]


def assembled_services(network: Network, name: str, family: Family) -> iv.Intervals:
    """Services on which the rules together admit every public address while no single rule does."""
    public = public_intervals(family)
    boxes = [(iv.intersect(certain_addresses(network, r, family), public), r.service.intervals())
             for r in ingress_rules(network, name) if not r.service_unknown]
    boxes = [(a, s) for a, s in boxes if a]
    cuts = sorted({b for _, svcs in boxes for lo, hi in svcs for b in (lo, hi + 1)} | {0, SERVICE_TOP + 1})
    found: iv.Intervals = []
    for lo, nxt in zip(cuts, cuts[1:]):
        active = [a for a, s in boxes if iv.contains(s, lo)]
        if len(active) < 2 or any(a == public for a in active):
            continue
        if iv.normalize(x for a in active for x in a) == public:
            found.append((lo, nxt - 1))
    return iv.normalize(found)


def assembled_exposures(network: Network, name: str) -> list:
    from ..regions import describe_services

    out = []
    for family in (Family.V4, Family.V6):
        services = assembled_services(network, name, family)
        if services:
            text = describe_services(services)
            resource = network.resources[name]
            out.append(make(ASSEMBLED, Level.WARNING,
                            f"{name} is open to every public IPv{family.value} address on {text}, "
                            f"assembled from several rules (no single rule says so)",
                            resource.origin, name, str(family.value), text))
    return out


def admin_ports_open(network: Network, name: str) -> list:
    """Admin/database tcp ports the internet reaches: error when every internet address does
    (for every free choice), warning when only some addresses do or only for some choice."""
    from ..regions import Principal, pair_sets

    resource = network.resources[name]
    sets = [pair_sets(network, Principal.internet(), Principal.resource(name), f) for f in (Family.V4, Family.V6)]
    out = []
    for port in ADMIN_PORTS:
        how = _port_exposure(network, sets, port)
        if how:
            severity = Level.ERROR if how == "the whole internet" else Level.WARNING
            out.append(make(ADMIN_PORT, severity, f"{name}: tcp/{port} ({ADMIN_PORTS[port]}) is open to {how}",
                            resource.origin, name, str(port)))
    return out


def _sources_on(boxes, point: int) -> iv.Intervals:
    return iv.normalize(x for box in boxes if iv.contains(list(box.services), point) for x in box.sources)


def _port_exposure(network: Network, family_sets, port: int) -> str:
    from ..regions import Principal, address_space, cidrs_of

    point = service_point(TCP, port)
    some, maybe = [], False
    for sets in family_sets:
        reached = _sources_on(sets.certain, point)
        space = address_space(network, Principal.internet(), sets.family)
        if space and reached == space:
            return "the whole internet"
        if reached:
            some += [str(c) for c in cidrs_of(reached, sets.family)]
        maybe = maybe or bool(_sources_on(sets.possible, point))
    if some:
        shown = ", ".join(some[:3]) + (", ..." if len(some) > 3 else "")
        return f"some internet addresses ({shown})"
    return "the internet for some values of unknown rule parts or members" if maybe else ""
