"""Checks of a VPC layer that do not depend on the input format.

Every reader builds a `Topology` and then calls `check_topology`, which
returns one diagnostic per problem, each at the origin of the element at
fault. Errors are what AWS itself would refuse (a subnet outside its VPC's
blocks, two subnets that overlap, a NACL rule number out of range or used
twice, two routes for one destination, two interfaces with one address in one
VPC). Warnings name what is merely absent from the input (a route target, a
table or NACL of another stack): those become free choices, never open or
closed, so no proof relies on them.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from ..errors import Diagnostic, Severity
from ..model import Network, Origin
from ..model.addresses import Cidr, format_address
from ..model.topology import ACL_NUMBER_MAX, ACL_NUMBER_MIN, NetworkAcl, RouteTable, Subnet, TargetKind, Topology


def check_topology(network: Network) -> list[Diagnostic]:
    """Errors and warnings about `network.topology` (none without one)."""
    topology = network.topology
    if topology is None:
        return []
    found: list[Diagnostic] = []
    found += _subnets(topology)
    for acl in topology.nacls.values():
        found += _acl(acl)
    for table in topology.route_tables.values():
        found += _routes(table, topology, network)
    found += _addresses(network)
    found += _placements(network)
    return found


def _error(origin: Origin, message: str) -> Diagnostic:
    return Diagnostic(Severity.ERROR, str(origin), message)


def _warning(origin: Origin, message: str) -> Diagnostic:
    return Diagnostic(Severity.WARNING, str(origin), message)


def _inside(block: Cidr, blocks: Iterable[Cidr]) -> bool:
    return any(b.family is block.family and b.first <= block.first and block.last <= b.last
               for b in blocks)


def _overlap(a: Cidr, b: Cidr) -> bool:
    return a.family is b.family and a.first <= b.last and b.first <= a.last


def _subnets(topology: Topology) -> list[Diagnostic]:
    found = []
    by_vpc = defaultdict(list)
    for subnet in topology.subnets.values():
        vpc = topology.vpcs.get(subnet.vpc)
        if vpc is None:
            found.append(_warning(subnet.origin, f"subnet {subnet.key} is in VPC {subnet.vpc!r}, "
                                  "which is not in the input: its blocks are not checked"))
        else:
            for block in subnet.cidrs:
                if not _inside(block, vpc.cidrs):
                    found.append(_error(subnet.origin, f"subnet {subnet.key} block {block} is outside "
                                        f"the blocks of VPC {vpc.key} "
                                        f"({', '.join(map(str, vpc.cidrs)) or 'none'})"))
        by_vpc[subnet.vpc].append(subnet)
        found += _associations(subnet, topology)
    for subnets in by_vpc.values():
        for i, a in enumerate(subnets):
            for b in subnets[i + 1:]:
                for x in a.cidrs:
                    for y in b.cidrs:
                        if _overlap(x, y):
                            found.append(_error(b.origin, f"subnet {b.key} block {y} overlaps "
                                                f"subnet {a.key} block {x} in VPC {a.vpc}"))
    return found


def _associations(subnet: Subnet, topology: Topology) -> list[Diagnostic]:
    found = []
    if subnet.route_table is not None and subnet.route_table not in topology.route_tables:
        found.append(_warning(subnet.origin, f"subnet {subnet.key} uses route table {subnet.route_table}, which "
                              "is not in the input or was left out of it: its routes are a free choice"))
    if subnet.nacl is not None and subnet.nacl not in topology.nacls:
        found.append(_warning(subnet.origin, f"subnet {subnet.key} uses network ACL {subnet.nacl}, which is not "
                              "in the input or was left out of it: what it admits is a free choice"))
    return found


def _acl(acl: NetworkAcl) -> list[Diagnostic]:
    found = []
    for egress in (False, True):
        seen: dict[tuple, int] = {}
        for entry in acl.entries(egress):
            if not ACL_NUMBER_MIN <= entry.number <= ACL_NUMBER_MAX:
                found.append(_error(entry.origin, f"network ACL {acl.key} {entry.direction} rule number "
                                    f"{entry.number} is outside {ACL_NUMBER_MIN}-{ACL_NUMBER_MAX}"))
                continue
            # AWS numbers IPv4 and IPv6 entries in one sequence per direction.
            if entry.number in seen:
                found.append(_error(entry.origin, f"network ACL {acl.key} has two {entry.direction} "
                                    f"rules numbered {entry.number}"))
            seen[entry.number] = 1
    return found


_TARGETS = {
    TargetKind.INTERNET_GATEWAY: "internet_gateways",
    TargetKind.EGRESS_ONLY_GATEWAY: "egress_only_gateways",
    TargetKind.NAT_GATEWAY: "nat_gateways",
    TargetKind.PEERING: "peerings",
    TargetKind.TRANSIT_GATEWAY: "transit_gateways",
    TargetKind.GATEWAY_ENDPOINT: "endpoints",
}


def _routes(table: RouteTable, topology: Topology, network: Network) -> list[Diagnostic]:
    found = []
    seen = set()
    for route in table.routes:
        key = route.destination if route.destination is not None else ("pl", route.prefix_list)
        if key in seen:
            found.append(_error(route.origin, f"route table {table.key} has two routes for "
                                f"{route.destination_text}"))
        seen.add(key)
        if route.prefix_list is not None and route.prefix_list not in network.prefix_lists:
            found.append(_warning(route.origin, f"route table {table.key}: prefix list "
                                  f"{route.prefix_list} is not in the input; where it leads is "
                                  "a free choice"))
        if route.blackhole or route.target_kind is TargetKind.LOCAL:
            continue
        collection = _TARGETS.get(route.target_kind)
        present = (route.target in getattr(topology, collection) if collection
                   else route.target_kind is TargetKind.INTERFACE and _resource(network, route.target))
        other = _other_vpc(route, table, topology) if present else None
        if other:
            found.append(_error(route.origin, f"route table {table.key} (VPC {table.vpc}): route "
                                f"{route.destination_text} targets {route.target_kind.value} {route.target} "
                                f"of VPC {other}; AWS accepts only a gateway of the table's own VPC"))
        if not present:
            found.append(_warning(route.origin, f"route table {table.key}: route "
                                  f"{route.destination_text} targets {route.target_kind.value} "
                                  f"{route.target or '(unnamed)'}, which is not in the input; what "
                                  "it delivers is a free choice"))
    return found


def _other_vpc(route, table: RouteTable, topology: Topology) -> str | None:
    """The VPC of a NAT or internet gateway target when it is not the table's own."""
    vpc = None
    if route.target_kind is TargetKind.NAT_GATEWAY:
        subnet = topology.subnets.get(topology.nat_gateways[route.target].subnet)
        vpc = subnet.vpc if subnet is not None else None
    elif route.target_kind is TargetKind.INTERNET_GATEWAY:
        vpc = topology.internet_gateways[route.target].vpc
    return vpc if vpc is not None and vpc != table.vpc and table.vpc in topology.vpcs else None


def _resource(network: Network, name: str) -> bool:
    if name in network.resources:
        return True
    return any(name in r.aliases for r in network.resources.values())


def _addresses(network: Network) -> list[Diagnostic]:
    found = []
    owner: dict[tuple, str] = {}
    for resource in network.resources.values():
        for family, value in resource.ips:
            key = (resource.vpc, family, value)
            if key in owner and owner[key] != resource.name:
                where = f" in VPC {resource.vpc}" if resource.vpc else ""
                found.append(_error(resource.origin, f"address {format_address(family, value)}{where} "
                                    f"belongs to both {owner[key]} and {resource.name}"))
            owner.setdefault(key, resource.name)
    return found


def _placements(network: Network) -> list[Diagnostic]:
    topology = network.topology
    found = []
    for resource in network.resources.values():
        for key in resource.subnet_ids:
            subnet = topology.subnets.get(key)
            if subnet is None:
                found.append(_warning(resource.origin, f"{resource.name} is in subnet {key}, which is "
                                      "not in the input: its NACL and routes are free choices"))
                continue
            if resource.vpc and subnet.vpc != resource.vpc:
                found.append(_error(resource.origin, f"{resource.name} is in VPC {resource.vpc} but "
                                    f"its subnet {key} is in VPC {subnet.vpc}"))
        for family, value in resource.ips:
            subnets = [topology.subnets[k] for k in resource.subnet_ids if k in topology.subnets]
            if subnets and not any(c.contains(family, value) for s in subnets for c in s.cidrs):
                found.append(_error(resource.origin, f"{resource.name} address "
                                    f"{format_address(family, value)} is outside its subnets "
                                    f"({', '.join(s.key for s in subnets)})"))
    return found
