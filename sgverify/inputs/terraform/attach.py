"""Which Terraform resources carry which groups, at which addresses -> model Resources.

A resource with a literal private IP is concrete; any other is symbolic ("any
address in its subnets", or any private IPv4 address when its subnets are not
known). Launch templates and configurations used by an autoscaling group become
one symbolic resource per group; unused ones stand for themselves.
A resource whose group list cannot be known gets a synthetic group whose rules
may admit anything, so no proof depends on the guess.
"""

from __future__ import annotations

from typing import Any

from ...errors import InputError, Severity
from .. import Loaded
from ...model import Cidr, Network, Origin, Resource, format_address, parse_address
from .common import (
    GROUP_TYPES, Context, Ref, TfResource, Unknown, as_list, build_groups, known, new_context,
    resolve_group,
)
from ..topology_checks import check_topology
from .ipv6_assigned import assigned_ipv6, forget_ipv4, with_any_ipv6
from .rules import VPC_RULE_TYPES, load_prefix_lists, load_rules
from .vpc import read_vpc_layer

GROUP_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "aws_instance": (("vpc_security_group_ids",), ("security_groups",)),
    "aws_network_interface": (("security_groups",),),
    "aws_lb": (("security_groups",),),
    "aws_elb": (("security_groups",),),
    "aws_db_instance": (("vpc_security_group_ids",),),
    "aws_elasticache_cluster": (("security_group_ids",),),
    "aws_ecs_service": (("network_configuration", "security_groups"),),
    "aws_lambda_function": (("vpc_config", "security_group_ids"),),
    "aws_launch_template": (("vpc_security_group_ids",), ("network_interfaces", "security_groups")),
    "aws_launch_configuration": (("security_groups",),),
    "aws_vpc_endpoint": (("security_group_ids",),),
}
SUBNET_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "aws_instance": (("subnet_id",),),
    "aws_network_interface": (("subnet_id",),),
    "aws_lb": (("subnets",), ("subnet_mapping", "subnet_id")),
    "aws_elb": (("subnets",),),
    "aws_db_instance": (("db_subnet_group_name",),),
    "aws_elasticache_cluster": (("subnet_group_name",),),
    "aws_ecs_service": (("network_configuration", "subnets"),),
    "aws_lambda_function": (("vpc_config", "subnet_ids"),),
    "aws_autoscaling_group": (("vpc_zone_identifier",),),
    "aws_launch_template": (("network_interfaces", "subnet_id"),),
    "aws_vpc_endpoint": (("subnet_ids",), ("subnet_configuration", "subnet_id")),
}
GROUP_ATTRIBUTE_NAMES = ("vpc_security_group_ids", "security_groups", "security_group_ids")
# Without groups written these carry none (not even the VPC default group).
OPTIONAL_CARRIERS = ("aws_lambda_function", "aws_ecs_service")
TEMPLATE_TYPES = ("aws_launch_template", "aws_launch_configuration")
NOT_CARRIERS = (*GROUP_TYPES, *VPC_RULE_TYPES, "aws_security_group_rule",
                "aws_network_interface_sg_attachment", "aws_autoscaling_group")


def build_network(resources: list[TfResource], source: str, input_format: str) -> Loaded:
    """The shared last step of both Terraform readers: resources -> Loaded."""
    ctx = new_context(resources)
    load_prefix_lists(ctx)
    load_rules(ctx)
    models = _resources(ctx)
    groups = build_groups(ctx)
    topology, models, groups = read_vpc_layer(ctx, models, groups, SUBNET_FIELDS)
    if topology is None:
        _check_addresses(ctx, models)  # with a VPC layer, addresses are unique per VPC (checked below)
    network = Network(groups, {r.name: r for r in models}, {}, dict(ctx.prefix_lists),
                      source, input_format, topology=topology)
    for found in check_topology(network):
        if found not in ctx.diagnostics:
            ctx.diagnostics.append(found)
    errors = [d for d in ctx.diagnostics if d.severity is Severity.ERROR]
    if errors:
        raise InputError(errors)
    return Loaded(network, tuple(ctx.diagnostics))


def _values_at(res: TfResource, path: tuple[str, ...]) -> list[Any]:
    """The values at a path: nested blocks are lists of dicts, so collect over them.

    An unknown block stands for its attributes (unknown too); anything else that
    is not a block (a list of ids under that name) has no attributes to give.
    """
    current: list[Any] = [res.values]
    for step in path[:-1]:
        nxt: list[Any] = []
        for item in current:
            blocks = as_list(item.get(step)) if isinstance(item, dict) else item
            nxt.extend([blocks] if isinstance(blocks, Unknown) else blocks)
        current = [item for item in nxt if isinstance(item, (dict, Unknown))]
    out = []
    for item in current:
        out.append(item.get(path[-1]) if isinstance(item, dict) else item)
    return out


def _groups_of(ctx: Context, res: TfResource, fields) -> tuple[list[str], list[str], bool]:
    """-> (group keys, reasons some are unknown, whether any group field was set)."""
    keys: list[str] = []
    unknown: list[str] = []
    written = False
    for path in fields:
        for value in _values_at(res, path):
            items = as_list(value)
            if isinstance(items, Unknown):
                unknown.append(f"{'.'.join(path)} {items.reason}")
                written = True
                continue
            written = written or bool(items)
            for item in items:
                key = resolve_group(ctx, item, res.origin)
                if isinstance(key, Unknown):
                    unknown.append(f"{'.'.join(path)} {key.reason}")
                elif key not in keys:
                    keys.append(key)
    return keys, unknown, written


def _resolved_groups(ctx: Context, res: TfResource, fields, extra: list[str]) -> tuple[str, ...]:
    keys, unknown, written = _groups_of(ctx, res, fields)
    keys += [k for k in extra if k not in keys]
    if unknown:
        key = f"{res.address}:unknown-groups"
        ctx.synthetic[key] = res.origin
        ctx.warn(res.origin, f"{res.address}: its security groups are not all known "
                             f"({'; '.join(unknown)}); it may admit any traffic")
        keys.append(key)
    elif not written and not keys:
        keys.append(_default_group(ctx, res))
    return tuple(keys)


def _default_group(ctx: Context, res: TfResource) -> str:
    if res.type == "aws_elb" and not res.values.get("subnets"):
        # a classic load balancer in the default VPC: ELB gives it a group of its own
        key = f"{res.address}:default-group"
        ctx.synthetic[key] = res.origin
        ctx.warn(res.origin, f"{res.address} names no security group and no subnet: in the "
                             "default VPC ELB gives it the account's default_elb group, whose "
                             "rules are not in the input (may admit anything)")
        return key
    defaults = [a for a, r in ctx.resources.items() if r.type == "aws_default_security_group"]
    if len(defaults) == 1:
        ctx.warn(res.origin, f"{res.address} names no security group: AWS gives it the VPC's "
                             f"default group, taken to be {defaults[0]}")
        return defaults[0]
    key = f"{res.address}:default-group"
    ctx.synthetic[key] = res.origin
    ctx.warn(res.origin, f"{res.address} names no security group: AWS gives it the VPC's "
                         "default group, whose rules are not in the input (may admit anything)")
    return key


def _subnets(ctx: Context, res: TfResource, fields) -> tuple[tuple[Cidr, ...], str]:
    """-> (subnet blocks, reason they are unknown or "")."""
    cidrs: list[Cidr] = []
    for path in fields:
        for value in _values_at(res, path):
            items = as_list(value)
            if isinstance(items, Unknown):
                return (), f"{'.'.join(path)} {items.reason}"
            for item in items:
                if isinstance(item, Unknown):
                    return (), f"{'.'.join(path)} {item.reason}"
                found = _subnet_cidrs(ctx, item, 0)
                if isinstance(found, Unknown):
                    return (), found.reason
                cidrs.extend(c for c in found if c not in cidrs)
    return tuple(cidrs), ""


def _subnet_cidrs(ctx: Context, value: Any, depth: int) -> list[Cidr] | Unknown:
    address = value.address if isinstance(value, Ref) else ctx.ids.get(str(value), "")
    target = ctx.resources.get(address)
    if target is None or depth > 2:
        return Unknown(f"names subnet {getattr(value, 'address', value)}, not in the input")
    if target.type in ("aws_db_subnet_group", "aws_elasticache_subnet_group"):
        out: list[Cidr] = []
        items = as_list(target.values.get("subnet_ids"))
        if isinstance(items, Unknown):
            return Unknown(f"names {address}, whose subnet_ids {items.reason}")
        for item in items:
            if isinstance(item, Unknown):
                return Unknown(f"names {address}, whose subnet_ids {item.reason}")
            found = _subnet_cidrs(ctx, item, depth + 1)
            if isinstance(found, Unknown):
                return found
            out.extend(found)
        return out
    blocks = [target.values.get("cidr_block"), target.values.get("ipv6_cidr_block")]
    if not isinstance(blocks[0], str):
        return Unknown(f"names {address}, whose cidr_block is not known")
    try:
        return [Cidr.parse(b) for b in blocks if isinstance(b, str) and b]
    except ValueError as exc:
        ctx.error(target.origin, f"{address}: {exc}")
        return []


def _addresses(ctx: Context, res: TfResource, names: tuple[str, ...]):
    out = []
    for name in names:
        items = as_list(res.values.get(name))
        if isinstance(items, Unknown):
            continue  # not known before apply: the resource stays symbolic
        for item in items:
            if isinstance(item, (Unknown, Ref)) or item in (None, ""):
                continue
            try:
                out.append(parse_address(str(item)))
            except ValueError as exc:
                ctx.error(res.origin, f"{res.address}.{name}: {exc}")
    return tuple(dict.fromkeys(out))


def _attachments(ctx: Context) -> dict[str, list[str]]:
    """aws_network_interface_sg_attachment: extra groups per ENI or instance address."""
    extra: dict[str, list[str]] = {}
    for res in ctx.resources.values():
        if res.type != "aws_network_interface_sg_attachment":
            continue
        key = resolve_group(ctx, res.values.get("security_group_id"), res.origin)
        target = res.values.get("network_interface_id")
        address = target.address if isinstance(target, Ref) else ctx.ids.get(str(target), "")
        if address not in ctx.resources:
            address = res.address  # unknown interface: a symbolic member of its own
            ctx.warn(res.origin, f"{res.address}: network interface {target} is not in the "
                                 "input; modelled as a resource at any private IPv4 address")
        extra.setdefault(address, []).append(
            key if not isinstance(key, Unknown) else _unknown_key(ctx, res, key))
    return extra


def _unknown_key(ctx: Context, res: TfResource, why: Unknown) -> str:
    key = f"{res.address}:unknown-groups"
    ctx.synthetic[key] = res.origin
    ctx.warn(res.origin, f"{res.address}: security group {why.reason}; it may admit any traffic")
    return key


def _resources(ctx: Context) -> list[Resource]:
    extra = _attachments(ctx)
    used_templates: set[str] = set()
    out = [_asg(ctx, res, used_templates) for res in ctx.resources.values()
           if res.type == "aws_autoscaling_group"]
    for res in ctx.resources.values():
        if res.type in TEMPLATE_TYPES and res.address in used_templates:
            continue
        interface = _interface_endpoint(ctx, res) if res.type == "aws_vpc_endpoint" else True
        if not interface:
            if interface is None and _carries_groups(res):
                out.append(_unsupported(ctx, res))  # its type is not known
            continue
        if res.type in GROUP_FIELDS:
            optional = _optional_carrier(res) or (
                res.type == "aws_instance" and bool(res.values.get("network_interface")))
            if (optional and res.address not in extra
                    and not _groups_of(ctx, res, GROUP_FIELDS[res.type])[2]):
                # e.g. a Lambda outside any VPC, a network LB without groups, an
                # instance whose interfaces are aws_network_interface resources
                continue
            out.append(_carrier(ctx, res, extra.get(res.address, [])))
        elif res.type not in NOT_CARRIERS and _carries_groups(res):
            out.append(_unsupported(ctx, res))
    for address, keys in extra.items():
        if address not in ctx.resources or ctx.resources[address].type not in GROUP_FIELDS:
            origin = ctx.resources[address].origin if address in ctx.resources else Origin()
            out.append(Resource(address, tuple(dict.fromkeys(keys)), kind="network_interface",
                                origin=origin))
    return out


def _interface_endpoint(ctx: Context, res: TfResource) -> bool | None:
    """An Interface endpoint has an interface in each of its subnets, with its groups (the VPC's
    default one when it names none); one without subnets has none. A Gateway endpoint (the
    provider's default) and a Gateway Load Balancer endpoint have no group. None when the
    type is not known."""
    kind = known(res.values.get("vpc_endpoint_type"))
    if isinstance(kind, (Unknown, Ref)):
        return None
    if kind != "Interface":
        return False
    if as_list(res.values.get("subnet_ids")) == [] and not res.values.get("subnet_configuration"):
        ctx.warn(res.origin, f"{res.address} names no subnet: an interface endpoint without subnets has "
                             "no network interface, so nothing reaches it")
        return False
    return True


def _optional_carrier(res: TfResource) -> bool:
    """Network and gateway load balancers may have no group; application ones get the default."""
    if res.type == "aws_lb":
        return res.values.get("load_balancer_type") in ("network", "gateway")
    return res.type in OPTIONAL_CARRIERS


def _carrier(ctx: Context, res: TfResource, extra: list[str]) -> Resource:
    source, fields = res, GROUP_FIELDS[res.type]
    template = _template_of(ctx, res) if res.type == "aws_instance" else None
    if template is not None and not _groups_of(ctx, res, fields)[2]:
        source, fields = template, GROUP_FIELDS[template.type]  # the launch template's groups
    groups = _resolved_groups(ctx, source, fields, extra)
    ips = _addresses(ctx, res, ("private_ip", "private_ips", "secondary_private_ips",
                                "ipv6_addresses"))
    public = _addresses(ctx, res, ("public_ip",))
    v6_why = assigned_ipv6(ctx, res, template)
    ips, public, some_public = forget_ipv4(ctx, res, v6_why, ips, public)
    subnets = _symbolic_subnets(ctx, res, SUBNET_FIELDS.get(res.type, ()), bool(ips or public))
    made = Resource(res.address, groups, ips, public, subnets, res.type, _aliases(res), res.origin,
                    has_public_ip=some_public)
    return with_any_ipv6(ctx, made, v6_why)


def _template_of(ctx: Context, res: TfResource) -> TfResource | None:
    for path in (("launch_template", "id"), ("launch_template", "name"), ("launch_configuration",)):
        for value in _values_at(res, path):
            if isinstance(value, Ref) and value.address in ctx.resources:
                return ctx.resources[value.address]
    return None


def _aliases(res: TfResource) -> tuple[str, ...]:
    """The Name tag, so specs can name a resource as the console shows it."""
    tags = res.values.get("tags")
    name = known(tags.get("Name")) if isinstance(tags, dict) else None
    return (name,) if isinstance(name, str) and name and name != res.address else ()


def _symbolic_subnets(ctx: Context, res: TfResource, fields, concrete: bool):
    subnets, why = _subnets(ctx, res, fields)
    if not concrete and not subnets:
        reason = why or "it names no subnet"
        ctx.warn(res.origin, f"{res.address}: address not known and {reason}: it stands for "
                             "any private IPv4 address (10/8, 172.16/12, 192.168/16)")
    return subnets


def _asg(ctx: Context, res: TfResource, used: set[str]) -> Resource:
    template = _template_of(ctx, res)
    if res.values.get("mixed_instances_policy"):
        template = None  # its launch templates (maybe several) are not read
    if template is None:
        key = _unknown_key(ctx, res, Unknown("comes from a launch template or configuration "
                                             "that is not known"))
        groups: tuple[str, ...] = (key,)
    else:
        used.add(template.address)
        groups = _resolved_groups(ctx, template, GROUP_FIELDS[template.type], [])
    subnets = _symbolic_subnets(ctx, res, SUBNET_FIELDS["aws_autoscaling_group"], False)
    made = Resource(res.address, groups, (), (), subnets, res.type, _aliases(res), res.origin)
    return with_any_ipv6(ctx, made, assigned_ipv6(ctx, res, template))


def _carries_groups(res: TfResource) -> bool:
    for key, value in res.values.items():
        if key in GROUP_ATTRIBUTE_NAMES and value not in (None, [], ()):
            return True
        if isinstance(value, list) and any(
                isinstance(b, dict) and any(b.get(n) not in (None, [], ()) for n in
                                            GROUP_ATTRIBUTE_NAMES) for b in value):
            return True
    return False


def _unsupported(ctx: Context, res: TfResource) -> Resource:
    # group attributes at the top and in nested blocks, only where they are written
    fields = [(n,) for n in GROUP_ATTRIBUTE_NAMES if n in res.values] + [
        (k, n) for k, v in res.values.items() if isinstance(v, list)
        for n in GROUP_ATTRIBUTE_NAMES if any(isinstance(b, dict) and n in b for b in v)]
    groups = _resolved_groups(ctx, res, fields, [])
    ctx.warn(res.origin, f"{res.address}: resource type {res.type} is not modelled in detail; "
                         "it is taken as a member of its groups at any private IPv4 address "
                         "(proofs about traffic from or to those groups count it that way)")
    return Resource(res.address, groups, kind=res.type, aliases=_aliases(res), origin=res.origin)


def _check_addresses(ctx: Context, models: list[Resource]) -> None:
    seen: dict[tuple, str] = {}
    for res in models:
        for addr in res.ips + res.public_ips:
            if addr in seen:
                ctx.error(res.origin, f"{res.name}: address {format_address(*addr)} is also "
                                  f"the address of {seen[addr]}")
            seen[addr] = res.name
