"""A generated estate with a VPC layer, deterministic from a seed (model objects).

VPCs whose /16 plans repeat every five VPCs (so most CIDRs are reused), four
/24 subnets each (public with an internet gateway, two private behind a NAT
gateway, one isolated), peerings between neighbouring VPCs that do not
overlap (some with the route back, some without), blackhole and peering
routes up to the asked number of routes, custom NACLs with interleaved
allow/deny entries up to the asked number of entries (ephemeral rules
sometimes missing), and resources in every subnet with groups of ingress
rules (CIDR and group peers) up to the asked number of rules.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sgverify.model import (CidrPeer, Direction, GroupPeer, Network, PortRange, Resource, Rule, SecurityGroup,
                            Service, parse_address)
from sgverify.model.addresses import Cidr
from sgverify.model.topology import (AclAction, AclEntry, InternetGateway, NatGateway, NetworkAcl, Peering, Route,
                                     RouteTable, Subnet, TargetKind, Topology, Vpc)

TCP, UDP = 6, 17
PLANS = 5  # VPC i uses 10.(i % PLANS).0.0/16


@dataclass(frozen=True)
class PathSize:
    rules: int
    nacl_entries: int
    routes: int
    vpcs: int
    resources: int


SIZES = {
    "path-1k": PathSize(1_000, 1_000, 1_000, 10, 100),
    "path-10k": PathSize(10_000, 10_000, 10_000, 20, 1_000),
    "path-100k": PathSize(100_000, 10_000, 10_000, 50, 5_000),
}


def _entry(number: int, egress: bool, action: str, cidr: str, protocol: int = -1, ports=None) -> AclEntry:
    service = Service(protocol, (PortRange(*ports),) if ports else None)
    return AclEntry(number, egress, AclAction(action), Cidr.parse(cidr), service)


def _route(destination: str, kind: TargetKind, target: str = "", blackhole: bool = False) -> Route:
    return Route(kind, target, Cidr.parse(destination), blackhole=blackhole)


def generate_path(size: PathSize, seed: int = 5) -> Network:
    rng = random.Random(seed)
    vpcs, subnets, tables, nacls, igws, nats, peerings = {}, {}, {}, {}, {}, {}, {}
    per_acl = max(2, size.nacl_entries // (size.vpcs * 2 * 2))  # two custom NACLs per VPC, two directions
    per_table = max(1, size.routes // (size.vpcs * 3))
    for v in range(size.vpcs):
        plan, key = v % PLANS, f"vpc-{v}"
        vpcs[key] = Vpc(key, (Cidr.parse(f"10.{plan}.0.0/16"),))
        igws[f"igw-{v}"] = InternetGateway(f"igw-{v}", key)
        nats[f"nat-{v}"] = NatGateway(f"nat-{v}", f"s{v}-public", parse_address(f"10.{plan}.0.5")[1],
                                      parse_address(f"54.{v // 256}.{v % 256}.5")[1])
        peer_routes = []
        for other in (v - 1, v + 1):
            if 0 <= other < size.vpcs and other % PLANS != plan:
                name = f"pcx-{min(v, other)}-{max(v, other)}"
                peerings[name] = Peering(name, f"vpc-{min(v, other)}", f"vpc-{max(v, other)}")
                if other > v or v % 3:  # some VPCs do not route back
                    peer_routes.append(_route(f"10.{other % PLANS}.0.0/16", TargetKind.PEERING, name))
        filler = [_route(f"172.{16 + k % 16}.{k // 16 % 256}.0/24", TargetKind.PEERING, "", True)
                  for k in range(per_table)]
        tables[f"rt-{v}-public"] = RouteTable(f"rt-{v}-public", key, tuple(
            [_route("0.0.0.0/0", TargetKind.INTERNET_GATEWAY, f"igw-{v}")] + peer_routes + filler))
        tables[f"rt-{v}-private"] = RouteTable(f"rt-{v}-private", key, tuple(
            [_route("0.0.0.0/0", TargetKind.NAT_GATEWAY, f"nat-{v}")] + peer_routes + filler), is_main=True)
        tables[f"rt-{v}-isolated"] = RouteTable(f"rt-{v}-isolated", key, tuple(filler))
        nacls[f"acl-{v}-default"] = NetworkAcl(f"acl-{v}-default", key, (_entry(100, False, "allow", "0.0.0.0/0"),),
                                               (_entry(100, True, "allow", "0.0.0.0/0"),), True)
        for tier in ("public", "data"):
            nacls[f"acl-{v}-{tier}"] = _acl(rng, f"acl-{v}-{tier}", key, plan, per_acl)
        for s, (tier, table, acl) in enumerate((("public", f"rt-{v}-public", f"acl-{v}-public"),
                                                ("app", None, None), ("app2", None, None),
                                                ("data", f"rt-{v}-isolated", f"acl-{v}-data"))):
            subnets[f"s{v}-{tier}"] = Subnet(f"s{v}-{tier}", key, (Cidr.parse(f"10.{plan}.{s}.0/24"),), table, acl,
                                             tier == "public")
    groups, resources = _resources(rng, size, subnets)
    topology = Topology(vpcs=vpcs, subnets=subnets, route_tables=tables, nacls=nacls, internet_gateways=igws,
                        nat_gateways=nats, peerings=peerings)
    return Network(groups, resources, topology=topology, source="generated path estate")


def _acl(rng: random.Random, key: str, vpc: str, plan: int, count: int) -> NetworkAcl:
    inbound, outbound = [], []
    numbers = rng.sample(range(1, 32000), count * 2)
    for k in range(count - 2):
        action = rng.choice(("allow", "deny"))
        cidr = f"{rng.randint(11, 200)}.{rng.randint(0, 255)}.0.0/16"
        port = rng.randint(1, 60000)
        inbound.append(_entry(numbers[k], False, action, cidr, TCP, (port, port + rng.randint(0, 100))))
        outbound.append(_entry(numbers[count + k], True, action, cidr, UDP, (port, port)))
    inbound += [_entry(32001, False, "allow", f"10.{plan}.0.0/16"), _entry(32002, False, "allow", "0.0.0.0/0", TCP,
                                                                          (443, 443))]
    if rng.random() < 0.7:  # the ephemeral range for replies, not always
        inbound.append(_entry(32003, False, "allow", "0.0.0.0/0", TCP, (1024, 65535)))
    outbound.append(_entry(32001, True, "allow", "0.0.0.0/0"))
    return NetworkAcl(key, vpc, tuple(inbound), tuple(outbound))


def _resources(rng: random.Random, size: PathSize, subnets: dict):
    keys = sorted(subnets)
    per = max(1, size.rules // size.resources)
    groups, resources = {}, {}
    for i in range(size.resources):
        subnet = subnets[keys[i % len(keys)]]
        g = f"sg-{i}"
        ingress = [Rule(g, Direction.INGRESS, k, Service(TCP, (PortRange(p, p),)),
                        CidrPeer(Cidr.parse(f"{rng.randint(1, 200)}.{rng.randint(0, 255)}.0.0/16")))
                   for k, p in enumerate(rng.sample(range(1, 60000), per - 1))]
        ingress.append(Rule(g, Direction.INGRESS, per - 1, Service(TCP, (PortRange(443, 443),)),
                            GroupPeer(f"sg-{(i + 1) % size.resources}")))
        egress = (Rule(g, Direction.EGRESS, 0, Service(), CidrPeer(Cidr.parse("0.0.0.0/0"))),)
        groups[g] = SecurityGroup(g, ingress=tuple(ingress), egress=egress, vpc=subnet.vpc)
        host = 10 + i // len(keys)
        address = f"{subnet.cidrs[0].text.rsplit('.', 2)[0]}.{subnet.cidrs[0].text.split('.')[2]}.{host}"
        public = (parse_address(f"54.{100 + i // 65536}.{i // 256 % 256}.{i % 256}"),) if subnet.map_public_ip else ()
        resources[f"r{i}"] = Resource(f"r{i}", (g,), ips=(parse_address(address),), public_ips=public,
                                      vpc=subnet.vpc, subnet_ids=(subnet.key,), subnets=subnet.cidrs)
    return groups, resources
