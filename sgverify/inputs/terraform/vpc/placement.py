"""Where a configuration's resources and groups sit in its VPC layer.

A resource gets the subnets it names (directly, or through a DB or cache
subnet group), the VPC of those subnets, and its public IPv4 address: a
literal one (a state's `public_ip`, an Elastic IP's), or `has_public_ip` for
one AWS assigns (`associate_public_ip_address`, else its subnet's
`map_public_ip_on_launch`; an Elastic IP; an internet-facing load balancer; a
publicly accessible database; an ECS service with `assign_public_ip`). A
resource that names no subnet is in a default subnet of the default VPC,
which the input does not hold; like any subnet the input does not describe,
it may give a public address, so no verdict relies on its having none.
A security group gets the VPC of its `vpc_id`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ....model import Family, Resource, SecurityGroup, parse_address
from ....model.stand_ins import DEFAULT_SUBNET
from ..common import Ref, TfResource, Unknown, as_list, known
from .layer import Skip, TfLayer
from .network import SUBNET

NO_SUBNET = DEFAULT_SUBNET  # a resource that names no subnet: the default VPC's, not in the input
SUBNET_GROUPS = ("aws_db_subnet_group", "aws_elasticache_subnet_group")
TEMPLATES = ("aws_launch_template", "aws_launch_configuration")


def place(layer: TfLayer, resources: list[Resource], subnet_fields: dict,
          groups: dict[str, SecurityGroup]) -> tuple[list[Resource], dict[str, SecurityGroup]]:
    placer = _Placer(layer, subnet_fields)
    return [placer.resource(r) for r in resources], {k: placer.group(g) for k, g in groups.items()}


class _Placer:
    def __init__(self, layer: TfLayer, subnet_fields: dict):
        self.layer = layer
        self.fields = subnet_fields
        self.eips = self._elastic_ips()

    def group(self, group: SecurityGroup) -> SecurityGroup:
        res = self.layer.ctx.resources.get(group.key)
        if group.opaque or res is None or not self.layer.given(res.values, "vpc_id"):
            return group
        try:
            return replace(group, vpc=self.layer.key_of(res.values["vpc_id"], ("aws_vpc",), "VPC", res.origin))
        except Skip:
            return group

    def resource(self, resource: Resource) -> Resource:
        res = self.layer.ctx.resources.get(resource.name)
        if res is None or res.type not in self.fields:
            return resource
        try:
            keys = self._subnet_keys(res) or [NO_SUBNET]
        except Skip:
            return resource
        vpc = next((v for v in map(self._vpc_of, keys) if v), "")
        # A resource at any address of its subnets cannot hold a known public one: some public address.
        literal = tuple(self.eips.get(res.address, ())) if not resource.symbolic else ()
        public = resource.has_public_ip or res.address in self.eips or self._public(res, keys)
        check = self.layer.flag(res.values, "source_dest_check", True, res.origin) \
            if res.type in ("aws_instance", "aws_network_interface") else True
        if isinstance(check, Unknown):
            self.layer.warn(res.origin, f"{res.address}: source_dest_check {check.reason}; it is taken to be on")
            check = True
        return replace(resource, vpc=vpc, subnet_ids=tuple(dict.fromkeys(keys)),
                       public_ips=tuple(dict.fromkeys(resource.public_ips + literal)),
                       has_public_ip=public and not (resource.public_ips or literal), source_dest_check=check)

    # -- subnets --------------------------------------------------------------

    def _subnet_keys(self, res: TfResource) -> list[str]:
        keys: list[str] = []
        for path in self.fields[res.type]:
            for value in _values_at(res.values, path):
                keys += self._keys(value, res, 0)
        return list(dict.fromkeys(keys))

    def _keys(self, value: Any, res: TfResource, depth: int) -> list[str]:
        items = as_list(value)
        if isinstance(items, Unknown):
            return [f"<subnet of {res.address}: {items.reason}>"]
        out: list[str] = []
        for item in items:
            if item in (None, ""):
                continue
            if isinstance(known(item), Unknown) and not isinstance(item, Ref):
                out.append(f"<subnet of {res.address}: {known(item).reason}>")
                continue
            address = item.address if isinstance(item, Ref) else self.layer.ids.get(str(known(item)), "")
            target = self.layer.ctx.resources.get(address)
            if target is not None and target.type in SUBNET_GROUPS and depth < 2:
                out += self._keys(target.values.get("subnet_ids"), target, depth + 1)
            elif target is not None and target.type == SUBNET:
                out.append(target.address)
            else:
                shown = known(item)
                out.append(shown if isinstance(shown, str) else getattr(item, "address", str(item)))
        return out

    def _vpc_of(self, subnet: str) -> str:
        if subnet in self.layer.subnets:
            return self.layer.subnets[subnet].vpc
        res = self.layer.ctx.resources.get(subnet)
        if res is not None and res.type == SUBNET and self.layer.given(res.values, "vpc_id"):
            try:
                return self.layer.key_of(res.values["vpc_id"], ("aws_vpc",), "VPC", res.origin)
            except Skip:
                return ""
        return ""

    def _maps_public(self, keys: list[str]) -> bool:
        """May a new interface in these subnets get a public IPv4 address on its own?"""
        for key in keys:
            subnet = self.layer.subnets.get(key)
            if subnet is None or (subnet.map_public_ip and subnet.blocks(Family.V4)):
                return True  # a subnet the input does not describe may map one
        return False

    # -- public addresses -----------------------------------------------------

    def _public(self, res: TfResource, keys: list[str]) -> bool:
        values = res.values
        if res.type == "aws_instance":
            template = self._template(res)
            asked = self._asked(res, values, "associate_public_ip_address")
            if asked is None and template is not None:
                asked = self._template_asks(template)
            return self._maps_public(keys) if asked is None else asked
        if res.type == "aws_autoscaling_group":
            template = self._template(res)
            asked = self._template_asks(template) if template is not None else None
            return self._maps_public(keys) if asked is None else asked
        if res.type in TEMPLATES:
            asked = self._template_asks(res)
            return self._maps_public(keys) if asked is None else asked
        if res.type in ("aws_lb", "aws_elb"):
            internal = self._asked(res, values, "internal")
            return not internal
        if res.type == "aws_db_instance":
            return self._asked(res, values, "publicly_accessible") is True
        if res.type == "aws_ecs_service":
            for block in _values_at(values, ("network_configuration",)):
                if isinstance(block, dict) and self._asked(res, block, "assign_public_ip"):
                    return True
                if isinstance(block, Unknown):
                    return self._unknown_is_public(res, "network_configuration", block)
        return False

    def _template(self, res: TfResource) -> TfResource | None:
        for path in (("launch_template", "id"), ("launch_template", "name"), ("launch_configuration",)):
            for value in _values_at(res.values, path):
                if isinstance(value, Ref) and self.layer.ctx.resources.get(value.address) is not None:
                    return self.layer.ctx.resources[value.address]
        return None

    def _template_asks(self, template: TfResource) -> bool | None:
        if template.type == "aws_launch_configuration":
            return self._asked(template, template.values, "associate_public_ip_address")
        for block in _values_at(template.values, ("network_interfaces",)):
            if isinstance(block, dict) and str(known(block.get("device_index", 0))) in ("0", "None"):
                return self._asked(template, block, "associate_public_ip_address")
        return None

    def _asked(self, res: TfResource, values: dict, key: str) -> bool | None:
        """A flag as written: None when not written."""
        value = known(values.get(key))
        if value is None or value == "":
            return None
        try:
            flag = self.layer.flag(values, key, False, res.origin)
        except Skip:
            return True
        if isinstance(flag, Unknown):
            return self._unknown_is_public(res, key, flag) if key != "internal" else False
        return flag

    def _unknown_is_public(self, res: TfResource, key: str, value: Unknown) -> bool:
        self.layer.warn(res.origin, f"{res.address}: {key} {value.reason}; it is taken to have a public IPv4 "
                                    "address, so no verdict relies on its having none")
        return True

    # -- Elastic IPs ----------------------------------------------------------

    def _elastic_ips(self) -> dict[str, list]:
        """Resource address -> the literal Elastic IPs on it ([] when their values are not known)."""
        out: dict[str, list] = {}
        for res in self.layer.of_type("aws_eip", "aws_eip_association"):
            target = None
            for key in ("instance", "network_interface", "instance_id", "network_interface_id"):
                value = res.values.get(key)
                if isinstance(value, Ref) and value.address in self.layer.ctx.resources:
                    target = value.address
                elif isinstance(known(value), str) and known(value) in self.layer.ids:
                    target = self.layer.ids[known(value)]
            if target is None:
                continue  # on an instance of another configuration, or kept for a NAT gateway
            entry = out.setdefault(target, [])
            address = known(res.values.get("public_ip"))
            if isinstance(address, str) and address:
                try:
                    family, value = parse_address(address)
                except ValueError as exc:
                    self.layer.ctx.error(res.origin, f"{res.address}.public_ip: {exc}")
                    continue
                entry.append((family, value))
            if self.layer.uncertain(res):
                self.layer.warn(res.origin, f"{res.address} may not exist ({self.layer.uncertain(res)}); {target} is "
                                            "taken to have its public address, so no verdict relies on its having none")
        return out


def _values_at(values: dict, path: tuple[str, ...]) -> list[Any]:
    current: list[Any] = [values]
    for step in path[:-1]:
        nxt: list[Any] = []
        for item in current:
            blocks = as_list(item.get(step)) if isinstance(item, dict) else item
            nxt.extend([blocks] if isinstance(blocks, Unknown) else blocks)
        current = [item for item in nxt if isinstance(item, (dict, Unknown))]
    return [item.get(path[-1]) if isinstance(item, dict) else item for item in current]
