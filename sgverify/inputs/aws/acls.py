"""describe-network-acls -> model `NetworkAcl`s and the subnets they are associated with.

AWS facts encoded here (see docs/aws.md):
- an entry's Protocol is "-1" (every protocol and port) or a protocol number
  as text; tcp/udp entries have a PortRange {From, To}, icmp/icmpv6 entries an
  IcmpTypeCode {Type, Code}, -1 meaning any; other protocols filter no port;
- IPv4 and IPv6 entries are numbered in one sequence per direction;
- the `*` entry numbered 32767 that ends every list is the implicit deny,
  which the model always adds itself: it is not read as an entry;
- every subnet shows its association, the default NACL's included.
"""

from __future__ import annotations

from ...model import Family
from ...model.service import PORTED, TYPED
from ...model.topology import AclAction, AclEntry, NetworkAcl
from ..fields import parse_protocol, type_name
from .documents import Described
from .enis import Item, name_tag
from .rules import Problems, parse_cidr, parse_service
from .values import at, flag, items, number, origin, text

IMPLICIT_DENY = 32767


def build_nacls(described: Described, problems: Problems) -> tuple[dict[str, NetworkAcl], dict[str, str]]:
    """The NACLs by id, and each associated subnet's NACL id."""
    acls: dict[str, NetworkAcl] = {}
    associated: dict[str, str] = {}
    defaults: dict[str, str] = {}
    for acl_id, item in described.table("NetworkAcls").items():
        vpc = text(item, "VpcId", problems)
        is_default = flag(item, "IsDefault", problems)
        inbound, outbound = [], []
        for entry in items(item, "Entries", problems):
            read = _entry(entry, problems)
            if read is not None:
                (outbound if read.egress else inbound).append(read)
        if vpc is None:
            continue
        if is_default:
            if vpc in defaults:
                problems.error(item.where, f"VPC {vpc} has two default network ACLs: "
                                           f"{defaults[vpc]} and {acl_id}")
            defaults.setdefault(vpc, acl_id)
        acls[acl_id] = NetworkAcl(key=acl_id, vpc=vpc, inbound=_ordered(inbound), outbound=_ordered(outbound),
                                  is_default=bool(is_default), name=name_tag(item.data.get("Tags")),
                                  origin=origin(item))
        for association in items(item, "Associations", problems):
            subnet = text(association, "SubnetId", problems)
            if subnet is None:
                continue
            other = associated.setdefault(subnet, acl_id)
            if other != acl_id:
                problems.error(association.where, f"subnet {subnet} is associated with two network ACLs: "
                                                  f"{other} and {acl_id}")
    return acls, associated


def _ordered(entries: list[AclEntry]) -> tuple[AclEntry, ...]:
    return tuple(sorted(entries, key=lambda e: e.number))


def _entry(item: Item, problems: Problems) -> AclEntry | None:
    before = len(problems.errors)
    rule_number = number(item, "RuleNumber", problems)
    egress = flag(item, "Egress", problems, default=None)
    action = _action(item, problems)
    cidr = _cidr(item, problems)
    service = _service(item, problems)
    if len(problems.errors) > before or None in (rule_number, egress, action, cidr, service):
        return None
    if rule_number == IMPLICIT_DENY and action is AclAction.DENY:
        return None  # the implicit `*` deny: the model adds it to every NACL
    word = "to" if egress else "from"
    return AclEntry(number=rule_number, egress=egress, action=action, cidr=cidr, service=service,
                    origin=origin(item), text=f"#{rule_number} {action.value} {service} {word} {cidr}")


def _action(item: Item, problems: Problems) -> AclAction | None:
    value = text(item, "RuleAction", problems)
    if value is None:
        return None
    try:
        return AclAction(value.lower())
    except ValueError:
        problems.error(at(item, "RuleAction"), f"RuleAction must be allow or deny, not {value!r}")
        return None


def _cidr(item: Item, problems: Problems):
    present = [k for k in ("CidrBlock", "Ipv6CidrBlock") if item.data.get(k) is not None]
    if len(present) != 1:
        problems.error(item.where, "a network ACL entry needs exactly one of CidrBlock and Ipv6CidrBlock "
                                   f"(found {len(present)})")
        return None
    key = present[0]
    family = Family.V4 if key == "CidrBlock" else Family.V6
    return parse_cidr(item.data[key], family, at(item, key), problems)


def _service(item: Item, problems: Problems):
    raw = item.data.get("Protocol")
    if raw is None:
        problems.error(item.where, "missing Protocol")
        return None
    try:
        protocol = parse_protocol(raw)
    except ValueError as exc:
        problems.error(at(item, "Protocol"), str(exc))
        return None
    shaped = {"IpProtocol": raw}
    if protocol in PORTED:
        ports = item.data.get("PortRange")
        if not isinstance(ports, dict):
            problems.error(item.where if ports is None else at(item, "PortRange"),
                           "a tcp or udp entry needs a PortRange {From, To}"
                           + ("" if ports is None else f", not {type_name(ports)}"))
            return None
        shaped.update(FromPort=ports.get("From"), ToPort=ports.get("To"))
        where = at(item, "PortRange")
    elif protocol in TYPED:
        icmp = item.data.get("IcmpTypeCode")
        if not isinstance(icmp, dict):
            problems.error(item.where if icmp is None else at(item, "IcmpTypeCode"),
                           "an icmp entry needs an IcmpTypeCode {Type, Code} (-1 = any)"
                           + ("" if icmp is None else f", not {type_name(icmp)}"))
            return None
        shaped.update(FromPort=icmp.get("Type"), ToPort=icmp.get("Code"))
        where = at(item, "IcmpTypeCode")
    else:
        where = at(item, "Protocol")
    try:
        service, unknown = parse_service(shaped)
    except ValueError as exc:
        low, high = ("From", "To") if protocol in PORTED else ("Type", "Code")
        problems.error(where, str(exc).replace("type (FromPort)", "type").replace("code (ToPort)", "code")
                       .replace("FromPort", low).replace("ToPort", high))
        return None
    if unknown:
        problems.error(where, f"a tcp or udp entry needs From and To ports ({unknown})")
        return None
    return service
