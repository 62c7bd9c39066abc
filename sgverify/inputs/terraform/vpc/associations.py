"""Which route table and which network ACL each subnet has.

A subnet has one of each: its explicit association, else its VPC's main table
/ default NACL. Associations come from association resources
(`aws_route_table_association`, `aws_network_acl_association`) and, for NACLs,
from a NACL's own `subnet_ids`. An association that may not exist, or that
names an element the input does not hold, leaves a free choice (an absent
key), never the default. One whose subnet is not known may be any subnet of
its target's VPC: each subnet of that VPC without an association of its own
gets a free choice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ....model import Origin
from ..common import TfResource, Unknown, as_list, known
from .layer import Skip, TfLayer
from .network import SUBNET


@dataclass(frozen=True)
class Link:
    subnet: Any  # what the user wrote for the subnet
    target: str  # key of the table or NACL
    res: TfResource
    origin: Origin


def links(layer: TfLayer, types: tuple[str, ...], target_attr: str, target_types: tuple[str, ...],
          what: str) -> list[Link]:
    out: list[Link] = []
    for res in layer.of_type(*types):
        try:
            if not layer.given(res.values, "subnet_id"):
                if layer.given(res.values, "gateway_id"):
                    layer.warn(res.origin, f"{res.address}: ingress routing (a route table associated with a "
                                           "gateway) is not modelled; traffic entering through that gateway is "
                                           "taken to go straight to its destination")
                    continue
                layer.error(res.origin, f"{res.address} needs subnet_id")
            target = layer.ref(res, target_attr, target_types, what)
        except Skip:
            continue
        assert target is not None
        out.append(Link(res.values["subnet_id"], target, res, res.origin))
    return out


def list_links(layer: TfLayer, types: tuple[str, ...], target_of: Any) -> list[Link]:
    """Associations written as a `subnet_ids` list on the NACL itself."""
    out: list[Link] = []
    for res in layer.of_type(*types):
        if not layer.given(res.values, "subnet_ids"):
            continue
        target = target_of(res)
        if target is None:
            continue
        items = as_list(res.values["subnet_ids"])
        for item in [items] if isinstance(items, Unknown) else items:
            out.append(Link(item, target, res, res.origin))
    return out


def associate(layer: TfLayer, types: tuple[str, ...], target_attr: str, target_types: tuple[str, ...],
              what: str, elements: dict[str, Any], field: str, extra: list[Link] = ()) -> None:
    """Set each subnet's `field` (route_table or nacl) from its associations."""
    seen: dict[str, Link] = {}
    unknown_subnet: list[Link] = []
    for link in links(layer, types, target_attr, target_types, what) + list(extra):
        try:
            _apply(layer, link, what, elements, field, seen, unknown_subnet)
        except Skip:
            continue
    for link in unknown_subnet:
        vpc = elements[link.target].vpc
        free = [s for s in layer.subnets.values() if s.vpc == vpc and s.key not in seen]
        for subnet in free:
            layer.subnets[subnet.key] = replace(subnet, **{field: link.res.address})
        if free:
            layer.warn(link.origin, f"{link.res.address} may associate any subnet of VPC {vpc} (its subnet is not "
                                    f"known); the {what} of {', '.join(s.key for s in free)} is a free choice")


def _apply(layer: TfLayer, link: Link, what: str, elements: dict, field: str, seen: dict,
           unknown_subnet: list) -> None:
    if isinstance(known(link.subnet), Unknown):
        if link.target in elements:
            unknown_subnet.append(link)
        return
    subnet_key = layer.key_of(link.subnet, (SUBNET,), "subnet", link.origin)
    resource = layer.ctx.resources.get(subnet_key)
    if resource is None or resource.type != SUBNET:
        return layer.warn(link.origin, f"{link.res.address} associates subnet {subnet_key}, which is not in the "
                                       f"input, with {what} {link.target}: it changes nothing in the VPC layer read")
    first = seen.get(subnet_key)
    if first is not None:
        if first.target == link.target:
            return  # a state lists an association both on the NACL and as its own resource
        layer.error(link.origin, f"subnet {subnet_key} has two {what} associations, {first.res.address} "
                                 f"({first.origin}) and {link.res.address}; a subnet has one {what}")
    seen[subnet_key] = link
    subnet = layer.subnets.get(subnet_key)
    if subnet is None:
        return  # left out: a free choice already
    target = link.target
    why = layer.uncertain(link.res)
    if why:
        layer.warn(link.origin, f"{link.res.address} may not exist ({why}): the {what} of subnet {subnet_key} is "
                                "a free choice")
        target = link.res.address
    elif target not in elements:
        layer.warn(link.origin, f"{link.res.address} gives subnet {subnet_key} the {what} "
                                f"{layer.absent(target)}: its {what} is a free choice")
    elif elements[target].vpc != subnet.vpc:
        layer.error(link.origin, f"{link.res.address}: {what} {target} is in VPC {elements[target].vpc} but "
                                 f"subnet {subnet_key} is in VPC {subnet.vpc}")
    layer.subnets[subnet_key] = replace(subnet, **{field: target})
