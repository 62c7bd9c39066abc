"""What the VPC layer of a template shares: references, values and what is absent.

Elements are keyed by logical id. A reference the template cannot resolve to
one of its own resources (a literal `vpc-...`, `!ImportValue`, a parameter
without default, a resource of another stack) names an *absent* element: its
key is what the user wrote, and the path layer treats it as a free choice.
An element whose own values cannot be known (a block that is not literal, a
Condition that cannot be evaluated) is *left out* of the topology, with a
warning, so that it too is absent rather than open or closed.

IPv6 blocks AWS assigns (`AmazonProvidedIpv6CidrBlock`, an IPAM pool) have no
value in a template. Each gets a stand-in block from the IPv6 documentation
prefix 3fff::/20, one per block in template order, so that `!GetAtt
Vpc.Ipv6CidrBlocks` and the `!Cidr` and `!Select` built on it give subnets
their own disjoint blocks inside it (see docs/cloudformation.md).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...model import Cidr, Family, Origin
from ..fields import warn_cidr
from ...model.assigned_v6 import compares_the_same, is_stand_in
from ..suggest import unknown_key
from ..vpc_defaults import start_element_maps

from ..yamlnodes import YList, YMap
from .intrinsics import ID_ATTRIBUTES, CfnError, ResRef, Resolver, Unknown, written

VPC = "AWS::EC2::VPC"
VPC_BLOCK = "AWS::EC2::VPCCidrBlock"
SUBNET = "AWS::EC2::Subnet"
NACL = "AWS::EC2::NetworkAcl"
ROUTE_TABLE = "AWS::EC2::RouteTable"

# attributes that, like Ref, name the resource itself
_ID_ATTRIBUTES = {
    ("AWS::EC2::EIP", "AllocationId"), ("AWS::EC2::InternetGateway", "InternetGatewayId"),
    ("AWS::EC2::RouteTable", "RouteTableId"), ("AWS::EC2::VPC", "VpcId"),
    ("AWS::EC2::TransitGatewayRouteTable", "TransitGatewayRouteTableId"),
    ("AWS::EC2::Instance", "InstanceId"), ("AWS::EC2::NetworkAcl", "Id"),
}
DEFAULT_ACL = "DefaultNetworkAcl"
TRUE, FALSE = ("true",), ("false",)


class Reported(Exception):
    """The element's errors are reported already: stop reading it."""


def default_acl_key(vpc: str) -> str:
    """The key of a VPC's default NACL, as `!GetAtt Vpc.DefaultNetworkAcl` names it."""
    return f"{vpc}.{DEFAULT_ACL}"


def main_table_key(vpc: str) -> str:
    return f"{vpc}.MainRouteTable"


def unknown_text(key: str, value: Unknown) -> str:
    """Why a property is unknown, naming what the user wrote."""
    shown = f" {value.written}" if value.written else ""
    return f"{key}{shown} is not known before deployment: {value.reason}"


def name_tag(props: YMap) -> Any:
    tags = props.get("Tags")
    if isinstance(tags, list):
        for tag in tags:
            if isinstance(tag, dict) and tag.get("Key") == "Name":
                return tag.get("Value")
    return None


class LayerResolver(Resolver):
    """The template's resolver, plus what the VPC layer knows: a VPC's IPv6 blocks
    (stand-ins included), its default NACL, and ids such as an EIP's AllocationId."""

    def __init__(self, base: Resolver, layer: "Layer"):
        self.__dict__.update(base.__dict__)  # the same template, parameters and conditions
        self.layer = layer

    def _resource_ref(self, name: str, attribute: str, line: int) -> Any:
        if name in self.resources and name not in self.excluded:
            body = self.resources[name]
            kind = str(body.get("Type", "")) if isinstance(body, dict) else ""
            if (kind, attribute) in _ID_ATTRIBUTES or (kind == VPC and attribute == DEFAULT_ACL):
                return ResRef(name, kind, attribute)
            if kind == VPC and attribute == "Ipv6CidrBlocks":
                return self.layer.ipv6_texts(name, line)
        return super()._resource_ref(name, attribute, line)


class Layer:
    """Reading state shared by the modules of the VPC layer."""

    def __init__(self, ctx: Any):
        self.ctx = ctx
        self.path = ctx.path
        self.left_out: dict[str, str] = {}  # logical id -> why it is not in the topology
        # VPC logical id -> its IPv6 blocks (literal or stand-ins), or why they are unknown
        self.ipv6: dict[str, list[Cidr] | str] = {}
        self.resolver = LayerResolver(ctx.resolver, self)
        # the topology as it is read: key -> element
        start_element_maps(self)

    # -- the template -----------------------------------------------------

    def logicals(self, *types: str) -> list[str]:
        return self.ctx.logicals(*types)

    def props(self, logical: str) -> tuple[YMap, int]:
        _, props, line = self.ctx.body(logical)
        return props, line

    def type_of(self, logical: str) -> str:
        return self.ctx.body(logical)[0]

    def origin(self, line: int) -> Origin:
        return Origin(self.path, line)

    def warn(self, line: int, message: str) -> None:
        self.ctx.warn(line, message)

    def error(self, line: int, message: str) -> None:
        self.ctx.report.error(line, message)

    def each(self, types: tuple[str, ...], read: Any) -> None:
        """`read(logical)` for each resource of these types; an error is reported and the rest read."""
        for logical in self.logicals(*types):
            self.attempt(read, logical)

    def attempt(self, function: Any, *args: Any, default: Any = None) -> Any:
        try:
            return self.ctx.attempt(function, *args, default=default)
        except Reported:
            return default

    def check_keys(self, logical: str, props: YMap, allowed: tuple[str, ...]) -> None:
        """One error per unknown key (with a did-you-mean); the element is then not read further."""
        unknown = [key for key in props if key not in allowed]
        for key in unknown:
            self.error(props.key_line(key), unknown_key(key, f"{self.type_of(logical)} {logical}", allowed))
        if unknown:
            raise Reported()

    def uncertain(self, logical: str) -> str:
        return self.ctx.uncertain.get(logical, "")

    def leave_out(self, logical: str, line: int, why: str, what: str) -> None:
        """`logical` is not in the topology: what uses it gets a free choice."""
        if logical not in self.left_out:
            self.left_out[logical] = why
            self.warn(line, f"{what} {logical} is left out of the VPC layer ({why}); what depends on it "
                            f"is a free choice")

    def name(self, props: YMap, line: int) -> str:
        value = self.resolver.resolve(name_tag(props), line)
        return value if isinstance(value, str) else ""

    # -- values -----------------------------------------------------------

    def value(self, props: YMap, key: str) -> Any:
        return self.resolver.resolve(props[key], props.value_line(key))

    def ref(self, props: YMap, key: str, types: tuple[str, ...], what: str,
            required: bool = True, attributes: tuple[str, ...] = ()) -> str | None:
        """The key of the element `props[key]` names: a logical id of one of `types`, else
        what the user wrote (an absent element). None when the key is not given."""
        if key not in props:
            if required:
                raise CfnError(props.line, f"{key} is required (the {what} it belongs to)")
            return None
        return self.key_of(props[key], props.value_line(key), types, what, attributes)

    def key_of(self, raw: Any, line: int, types: tuple[str, ...], what: str,
               attributes: tuple[str, ...] = ()) -> str:
        value = self.resolver.resolve(raw, line)
        if isinstance(value, ResRef) and value.attribute == DEFAULT_ACL and NACL in types:
            return default_acl_key(value.logical)
        if isinstance(value, ResRef):
            if value.type not in types:
                raise CfnError(line, f"{value.logical} is a {value.type or 'resource'}, not a {what}")
            if value.attribute not in attributes + ID_ATTRIBUTES and \
                    (value.type, value.attribute) not in _ID_ATTRIBUTES:
                raise CfnError(line, f"{value.logical}.{value.attribute} is not the id of a {what}")
            return value.logical
        return absent_key(raw, value, line)

    def keys_of(self, props: YMap, key: str, types: tuple[str, ...], what: str) -> list[tuple[str, int]]:
        """Each key of a list property, with its line; an unknown list is one absent key."""
        if key not in props:
            return []
        raw, line = props[key], props.value_line(key)
        if not isinstance(raw, list):
            value = self.resolver.resolve(raw, line)
            if not isinstance(value, list):
                return [(self.key_of(raw, line, types, what), line)]
            raw = value
        return [(self.key_of(item, raw.item_line(i) if isinstance(raw, YList) else line, types, what),
                 raw.item_line(i) if isinstance(raw, YList) else line) for i, item in enumerate(raw)]

    def flag(self, props: YMap, key: str, default: bool) -> bool | Unknown:
        if key not in props:
            return default
        value = self.value(props, key)
        if isinstance(value, Unknown):
            return value
        text = str(value).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise CfnError(props.value_line(key), f"{key} must be true or false, not {value!r}")

    def text(self, props: YMap, key: str, default: str = "") -> str | Unknown:
        if key not in props:
            return default
        value = self.value(props, key)
        if isinstance(value, (Unknown, str)):
            return value
        if isinstance(value, ResRef):
            return Unknown(f"{value.logical} is an id AWS assigns", written(props[key]))
        return str(value)

    def cidr(self, props: YMap, key: str, family: Family, what: str, own: bool = False) -> Cidr | Unknown | None:
        """A literal block of `family`; Unknown when it is not literal, or when it is an IPv6 block
        compared with one AWS assigns (not `own`: a VPC's own block, or a subnet's in a VPC whose
        IPv6 blocks are all literal); None when not given. A block inside the stand-ins' prefix was
        cut from a stand-in (`!GetAtt Vpc.Ipv6CidrBlocks`) and is kept."""
        if key not in props:
            return None
        line = props.value_line(key)
        value = self.value(props, key)
        if isinstance(value, Unknown):
            return value
        if isinstance(value, ResRef) or not isinstance(value, str):
            return Unknown(f"{key} is not a literal block", written(props[key]))
        block = parse_block(value, line, family, f"{what} {key}", self.ctx.report)
        return self.compared(block, own)

    def compared(self, block: Cidr, own: bool = False) -> Cidr | Unknown:
        """`block`, or Unknown where it is compared with an IPv6 block AWS assigns (see `cidr`)."""
        assigned = self.ctx.assigned_v6
        if own or not assigned or compares_the_same(block) or is_stand_in(block):
            return block
        return Unknown(f"{block} may or may not hold the IPv6 block AWS assigns to {assigned}")

    def absent(self, key: str) -> str:
        """How to say that `key` is not in the topology."""
        if key in self.left_out:
            return f"{key}, which is left out ({self.left_out[key]})"
        return f"{key}, which is not in the template"

    # -- subnet associations ----------------------------------------------

    def associate(self, kind: str, target_key: str, target_types: tuple[str, ...], what: str,
                  elements: dict[str, Any], field: str) -> None:
        """Read the `kind` associations: each subnet's `field` (route_table or nacl) becomes
        the element it names. A subnet has one; an association that may not exist, or
        that names what the template does not hold, leaves a free choice (an absent key)."""
        seen: dict[str, tuple[str, int]] = {}
        unknown_subnet: list[tuple[str, int, str]] = []  # (association, line, VPC of its target)
        for logical in self.logicals(kind):
            self.attempt(self._associate, logical, target_key, target_types, what, elements, field,
                             seen, unknown_subnet)
        for logical, line, vpc in unknown_subnet:
            free = [s for s in self.subnets.values() if s.vpc == vpc and s.key not in seen]
            for subnet in free:
                self.subnets[subnet.key] = replace(subnet, **{field: logical})
            if free:
                self.warn(line, f"{logical} may associate any subnet of VPC {vpc}; the {what} of "
                                f"{', '.join(s.key for s in free)} is a free choice")

    def _associate(self, logical: str, target_key: str, target_types: tuple[str, ...], what: str,
                   elements: dict[str, Any], field: str, seen: dict, unknown_subnet: list) -> None:
        props, line = self.props(logical)
        self.check_keys(logical, props, ("SubnetId", target_key))
        subnet_key = self.ref(props, "SubnetId", (SUBNET,), "subnet")
        target = self.ref(props, target_key, target_types, what)
        if subnet_key not in self.logicals(SUBNET):
            named = self.resolver.resolve(props["SubnetId"], props.value_line("SubnetId"))
            if isinstance(named, Unknown) and target in elements:  # it may be one of the template's
                unknown_subnet.append((logical, line, elements[target].vpc))
            else:
                self.warn(line, f"{logical} associates subnet {subnet_key}, which is not in the template, "
                                f"with {what} {target}: it changes nothing in the VPC layer read")
            return
        if subnet_key in seen:
            first, first_line = seen[subnet_key]
            raise CfnError(line, f"subnet {subnet_key} has two {what} associations, {first} (line "
                                 f"{first_line}) and {logical}; a subnet has one {what}")
        seen[subnet_key] = (logical, line)
        subnet = self.subnets.get(subnet_key)
        if subnet is None:
            return  # left out: a free choice already
        why = self.uncertain(logical)
        if why:
            self.warn(line, f"{logical} may not exist ({why}): the {what} of subnet {subnet_key} is a "
                            f"free choice")
            target = logical
        elif target not in elements:
            self.warn(line, f"{logical} gives subnet {subnet_key} the {what} {self.absent(target)}: "
                            f"its {what} is a free choice")
        elif elements[target].vpc != subnet.vpc:
            raise CfnError(line, f"{logical}: {what} {target} is in VPC {elements[target].vpc} but subnet "
                                 f"{subnet_key} is in VPC {subnet.vpc}")
        self.subnets[subnet_key] = replace(subnet, **{field: target})

    def ipv6_texts(self, vpc: str, line: int) -> Any:
        blocks = self.ipv6.get(vpc, [])
        if isinstance(blocks, str):
            return Unknown(blocks)
        if not blocks:
            return Unknown(f"VPC {vpc} has no IPv6 block in the template")
        out = YList(line)
        for block in blocks:
            out.append(str(block))
            out._item_lines.append(line)
        return out


def parse_block(text: str, line: int, family: Family, what: str, report: Any) -> Cidr:
    try:
        block = Cidr.parse(text)
    except ValueError as exc:
        raise CfnError(line, f"{what}: {exc}") from None
    if block.family is not family:
        raise CfnError(line, f"{what} {text} is not an IPv{family.value} block")
    warn_cidr(block, text, report, line)
    return block


def absent_key(raw: Any, value: Any, line: int) -> str:
    """The key of an element the template does not hold: what the user wrote."""
    if isinstance(value, Unknown):
        return value.written or written(raw)
    if isinstance(value, str) and value:
        return value
    if isinstance(value, (list, dict)) or value is None or value == "":
        raise CfnError(line, f"expected an id, not {written(value) or 'nothing'}")
    return str(value)
