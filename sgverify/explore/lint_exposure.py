"""Lint checks on what the internet reaches: split public exposures, admin ports."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Direction, Family, Network
from ..model import intervals as iv
from ..model.addresses import public_intervals
from ..model.service import SERVICE_TOP, TCP, service_point
from .lint import Level, make, rule_finding, rule_text
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
    """One finding per ingress rule of `name` that admits internet addresses on admin or
    database tcp ports, listing those ports and whom the rule opens them to.

    Error when the rule alone admits every internet address of a family for every free
    choice, or is one of several rules that together do on one of its ports; warning when
    it admits only some addresses, or only for some free choice. The fingerprint is the
    rule's and the resource's, so it survives edits to other rules and moves in the file.
    """
    openings = _openings(network, name)
    assembled = _assembled_ports(network, openings)
    out = []
    for rule, opening in openings.items():
        joint = [p for p in opening.ports if p in assembled and rule in assembled[p]]
        severity = Level.ERROR if opening.whole or joint else Level.WARNING
        text = rule.text or rule_text(rule)
        message = f"{name}: {rule.label} ({text}) opens {_ports_text(opening)} to {opening.how()}"
        if joint and not opening.whole:
            message += f"; with other rules of {name}, {_listing(joint)} to the whole internet"
        out.append(rule_finding(ADMIN_PORT, severity, message, rule, name))
    return out


@dataclass
class _Opening:
    """What one rule admits from the internet on admin ports (certain, else possible)."""

    family_peers: dict  # Family -> the internet addresses it admits
    ports: list[int]
    every_port: str  # "every port", "every tcp port" or ""
    whole_in: set  # the families of which it admits every internet address, for every choice
    certain: bool

    @property
    def whole(self) -> bool:
        return bool(self.whole_in)

    def how(self) -> str:
        from ..regions import cidrs_of

        if self.whole:
            return "the whole internet"
        if not self.certain:
            return "the internet for some values of unknown rule parts or members"
        some = [str(c) for family, peers in self.family_peers.items() for c in cidrs_of(peers, family)]
        return f"some internet addresses ({', '.join(some[:3])}{', ...' if len(some) > 3 else ''})"


def _openings(network: Network, name: str) -> dict:
    """Rule -> its opening, in the order of the resource's rules."""
    from ..regions import Principal, address_space
    from ..regions.delivered import admissions

    own, internet = Principal.resource(name), Principal.internet()
    found: dict = {}
    for certain in (True, False):  # what holds for every choice first; the rest only for some
        for family in (Family.V4, Family.V6):
            space = address_space(network, internet, family)
            if not address_space(network, own, family):
                continue  # no address of that family: nothing of it is delivered
            for item in admissions(network, own, internet, Direction.INGRESS, family, free=not certain):
                ports = [p for p in ADMIN_PORTS if iv.contains(list(item.services), service_point(TCP, p))]
                if item.rule is None or not ports or not item.peers:
                    continue
                opening = found.setdefault(item.rule, _Opening({}, [], _every(item.services), set(), certain))
                if opening.certain != certain:
                    continue  # already known to open its ports for every choice
                opening.family_peers[family] = list(item.peers)
                opening.ports = sorted(set(opening.ports) | set(ports))
                if certain and list(item.peers) == space:
                    opening.whole_in.add(family)
    return found


def _assembled_ports(network: Network, openings: dict) -> dict:
    """Port -> the rules that together, and none alone, admit every internet address of a
    family on it for every choice."""
    from ..regions import Principal, address_space

    out: dict = {}
    for port in ADMIN_PORTS:
        rules = [r for r, o in openings.items() if o.certain and port in o.ports]
        for family in (Family.V4, Family.V6):
            if len(rules) < 2 or any(family in openings[r].whole_in for r in rules):
                continue
            space = address_space(network, Principal.internet(), family)
            parts = [(r, openings[r].family_peers.get(family, [])) for r in rules]
            if space and iv.normalize(x for _, peers in parts for x in peers) == space:
                out.setdefault(port, set()).update(r for r, peers in parts if peers)
    return out


def _every(services) -> str:
    services = list(services)
    if services == [(0, SERVICE_TOP)]:
        return "every port"
    every_tcp = (service_point(TCP, 0), service_point(TCP, 65535))
    return "every tcp port" if iv.intersect(services, [every_tcp]) == [every_tcp] else ""


def _listing(ports) -> str:
    return ", ".join(f"tcp/{p} ({ADMIN_PORTS[p]})" for p in ports)


def _ports_text(opening: _Opening) -> str:
    return opening.every_port or _listing(opening.ports)
