"""VPCs, subnets, internet / egress-only / NAT gateways and peerings of a configuration.

A VPC's blocks are its `cidr_block`, the blocks `aws_vpc_ipv4_cidr_block_association`
and `aws_vpc_ipv6_cidr_block_association` add, and its IPv6 block: literal, or a
stand-in for one AWS assigns (`assign_generated_ipv6_cidr_block`, an IPAM pool).
A VPC with a block that cannot be known is left out, and so is a subnet.

A peering carries traffic once accepted: `auto_accept = true`, or an
`aws_vpc_peering_connection_accepter` that accepts it. One whose acceptance
happens outside the input (another account, the console) is left out, so what
it carries is a free choice.
"""

from __future__ import annotations

from ....model import Cidr, Family, parse_address
from ....model.topology import EgressOnlyGateway, InternetGateway, NatGateway, Peering, Subnet, Vpc
from ...vpc_defaults import stand_in
from ..common import Ref, TfResource, Unknown, known
from ....model.assigned_v6 import overlaps_stand_ins
from .layer import Skip, TfLayer, unknown_text

VPC = "aws_vpc"
SUBNET = "aws_subnet"
IGW = "aws_internet_gateway"
NO_VPC = "(no vpc_id)"
FROM_POOL = Unknown("an IPv6 block from an IPAM or BYOIP pool")  # marks such a block; None: Amazon's pool


def read_network(layer: TfLayer) -> None:
    extra = _extra_blocks(layer)
    stand_ins = [0]
    layer.each((VPC,), lambda res: _vpc(layer, res, extra, stand_ins))
    layer.each((SUBNET,), lambda res: _subnet(layer, res))
    _internet_gateways(layer)
    layer.each(("aws_egress_only_internet_gateway",), lambda res: _egress_only(layer, res))
    layer.each(("aws_nat_gateway",), lambda res: _nat(layer, res))
    accepted = _accepters(layer)
    layer.each(("aws_vpc_peering_connection",), lambda res: _peering(layer, res, accepted))


# -- VPCs ---------------------------------------------------------------------

def _extra_blocks(layer: TfLayer) -> dict[str, list]:
    """VPC key -> its associated blocks (Cidr, None for one AWS assigns, or why one is unknown)."""
    extra: dict[str, list] = {}
    for res in layer.of_type("aws_vpc_ipv4_cidr_block_association", "aws_vpc_ipv6_cidr_block_association"):
        try:
            vpc = layer.ref(res, "vpc_id", (VPC,), "VPC")
        except Skip:
            continue
        family = Family.V4 if "ipv4" in res.type else Family.V6
        key = "cidr_block" if family is Family.V4 else "ipv6_cidr_block"
        why = layer.uncertain(res)
        try:
            block = layer.cidr(res.values, key, family, res.address, res.origin, own=True)
        except Skip:
            block = Unknown("is not a valid block")
        if why:
            extra.setdefault(vpc, []).append(f"its block {res.address} may not exist ({why})")
        elif isinstance(block, Unknown):
            extra.setdefault(vpc, []).append(f"{res.address}: {unknown_text(key, block)}")
        elif block is None and family is Family.V4:
            extra.setdefault(vpc, []).append(f"{res.address}: its block comes from an IPAM pool")
        elif block is None and (layer.given(res.values, "ipv6_ipam_pool_id") or layer.given(res.values, "ipv6_pool")):
            extra.setdefault(vpc, []).append(FROM_POOL)
        else:
            extra.setdefault(vpc, []).append(block)  # None: an IPv6 block from Amazon's pool
    return extra


def _vpc(layer: TfLayer, res: TfResource, extra: dict, stand_ins: list[int]) -> None:
    why = layer.uncertain(res)
    if why:
        return layer.leave_out(res.address, res.origin, f"it may not exist: {why}", "VPC")
    block = layer.cidr(res.values, "cidr_block", Family.V4, f"VPC {res.address}", res.origin)
    if block is None:
        reason = "its IPv4 block comes from an IPAM pool" if layer.given(res.values, "ipv4_ipam_pool_id") \
            else "cidr_block is not set"
        return layer.leave_out(res.address, res.origin, reason, "VPC")
    if isinstance(block, Unknown):
        return layer.leave_out(res.address, res.origin, unknown_text("cidr_block", block), "VPC")
    blocks: list[Cidr] = [block]
    own_v6 = layer.cidr(res.values, "ipv6_cidr_block", Family.V6, f"VPC {res.address}", res.origin, own=True)
    generated = layer.flag(res.values, "assign_generated_ipv6_cidr_block", False, res.origin)
    if isinstance(generated, Unknown):
        return layer.leave_out(res.address, res.origin,
                               unknown_text("assign_generated_ipv6_cidr_block", generated), "VPC")
    wanted: list = [own_v6] if own_v6 is not None else []
    if own_v6 is None and (generated or layer.given(res.values, "ipv6_ipam_pool_id")):
        wanted.append(FROM_POOL if layer.given(res.values, "ipv6_ipam_pool_id") else None)
    for item in wanted + extra.get(res.address, []):
        if isinstance(item, (str, Unknown)) and item is not FROM_POOL:
            reason = item if isinstance(item, str) else unknown_text("ipv6_cidr_block", item)
            return layer.leave_out(res.address, res.origin, reason, "VPC")
        if item is None or item is FROM_POOL:
            item = stand_in(stand_ins[0], 56, amazon=item is None)
            stand_ins[0] += 1
            layer.assigned.setdefault(res.address, item)  # its own block comes first
            layer.warn(res.origin, f"{res.address}: the IPv6 block AWS assigns has no value in the "
                                   f"configuration; the VPC layer stands for it with {item} (a subnet cut "
                                   f"from it with cidrsubnet is the same cut of that), and IPv6 blocks "
                                   f"written elsewhere that may or may not hold it are taken as not known")
        blocks.append(item)
    layer.vpcs[res.address] = Vpc(res.address, tuple(dict.fromkeys(blocks)), layer.name(res), origin=res.origin)


# -- subnets ------------------------------------------------------------------

def _subnet(layer: TfLayer, res: TfResource) -> None:
    # AWS needs vpc_id; a fragment without one still reads, in a VPC that is absent
    vpc = layer.ref(res, "vpc_id", (VPC,), "VPC", required=False) or NO_VPC
    problems = [f"it may not exist: {layer.uncertain(res)}"] if layer.uncertain(res) else []
    cidrs: list[Cidr] = []
    # A subnet's block lies in its VPC's: a VPC whose IPv6 blocks are all written compares it with them only.
    own = vpc in layer.vpcs and not any(overlaps_stand_ins(b) for b in layer.vpcs[vpc].blocks(Family.V6))
    for key, family in (("cidr_block", Family.V4), ("ipv6_cidr_block", Family.V6)):
        block = _assigned_cut(layer, res) if key == "ipv6_cidr_block" else None
        block = block or layer.cidr(res.values, key, family, f"subnet {res.address}", res.origin, own=own)
        if isinstance(block, Unknown):
            problems.append(unknown_text(key, block))
        elif block is not None:
            cidrs.append(block)
    if not cidrs and not problems:
        native = layer.flag(res.values, "ipv6_native", False, res.origin)
        if native is False:
            layer.error(res.origin, f"subnet {res.address} needs cidr_block (or ipv6_native with an "
                                    "ipv6_cidr_block)")
        problems.append("its IPv6 block is not known")
    public = layer.flag(res.values, "map_public_ip_on_launch", False, res.origin)
    if isinstance(public, Unknown):
        problems.append(unknown_text("map_public_ip_on_launch", public))
    if problems:
        return layer.leave_out(res.address, res.origin, problems[0], "subnet")
    if vpc not in layer.vpcs:
        layer.warn(res.origin, f"subnet {res.address} is in VPC {layer.absent(vpc)}")
    layer.subnets[res.address] = Subnet(res.address, vpc, tuple(cidrs), map_public_ip=bool(public),
                                        name=layer.name(res), origin=res.origin)


def _assigned_cut(layer: TfLayer, res: TfResource) -> Cidr | Unknown | None:
    """The subnet's IPv6 block when `cidrsubnet` cuts it from the block AWS assigns its VPC: the
    same cut of the stand-in. Not where an interface of the subnet writes an IPv6 address: that
    literal may or may not be in the real block, and the stand-in holds none."""
    block = layer.cut_from_assigned(res.values.get("ipv6_cidr_block"))
    if not isinstance(block, Cidr):
        return block
    for other in layer.ctx.resources.values():
        if _writes_ipv6_in(other.values, res.address):
            return Unknown(f"is cut from the IPv6 block AWS assigns, and {other.address} writes an IPv6 "
                           "address in it that may or may not be in that block")
    return block


def _writes_ipv6_in(values: object, subnet: str) -> bool:
    """Whether these values (or a nested block: a launch template's interface, a subnet
    mapping) name `subnet` and write an IPv6 address beside it."""
    if isinstance(values, list):
        return any(_writes_ipv6_in(v, subnet) for v in values)
    if not isinstance(values, dict):
        return False
    here = values.get("subnet_id")
    if isinstance(here, Ref) and here.address == subnet and any(
            "ipv6_address" in k and _literal(v) for k, v in values.items()):
        return True
    return any(_writes_ipv6_in(v, subnet) for v in values.values() if isinstance(v, (list, dict)))


def _literal(value: object) -> bool:
    items = value if isinstance(value, list) else [value]
    return any(isinstance(known(i), str) and ":" in known(i) for i in items)


# -- gateways -----------------------------------------------------------------

def _internet_gateways(layer: TfLayer) -> None:
    attached: dict[str, str] = {}  # gateway -> VPC
    for res in layer.of_type(IGW, "aws_internet_gateway_attachment"):
        try:
            vpc = layer.ref(res, "vpc_id", (VPC,), "VPC", required=res.type != IGW)
            gateway = res.address if res.type == IGW else \
                layer.ref(res, "internet_gateway_id", (IGW,), "internet gateway")
        except Skip:
            continue
        if vpc is None or gateway is None:
            continue
        if layer.uncertain(res):
            layer.leave_out(gateway, res.origin, f"it or its attachment may not exist: {layer.uncertain(res)}",
                            "internet gateway")
            continue
        if gateway in attached and attached[gateway] != vpc:
            layer.ctx.error(res.origin, f"internet gateway {gateway} is attached to VPC {attached[gateway]} "
                                        f"and to {vpc}; it attaches to one VPC")
            continue
        other = [g for g, v in attached.items() if v == vpc and g != gateway]
        if other:
            layer.ctx.error(res.origin, f"VPC {vpc} already has internet gateway {other[0]}; a VPC has one")
            continue
        attached[gateway] = vpc
        if vpc not in layer.vpcs:
            layer.warn(res.origin, f"internet gateway {gateway} is attached to VPC {layer.absent(vpc)}")
    for res in layer.of_type(IGW):
        if res.address not in layer.left_out:
            layer.internet_gateways[res.address] = InternetGateway(res.address, attached.get(res.address),
                                                                   layer.name(res), res.origin)


def _egress_only(layer: TfLayer, res: TfResource) -> None:
    vpc = layer.ref(res, "vpc_id", (VPC,), "VPC")
    assert vpc is not None
    if layer.uncertain(res):
        return layer.leave_out(res.address, res.origin, f"it may not exist: {layer.uncertain(res)}",
                               "egress-only internet gateway")
    if vpc not in layer.vpcs:
        layer.warn(res.origin, f"egress-only internet gateway {res.address} is in VPC {layer.absent(vpc)}")
    layer.egress_only_gateways[res.address] = EgressOnlyGateway(res.address, vpc, layer.name(res), res.origin)


def _nat(layer: TfLayer, res: TfResource) -> None:
    if layer.uncertain(res):
        return layer.leave_out(res.address, res.origin, f"it may not exist: {layer.uncertain(res)}", "NAT gateway")
    subnet = layer.ref(res, "subnet_id", (SUBNET,), "subnet", required=False)
    if subnet is None:
        return layer.leave_out(res.address, res.origin, "a NAT gateway without subnet_id (a regional one) is "
                                                        "not modelled", "NAT gateway")
    kind = layer.text(res.values, "connectivity_type", "public")
    if isinstance(kind, Unknown):
        return layer.leave_out(res.address, res.origin, unknown_text("connectivity_type", kind), "NAT gateway")
    if kind not in ("public", "private"):
        layer.error(res.origin, f"{res.address}: connectivity_type must be public or private, not {kind!r}")
    private_ip = _ipv4(layer, res, "private_ip")
    public_ip = _ipv4(layer, res, "public_ip") if kind == "public" else None
    if subnet not in layer.subnets:
        layer.warn(res.origin, f"NAT gateway {res.address} is in subnet {layer.absent(subnet)}: what it forwards "
                               "is a free choice")
    layer.nat_gateways[res.address] = NatGateway(res.address, subnet, private_ip, public_ip, kind == "public",
                                                 layer.name(res), res.origin)


def _ipv4(layer: TfLayer, res: TfResource, key: str) -> int | None:
    value = known(res.values.get(key))
    if not isinstance(value, str) or not value:
        return None
    try:
        family, address = parse_address(value)
    except ValueError as exc:
        layer.error(res.origin, f"{res.address}.{key}: {exc}")
        return None
    if family is not Family.V4:
        layer.error(res.origin, f"{res.address}.{key}: {value} is not IPv4")
    return address


# -- peering ------------------------------------------------------------------

def _accepters(layer: TfLayer) -> dict[str, bool | Unknown]:
    """Peering key -> whether an accepter in the input accepts it."""
    out: dict[str, bool | Unknown] = {}
    for res in layer.of_type("aws_vpc_peering_connection_accepter"):
        try:
            peering = layer.ref(res, "vpc_peering_connection_id", ("aws_vpc_peering_connection",), "peering")
            accept = layer.flag(res.values, "auto_accept", False, res.origin)
        except Skip:
            continue
        if peering is not None:
            out[peering] = Unknown(f"{res.address} may not exist") if layer.uncertain(res) else accept
    return out


def _peering(layer: TfLayer, res: TfResource, accepted: dict) -> None:
    requester = layer.ref(res, "vpc_id", (VPC,), "VPC")
    accepter = layer.ref(res, "peer_vpc_id", (VPC,), "VPC")
    assert requester is not None and accepter is not None
    if layer.uncertain(res):
        return layer.leave_out(res.address, res.origin, f"it may not exist: {layer.uncertain(res)}",
                               "VPC peering connection")
    auto = layer.flag(res.values, "auto_accept", False, res.origin)
    accept = accepted.get(res.address, False)
    if isinstance(auto, Unknown) or isinstance(accept, Unknown):
        return layer.leave_out(res.address, res.origin, "whether it is accepted is not known before apply",
                               "VPC peering connection")
    status = known(res.values.get("accept_status"))
    if not (auto or accept) and status != "active":
        return layer.leave_out(res.address, res.origin, "it is accepted outside the input (no auto_accept and "
                                                        "no aws_vpc_peering_connection_accepter)",
                               "VPC peering connection")
    for role, vpc in (("requester", requester), ("accepter", accepter)):
        if vpc not in layer.vpcs:
            layer.warn(res.origin, f"peering {res.address}: its {role} VPC is {layer.absent(vpc)}: what it "
                                   "reaches there is a free choice")
    layer.peerings[res.address] = Peering(res.address, requester, accepter, True, layer.name(res), res.origin)
