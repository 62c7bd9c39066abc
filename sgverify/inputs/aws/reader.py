"""AWS describe output (JSON from the AWS CLI, boto3 or `sgverify snapshot`) -> `Network`.

`parse_aws(text, path)` reads one JSON document; `load_aws(path)` reads a file
or every *.json file of a folder. Security groups come from
describe-security-groups (or the flat describe-security-group-rules), members
from describe-network-interfaces, and optionally prefix lists, subnets and
instance Name tags. Nothing is added: a described group shows its default
egress rule itself. What the input does not show is never assumed empty: an
unknown group is opaque, an unknown prefix list an unknown peer.

An input with any part of the VPC layer (describe-vpcs, -route-tables,
-network-acls, the gateways...; every snapshot that took it) also gets a
`Topology` (topology.py), checked by `check_topology`. An address then means
something only within its VPC, so VPCs may reuse address ranges.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable

from ...errors import InputError
from ...model import (
    Cidr,
    Direction,
    Family,
    Network,
    Origin,
    PrefixList,
    Rule,
    SecurityGroup,
    Service,
    UnknownPeer,
)
from .. import Loaded
from ..topology_checks import check_topology
from ...errors import Severity
from .documents import Described, add_document, decode, looks_like_aws
from .enis import Item, build_resources, eni_groups, name_tag, subnet_cidrs
from .topology import build_topology
from .rules import (
    PERMISSION_FIELD,
    Problems,
    References,
    flat_rule_peer,
    make_rule,
    parse_cidr,
    parse_service,
    permission_rules,
)
from ..fields import read_text

__all__ = ["looks_like_aws", "parse_aws", "load_aws"]


def parse_aws(text: str, path: str = "<aws>") -> Loaded:
    """One JSON document of AWS describe output -> the network and its warnings."""
    return _build([(text, str(path))], str(path))


def load_aws(path: Any) -> Loaded:
    """A JSON file, or a folder whose *.json files are read together."""
    return _build(documents_of(path), str(path))


def documents_of(path: Any) -> list[tuple[str, str]]:
    """(text, file) of a JSON file, or of each *.json file of a folder in name order; a missing
    file is read_text's one clear error."""
    where = Path(path)
    if where.is_dir():
        files = sorted(p for p in where.rglob("*.json") if p.is_file())
        if not files:
            raise InputError(f"folder {str(path)!r} holds no .json file")
        return [(read_text(p, "network"), str(p)) for p in files]
    return [(read_text(where, "network"), str(where))]


def _build(documents: Iterable[tuple[str, str]], source: str) -> Loaded:
    problems = Problems()
    described = Described()
    for text, file in documents:
        data = decode(text, file, problems)
        if data is not None:
            add_document(described, data, file, problems)
    if problems.errors:
        raise InputError(problems.errors)
    network = _network(described, source, problems)
    # The format-independent checks run on what could be read, so one run lists every problem.
    found = check_topology(network)
    errors = problems.errors + [d for d in found if d.severity is Severity.ERROR]
    if errors:
        raise InputError(errors)
    return Loaded(network, tuple(problems.warnings) + tuple(found))


def _network(described: Described, source: str, problems: Problems) -> Network:
    prefix_lists = _prefix_lists(described, problems)
    carried = _carried_groups(described, problems)
    refs = References(groups=_owners(described, carried), group_names=_names(described),
                      prefix_lists=frozenset(prefix_lists), problems=problems)
    groups = {key: _described_group(item, refs) for key, item in described.groups.items()}
    _add_flat_rules(described, groups, carried, refs)
    for gid, (name, item) in carried.items():
        if gid not in groups:
            groups[gid] = _undescribed_group(gid, name, item, problems)
    members_known = "NetworkInterfaces" in described.seen
    if not members_known and groups:
        problems.warn(source, "no network interfaces in the input (describe-network-interfaces): "
                              "group members are unknown, so every group is opaque")
        groups = {k: _opaque(g) for k, g in groups.items()}
    _add_opaque(groups, refs, problems)
    instance_names = {i: name_tag(item.data.get("Tags")) for i, item in described.instances.items()}
    blocks = {sid: subnet_cidrs(item, problems) for sid, item in described.subnets.items()}
    topology = None
    if described.has_topology:
        topology = build_topology(described, blocks, prefix_lists, problems)
        for where, note in described.left_out:
            problems.warn(where, f"the snapshot left out {note}: what that would have shown is a free choice")
    resources = build_resources(described.interfaces.values(), blocks, instance_names, problems,
                                per_vpc=topology is not None)
    accounts = {account for account, _ in described.places}
    regions = {region for _, region in described.places}
    return Network(groups=groups, resources=resources, prefix_lists=prefix_lists,
                   source=source, input_format="aws", topology=topology,
                   account=_only(accounts), region=_only(regions))


def _only(values: set[str]) -> str:
    """The one value all snapshot headers agree on; "" when they differ or say nothing."""
    return next(iter(values)) if len(values) == 1 else ""


def _opaque(group: SecurityGroup) -> SecurityGroup:
    return replace(group, opaque=True)


def _prefix_lists(described: Described, problems: Problems) -> dict[str, PrefixList]:
    out: dict[str, PrefixList] = {}
    for pl_id, entries in described.entries.items():
        info = described.prefix_lists.get(pl_id)
        data = info.data if info is not None else {}
        cidrs = []
        for entry in entries:
            text = entry.data.get("Cidr") if isinstance(entry.data, dict) else entry.data
            cidr = _entry_cidr(text, data.get("AddressFamily"), entry.where, problems)
            if cidr is not None:
                cidrs.append(cidr)
        max_entries = data.get("MaxEntries")
        origin = Origin(entries[0].file if entries else (info.file if info else ""), None, pl_id)
        out[pl_id] = PrefixList(key=pl_id, cidrs=tuple(cidrs), name=str(data.get("PrefixListName") or ""),
                                max_entries=max_entries if isinstance(max_entries, int) else None,
                                origin=origin)
    return out


def _entry_cidr(text: Any, family_name: Any, where: str, problems: Problems) -> Cidr | None:
    wanted = Family.V6 if str(family_name).lower() == "ipv6" else Family.V4
    if family_name is None and isinstance(text, str) and ":" in text:
        wanted = Family.V6
    return parse_cidr(text, wanted, where, problems)


def _carried_groups(described: Described, problems: Problems) -> dict[str, tuple[str, Item]]:
    """Groups on some ENI or with flat rules: id -> (a name seen for it, where first seen)."""
    out: dict[str, tuple[str, Item]] = {}
    for item in described.interfaces.values():
        for gid, name in eni_groups(item, Problems()):  # errors are reported with the ENI
            out.setdefault(gid, (name, item))
    for item in described.flat_rules.values():
        gid = item.data.get("GroupId")
        if isinstance(gid, str) and gid:
            out.setdefault(gid, ("", item))
        else:
            problems.error(item.where, "a security group rule needs a GroupId")
    return out


def _owners(described: Described, carried: dict[str, tuple[str, Item]]) -> dict[str, str]:
    owners = {gid: str(item.data.get("OwnerId") or "") for gid, item in described.groups.items()}
    for gid, (_, item) in carried.items():
        owners.setdefault(gid, str(item.data.get("GroupOwnerId") or item.data.get("OwnerId") or ""))
    return owners


def _names(described: Described) -> dict[str, tuple[str, ...]]:
    names: dict[str, tuple[str, ...]] = {}
    for gid, item in described.groups.items():
        name = item.data.get("GroupName")
        if isinstance(name, str) and name:
            names[name] = names.get(name, ()) + (gid,)
    return names


def _described_group(item: Item, refs: References) -> SecurityGroup:
    data, gid = item.data, str(item.data["GroupId"])
    owner = str(data.get("OwnerId") or "")
    rules = {}
    for direction, key in PERMISSION_FIELD.items():
        if key in data:
            rules[direction] = permission_rules(gid, direction, data[key], item.file, owner, refs)
        else:
            # Absent is not empty: describe output always shows both lists.
            refs.problems.warn(item.where, f"{key} missing: {direction.value} of {gid} is unknown")
            rules[direction] = (_unknown_rule(gid, direction, item, f"{key} missing"),)
    return SecurityGroup(key=gid, name=str(data.get("GroupName") or ""),
                         description=str(data.get("Description") or ""),
                         ingress=rules[Direction.INGRESS], egress=rules[Direction.EGRESS],
                         origin=Origin(item.file, None, gid), vpc=_vpc_of(item))


def _vpc_of(item: Item) -> str:
    vpc = item.data.get("VpcId")
    return vpc if isinstance(vpc, str) else ""


def _unknown_rule(gid: str, direction: Direction, item: Item, reason: str) -> Rule:
    return make_rule(gid, direction, 0, (Service(), ""), UnknownPeer(reason), "",
                     Origin(item.file, None, item.path))


def _undescribed_group(gid: str, name: str, item: Item, problems: Problems) -> SecurityGroup:
    """A group some ENI carries whose rules the input does not show: any rule is possible."""
    problems.warn(item.where, f"{gid} is carried by {item.data.get('NetworkInterfaceId')} but not "
                              f"described: its rules are unknown, no proof relies on them")
    reason = f"rules of {gid} not in the input"
    return SecurityGroup(key=gid, name=name, ingress=(_unknown_rule(gid, Direction.INGRESS, item, reason),),
                         egress=(_unknown_rule(gid, Direction.EGRESS, item, reason),),
                         origin=Origin(item.file, None, gid), vpc=_vpc_of(item))


def _add_flat_rules(described: Described, groups: dict[str, SecurityGroup],
                    carried: dict[str, tuple[str, Item]], refs: References) -> None:
    """Groups known only from describe-security-group-rules; a group given both ways must agree."""
    flat: dict[str, dict[Direction, list[Rule]]] = {}
    for item in described.flat_rules.values():
        rule = _flat_rule(item, refs)
        if rule is not None:
            by_dir = flat.setdefault(rule.group, {Direction.INGRESS: [], Direction.EGRESS: []})
            by_dir[rule.direction].append(rule)
    for gid, by_dir in flat.items():
        ingress = tuple(_renumber(by_dir[Direction.INGRESS]))
        egress = tuple(_renumber(by_dir[Direction.EGRESS]))
        if gid in groups:
            _check_agree(groups[gid], ingress, egress, carried[gid][1], refs.problems)
            continue
        name, item = carried[gid]
        groups[gid] = SecurityGroup(key=gid, name=name, ingress=ingress, egress=egress,
                                    origin=Origin(item.file, None, gid), vpc=_vpc_of(item))


def _flat_rule(item: Item, refs: References) -> Rule | None:
    data = item.data
    gid = data.get("GroupId")
    if not isinstance(gid, str) or not gid:
        return None  # reported by _carried_groups
    try:
        service = parse_service(data)
    except ValueError as exc:
        refs.problems.error(item.where, str(exc))
        return None
    peer = flat_rule_peer(data, item.where, str(data.get("GroupOwnerId") or ""), refs)
    if not isinstance(data.get("IsEgress"), bool):
        refs.problems.error(item.where, "IsEgress must be true or false")
        return None
    if peer is None:
        return None
    direction = Direction.EGRESS if data["IsEgress"] else Direction.INGRESS
    origin = Origin(item.file, None, f"{gid}/{data.get('SecurityGroupRuleId')}")
    return make_rule(gid, direction, 0, service, peer, str(data.get("Description") or ""), origin)


def _renumber(rules: list[Rule]) -> list[Rule]:
    return [make_rule(r.group, r.direction, i, (r.service, r.service_unknown), r.peer,
                      r.description, r.origin) for i, r in enumerate(rules)]


def _check_agree(group: SecurityGroup, ingress, egress, item: Item, problems: Problems) -> None:
    def key(rules):
        return {(r.service, r.service_unknown, r.peer) for r in rules}

    if key(group.ingress) != key(ingress) or key(group.egress) != key(egress):
        problems.error(item.where, f"the rules of {group.key} in describe-security-group-rules differ "
                                   f"from describe-security-groups: take both at the same time")


def _add_opaque(groups: dict[str, SecurityGroup], refs: References, problems: Problems) -> None:
    for gid, label in refs.opaque.items():
        users = refs.opaque_users[gid]
        more = f" and {len(users) - 1} more" if len(users) > 1 else ""
        problems.warn(users[0], f"group {label} is referenced but not in the input (another account, "
                                f"a peered VPC or a deleted group): its members may be any address "
                                f"outside the input (referenced here{more})")
        groups[gid] = SecurityGroup(key=gid, name=label if label != gid else "", opaque=True,
                                    origin=Origin(users[0], None, ""))
