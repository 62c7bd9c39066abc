"""Rules of Terraform security-group resources -> model rules (via terraform_common).

Covers aws_security_group / aws_default_security_group inline blocks (block
and list-of-objects forms alike: both arrive as a list of dicts),
aws_security_group_rule, aws_vpc_security_group_ingress_rule / _egress_rule
and aws_ec2_managed_prefix_list.
"""

from __future__ import annotations

from typing import Any

from ...model import ALL, Cidr, Direction, Origin, PrefixList, Service, UnknownPeer
from .common import (
    GROUP_TYPES, PREFIX_LIST_TYPE, Context, TfResource, Unknown, as_list, cidr_peers,
    emit_rules, group_peers, prefix_peers, resolve_group,
    self_peers,
)
from .services import make_service

DIRECTIONS = {"ingress": Direction.INGRESS, "egress": Direction.EGRESS}
VPC_RULE_TYPES = {
    "aws_vpc_security_group_ingress_rule": Direction.INGRESS,
    "aws_vpc_security_group_egress_rule": Direction.EGRESS,
}


def load_prefix_lists(ctx: Context) -> None:
    for res in ctx.resources.values():
        if res.type != PREFIX_LIST_TYPE:
            continue
        entries = as_list(res.values.get("entry"))
        if isinstance(entries, Unknown) or any(
                not isinstance(e, dict) or not isinstance(e.get("cidr"), str) for e in entries):
            ctx.warn(res.origin, f"{res.address}: entries are not known; rules that use it "
                                 "may match any address")
            continue
        cidrs = []
        for i, entry in enumerate(entries):
            try:
                cidrs.append(Cidr.parse(entry["cidr"]))
            except ValueError as exc:
                ctx.error(res.block_origin("entry", i), f"{res.address}.entry[{i}]: {exc}")
        name = res.values.get("name")
        max_entries = res.values.get("max_entries")
        ctx.prefix_lists[res.address] = PrefixList(
            res.address, tuple(cidrs), name if isinstance(name, str) else "",
            max_entries if isinstance(max_entries, int) else None, res.origin)


def load_rules(ctx: Context) -> None:
    for res in ctx.resources.values():
        if res.type in GROUP_TYPES:
            _inline_rules(ctx, res)
        elif res.type == "aws_security_group_rule":
            _rule_resource(ctx, res)
        elif res.type in VPC_RULE_TYPES:
            _vpc_rule(ctx, res)


def _inline_rules(ctx: Context, res: TfResource) -> None:
    for name, direction in DIRECTIONS.items():
        blocks = as_list(res.values.get(name))
        if isinstance(blocks, Unknown):
            reason = f"{res.address}.{name} {blocks.reason}"
            ctx.warn(res.origin, f"{reason}: the group may admit any traffic in that direction"
                                 " (a plan does not show whether blocks are written; the .tf "
                                 "folder gives a precise answer)")
            _gated_one(ctx, res.address, direction, res.origin, reason)
            continue
        for i, block in enumerate(blocks):
            origin = res.block_origin(name, i)
            where = f"{res.address}.{name}[{i}]"
            if isinstance(block, Unknown) or not isinstance(block, dict):
                reason = f"{where} {block.reason if isinstance(block, Unknown) else 'is not a block'}"
                ctx.warn(origin, f"{reason}: the rule may admit any traffic")
                _gated_one(ctx, res.address, direction, origin, reason)
                continue
            _block_rules(ctx, res.address, direction, block, origin, where)


def _gated_one(ctx: Context, group: str, direction: Direction, origin: Origin, reason: str) -> None:
    ctx.add_rule(group, direction, Service(ALL), UnknownPeer(reason), origin,
                 service_unknown=reason, text=f"<unknown: {reason}>")


def _block_rules(ctx: Context, group: str, direction: Direction, block: dict[str, Any],
                 origin: Origin, where: str) -> None:
    spec = make_service(ctx, block.get("protocol"), block.get("from_port"),
                        block.get("to_port"), origin, where)
    peers = (cidr_peers(ctx, block.get("cidr_blocks"), "cidr_blocks", origin, where)
             + cidr_peers(ctx, block.get("ipv6_cidr_blocks"), "ipv6_cidr_blocks", origin, where)
             + prefix_peers(ctx, block.get("prefix_list_ids"), "prefix_list_ids", where)
             + group_peers(ctx, block.get("security_groups"), "security_groups", origin, where)
             + self_peers(group, block.get("self"), where))
    emit_rules(ctx, group, direction, spec, peers, origin, where, block.get("description"))


def _target_groups(ctx: Context, res: TfResource, field: str) -> list[tuple[str, str]]:
    """The group(s) a standalone rule resource belongs to, with a gating reason.

    An unknown target could be any group: the rule is then added to every group
    of the input, each copy gated (it may or may not be there).
    """
    value = res.values.get(field)
    key = resolve_group(ctx, value, res.origin)
    if not isinstance(key, Unknown):
        return [(key, "")]
    reason = f"{res.address}.{field} {key.reason}"
    ctx.warn(res.origin, f"{reason}: the rule is treated as possibly belonging to any group")
    return [(g, reason) for g in ctx.group_keys]


def _rule_resource(ctx: Context, res: TfResource) -> None:
    kind = res.values.get("type")
    if kind not in DIRECTIONS:
        if isinstance(kind, Unknown):
            ctx.error(res.origin, f"{res.address}: type is not known ({kind.reason})")
        else:
            ctx.error(res.origin, f"{res.address}: type must be ingress or egress, not {kind!r}")
        return
    direction = DIRECTIONS[kind]
    where = res.address
    values = res.values
    for group, gate in _target_groups(ctx, res, "security_group_id"):
        spec = make_service(ctx, values.get("protocol"), values.get("from_port"),
                            values.get("to_port"), res.origin, where)
        peers = (cidr_peers(ctx, values.get("cidr_blocks"), "cidr_blocks", res.origin, where)
                 + cidr_peers(ctx, values.get("ipv6_cidr_blocks"), "ipv6_cidr_blocks",
                              res.origin, where)
                 + prefix_peers(ctx, values.get("prefix_list_ids"), "prefix_list_ids", where)
                 + group_peers(ctx, values.get("source_security_group_id"),
                               "source_security_group_id", res.origin, where)
                 + self_peers(group, values.get("self"), where))
        emit_rules(ctx, group, direction, _gate(spec, gate), peers, res.origin, where,
                   values.get("description"))


def _gate(spec, gate: str):
    if spec is None or not gate:
        return spec
    service, unknown = spec
    return service, unknown or gate


def _vpc_rule(ctx: Context, res: TfResource) -> None:
    direction = VPC_RULE_TYPES[res.type]
    values = res.values
    where = res.address
    for group, gate in _target_groups(ctx, res, "security_group_id"):
        spec = make_service(ctx, values.get("ip_protocol"), values.get("from_port"),
                            values.get("to_port"), res.origin, where)
        peers = (cidr_peers(ctx, values.get("cidr_ipv4"), "cidr_ipv4", res.origin, where)
                 + cidr_peers(ctx, values.get("cidr_ipv6"), "cidr_ipv6", res.origin, where)
                 + prefix_peers(ctx, values.get("prefix_list_id"), "prefix_list_id", where)
                 + group_peers(ctx, values.get("referenced_security_group_id"),
                               "referenced_security_group_id", res.origin, where))
        emit_rules(ctx, group, direction, _gate(spec, gate), peers, res.origin, where,
                   values.get("description"))


__all__ = ["load_prefix_lists", "load_rules"]
