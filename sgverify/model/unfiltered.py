"""Destinations no security group and no network ACL filters, per VPC.

The link-local services (instance metadata, Amazon DNS, Time Sync, ECS task
metadata and their IPv6 equivalents) and the VPC resolver at the base of the
VPC's first IPv4 block plus two (VPC user guide: "Network ACLs" and
"Amazon DNS server").
"""

from __future__ import annotations

from . import intervals as iv
from .addresses import UNFILTERED_SERVICES, Family
from .topology import Topology


def service_space(topology: Topology, vpc: str, family: Family) -> list[tuple[int, int]]:
    points = iv.of_cidrs(UNFILTERED_SERVICES, family)
    found = topology.vpcs.get(vpc)
    if family is Family.V4 and found is not None and found.blocks(Family.V4):
        resolver = found.blocks(Family.V4)[0].first + 2
        points = iv.union(points, [(resolver, resolver)])
    return points
