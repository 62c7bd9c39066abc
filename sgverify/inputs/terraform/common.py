"""Terraform resources (already evaluated) -> security groups and their rules.

Both Terraform readers (plan JSON and .tf folders) reduce their input to a list
of `TfResource`: an address, a type and a dict of attribute values in which a
value that cannot be known is an `Unknown` and a reference to another
resource's id is a `Ref`. Everything about what those attributes *mean* lives
here and in terraform_attach.py, so both readers decide the same way.

Soundness rules applied throughout:
- an unknown peer becomes `UnknownPeer` and an unknown protocol or port sets
  `Rule.service_unknown`: such a rule may match anything, never nothing;
- a group that is referenced but not in the input is opaque (members unknown)
  and, since its rules are unknown too, carries one ingress and one egress
  rule that may admit anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...errors import Diagnostic, Severity
from ..ipv6_blocks import literal_peers
from .ipv6_literals import assigned_block_of
from ...model import (
    ALL, Cidr, CidrPeer, Direction, GroupPeer, Origin, Peer, PrefixList, PrefixListPeer,
    Rule, SecurityGroup, Service, UnknownPeer,
)

GROUP_TYPES = ("aws_security_group", "aws_default_security_group")
PREFIX_LIST_TYPE = "aws_ec2_managed_prefix_list"

@dataclass(frozen=True)
class Unknown:
    """A value that cannot be known before apply (or without more input)."""

    reason: str
    error: bool = False  # an evaluation error (try() moves on), not a value unknown until apply

    def __str__(self) -> str:
        return f"<unknown: {self.reason}>"


@dataclass(frozen=True)
class Rejected(Unknown):
    """What Terraform itself refuses at plan time (a function given known arguments it
    rejects): the reader stops with an error at that line instead of a free choice."""

    error: bool = True


@dataclass(frozen=True)
class JoinedRefs(Unknown):
    """`join(",", aws_subnet.a.*.id)`: text known only after apply, but `split` on the
    same separator gives the references back (how modules passed lists before 0.12)."""

    items: tuple = ()
    separator: str = ","


@dataclass(frozen=True)
class AssignedBlock(Unknown):
    """The IPv6 block AWS assigns to `vpc` (`assign_generated_ipv6_cidr_block`), or a block
    cut from it by `cidrsubnet` (`steps`: newbits, netnum). Known only after apply, but
    the VPC layer cuts the same block from the VPC's stand-in, as AWS does from the real one."""

    vpc: str = ""
    steps: tuple = ()


@dataclass(frozen=True)
class Ref:
    """A reference to another resource's attribute that identifies it (its id, arn, name).

    A reference keeps the resource's identity whatever its value: `aws_db_subnet_group.x.name`
    is that subnet group even when the name is built from a data source. `value` is the
    attribute's value where the input writes it (a literal name, or an `Unknown` saying
    why it is not known); None when only apply knows it (an id, an arn).
    """

    address: str
    attribute: str = "id"
    value: Any = field(default=None, compare=False)


def first_rejected(value: Any) -> Rejected | None:
    """The refusal a value carries, where a list or object holds one."""
    if isinstance(value, Rejected):
        return value
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return next((r for r in map(first_rejected, items) if r is not None), None)


def known(value: Any) -> Any:
    """What a value is as data: a reference's written value where it has one, else itself."""
    while isinstance(value, Ref) and value.value is not None:
        value = value.value  # a name written as another resource's name is that text
    return value


@dataclass
class TfResource:
    address: str
    type: str
    values: dict[str, Any]
    origin: Origin
    # origin of each nested block, e.g. ("ingress", 0) -> file:line of that block
    block_origins: dict[tuple[str, int], Origin] = field(default_factory=dict)

    def block_origin(self, name: str, index: int) -> Origin:
        found = self.block_origins.get((name, index))
        if found is not None:
            return found
        if self.origin.line is not None:
            return self.origin
        return Origin(self.origin.file, None, f"{self.address}.{name}[{index}]")


@dataclass
class Context:
    """What the mapping accumulates: groups' rules, prefix lists, diagnostics."""

    resources: dict[str, TfResource]
    group_keys: dict[str, str] = field(default_factory=dict)  # address -> key (itself)
    group_names: dict[str, str] = field(default_factory=dict)  # address -> name
    ids: dict[str, str] = field(default_factory=dict)  # known literal id -> address
    rules: dict[tuple[str, Direction], list[Rule]] = field(default_factory=dict)
    opaque: dict[str, Origin] = field(default_factory=dict)
    # groups whose rules are unknown but whose members are known (a resource's
    # unknown group list): each gets rules that may admit anything
    synthetic: dict[str, Origin] = field(default_factory=dict)
    prefix_lists: dict[str, PrefixList] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # "address (file:line)" of a VPC block AWS assigns, if any: literal IPv6 blocks cannot be compared with it
    assigned_v6: str = ""

    def warn(self, origin: Origin, message: str) -> None:
        diag = Diagnostic(Severity.WARNING, str(origin), message)
        if diag not in self.diagnostics:
            self.diagnostics.append(diag)

    def error(self, origin: Origin, message: str) -> None:
        self.diagnostics.append(Diagnostic(Severity.ERROR, str(origin), message))

    def add_rule(self, group: str, direction: Direction, service: Service, peer: Peer,
                 origin: Origin, description: str = "", service_unknown: str = "",
                 text: str = "") -> None:
        bucket = self.rules.setdefault((group, direction), [])
        bucket.append(Rule(group, direction, len(bucket), service, peer, description,
                           origin, text, service_unknown))


def new_context(resources: list[TfResource]) -> Context:
    ctx = Context({r.address: r for r in resources})
    for res in resources:
        if not ctx.assigned_v6 and assigned_block_of(res.type, res.values, str(res.origin)):
            ctx.assigned_v6 = f"{res.address} ({res.origin})"
        rid = res.values.get("id")
        if isinstance(rid, str) and rid:
            ctx.ids[rid] = res.address
        if res.type in GROUP_TYPES:
            ctx.group_keys[res.address] = res.address
            name = known(res.values.get("name"))
            ctx.group_names[res.address] = name if isinstance(name, str) else (
                "default" if res.type == "aws_default_security_group" else "")
    return ctx


# ---------------------------------------------------------------- references

def resolve_group(ctx: Context, value: Any, origin: Origin) -> str | Unknown:
    """A group reference (Ref, literal sg id or name) -> a group key, or Unknown."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Ref):
        if value.address in ctx.group_keys:
            return value.address
        target = ctx.resources.get(value.address)
        if (target is not None and target.type == "aws_elb"
                and value.attribute == "source_security_group_id"):
            return _elb_source_group(ctx, target, origin)
        return Unknown(f"names {value.address}.{value.attribute}, not a security group of the input")
    if not isinstance(value, str) or not value.strip():
        return Unknown(f"holds {value!r}, not a security group id")
    text = value.strip()
    if text in ctx.ids and ctx.ids[text] in ctx.group_keys:
        return ctx.ids[text]
    by_name = [a for a, n in ctx.group_names.items() if n == text]
    if len(by_name) == 1 and not text.startswith("sg-"):
        return by_name[0]
    return opaque_group(ctx, text, origin)


def _elb_source_group(ctx: Context, elb: TfResource, origin: Origin) -> str | Unknown:
    """A classic load balancer's source security group: in a VPC, one of its own groups,
    so the one group it names when it names exactly one."""
    groups = as_list(elb.values.get("security_groups"))
    if isinstance(groups, Unknown):
        return Unknown(f"is the source security group of {elb.address}, whose "
                       f"security_groups {groups.reason}")
    if len(groups) != 1:
        return Unknown(f"is the source security group of {elb.address}, which is not known: "
                       f"it names {len(groups)} security groups, not one")
    return resolve_group(ctx, groups[0], origin)


def opaque_group(ctx: Context, key: str, origin: Origin) -> str:
    if key not in ctx.opaque:
        ctx.opaque[key] = origin
        ctx.warn(origin, f"security group {key} is not defined in the input: its members "
                         "and rules are unknown (treated as possibly anything)")
    return key


def resolve_prefix_list(ctx: Context, value: Any) -> Peer:
    if isinstance(value, Unknown):
        return UnknownPeer(f"a prefix list {value.reason}")
    address = value.address if isinstance(value, Ref) else ctx.ids.get(str(value), "")
    if address in ctx.prefix_lists:
        return PrefixListPeer(address)
    return UnknownPeer(f"prefix list {getattr(value, 'address', value)} is not in the input")


def as_list(value: Any) -> list[Any] | Unknown:
    """Attribute value -> list (None -> [], scalar -> [scalar]); Unknown stays Unknown."""
    if value is None:
        return []
    if isinstance(value, Unknown):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        # Terraform 0.11 flattened a list written inside a list literal
        # (`["${aws_subnet.a.*.id}"]`); later versions reject it, so that is its only meaning.
        out: list[Any] = []
        for item in value:
            out.extend(as_list(item) if isinstance(item, (list, tuple)) else [item])
        return out
    return [value]


# ---------------------------------------------------------------- peers

def cidr_peers(ctx: Context, values: Any, field_name: str, origin: Origin, where: str) -> list[Peer]:
    items = as_list(values)
    if isinstance(items, Unknown):
        return [UnknownPeer(f"{where}.{field_name} {items.reason}")]
    peers: list[Peer] = []
    for item in map(known, items):
        if isinstance(item, (Unknown, Ref)):
            reason = item.reason if isinstance(item, Unknown) else f"is an attribute of {item.address}"
            peers.append(UnknownPeer(f"{where}.{field_name} {reason}"))
            continue
        try:
            cidr = Cidr.parse(str(item))
        except ValueError as exc:
            ctx.error(origin, f"{where}.{field_name}: {exc}")
            continue
        if cidr.had_host_bits:
            ctx.warn(origin, f"{where}.{field_name}: {item} has host bits set; AWS uses {cidr}")
        if cidr.family.value == 4 and cidr.prefix == 32 and cidr.network == 0:
            ctx.warn(origin, f"{where}.{field_name}: 0.0.0.0/32 is the single address 0.0.0.0 "
                             "(0.0.0.0/0 was probably meant)")
        peers.extend(literal_peers(CidrPeer(cidr), ctx.assigned_v6, f"{where}.{field_name}",
                                   lambda text: ctx.warn(origin, text)))
    return peers


def group_peers(ctx: Context, values: Any, field_name: str, origin: Origin, where: str) -> list[Peer]:
    items = as_list(values)
    if isinstance(items, Unknown):
        return [UnknownPeer(f"{where}.{field_name} {items.reason}")]
    peers: list[Peer] = []
    for item in items:
        key = resolve_group(ctx, item, origin)
        if isinstance(key, Unknown):
            peers.append(UnknownPeer(f"{where}.{field_name} {key.reason}"))
        else:
            peers.append(GroupPeer(key))
    return peers


def prefix_peers(ctx: Context, values: Any, field_name: str, where: str) -> list[Peer]:
    items = as_list(values)
    if isinstance(items, Unknown):
        return [UnknownPeer(f"{where}.{field_name} {items.reason}")]
    return [resolve_prefix_list(ctx, item) for item in items]


def self_peers(group: str, value: Any, where: str) -> list[Peer]:
    value = known(value)
    if isinstance(value, (Unknown, Ref)):
        return [UnknownPeer(f"{where}.self is unknown")]
    return [GroupPeer(group)] if value is True or str(value).lower() == "true" else []


def emit_rules(ctx: Context, group: str, direction: Direction, spec: tuple[Service, str] | None,
               peers: list[Peer], origin: Origin, where: str, description: Any) -> None:
    if spec is None:
        return
    service, unknown = spec
    if unknown:
        ctx.warn(origin, f"{unknown}; the rule may admit any traffic")
    for peer in peers:
        if isinstance(peer, UnknownPeer):
            ctx.warn(origin, f"{peer.reason}; the rule may match any peer")
    if not peers:
        ctx.warn(origin, f"{where} names no peer (no CIDR, group, prefix list or self): "
                         "it admits nothing")
    description = known(description)
    text_desc = description if isinstance(description, str) else ""
    for peer in peers:
        word = "from" if direction is Direction.INGRESS else "to"
        ctx.add_rule(group, direction, service, peer, origin, text_desc, unknown,
                     f"{service} {word} {peer}")


def gated_allow_all(ctx: Context, group: str, origin: Origin, reason: str) -> None:
    """Rules that may admit anything: for a group whose rules cannot be known."""
    for direction in (Direction.INGRESS, Direction.EGRESS):
        ctx.add_rule(group, direction, Service(ALL), UnknownPeer(reason), origin,
                     service_unknown=reason, text=f"<unknown rules: {reason}>")


# ---------------------------------------------------------------- groups

def build_groups(ctx: Context) -> dict[str, SecurityGroup]:
    for key, origin in ctx.opaque.items():
        if key not in ctx.group_keys:
            gated_allow_all(ctx, key, origin, f"rules of {key} are not in the input")
    for key, origin in ctx.synthetic.items():
        gated_allow_all(ctx, key, origin, f"{key}: the groups are not known")
    groups: dict[str, SecurityGroup] = {}
    for address in ctx.group_keys:
        res = ctx.resources[address]
        desc = known(res.values.get("description"))
        groups[address] = SecurityGroup(
            address, ctx.group_names.get(address, ""), desc if isinstance(desc, str) else "",
            tuple(ctx.rules.get((address, Direction.INGRESS), ())),
            tuple(ctx.rules.get((address, Direction.EGRESS), ())), res.origin)
    for key, origin in ctx.synthetic.items():
        groups[key] = SecurityGroup(
            key, "", "", tuple(ctx.rules.get((key, Direction.INGRESS), ())),
            tuple(ctx.rules.get((key, Direction.EGRESS), ())), origin)
    for key, origin in ctx.opaque.items():
        if key not in groups:
            groups[key] = SecurityGroup(
                key, key, "", tuple(ctx.rules.get((key, Direction.INGRESS), ())),
                tuple(ctx.rules.get((key, Direction.EGRESS), ())), origin, opaque=True)
    return groups


__all__ = [
    "Context", "GROUP_TYPES", "JoinedRefs", "PREFIX_LIST_TYPE", "Ref", "TfResource", "Unknown",
    "as_list", "build_groups", "cidr_peers", "emit_rules", "gated_allow_all", "group_peers",
    "known", "new_context", "prefix_peers", "resolve_group", "self_peers",
]
