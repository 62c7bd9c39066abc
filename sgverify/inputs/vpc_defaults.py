"""What AWS gives every VPC without being asked, the same for every reader.

- a default network ACL that allows everything: rule 100 for 0.0.0.0/0 and,
  when the VPC has an IPv6 block, rule 101 for ::/0, inbound and outbound;
- a main route table holding only the implicit `local` route;
- IPv6 blocks AWS assigns (Amazon-provided, from an IPAM pool) have no value
  in a template or a configuration: each gets a stand-in block from the IPv6
  documentation prefix 3fff::/20, one per block in reading order, so that the
  subnets cut from it get their own disjoint blocks inside it. A block from
  Amazon's pool gets a stand-in in 3fff::/21, one from an IPAM or BYOIP pool
  (which may be any global address) one in 3fff:800::/21, so that a literal
  block written in a spec can be told whether it may hold the real block.
"""

from __future__ import annotations

from dataclasses import fields

from ..model import Cidr, Family, Origin
from ..model.assigned_v6 import POOL_BIT, STAND_IN_PREFIX
from ..model.service import ALL, Service
from ..model.topology import AclAction, AclEntry, NetworkAcl, RouteTable, Topology, Vpc

ALLOW_ALL = {Family.V4: (100, Cidr.parse("0.0.0.0/0")), Family.V6: (101, Cidr.parse("::/0"))}


def stand_in(index: int, prefix: int, amazon: bool = True) -> Cidr:
    """The `index`-th stand-in block: its own /44 of 3fff::/20 (of its /21 half: `amazon`
    for a block from Amazon's pool). A /56 ends in `00::/56` (3fff:0:10:100::/56) as the
    blocks AWS assigns do, so inputs that cut it up by text still work."""
    prefix = max(prefix, 44)
    network = STAND_IN_PREFIX.network | ((index + 1) << 84) | ((1 << 72) if prefix >= 56 else 0) \
        | (0 if amazon else POOL_BIT)
    return Cidr(Family.V6, network & (Family.V6.top ^ (Family.V6.top >> prefix)), prefix)


def default_acl_entries(vpc: Vpc, origin: Origin | None = None) -> list[AclEntry]:
    """The entries AWS puts in a VPC's default NACL, both ways, for each family it has."""
    origin = origin or vpc.origin
    families = [f for f in (Family.V4, Family.V6) if vpc.blocks(f)]
    return [AclEntry(ALLOW_ALL[f][0], egress, AclAction.ALLOW, ALLOW_ALL[f][1], Service(ALL), origin,
                     f"default: allow all from and to {ALLOW_ALL[f][1]}")
            for egress in (False, True) for f in families]


def default_acl(key: str, vpc: Vpc, entries: list[AclEntry]) -> NetworkAcl:
    """The default NACL of `vpc` holding `entries`, in rule-number order."""
    ordered = sorted(entries, key=lambda e: e.number)
    return NetworkAcl(key, vpc.key, tuple(e for e in ordered if not e.egress),
                      tuple(e for e in ordered if e.egress), True, f"default NACL of {vpc.key}", vpc.origin)


def main_table(key: str, vpc: Vpc) -> RouteTable:
    """A VPC's main route table as AWS creates it: only the implicit local route."""
    return RouteTable(key, vpc.key, (), True, f"main route table of {vpc.key}", vpc.origin)


def start_element_maps(layer) -> None:
    """Give a reader's layer state one empty element map per Topology field
    (`vpcs`, `subnets`, ...), filled as the input is read."""
    for f in fields(Topology):
        setattr(layer, f.name, {})


def topology_of(layer) -> Topology:
    """The `Topology` of a reader's layer state, whose element maps have the Topology's own names."""
    return Topology(**{f.name: getattr(layer, f.name) for f in fields(Topology)})
