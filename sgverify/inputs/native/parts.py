"""The native format's prefix lists, resources and externals (groups are in reader.py).

With a VPC layer, a resource's `subnet` (or `subnets`) names subnet keys: the
resource is then in those subnets' VPC (or the `vpc` it names), its subnet
blocks are theirs, and its private addresses need only be unique in that VPC.
`blocks` (only then) narrows where its addresses are, where that is less than
its subnets (delegated prefixes, an address AWS assigns in part of a subnet).
`has_public_ip: true` gives it a public IPv4 address whose value is unknown
(one AWS assigns): any internet address no other element holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol

from ...model import Cidr, External, Family, Origin, PrefixList, Resource, format_address, parse_address
from ...model.topology import Subnet
from ..fields import Report, check_keys, expect_str, is_int, parse_cidr, type_name
from ..suggest import did_you_mean
from ..yamlnodes import YList, YMap

PREFIX_LIST_KEYS = ("entries", "name", "max_entries")
RESOURCE_KEYS = ("ips", "public_ips", "has_public_ip", "subnet", "subnets", "blocks", "vpc", "security_groups",
                 "kind", "aliases", "source_dest_check")
_RESOURCE_KEY_SET = frozenset(RESOURCE_KEYS)
_CIDR_LIKE = re.compile(r"^[0-9A-Fa-f:.]+/[0-9]+$")


@dataclass
class Parts:
    resources: dict[str, Resource] = field(default_factory=dict)
    externals: dict[str, External] = field(default_factory=dict)
    prefix_lists: dict[str, PrefixList] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)  # group key -> resource names
    broken_prefix_lists: set[str] = field(default_factory=set)  # reported already; not "unknown"


def section(report: Report, doc: YMap, key: str) -> YMap:
    """A top-level section as a mapping (absent or empty = an empty mapping)."""
    value = doc.get(key)
    if value is None:
        return YMap(doc.key_line(key) if key in doc else doc.line)
    if not isinstance(value, YMap):
        report.error(doc.value_line(key), f"{key} must be a mapping, not {type_name(value)}")
        return YMap(doc.value_line(key))
    return value


class GroupNames(Protocol):
    def group_key(self, ref: str, vpc: str = "") -> str | None: ...
    def ambiguity(self, ref: str, vpc: str = "") -> str | None: ...
    def known_groups(self) -> list[str]: ...


def read_parts(report: Report, doc: YMap, groups: GroupNames, bare_opaque: set[str],
               subnets: Mapping[str, Subnet] | None) -> Parts:
    """Prefix lists, resources (their groups resolved by `groups`) and externals.
    `subnets`: the file's subnets when it has a VPC layer, else None."""
    parts = Parts()
    plists = section(report, doc, "prefix_lists")
    for key, body in plists.items():
        plist = _prefix_list(report, key, body, plists.value_line(key), plists.key_line(key))
        if plist is not None:
            parts.prefix_lists[key] = plist
        else:
            parts.broken_prefix_lists.add(key)
    _ResourceReader(report, groups, bare_opaque, subnets, parts).read_all(section(report, doc, "resources"))
    externals = section(report, doc, "externals")
    for name, value in externals.items():
        cidrs = _cidr_list(report, value, externals.value_line(name), f"external {name!r}", host_ok=True)
        if cidrs is not None:
            parts.externals[name] = External(name, cidrs, Origin(report.path, externals.key_line(name)))
    return parts


def _prefix_list(report: Report, key: str, body: Any, line: int, key_line: int) -> PrefixList | None:
    name, max_entries, entries = "", None, body
    if isinstance(body, YMap):
        check_keys(report, body, PREFIX_LIST_KEYS, f"prefix list {key!r}")
        if "entries" not in body:
            report.error(body.line, f"prefix list {key!r} needs entries (a list of CIDRs, [] for none)")
            return None
        entries = body["entries"]
        name = _optional_str(report, body, "name")
        max_entries = body.get("max_entries")
        if max_entries is not None and (not is_int(max_entries) or max_entries < 1):
            report.error(body.value_line("max_entries"),
                         f"max_entries must be a positive number, not {type_name(max_entries)}")
            max_entries = None
        line = body.value_line("entries")
    cidrs = _cidr_list(report, entries, line, f"prefix list {key!r}", allow_single=False, allow_empty=True)
    if cidrs is None:
        return None
    if max_entries is not None and len(cidrs) > max_entries:
        report.error(line, f"prefix list {key!r} has {len(cidrs)} entries, more than its max_entries {max_entries}")
    return PrefixList(key, cidrs, name, max_entries, Origin(report.path, key_line))


def _cidr_list(report: Report, value: Any, line: int, what: str, *, host_ok: bool = False,
               allow_single: bool = True, allow_empty: bool = False) -> tuple[Cidr, ...] | None:
    if isinstance(value, str) and allow_single:
        cidr = parse_cidr(value, report, line, host_ok=host_ok)
        return (cidr,) if cidr else None
    if not isinstance(value, YList):
        expected = "a list of CIDRs"
        if allow_single:
            expected = "a CIDR, an address or a list of them" if host_ok else "a CIDR or a list of CIDRs"
        report.error(line, f"{what} must be {expected}, not {type_name(value)}")
        return None
    if not value and not allow_empty:
        report.error(line, f"{what} is an empty list")
        return None
    cidrs = [parse_cidr(v, report, value.item_line(i), host_ok=host_ok) for i, v in enumerate(value)]
    if any(c is None for c in cidrs):
        return None
    unique = {(c.family, c.network, c.prefix): c for c in reversed(cidrs)}  # keeps the first written
    return tuple(sorted(unique.values(), key=cidrs.index))


def _optional_str(report: Report, body: YMap, key: str) -> str:
    if key not in body:
        return ""
    try:
        return expect_str(body[key], key)
    except ValueError as exc:
        report.error(body.value_line(key), str(exc))
        return ""


class _ResourceReader:
    def __init__(self, report: Report, groups: GroupNames, bare_opaque: set[str],
                 subnets: Mapping[str, Subnet] | None, parts: Parts):
        self.report = report
        self.groups = groups
        self.bare_opaque = bare_opaque
        self.subnets = subnets
        self.parts = parts
        # (VPC or "" for public addresses, address) -> (resource, line)
        self.owners: dict[tuple[str, Family, int], tuple[str, int]] = {}

    def read_all(self, resources: YMap) -> None:
        for name, body in resources.items():
            if not isinstance(body, YMap):
                self.report.error(resources.value_line(name),
                                  f"resource {name!r} must be a mapping, not {type_name(body)}")
                continue
            resource = self._resource(name, body, resources.key_line(name))
            if resource is not None:
                self.parts.resources[name] = resource
                for group in resource.groups:
                    self.parts.members.setdefault(group, []).append(name)

    def _resource(self, name: str, body: YMap, line: int) -> Resource | None:
        if not _RESOURCE_KEY_SET.issuperset(body):
            check_keys(self.report, body, RESOURCE_KEYS, f"resource {name!r}")
        errors_before = len(self.report.errors)
        field = self._subnet_field(name, body)
        vpc = _optional_str(self.report, body, "vpc")
        subnet_ids: tuple[str, ...] = ()
        subnets: tuple[Cidr, ...] = ()
        if self.subnets is not None:
            subnet_ids = self._subnet_keys(name, body, field) if field else ()
            vpc, subnets = self._placement(name, body, vpc, subnet_ids)
        elif field:
            subnets = _cidr_list(self.report, body[field], body.value_line(field),
                                 f"{field} of resource {name!r}") or ()
        if "blocks" in body:
            subnets = self._blocks(name, body, subnets)
        groups = self._groups(name, body, line, vpc)
        ips = self._addresses(name, body, "ips", vpc)
        public_ips = self._addresses(name, body, "public_ips", "")
        if self.subnets is None:  # with a VPC layer the topology checks say it, as an error
            self._check_in_subnets(name, line, ips + public_ips, subnets)
        kind = _optional_str(self.report, body, "kind")
        aliases = self._aliases(name, body)
        source_dest_check = self._flag(name, body, "source_dest_check", True)
        has_public_ip = self._flag(name, body, "has_public_ip", False)
        if len(self.report.errors) > errors_before:
            return None
        return Resource(name=name, groups=groups, ips=ips, public_ips=public_ips, subnets=subnets,
                        kind=kind, aliases=aliases, origin=Origin(self.report.path, line), vpc=vpc,
                        subnet_ids=subnet_ids, source_dest_check=source_dest_check, has_public_ip=has_public_ip)

    def _flag(self, name: str, body: YMap, key: str, default: bool) -> bool:
        value = body.get(key, default)
        if not isinstance(value, bool):
            self.report.error(body.value_line(key), f"{key} of resource {name!r} must be true or false, "
                                                    f"not {type_name(value)}")
            return default
        return value

    def _subnet_field(self, name: str, body: YMap) -> str | None:
        if "subnet" in body and "subnets" in body:
            self.report.error(body.key_line("subnets"), f"resource {name!r} has both subnet and subnets: "
                                                        f"give one")
            return None
        return "subnet" if "subnet" in body else "subnets" if "subnets" in body else None

    def _subnet_keys(self, name: str, body: YMap, field: str) -> tuple[str, ...]:
        """Subnet keys (with a VPC layer); a key not in the file is kept: a free choice."""
        value, line = body[field], body.value_line(field)
        items = [(value, line)] if isinstance(value, str) else \
            [(v, value.item_line(i)) for i, v in enumerate(value)] if isinstance(value, YList) else None
        if items is None or not items:
            self.report.error(line, f"{field} of resource {name!r} must be a subnet key or a list of them, "
                                    f"not {type_name(value)}")
            return ()
        keys: list[str] = []
        for key, key_line in items:
            if not isinstance(key, str) or not key.strip():
                self.report.error(key_line, f"{field} of resource {name!r} holds subnet keys, not {type_name(key)}")
            elif key not in self.subnets and _CIDR_LIKE.match(key):
                holders = [s.key for s in self.subnets.values() if key in map(str, s.cidrs)]
                hint = f": subnet {holders[0]!r} has that block" if len(holders) == 1 else ""
                self.report.error(key_line, f"{field} of resource {name!r} names subnets by key in a file with a "
                                            f"VPC layer, and {key} is a CIDR{hint}")
            elif key not in keys:
                keys.append(key)
        return tuple(keys)

    def _placement(self, name: str, body: YMap, vpc: str, keys: tuple[str, ...]) -> tuple[str, tuple[Cidr, ...]]:
        """The resource's VPC (as given, else its subnets') and its subnets' blocks."""
        known = [self.subnets[k] for k in keys if k in self.subnets]
        vpcs = list(dict.fromkeys(s.vpc for s in known))
        if not vpc and len(vpcs) > 1:
            listed = ", ".join(f"{s.key} (VPC {s.vpc})" for s in known)
            self.report.error(body.value_line("subnets" if "subnets" in body else "subnet"),
                              f"resource {name!r} has subnets in different VPCs: {listed}")
        elif not vpc and vpcs:
            vpc = vpcs[0]
        blocks = tuple(dict.fromkeys(c for s in known for c in s.cidrs))
        return vpc, blocks

    def _blocks(self, name: str, body: YMap, outer: tuple[Cidr, ...]) -> tuple[Cidr, ...]:
        """The blocks a resource's addresses are in, narrower than its subnets' (`outer`)."""
        line = body.value_line("blocks")
        if self.subnets is None:
            self.report.error(body.key_line("blocks"), f"blocks of resource {name!r} narrow its subnets in a "
                                                       f"file with a VPC layer; without one, write the CIDRs "
                                                       f"as its subnet")
            return outer
        blocks = _cidr_list(self.report, body["blocks"], line, f"blocks of resource {name!r}", allow_empty=True)
        if blocks is None:
            return outer
        for block in blocks:
            same_family = [c for c in outer if c.family is block.family]
            if same_family and not any(c.contains(block.family, block.first) and c.contains(block.family, block.last)
                                       for c in same_family):
                self.report.warn(line, f"block {block} of resource {name!r} is outside its subnets' blocks "
                                       f"{', '.join(map(str, same_family))}")
        return blocks

    def _groups(self, name: str, body: YMap, line: int, vpc: str) -> tuple[str, ...]:
        if "security_groups" not in body:
            self.report.error(line, f"resource {name!r} needs a security_groups list")
            return ()
        value, line = body["security_groups"], body.value_line("security_groups")
        if not isinstance(value, YList):
            self.report.error(line, f"security_groups of resource {name!r} must be a list, not {type_name(value)}")
            return ()
        if not value:
            self.report.warn(line, f"resource {name!r} has no security groups: it can send and receive "
                                   f"nothing but the link-local services groups never filter")
        keys: list[str] = []
        for index, ref in enumerate(value):
            key = self._group_ref(ref, value.item_line(index), vpc)
            if key is not None and key not in keys:
                keys.append(key)
        return tuple(keys)

    def _group_ref(self, ref: Any, line: int, vpc: str) -> str | None:
        if not isinstance(ref, str):
            self.report.error(line, f"a security group must be named by its key or name, not {type_name(ref)}")
            return None
        key = self.groups.group_key(ref, vpc)
        if key is None:
            ambiguous = self.groups.ambiguity(ref, vpc)
            self.report.error(line, ambiguous or f"unknown security group {ref!r}"
                                                 f"{did_you_mean(ref, self.groups.known_groups())}")
        elif key in self.bare_opaque:
            self.report.error(line, f"group {ref!r} is opaque and has no rules: a resource carrying it would "
                                    f"be checked as if the group admitted nothing; write its rules (an unknown "
                                    f"one as {{protocol: all, source: {{unknown: REASON}}, unknown: REASON}}), "
                                    f"or `ingress: []` and `egress: []` if it has none")
            return None
        return key

    def _addresses(self, name: str, body: YMap, key: str, scope: str) -> tuple[tuple[Family, int], ...]:
        if key not in body:
            return ()
        value, line = body[key], body.value_line(key)
        if not isinstance(value, YList):
            self.report.error(line, f"{key} of resource {name!r} must be a list of addresses, not {type_name(value)}")
            return ()
        out: list[tuple[Family, int]] = []
        for index, text in enumerate(value):
            address = self._address(name, text, value.item_line(index), key, scope)
            if address is not None:
                out.append(address)
        return tuple(out)

    def _address(self, name: str, text: Any, line: int, key: str, scope: str) -> tuple[Family, int] | None:
        if not isinstance(text, str):
            self.report.error(line, f"{key} holds addresses, not {type_name(text)}")
            return None
        if "/" in text:
            self.report.error(line, f"{key} holds addresses, not CIDRs: write {text.split('/')[0]}"
                                    f" (use subnet for a block)")
            return None
        try:
            address = parse_address(text)
        except ValueError as exc:
            self.report.error(line, str(exc))
            return None
        owned = (scope, *address)
        if owned in self.owners:
            owner, owner_line = self.owners[owned]
            where = "this resource" if owner == name else f"resource {owner!r}"
            within = f" in VPC {scope}" if scope else ""
            self.report.error(line, f"address {text} is also on {where} (line {owner_line}){within}; "
                                    f"an address belongs to one resource")
            return None
        self.owners[owned] = (name, line)
        return address

    def _check_in_subnets(self, name: str, line: int, addresses: tuple[tuple[Family, int], ...],
                          subnets: tuple[Cidr, ...]) -> None:
        for family, value in addresses:
            same_family = [s for s in subnets if s.family is family]
            if same_family and not any(s.contains(family, value) for s in same_family):
                self.report.warn(line, f"address {format_address(family, value)} of resource {name!r} "
                                            f"is outside its subnet {', '.join(map(str, same_family))}")

    def _aliases(self, name: str, body: YMap) -> tuple[str, ...]:
        if "aliases" not in body:
            return ()
        value, line = body["aliases"], body.value_line("aliases")
        if not isinstance(value, YList) or not all(isinstance(a, str) and a for a in value):
            self.report.error(line, f"aliases of resource {name!r} must be a list of names")
            return ()
        return tuple(dict.fromkeys(value))
