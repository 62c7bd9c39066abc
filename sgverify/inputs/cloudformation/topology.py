"""The VPC layer of a template -> `Topology`: VPCs, subnets and gateways.

Route tables (routes.py), network ACLs (acls.py), transit gateways
(transit.py) and where resources sit (placement.py) are read by their own
modules; this one reads the rest, puts it together and runs the checks every
reader shares. A template without any VPC-layer resource has no topology and
keeps the security-group-only semantics.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ...model import Cidr, Family, Network, Resource, SecurityGroup, parse_address
from ...model.topology import EgressOnlyGateway, InternetGateway, NatGateway, Peering, Subnet, Topology, Vpc
from ..topology_checks import check_topology
from ..vpc_defaults import topology_of
from .acls import read_acls
from .intrinsics import CfnError, ResRef, Unknown
from ..vpc_defaults import stand_in
from .layer import SUBNET, VPC, VPC_BLOCK, Layer, parse_block, unknown_text
from ...model.assigned_v6 import is_stand_in
from .placement import place
from .routes import read_routes
from .transit import read_transit

IGW = "AWS::EC2::InternetGateway"
EIGW = "AWS::EC2::EgressOnlyInternetGateway"
NAT = "AWS::EC2::NatGateway"
PEERING = "AWS::EC2::VPCPeeringConnection"
ATTACHMENT = "AWS::EC2::VPCGatewayAttachment"
SUBNET_BLOCK = "AWS::EC2::SubnetCidrBlock"
# resource types that make a template have a VPC layer (subnets alone do not: they
# only say where resources are, as in the Terraform reader)
LAYER_TYPES = (VPC, VPC_BLOCK, IGW, EIGW, NAT, PEERING, ATTACHMENT,
               "AWS::EC2::RouteTable", "AWS::EC2::Route", "AWS::EC2::SubnetRouteTableAssociation",
               "AWS::EC2::NetworkAcl", "AWS::EC2::NetworkAclEntry", "AWS::EC2::SubnetNetworkAclAssociation",
               "AWS::EC2::TransitGateway", "AWS::EC2::TransitGatewayAttachment",
               "AWS::EC2::TransitGatewayVpcAttachment", "AWS::EC2::TransitGatewayRouteTable")
NO_VPC = "(no VpcId)"
VPC_BLOCK_KEYS = ("AmazonProvidedIpv6CidrBlock", "CidrBlock", "Ipv4IpamPoolId", "Ipv4NetmaskLength",
                  "Ipv6CidrBlock", "Ipv6CidrBlockNetworkBorderGroup", "Ipv6IpamPoolId", "Ipv6NetmaskLength",
                  "Ipv6Pool", "VpcId")


def read_topology(ctx: Any, resources: dict[str, Resource],
                  groups: dict[str, SecurityGroup]) -> tuple[Topology | None, dict, dict]:
    """The template's topology (None without a VPC layer), and its resources and
    groups placed in it."""
    if not ctx.logicals(*LAYER_TYPES):
        return None, resources, groups
    layer = Layer(ctx)
    secondary = _vpc_blocks(layer)
    layer.each((VPC,), lambda logical: _vpc(layer, logical, secondary))
    layer.each((SUBNET,), lambda logical: _subnet(layer, logical))
    _internet_gateways(layer)
    layer.each((EIGW,), lambda logical: _egress_only(layer, logical))
    layer.each((NAT,), lambda logical: _nat(layer, logical))
    layer.each((PEERING,), lambda logical: _peering(layer, logical))
    read_transit(layer)
    read_routes(layer)
    read_acls(layer)
    topology = topology_of(layer)
    resources, groups = place(layer, resources, groups)
    return topology, resources, groups


def add_checks(report: Any, network: Network) -> None:
    """The checks every reader shares: errors and warnings into the file's report."""
    for found in check_topology(network):
        where = found.location.rsplit(":", 1)
        line = int(where[1]) if len(where) == 2 and where[1].isdigit() else 0
        (report.errors if found.severity.value == "error" else report.warnings).append((line, found))


# -- VPCs ---------------------------------------------------------------------

def _vpc_blocks(layer: Layer) -> dict[str, list]:
    """Each VPC's extra IPv4 blocks (Cidr, or why a block is unknown); its IPv6
    blocks go to `layer.ipv6`, stand-ins for those AWS assigns."""
    secondary: dict[str, list] = defaultdict(list)
    stand_ins = [0]
    vpcs = layer.logicals(VPC)
    for logical in vpcs:
        layer.ipv6[logical] = []
    for logical in layer.logicals(VPC_BLOCK):
        layer.attempt(_vpc_block, layer, logical, vpcs, secondary, stand_ins)
    return secondary


def _vpc_block(layer: Layer, logical: str, vpcs: list[str], secondary: dict, stand_ins: list[int]) -> None:
    props, line = layer.props(logical)
    layer.check_keys(logical, props, VPC_BLOCK_KEYS)
    vpc = layer.ref(props, "VpcId", (VPC,), "VPC")
    if vpc not in vpcs:
        layer.warn(line, f"{logical} adds a block to VPC {vpc}, which is not in the template")
        return
    why = layer.uncertain(logical)
    given = [k for k in ("CidrBlock", "Ipv4IpamPoolId", "AmazonProvidedIpv6CidrBlock", "Ipv6CidrBlock",
                         "Ipv6IpamPoolId") if k in props]
    if len(given) != 1 and set(given) != {"Ipv6CidrBlock", "Ipv6IpamPoolId"}:
        raise CfnError(line, f"{logical} needs exactly one of CidrBlock, Ipv4IpamPoolId, "
                             f"AmazonProvidedIpv6CidrBlock, Ipv6CidrBlock, Ipv6IpamPoolId"
                             + (f" (it has {', '.join(given)})" if given else ""))
    if given[0] in ("CidrBlock", "Ipv4IpamPoolId"):
        block = layer.cidr(props, "CidrBlock", Family.V4, logical) if given[0] == "CidrBlock" \
            else Unknown("its IPv4 block comes from an IPAM pool")
        if why or isinstance(block, Unknown):
            reason = f"{logical} may not exist ({why})" if why else \
                f"{logical}: {unknown_text('CidrBlock', block) if given[0] == 'CidrBlock' else block.reason}"
            secondary[vpc].append(reason)
        else:
            secondary[vpc].append(block)
        return
    if given[0] == "AmazonProvidedIpv6CidrBlock":
        wanted = layer.flag(props, "AmazonProvidedIpv6CidrBlock", False)
        if wanted is False:
            raise CfnError(props.value_line("AmazonProvidedIpv6CidrBlock"),
                           f"{logical}: AmazonProvidedIpv6CidrBlock false adds no block; give a block instead")
        if isinstance(wanted, Unknown):  # whether the VPC has this block at all is not known
            why = unknown_text("AmazonProvidedIpv6CidrBlock", wanted)
        block: Any = None
    else:
        block = layer.cidr(props, "Ipv6CidrBlock", Family.V6, logical, own=True) if "Ipv6CidrBlock" in props \
            else None
    blocks = layer.ipv6[vpc]
    if why:
        layer.ipv6[vpc] = f"the IPv6 block of {logical} may not exist ({why})"
        secondary[vpc].append(layer.ipv6[vpc])
        return
    if isinstance(blocks, str):
        return
    if isinstance(block, Cidr):
        blocks.append(block)
        return
    netmask = layer.text(props, "Ipv6NetmaskLength", "56")
    prefix = int(netmask) if isinstance(netmask, str) and netmask.isdigit() else 56
    block = stand_in(stand_ins[0], prefix, amazon=given[0] == "AmazonProvidedIpv6CidrBlock")
    stand_ins[0] += 1
    blocks.append(block)
    layer.warn(line, f"{logical}: the IPv6 block AWS assigns to VPC {vpc} has no value in the template; "
                     f"the VPC layer stands for it with {block} (blocks cut from it with !Cidr or !Select "
                     f"are stand-ins too), and IPv6 blocks written literally elsewhere that may or may not "
                     f"hold it are taken as not known")


def _vpc(layer: Layer, logical: str, secondary: dict) -> None:
    props, line = layer.props(logical)
    why = layer.uncertain(logical)
    if why:
        return layer.leave_out(logical, line, f"it may not exist: {why}", "VPC")
    if "CidrBlock" in props:
        block = layer.cidr(props, "CidrBlock", Family.V4, f"VPC {logical}")
        if isinstance(block, Unknown):
            return layer.leave_out(logical, line, unknown_text("CidrBlock", block), "VPC")
    elif "Ipv4IpamPoolId" in props:
        return layer.leave_out(logical, line, "its IPv4 block comes from an IPAM pool", "VPC")
    else:
        raise CfnError(line, f"VPC {logical} needs CidrBlock (or Ipv4IpamPoolId)")
    extra = secondary.get(logical, [])
    unknown = [b for b in extra if isinstance(b, str)]
    if unknown:
        return layer.leave_out(logical, line, unknown[0], "VPC")
    v6 = layer.ipv6.get(logical, [])
    assert block is not None and isinstance(v6, list)
    layer.vpcs[logical] = Vpc(logical, (block, *extra, *v6), layer.name(props, line), origin=layer.origin(line))


# -- subnets ------------------------------------------------------------------

def _subnet(layer: Layer, logical: str) -> None:
    props, line = layer.props(logical)
    # AWS needs VpcId; a template fragment without one still reads, in a VPC that is absent
    vpc = layer.ref(props, "VpcId", (VPC,), "VPC", required=False) or NO_VPC
    problems = [f"it may not exist: {layer.uncertain(logical)}"] if layer.uncertain(logical) else []
    cidrs: list[Cidr] = []
    v4 = layer.cidr(props, "CidrBlock", Family.V4, f"subnet {logical}")
    if isinstance(v4, Cidr):
        cidrs.append(v4)
    elif isinstance(v4, Unknown):
        problems.append(unknown_text("CidrBlock", v4))
    elif "Ipv4IpamPoolId" in props:
        problems.append("its IPv4 block comes from an IPAM pool")
    else:
        native = layer.flag(props, "Ipv6Native", False)
        if isinstance(native, Unknown):
            problems.append(unknown_text("Ipv6Native", native))
        elif not native:
            raise CfnError(line, f"subnet {logical} needs CidrBlock (or Ipv6Native: true)")
    sources = [(props, "Ipv6CidrBlock")]
    for extra in layer.logicals(SUBNET_BLOCK):
        extra_props, extra_line = layer.props(extra)
        target = layer.resolver.resolve(extra_props.get("SubnetId"), extra_line)
        if isinstance(target, ResRef) and target.logical == logical:
            if layer.uncertain(extra):
                problems.append(f"its block {extra} may not exist ({layer.uncertain(extra)})")
            sources.append((extra_props, "Ipv6CidrBlock"))
            if "Ipv6IpamPoolId" in extra_props and "Ipv6CidrBlock" not in extra_props:
                problems.append(f"its IPv6 block {extra} comes from an IPAM pool")
    # A subnet's block lies in its VPC's: a VPC whose IPv6 blocks are all written compares it with them only.
    own = isinstance(layer.ipv6.get(vpc), list) and not any(is_stand_in(b) for b in layer.ipv6[vpc])
    for source, key in sources:
        block = layer.cidr(source, key, Family.V6, f"subnet {logical}", own=own)
        if isinstance(block, Cidr):
            cidrs.append(block)
        elif isinstance(block, Unknown):
            problems.append(unknown_text(key, block))
    listed = layer.value(props, "Ipv6CidrBlocks") if "Ipv6CidrBlocks" in props else []
    if isinstance(listed, Unknown):
        problems.append(unknown_text("Ipv6CidrBlocks", listed))
    elif isinstance(listed, list):
        for item in listed:
            if not isinstance(item, str):
                problems.append("an item of Ipv6CidrBlocks is not known before deployment")
                continue
            block = layer.compared(parse_block(item, props.value_line("Ipv6CidrBlocks"), Family.V6,
                                               f"subnet {logical} Ipv6CidrBlocks", layer.ctx.report), own)
            if isinstance(block, Unknown):
                problems.append(unknown_text("Ipv6CidrBlocks", block))
            elif block not in cidrs:
                cidrs.append(block)
    public = layer.flag(props, "MapPublicIpOnLaunch", False)
    if isinstance(public, Unknown):
        problems.append(unknown_text("MapPublicIpOnLaunch", public))
    if problems:
        return layer.leave_out(logical, line, problems[0], "subnet")
    layer.subnets[logical] = Subnet(logical, vpc, tuple(cidrs), map_public_ip=bool(public),
                                    name=layer.name(props, line), origin=layer.origin(line))


# -- gateways -----------------------------------------------------------------

def _internet_gateways(layer: Layer) -> None:
    gateways = {}
    for logical in layer.logicals(IGW):
        props, line = layer.props(logical)
        if layer.uncertain(logical):
            layer.leave_out(logical, line, f"it may not exist: {layer.uncertain(logical)}", "internet gateway")
        else:
            gateways[logical] = (props, line)
    attached: dict[str, tuple[str, str, int]] = {}  # gateway -> (vpc, attachment, line)
    by_vpc: dict[str, tuple[str, int]] = {}
    for logical in layer.logicals(ATTACHMENT):
        layer.attempt(_attachment, layer, logical, gateways, attached, by_vpc)
    for logical, (props, line) in gateways.items():
        if logical in layer.left_out:
            continue
        vpc = attached.get(logical, (None,))[0]
        layer.internet_gateways[logical] = InternetGateway(logical, vpc, layer.name(props, line),
                                                           layer.origin(line))


def _attachment(layer: Layer, logical: str, gateways: dict, attached: dict, by_vpc: dict) -> None:
    props, line = layer.props(logical)
    layer.check_keys(logical, props, ("InternetGatewayId", "VpcId", "VpnGatewayId"))
    vpc = layer.ref(props, "VpcId", (VPC,), "VPC")
    given = [k for k in ("InternetGatewayId", "VpnGatewayId") if k in props]
    if len(given) != 1:
        raise CfnError(line, f"{logical} needs exactly one of InternetGatewayId and VpnGatewayId")
    if given[0] == "VpnGatewayId":
        return  # a virtual private gateway is only a route target: what lies behind it is a free choice
    gateway = layer.ref(props, "InternetGatewayId", (IGW,), "internet gateway")
    assert gateway is not None and vpc is not None
    if gateway not in gateways:
        layer.warn(line, f"{logical} attaches internet gateway {layer.absent(gateway)}: routes to it are a "
                         "free choice")
        return
    if gateway in attached:
        raise CfnError(line, f"internet gateway {gateway} is already attached to VPC {attached[gateway][0]} "
                             f"by {attached[gateway][1]} (line {attached[gateway][2]}); it attaches to one VPC")
    if vpc in by_vpc:
        raise CfnError(line, f"VPC {vpc} already has internet gateway {by_vpc[vpc][0]} (line {by_vpc[vpc][1]}); "
                             f"a VPC has one")
    attached[gateway] = (vpc, logical, line)
    by_vpc[vpc] = (gateway, line)
    if layer.uncertain(logical):
        layer.leave_out(gateway, line, f"its attachment {logical} may not exist: {layer.uncertain(logical)}",
                        "internet gateway")
    elif vpc not in layer.vpcs:
        layer.warn(line, f"{logical} attaches internet gateway {gateway} to VPC {layer.absent(vpc)}")


def _egress_only(layer: Layer, logical: str) -> None:
    props, line = layer.props(logical)
    layer.check_keys(logical, props, ("VpcId", "Tags"))
    vpc = layer.ref(props, "VpcId", (VPC,), "VPC")
    if layer.uncertain(logical):
        return layer.leave_out(logical, line, f"it may not exist: {layer.uncertain(logical)}",
                               "egress-only internet gateway")
    if vpc not in layer.vpcs:
        layer.warn(line, f"egress-only internet gateway {logical} is in VPC {layer.absent(vpc)}")
    layer.egress_only_gateways[logical] = EgressOnlyGateway(logical, vpc, layer.name(props, line),
                                                            layer.origin(line))


def _nat(layer: Layer, logical: str) -> None:
    props, line = layer.props(logical)
    if layer.uncertain(logical):
        return layer.leave_out(logical, line, f"it may not exist: {layer.uncertain(logical)}", "NAT gateway")
    subnet = layer.ref(props, "SubnetId", (SUBNET,), "subnet", required=False)
    if subnet is None:
        return layer.leave_out(logical, line, "a NAT gateway without SubnetId (a regional one) is not "
                                              "modelled", "NAT gateway")
    kind = layer.text(props, "ConnectivityType", "public")
    if isinstance(kind, Unknown):
        return layer.leave_out(logical, line, unknown_text("ConnectivityType", kind), "NAT gateway")
    if kind not in ("public", "private"):
        raise CfnError(props.value_line("ConnectivityType"),
                       f"ConnectivityType must be public or private, not {kind!r}")
    if "AllocationId" in props:
        layer.ref(props, "AllocationId", ("AWS::EC2::EIP",), "Elastic IP", attributes=("AllocationId",))
    private_ip = None
    address = layer.text(props, "PrivateIpAddress")
    if isinstance(address, str) and address:
        try:
            family, private_ip = parse_address(address)
        except ValueError as exc:
            raise CfnError(props.value_line("PrivateIpAddress"), f"NAT gateway {logical}: {exc}") from None
        if family is not Family.V4:
            raise CfnError(props.value_line("PrivateIpAddress"), f"NAT gateway {logical}: {address} is not IPv4")
    if subnet not in layer.subnets:
        layer.warn(line, f"NAT gateway {logical} is in subnet {layer.absent(subnet)}: what it forwards is "
                         "a free choice")
    layer.nat_gateways[logical] = NatGateway(logical, subnet, private_ip, None, kind == "public",
                                             layer.name(props, line), layer.origin(line))


def _peering(layer: Layer, logical: str) -> None:
    props, line = layer.props(logical)
    if layer.uncertain(logical):
        return layer.leave_out(logical, line, f"it may not exist: {layer.uncertain(logical)}",
                               "VPC peering connection")
    requester = layer.ref(props, "VpcId", (VPC,), "VPC")
    accepter = layer.ref(props, "PeerVpcId", (VPC,), "VPC")
    assert requester is not None and accepter is not None
    for role, vpc in (("requester", requester), ("accepter", accepter)):
        if vpc not in layer.vpcs:
            layer.warn(line, f"peering {logical}: its {role} VPC is {layer.absent(vpc)}: what it reaches "
                             "there is a free choice")
    layer.peerings[logical] = Peering(logical, requester, accepter, True, layer.name(props, line),
                                      layer.origin(line))
