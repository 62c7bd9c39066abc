"""The VPC layer of a Terraform configuration (plan, state or .tf folder) -> `Topology`.

VPCs, subnets and gateways (network.py), route tables (routes.py), network
ACLs (acls.py), subnet associations (associations.py), transit gateways
(transit.py) and where resources sit (placement.py). A configuration without
any VPC-layer resource has no topology and keeps the security-group-only
semantics; the checks every reader shares run on the network it builds.
Subnets alone do not make a VPC layer: a module that places resources in
subnets of a VPC it does not describe is checked by its security groups, as
one without subnets is (the verdict says so).
"""

from __future__ import annotations

from ....model import Resource, SecurityGroup
from ....model.topology import Topology
from ..common import Context
from ...vpc_defaults import topology_of
from .acls import read_acls
from .layer import TfLayer
from .network import read_network
from .placement import place
from .routes import read_routes
from .transit import read_transit

LAYER_TYPES = (
    "aws_vpc", "aws_vpc_ipv4_cidr_block_association", "aws_vpc_ipv6_cidr_block_association",
    "aws_internet_gateway", "aws_internet_gateway_attachment", "aws_egress_only_internet_gateway",
    "aws_nat_gateway", "aws_vpc_peering_connection", "aws_vpc_peering_connection_accepter",
    "aws_route_table", "aws_default_route_table", "aws_route", "aws_route_table_association",
    "aws_main_route_table_association", "aws_network_acl", "aws_default_network_acl", "aws_network_acl_rule",
    "aws_network_acl_association", "aws_ec2_transit_gateway", "aws_ec2_transit_gateway_vpc_attachment",
    "aws_ec2_transit_gateway_route_table", "aws_ec2_transit_gateway_route",
    "aws_ec2_transit_gateway_route_table_association", "aws_ec2_transit_gateway_route_table_propagation",
    "aws_ec2_transit_gateway_peering_attachment",
)


def read_vpc_layer(ctx: Context, resources: list[Resource], groups: dict[str, SecurityGroup],
                   subnet_fields: dict) -> tuple[Topology | None, list[Resource], dict[str, SecurityGroup]]:
    """The configuration's topology (None without a VPC layer), and its resources and
    groups placed in it."""
    if not any(res.type in LAYER_TYPES for res in ctx.resources.values()):
        return None, resources, groups
    layer = TfLayer(ctx)
    read_network(layer)
    read_transit(layer)
    read_routes(layer)
    read_acls(layer)
    topology = topology_of(layer)
    placed, placed_groups = place(layer, resources, subnet_fields, groups)
    return topology, placed, placed_groups
