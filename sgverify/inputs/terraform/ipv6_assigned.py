"""Interfaces whose IPv6 addresses AWS assigns: no value in the configuration.

An instance or network interface gets IPv6 addresses it does not write when
it asks for a count (`ipv6_address_count`, `ipv6_prefix_count`, in itself or
in its launch template's `network_interfaces`), when its `ipv6_addresses` are
known only after apply, or when its subnet assigns one to every new interface
(`assign_ipv6_address_on_creation`; Terraform does not send a count of 0, so
the subnet's setting then applies too). Those addresses are global: through an
internet gateway the internet may reach them.

A model resource has either known addresses or none ("any address in its
subnets"); it cannot hold a known IPv4 address beside IPv6 addresses that are
not known. Keeping only the IPv4 address would say the interface has no IPv6
at all, and a `deny` from the internet could then hold that AWS does not keep.
So such a resource is taken at any address of its subnets, in both families,
and a warning says so. Where its subnet's IPv6 block is not known either (cut
with `cidrsubnet` from a block AWS assigns to the VPC), the security-group
view gives it any IPv6 address.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ...model import Cidr, Family, Resource
from ...model.addresses import PRIVATE_V4
from .common import Context, Ref, TfResource, Unknown, as_list, known

COUNTS = ("ipv6_address_count", "ipv6_prefix_count")
ANY_V6 = Cidr.parse("::/0")
INTERFACE_TYPES = ("aws_instance", "aws_network_interface")


def assigned_ipv6(ctx: Context, res: TfResource, template: TfResource | None) -> str:
    """Why AWS may give `res` IPv6 addresses that the configuration does not write; "" if it does not."""
    if res.type == "aws_autoscaling_group":
        return _group_assigned(ctx, res, template)
    if res.type not in INTERFACE_TYPES:
        return ""
    sources = [res] + ([template] if template is not None else [])
    for source in sources:
        for values in _interface_values(source):
            why = _asked(values)
            if why:
                return why if source is res else f"its launch template {source.address} has {why}"
    if _written(res.values.get("ipv6_addresses")):
        return ""  # written addresses replace what the subnet would assign
    for source in sources:
        for values in _interface_values(source):
            why = _subnet_assigns(ctx, values.get("subnet_id"))
            if why:
                return why
    return ""


def forget_ipv4(ctx: Context, res: TfResource, why: str, ips: tuple, public: tuple) -> tuple[tuple, tuple, bool]:
    """The private and public addresses to keep for a resource AWS gives IPv6 addresses (`why`),
    and whether it has a public IPv4 address of a value not kept: all of them unless it writes an
    IPv6 one (then they are known); else none, and a written public address becomes "some public
    address", since a resource at any address of its subnets cannot keep a known one."""
    if not why or not (ips or public) or any(f is Family.V6 for f, _ in ips):
        return ips, public, False
    also = ", with a public IPv4 address of any value" if public else ""
    ctx.warn(res.origin, f"{res.address}: AWS assigns it IPv6 addresses ({why}) that the configuration does "
                         f"not give; it is taken at any address of its subnets, IPv4 and IPv6{also}, rather "
                         "than only at its written addresses")
    return (), (), bool(public)


def with_any_ipv6(ctx: Context, resource: Resource, why: str) -> Resource:
    """A symbolic resource with IPv6 addresses from a block that is not known: any IPv6 address
    (in the security-group view; the VPC layer places it by its subnet)."""
    if not why or not resource.symbolic or any(c.family is Family.V6 for c in resource.subnets):
        return resource
    ctx.warn(resource.origin, f"{resource.name}: AWS assigns it IPv6 addresses ({why}) from a block the "
                              "configuration does not give; by its groups alone it may have any IPv6 address")
    # no subnets stand for private IPv4 space in the encoder; keep that beside the IPv6 block
    return replace(resource, subnets=(resource.subnets or PRIVATE_V4) + (ANY_V6,))


def _group_assigned(ctx: Context, res: TfResource, template: TfResource | None) -> str:
    """An autoscaling group's instances: from its launch template, or from its subnets."""
    for values in _interface_values(template) if template is not None else []:
        why = _asked(values)
        if why:
            return f"its launch template {template.address} has {why}"
    subnets = as_list(res.values.get("vpc_zone_identifier"))
    for subnet in subnets if not isinstance(subnets, Unknown) else []:
        why = _subnet_assigns(ctx, subnet)
        if why:
            return why
    return ""


def _interface_values(res: TfResource) -> list[dict]:
    if res.type == "aws_launch_template":
        blocks = as_list(res.values.get("network_interfaces"))
        return [b for b in blocks if isinstance(b, dict)] if not isinstance(blocks, Unknown) else []
    return [res.values]


def _asked(values: dict) -> str:
    for key in COUNTS:
        value = known(values.get(key))
        if isinstance(value, Unknown):
            return f"{key} is not known: {value.reason}"
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return f"{key} = {value:g}"
    addresses = values.get("ipv6_addresses")
    listed = as_list(addresses)
    if isinstance(listed, Unknown) or any(isinstance(known(a), (Unknown, Ref)) for a in listed):
        return "ipv6_addresses are known only after apply"
    return ""


def _written(value: Any) -> bool:
    listed = as_list(value)
    return not isinstance(listed, Unknown) and any(isinstance(known(a), str) and known(a) for a in listed)


def _subnet_assigns(ctx: Context, value: Any) -> str:
    address = value.address if isinstance(value, Ref) else ctx.ids.get(str(known(value)), "")
    subnet = ctx.resources.get(address)
    if subnet is None or subnet.type != "aws_subnet":
        return ""
    flag = known(subnet.values.get("assign_ipv6_address_on_creation"))
    if isinstance(flag, Unknown):
        return f"its subnet {address} may assign one: assign_ipv6_address_on_creation is not known"
    if flag is True or flag == "true":
        return f"its subnet {address} has assign_ipv6_address_on_creation = true"
    return ""
