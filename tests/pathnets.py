"""Small builders for networks with a VPC layer, for hand-worked path tests."""

from __future__ import annotations

from dataclasses import replace

from sgverify.model import (CidrPeer, Direction, GroupPeer, Network, PortRange, Resource, Rule,
                            SecurityGroup, Service, parse_address)
from sgverify.model.addresses import Cidr
from sgverify.model.topology import (AclAction, AclEntry, InternetGateway, NatGateway, NetworkAcl, Peering,
                                     Route, RouteTable, Subnet, TargetKind, Topology, Vpc)
from sgverify.spec import Assertion, Kind, Traffic

C = Cidr.parse
TCP, UDP, ICMP = 6, 17, 1


def ip(text: str) -> int:
    return parse_address(text)[1]


def entry(number, action, cidr="0.0.0.0/0", protocol=-1, ports=None, egress=False):
    service = Service(protocol, (PortRange(*ports),) if ports else None)
    return AclEntry(number, egress, AclAction(action), C(cidr), service)


def acl(key, vpc, inbound=(), outbound=(), default=False):
    return NetworkAcl(key, vpc, tuple(inbound), tuple(replace(e, egress=True) for e in outbound), default)


def open_acl(key, vpc, default=True):
    return acl(key, vpc, [entry(100, "allow")], [entry(100, "allow")], default)


def route(destination, kind, target="", blackhole=False):
    return Route(TargetKind(kind), target, C(destination), blackhole=blackhole)


def table(key, vpc, routes=(), main=False):
    return RouteTable(key, vpc, tuple(routes), main)


def rule(group, direction, protocol=-1, ports=None, cidr=None, peer_group=None, index=0):
    service = Service(protocol, (PortRange(*ports),) if ports else None)
    peer = CidrPeer(C(cidr)) if cidr else GroupPeer(peer_group)
    return Rule(group, Direction(direction), index, service, peer)


def group(key, vpc="", ingress=(), egress=(), opaque=False):
    ingress = tuple(replace(r, group=key, index=i) for i, r in enumerate(ingress))
    egress = tuple(replace(r, group=key, index=i) for i, r in enumerate(egress))
    return SecurityGroup(key, ingress=ingress, egress=egress, vpc=vpc, opaque=opaque)


def egress_all(key):
    return rule(key, "egress", cidr="0.0.0.0/0")


def instance(name, groups, private, subnet, topology_subnets, public=None):
    sub = topology_subnets[subnet]
    return Resource(name, tuple(groups), ips=(parse_address(private),),
                    public_ips=(parse_address(public),) if public else (), vpc=sub.vpc,
                    subnet_ids=(subnet,), subnets=sub.cidrs)


def network(groups, resources, **topology):
    groups = {g.key: g for g in groups}
    return Network(groups, {r.name: r for r in resources}, topology=Topology(**topology))


def assertion(kind, sources, destinations, protocol=-1, ports=None, name="a"):
    ports = tuple(PortRange(p, p) if isinstance(p, int) else PortRange(*p) for p in ports) if ports else None
    return Assertion(name, Kind(kind), tuple(sources), tuple(destinations), Traffic(protocol, ports))


def three_tier(public_acl=None, private_acl=None, db_ingress=None, web_public="54.0.0.10"):
    """vpc-a 10.0.0.0/16: subnet pub (10.0.1.0/24, table rt-pub: 0/0 -> igw-a) with web and
    nat-a (10.0.1.5 / 54.1.1.1); subnet priv (10.0.2.0/24, the main table: 0/0 -> nat-a) with db.
    web: tcp/443 from anywhere, all egress; db: tcp/5432 from sg-web, all egress."""
    subnets = {
        "pub": Subnet("pub", "vpc-a", (C("10.0.1.0/24"),), route_table="rt-pub",
                      nacl="acl-pub" if public_acl else None),
        "priv": Subnet("priv", "vpc-a", (C("10.0.2.0/24"),), nacl="acl-priv" if private_acl else None),
    }
    nacls = {"acl-d": open_acl("acl-d", "vpc-a")}
    if public_acl:
        nacls["acl-pub"] = public_acl
    if private_acl:
        nacls["acl-priv"] = private_acl
    web = group("sg-web", "vpc-a", [rule("", "ingress", TCP, (443, 443), cidr="0.0.0.0/0")], [egress_all("")])
    db = group("sg-db", "vpc-a", db_ingress or [rule("", "ingress", TCP, (5432, 5432), peer_group="sg-web")],
               [egress_all("")])
    return network(
        [web, db],
        [instance("web", ["sg-web"], "10.0.1.10", "pub", subnets, public=web_public),
         instance("db", ["sg-db"], "10.0.2.10", "priv", subnets)],
        vpcs={"vpc-a": Vpc("vpc-a", (C("10.0.0.0/16"),))},
        subnets=subnets,
        route_tables={"rt-main": table("rt-main", "vpc-a", [route("0.0.0.0/0", "nat-gateway", "nat-a")], main=True),
                      "rt-pub": table("rt-pub", "vpc-a", [route("0.0.0.0/0", "internet-gateway", "igw-a")])},
        nacls=nacls,
        internet_gateways={"igw-a": InternetGateway("igw-a", "vpc-a")},
        nat_gateways={"nat-a": NatGateway("nat-a", "pub", ip("10.0.1.5"), ip("54.1.1.1"))},
    )


__all__ = ["C", "ICMP", "TCP", "UDP", "Peering", "Subnet", "Vpc", "InternetGateway", "acl", "assertion",
           "egress_all", "entry", "group", "instance", "ip", "network", "open_acl", "route", "rule", "table",
           "three_tier"]
