"""AWS rule JSON -> model `Rule`s.

Two shapes carry the same rules: an `IpPermission` of describe-security-groups
(one protocol/port part and any number of peers, each becoming one `Rule`) and
a flat `SecurityGroupRule` of describe-security-group-rules (exactly one peer).

AWS facts encoded here (see docs/aws.md):
- IpProtocol "-1" is every protocol and every port, whatever the ports say;
- a protocol other than tcp/udp/icmp/icmpv6 admits every port;
- for icmp/icmpv6 FromPort is the type and ToPort the code, -1 = any;
- tcp/udp FromPort=0, ToPort=0 is port 0 only;
- a group peer stands for the members of that group; a group or prefix list
  that is not in the input is never dropped: the group is opaque (any outside
  address may be a member), the prefix list an unknown peer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ...errors import Diagnostic, Severity
from ...model import (
    CidrPeer,
    Cidr,
    Direction,
    Family,
    GroupPeer,
    Origin,
    Peer,
    PrefixListPeer,
    Rule,
    Service,
    UnknownPeer,
)
from ...model.service import ALL, PORTED, TYPED, PortRange
from ..fields import is_int, parse_protocol, type_name

PERMISSION_FIELD = {Direction.INGRESS: "IpPermissions", Direction.EGRESS: "IpPermissionsEgress"}


@dataclass
class Problems:
    """Errors and warnings with their locations, gathered before anything is raised."""

    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)

    def error(self, where: str, message: str) -> None:
        self.errors.append(Diagnostic(Severity.ERROR, where, message))

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(Diagnostic(Severity.WARNING, where, message))


@dataclass
class References:
    """What rules may point at, and what they pointed at that is not there."""

    groups: Mapping[str, str]  # group id -> owner account id, for groups in the input
    group_names: Mapping[str, tuple[str, ...]]  # group name -> ids
    prefix_lists: frozenset[str]
    problems: Problems
    opaque: dict[str, str] = field(default_factory=dict)  # group id -> display name
    opaque_users: dict[str, list[str]] = field(default_factory=dict)  # group id -> referencing rules

    def group_peer(self, pair: Mapping[str, Any], where: str, owner: str) -> Peer | None:
        gid, user = pair.get("GroupId"), pair.get("UserId")
        status, peering = pair.get("PeeringStatus"), pair.get("VpcPeeringConnectionId")
        if status and str(status).lower() != "active":
            # A stale reference (peering gone or not yet accepted) admits nothing
            # today but may again tomorrow: no proof may rely on either.
            self.problems.warn(where, f"reference to {gid or pair.get('GroupName')} through "
                                      f"peering {peering} is {status}: treated as unknown")
            return UnknownPeer(f"{gid} through peering {peering} ({status})")
        if not gid:
            return self._by_name(pair.get("GroupName"), where)
        if not isinstance(gid, str):
            self.problems.error(where, f"GroupId must be text, not {type_name(gid)}")
            return None
        if gid not in self.groups:
            label = f"{user}/{gid}" if user and owner and user != owner else gid
            self.opaque.setdefault(gid, label)
            self.opaque_users.setdefault(gid, []).append(where)
        return GroupPeer(gid)

    def _by_name(self, name: Any, where: str) -> Peer | None:
        if not isinstance(name, str) or not name:
            self.problems.error(where, "a group pair needs a GroupId (or a GroupName)")
            return None
        ids = self.group_names.get(name, ())
        if len(ids) == 1:
            return GroupPeer(ids[0])
        if ids:
            self.problems.error(where, f"group name {name!r} is ambiguous: {', '.join(ids)}")
            return None
        self.opaque.setdefault(name, name)
        self.opaque_users.setdefault(name, []).append(where)
        return GroupPeer(name)

    def prefix_list_peer(self, pl_id: Any, where: str) -> Peer | None:
        if not isinstance(pl_id, str) or not pl_id:
            self.problems.error(where, f"PrefixListId must be text, not {type_name(pl_id)}")
            return None
        if pl_id in self.prefix_lists:
            return PrefixListPeer(pl_id)
        self.problems.warn(where, f"prefix list {pl_id} is not in the input (or has no entries): "
                                  f"the rule may match any address, no proof relies on it")
        return UnknownPeer(f"prefix list {pl_id} not in the input")


def parse_service(item: Mapping[str, Any]) -> tuple[Service, str]:
    """IpProtocol/FromPort/ToPort -> (service, reason it is partly unknown or "").

    Raises ValueError for a value AWS would never show (a port out of range...).
    """
    protocol = parse_protocol(item.get("IpProtocol"))
    low, high = item.get("FromPort"), item.get("ToPort")
    if protocol == ALL:
        return Service(ALL), ""
    if protocol in PORTED:
        return _ported(protocol, low, high)
    if protocol in TYPED:
        return _typed(protocol, low, high), ""
    return Service(protocol), ""  # AWS ignores the range for other protocols


def _ported(protocol: int, low: Any, high: Any) -> tuple[Service, str]:
    if low is None and high is None:
        # AWS always shows a range for tcp/udp; without one nothing can be assumed.
        return Service(protocol), "no port range given"
    for value in (low, high):
        if not is_int(value) or not 0 <= value <= 65535:
            raise ValueError(f"invalid port range FromPort={low!r} ToPort={high!r}: "
                             f"ports must be numbers 0-65535")
    if low > high:
        raise ValueError(f"port range FromPort={low} ToPort={high} runs backwards")
    return Service(protocol, (PortRange(low, high),)), ""


def _typed(protocol: int, icmp_type: Any, code: Any) -> Service:
    for name, value in (("type (FromPort)", icmp_type), ("code (ToPort)", code)):
        if value is not None and (not is_int(value) or not -1 <= value <= 255):
            raise ValueError(f"invalid ICMP {name} {value!r}: use -1 (any) or 0-255")
    if icmp_type is None or icmp_type == -1:
        if code not in (None, -1):
            raise ValueError(f"ICMP code {code} given with any type (FromPort=-1)")
        return Service(protocol)
    return Service(protocol, icmp_type=icmp_type, icmp_code=None if code in (None, -1) else code)


def parse_cidr(text: Any, family: Family, where: str, problems: Problems) -> Cidr | None:
    if not isinstance(text, str):
        problems.error(where, f"expected a CIDR, not {type_name(text)}")
        return None
    try:
        cidr = Cidr.parse(text)
    except ValueError as exc:
        problems.error(where, str(exc))
        return None
    if cidr.family is not family:
        problems.error(where, f"{text} is not an IPv{family.value} CIDR")
        return None
    if cidr.network == 0 and cidr.prefix == family.width:
        problems.warn(where, f"{text} is the single address {str(cidr).split('/')[0]}, not every address")
    elif cidr.had_host_bits:
        problems.warn(where, f"{text} has host bits set; it is read as {cidr}")
    return cidr


def permission_peers(perm: Mapping[str, Any], where: str, owner: str,
                     refs: References) -> list[tuple[str, Peer, str]]:
    """The peers of one IpPermission as (location, peer, description)."""
    out: list[tuple[str, Peer, str]] = []
    fields = (("IpRanges", "CidrIp"), ("Ipv6Ranges", "CidrIpv6"),
              ("PrefixListIds", "PrefixListId"), ("UserIdGroupPairs", None))
    for list_key, value_key in fields:
        entries = perm.get(list_key) or []
        if not isinstance(entries, list):
            refs.problems.error(f"{where}.{list_key}", f"expected a list, not {type_name(entries)}")
            continue
        for i, entry in enumerate(entries):
            at = f"{where}.{list_key}[{i}]"
            if not isinstance(entry, dict):
                refs.problems.error(at, f"expected an object, not {type_name(entry)}")
                continue
            peer = _peer(list_key, value_key, entry, at, owner, refs)
            if peer is not None:
                out.append((at, peer, str(entry.get("Description") or "")))
    return out


def _peer(list_key: str, value_key: str | None, entry: Mapping[str, Any], at: str, owner: str,
          refs: References) -> Peer | None:
    if list_key == "UserIdGroupPairs":
        return refs.group_peer(entry, at, owner)
    if list_key == "PrefixListIds":
        return refs.prefix_list_peer(entry.get(value_key), at)
    family = Family.V4 if list_key == "IpRanges" else Family.V6
    cidr = parse_cidr(entry.get(value_key), family, at, refs.problems)
    return None if cidr is None else CidrPeer(cidr)


def flat_rule_peer(item: Mapping[str, Any], where: str, owner: str, refs: References) -> Peer | None:
    """The one peer of a describe-security-group-rules entry."""
    present = [k for k in ("CidrIpv4", "CidrIpv6", "PrefixListId", "ReferencedGroupInfo") if item.get(k)]
    if len(present) != 1:
        refs.problems.error(where, "a security group rule needs exactly one of CidrIpv4, CidrIpv6, "
                                   f"PrefixListId, ReferencedGroupInfo (found {len(present)})")
        return None
    key = present[0]
    if key == "ReferencedGroupInfo":
        return refs.group_peer(item[key], where, owner)
    if key == "PrefixListId":
        return refs.prefix_list_peer(item[key], where)
    family = Family.V4 if key == "CidrIpv4" else Family.V6
    cidr = parse_cidr(item[key], family, where, refs.problems)
    return None if cidr is None else CidrPeer(cidr)


def make_rule(group: str, direction: Direction, index: int, service: tuple[Service, str],
              peer: Peer, description: str, origin: Origin) -> Rule:
    svc, unknown = service
    word = "from" if direction is Direction.INGRESS else "to"
    text = f"{svc} {word} {peer}" + (f" ({unknown})" if unknown else "")
    return Rule(group=group, direction=direction, index=index, service=svc, peer=peer,
                description=description, origin=origin, text=text, service_unknown=unknown)


def permission_rules(group: str, direction: Direction, permissions: Any, file: str, owner: str,
                     refs: References) -> tuple[Rule, ...]:
    """All rules of one direction of a described group, numbered as written."""
    base = f"{group}/{PERMISSION_FIELD[direction]}"
    if not isinstance(permissions, list):
        refs.problems.error(f"{file}:{base}", f"expected a list, not {type_name(permissions)}")
        return ()
    rules: list[Rule] = []
    for p_index, perm in enumerate(permissions):
        detail = f"{base}[{p_index}]"
        where = f"{file}:{detail}"
        if not isinstance(perm, dict):
            refs.problems.error(where, f"expected an object, not {type_name(perm)}")
            continue
        try:
            service = parse_service(perm)
        except ValueError as exc:
            refs.problems.error(where, str(exc))
            continue
        if service[1]:
            refs.problems.warn(where, f"{service[1]}: the rule may or may not match, no proof relies on it")
        peers = permission_peers(perm, where, owner, refs)
        if not peers:
            refs.problems.warn(where, "rule has no address, prefix list or group: it admits nothing")
        for at, peer, description in peers:
            origin = Origin(file, None, at[len(file) + 1:])
            rules.append(make_rule(group, direction, len(rules), service, peer, description, origin))
    return tuple(rules)
