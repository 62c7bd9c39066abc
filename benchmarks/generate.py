"""Synthetic estates in the native format, deterministic from a seed.

The shape follows a typical AWS account: VPCs with /16 plans cut into /24
subnets (a share with an IPv6 /56 cut into /64s), applications made of a few
instances that share their groups (so a group set repeats across instances),
a handful of shared groups (a fleet-wide group with a large membership,
monitoring, bastions) referenced by many rules, prefix lists, and rules with
ports, ranges, protocol -1, ICMP and bare protocol numbers.

Every resource has concrete addresses: the estates exercise scale, not
the unknown parts of an input (those are covered by the test suite).
"""

from __future__ import annotations

import ipaddress
import json
import random
from dataclasses import dataclass

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "300k": 300_000}
COMMON_PORTS = (22, 80, 443, 3306, 5432, 6379, 8080, 8443, 9090, 9200, 27017, 11211, 53, 123, 25, 389)
FLEET = "sg-fleet"


@dataclass(frozen=True)
class Estate:
    """A generated network (native-format document) and facts the workloads use."""

    document: dict
    rules: int
    fleet_members: int

    def write(self, path) -> None:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(self.document, out, separators=(",", ":"))


def generate(rules: int, seed: int = 1, fleet_members: int | None = None) -> Estate:
    """An estate with about `rules` rules; `fleet_members` resources carry the fleet group."""
    return _Builder(random.Random(seed), rules, fleet_members).build()


class _Builder:
    def __init__(self, rng: random.Random, rules: int, fleet_members: int | None):
        self.rng = rng
        self.target = rules
        self.fleet_target = fleet_members if fleet_members is not None else max(20, rules // 5)
        self.vpcs = max(2, rules // 5000)
        self.subnets: list[tuple[ipaddress.IPv4Network, ipaddress.IPv6Network | None]] = []
        self.groups: dict[str, dict] = {}
        self.resources: dict[str, dict] = {}
        self.prefix_lists: dict[str, list[str]] = {}
        self.next_host: dict[int, int] = {}
        self.count = 0

    def build(self) -> Estate:
        self._address_plan()
        self._prefix_lists()
        shared = [FLEET, "sg-monitoring", "sg-bastion", "sg-lb", "sg-ci"]
        for key in shared:
            self.groups[key] = {"name": key, "ingress": [], "egress": []}
        self.group_keys = list(shared)
        apps = []
        while self.count < self.target:
            app = f"app{len(apps):05d}"
            own = [f"sg-{app}-{i}" for i in range(self.rng.choice((1, 1, 1, 2, 2, 3)))]
            for key in own:
                self.groups[key] = {"name": key, "ingress": [], "egress": []}
                self.group_keys.append(key)
            apps.append((app, own))
            for key in own:
                self._fill(key)
        for key in shared:
            self._fill(key)
        self._place(apps)
        document = {
            "security_groups": self.groups,
            "prefix_lists": self.prefix_lists,
            "resources": self.resources,
            "externals": {"office": ["198.51.100.0/24", "2001:db8:10::/48"], "partner": "203.0.113.0/25"},
        }
        fleet = sum(1 for r in self.resources.values() if FLEET in r["security_groups"])
        return Estate(document, self.count, fleet)

    def _address_plan(self) -> None:
        for v in range(self.vpcs):
            vpc = ipaddress.ip_network(f"10.{v % 256}.0.0/16")
            v6 = ipaddress.ip_network(f"2600:1f18:{v:x}:{0:x}00::/56") if v % 3 == 0 else None
            v6_subnets = list(v6.subnets(new_prefix=64)) if v6 else []
            for i, subnet in enumerate(vpc.subnets(new_prefix=24)):
                self.subnets.append((subnet, v6_subnets[i] if v6_subnets else None))

    def _prefix_lists(self) -> None:
        for i in range(12):
            cidrs = {f"{self.rng.randrange(1, 223)}.{self.rng.randrange(256)}.{self.rng.randrange(256)}.0/24"
                     for _ in range(self.rng.randrange(3, 20))}
            self.prefix_lists[f"pl-{i:04d}"] = sorted(cidrs)
        self.prefix_keys = list(self.prefix_lists)

    def _fill(self, key: str) -> None:
        group = self.groups[key]
        for direction, peer_key in (("ingress", "source"), ("egress", "destination")):
            count = min(60, max(1, int(self.rng.expovariate(1 / 18))))
            if direction == "egress" and self.rng.random() < 0.5:
                count = self.rng.choice((1, 2, 3))
            group[direction] = [self._rule(peer_key, direction) for _ in range(count)]
            self.count += count

    def _rule(self, peer_key: str, direction: str) -> dict:
        rng = self.rng
        rule = self._service()
        roll = rng.random()
        if direction == "egress" and roll < 0.3:
            peer = "0.0.0.0/0" if rng.random() < 0.8 else "::/0"
        elif roll < 0.35:
            peer = FLEET if rng.random() < 0.3 else rng.choice(self.group_keys)
        elif roll < 0.42:
            peer = rng.choice(self.prefix_keys)
        elif roll < 0.50:
            _, v6 = rng.choice(self.subnets)
            peer = str(v6) if v6 else "::/0"
        else:
            peer = self._v4_cidr()
        rule[peer_key] = peer
        return rule

    def _v4_cidr(self) -> str:
        rng = self.rng
        roll = rng.random()
        subnet, _ = rng.choice(self.subnets)
        if roll < 0.35:
            return str(subnet)
        if roll < 0.5:
            return str(subnet.supernet(new_prefix=16))
        if roll < 0.7:
            return f"{subnet.network_address + rng.randrange(4, 250)}/32"
        if roll < 0.8:
            return "0.0.0.0/0"
        length = rng.choice((8, 12, 16, 20, 24, 28, 32))
        base = ipaddress.ip_network(f"{rng.randrange(1, 223)}.{rng.randrange(256)}.{rng.randrange(256)}.0/{length}",
                                    strict=False)
        return str(base)

    def _service(self) -> dict:
        rng = self.rng
        roll = rng.random()
        if roll < 0.62:
            return {"protocol": "tcp", "ports": self._ports()}
        if roll < 0.77:
            return {"protocol": "udp", "ports": self._ports()}
        if roll < 0.85:
            return {"protocol": "all"}
        if roll < 0.92:
            return {"protocol": "icmp", "icmp_type": rng.choice((0, 3, 8, 11))}
        if roll < 0.95:
            return {"protocol": "icmpv6"}
        return {"protocol": rng.choice((47, 50, 51, 132))}

    def _ports(self):
        rng = self.rng
        roll = rng.random()
        if roll < 0.6:
            return rng.choice(COMMON_PORTS)
        if roll < 0.85:
            lo = rng.randrange(1024, 60000)
            return f"{lo}-{lo + rng.randrange(1, 2000)}"
        return rng.randrange(1, 65536)

    def _place(self, apps) -> None:
        """Instances per application; the fleet group is added until it has its members."""
        rng = self.rng
        fleet_left = self.fleet_target
        for app, own in apps:
            subnet_index = rng.randrange(len(self.subnets))
            extra = rng.sample(["sg-monitoring", "sg-bastion", "sg-lb", "sg-ci"], rng.choice((0, 0, 1, 1, 2)))
            instances = rng.randrange(1, 12)
            for i in range(instances):
                groups = own + extra
                if fleet_left > 0:
                    groups = groups + [FLEET]
                    fleet_left -= 1
                self._resource(f"{app}-{i}", groups[:5], subnet_index)
        while fleet_left > 0:  # the fleet's remaining members: plain workers
            self._resource(f"worker{fleet_left:05d}", [FLEET], rng.randrange(len(self.subnets)))
            fleet_left -= 1

    def _resource(self, name: str, groups: list[str], subnet_index: int) -> None:
        while self.next_host.get(subnet_index, 4) > 250:
            subnet_index = (subnet_index + 1) % len(self.subnets)
        host = self.next_host.get(subnet_index, 4)
        self.next_host[subnet_index] = host + 1
        v4, v6 = self.subnets[subnet_index]
        ips = [str(v4.network_address + host)]
        if v6 is not None:
            ips.append(str(v6.network_address + host))
        entry = {"ips": ips, "security_groups": groups}
        if self.rng.random() < 0.04:
            entry["public_ips"] = [str(ipaddress.ip_address("54.0.0.0") + len(self.resources))]
        self.resources[name] = entry
