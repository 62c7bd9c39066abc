"""Stand-in subnets for resources whose subnet the input does not describe.

A resource may name a subnet the input leaves out (one made with `count`, a
data source, a default subnet). It is still in a VPC, and the VPC's local
route still reaches it: leaving it out of the path would let a `deny` hold
that AWS does not keep. So each VPC that may hold such a resource gets one
stand-in subnet over the part of its blocks that no described subnet covers.
Its route table and NACL are not known: both are free choices, so a `deny`
holds whatever they are and an `allow` never relies on them.
"""

from __future__ import annotations

from dataclasses import replace

from . import intervals as iv
from .addresses import Family
from .network import Network, Resource
from .topology import Subnet, Topology


# What readers name as the subnet of a resource that names none: a default
# subnet of the default VPC, which the input does not describe.
DEFAULT_SUBNET = "(default subnet)"


def stand_in_key(vpc: str) -> str:
    return f"(other subnets of {vpc})"


def with_stand_ins(network: Network) -> Topology:
    """The network's topology, with a stand-in subnet in each VPC that may
    hold a resource placed in no described subnet."""
    topology = network.topology
    assert topology is not None
    vpcs = _partial_vpcs(network, topology)
    added = {}
    for vpc in sorted(vpcs):
        cidrs = tuple(c for family in Family for c in _undescribed(topology, vpc, family))
        if cidrs:
            key = stand_in_key(vpc)
            added[key] = Subnet(key, vpc, cidrs, route_table=f"the route table of {key}",
                                nacl=f"the NACL of {key}", name=key)
    return replace(topology, subnets={**topology.subnets, **added}) if added else topology


def _partial_vpcs(network: Network, topology: Topology) -> set[str]:
    return {vpc for r in network.resources.values() for vpc in stand_in_vpcs(r, topology)}


def stand_in_vpcs(resource: Resource, topology: Topology) -> list[str]:
    """The described VPCs whose stand-in subnet may hold the resource: none when
    it is in a described subnet, or in a VPC the input does not describe (the
    default VPC, for one that names no subnet); its own VPC; else each VPC
    whose blocks hold its addresses (every one, when no address is known)."""
    if _placed(resource, topology) or resource.subnet_ids == (DEFAULT_SUBNET,):
        return []
    if resource.vpc:
        return [resource.vpc] if resource.vpc in topology.vpcs else []
    if resource.ips:
        return [v.key for v in topology.vpcs.values()
                if any(b.contains(f, a) for f, a in resource.ips for b in v.cidrs)]
    return list(topology.vpcs)


def _placed(resource: Resource, topology: Topology) -> bool:
    if any(k in topology.subnets for k in resource.subnet_ids):
        return True
    if resource.subnet_ids or not resource.ips:
        return False
    return all(any(b.contains(f, a) for s in topology.subnets.values() for b in s.cidrs) for f, a in resource.ips)


def _undescribed(topology: Topology, vpc: str, family: Family):
    blocks = iv.of_cidrs(topology.vpcs[vpc].blocks(family), family)
    described = iv.of_cidrs((b for s in topology.subnets.values() if s.vpc == vpc for b in s.blocks(family)), family)
    for lo, hi in iv.subtract(blocks, described, family.top):
        yield from iv.to_cidrs(lo, hi, family)
