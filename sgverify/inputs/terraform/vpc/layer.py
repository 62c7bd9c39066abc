"""What the VPC layer of a configuration shares: references, values and what is absent.

Elements are keyed by resource address (`aws_subnet.private[0]`,
`module.vpc.aws_route_table.public`). A value that names what the input does
not hold (a literal `vpc-...` of another configuration, a data source, a
variable) names an *absent* element: its key is what the user wrote, and the
path layer treats it as a free choice. An element whose own values cannot be
known (a block from a variable without a default, a resource whose `count`
is not known) is *left out* of the topology, with a warning, so that it too
is absent rather than open or closed.

Attributes AWS computes name elements of their own: `aws_vpc.x.default_network_acl_id`
is the VPC's default NACL, `main_route_table_id` / `default_route_table_id` its
main route table, `aws_ec2_transit_gateway.t.association_default_route_table_id`
the transit gateway's default route table. In a state or plan that holds their
literal values, those values name the same elements.
"""

from __future__ import annotations

from typing import Any

from ....model import Cidr, Family, Origin
from ...fields import cidr_warning
from ...vpc_defaults import start_element_maps
from ..common import AssignedBlock, Context, Ref, TfResource, Unknown, as_list, known
from ..funcs import call_function
from ....model.assigned_v6 import compares_the_same
from ...ipv6_blocks import unknown_reason

DEFAULT_ACL = "default_network_acl"
MAIN_TABLE = "main_route_table"
TGW_DEFAULT_TABLE = "default_route_table"
# attribute of a resource type -> the element it names: (suffix of its key)
DERIVED = {
    ("aws_vpc", "default_network_acl_id"): DEFAULT_ACL,
    ("aws_vpc", "main_route_table_id"): MAIN_TABLE,
    ("aws_vpc", "default_route_table_id"): MAIN_TABLE,
    ("aws_ec2_transit_gateway", "association_default_route_table_id"): TGW_DEFAULT_TABLE,
    ("aws_ec2_transit_gateway", "propagation_default_route_table_id"): TGW_DEFAULT_TABLE,
}
# the managed resources that stand for an element of another resource
ADOPTERS = {"aws_default_network_acl": "default_network_acl_id",
            "aws_default_route_table": "default_route_table_id"}
IDENTITIES = ("id", "arn", "name", "allocation_id")


class Skip(Exception):
    """The element's errors are reported already: stop reading it."""


def derived_key(address: str, element: str) -> str:
    """The key of an element AWS creates with `address` (its default NACL, its main table)."""
    return f"{address}.{element}"


class TfLayer:
    """Reading state shared by the modules of the Terraform VPC layer."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.left_out: dict[str, str] = {}
        self.assigned: dict[str, Cidr] = {}  # VPC key -> the stand-in for the IPv6 block AWS assigns it
        self.ids = dict(ctx.ids)  # literal id -> key, derived elements included
        for res in ctx.resources.values():
            for (rtype, attribute), element in DERIVED.items():
                value = res.values.get(attribute) if res.type == rtype else None
                if isinstance(value, str) and value:
                    self.ids[value] = derived_key(res.address, element)
        start_element_maps(self)

    # -- the input ----------------------------------------------------------

    def of_type(self, *types: str) -> list[TfResource]:
        return [r for r in self.ctx.resources.values() if r.type in types]

    def each(self, types: tuple[str, ...], read: Any) -> None:
        """`read(resource)` for each resource of these types; a skipped one does not stop the rest."""
        for res in self.of_type(*types):
            try:
                read(res)
            except Skip:
                pass

    def warn(self, origin: Origin, message: str) -> None:
        self.ctx.warn(origin, message)

    def error(self, origin: Origin, message: str) -> None:
        """Report an error and stop reading this element."""
        self.ctx.error(origin, message)
        raise Skip()

    def uncertain(self, res: TfResource) -> str:
        """Why `res` may not exist ("" when it does): a count or for_each not known."""
        if "[*]" in res.address:
            return "its count or for_each is not known before apply"
        return ""

    def leave_out(self, key: str, origin: Origin, why: str, what: str) -> None:
        """`key` is not in the topology: what uses it gets a free choice."""
        if key not in self.left_out:
            self.left_out[key] = why
            self.warn(origin, f"{what} {key} is left out of the VPC layer ({why}); what depends on it "
                              f"is a free choice")

    def not_known(self, res: TfResource, key: str) -> str:
        """Why the element `res` names by `key` is not known ("" when it is named, even if absent).
        Such an element may be any of the input's: a route whose table is not known may be in any
        table, so every table it may be in is a free choice."""
        value = known(res.values.get(key))
        return f"its {key} {value.reason}" if isinstance(value, Unknown) else ""

    def absent(self, key: str) -> str:
        if key in self.left_out:
            return f"{key}, which is left out ({self.left_out[key]})"
        return f"{key}, which is not in the input"

    def name(self, res: TfResource) -> str:
        tags = known(res.values.get("tags"))
        value = known(tags.get("Name")) if isinstance(tags, dict) else None
        return value if isinstance(value, str) else ""

    # -- values -------------------------------------------------------------

    def given(self, values: dict, key: str) -> bool:
        """Is `key` written? A plan writes every attribute, "" or null or [] when not set."""
        value = values.get(key)
        return value is not None and value != "" and value != []

    def key_of(self, value: Any, types: tuple[str, ...], what: str, origin: Origin) -> str:
        """The key of the element `value` names: a resource of `types`, an element AWS
        creates with one, else what the user wrote (an absent element)."""
        if isinstance(value, Ref):
            target = self.ctx.resources.get(value.address)
            if target is not None and (target.type, value.attribute) in DERIVED:
                return derived_key(target.address, DERIVED[(target.type, value.attribute)])
            if target is not None and target.type in ADOPTERS:
                return self.adopted(target, origin)
            if target is not None and target.type not in types:
                self.error(origin, f"{value.address} is a {target.type}, not a {what}")
            if target is not None and value.attribute not in IDENTITIES:
                self.error(origin, f"{value.address}.{value.attribute} is not the id of a {what}")
            return value.address
        value = known(value)
        if isinstance(value, Unknown):
            return f"<{what}: {value.reason}>"
        if isinstance(value, str) and value:
            found = self.ids.get(value, value)
            target = self.ctx.resources.get(found)
            return self.adopted(target, origin) if target is not None and target.type in ADOPTERS else found
        self.error(origin, f"expected the id of a {what}, not {value!r}")
        return ""

    def adopted(self, res: TfResource, origin: Origin) -> str:
        """The element an `aws_default_*` resource manages: the VPC's default NACL or main table."""
        return self.key_of(res.values.get(ADOPTERS[res.type]), ("aws_vpc",), "VPC element", origin)

    def keys_of(self, values: dict, key: str, types: tuple[str, ...], what: str,
                origin: Origin) -> list[str] | Unknown:
        """Each key of a list attribute; Unknown when the list itself is not known."""
        items = as_list(values.get(key))
        if isinstance(items, Unknown):
            return items
        return [self.key_of(item, types, what, origin) for item in items if item not in (None, "")]

    def ref(self, res: TfResource, key: str, types: tuple[str, ...], what: str, required: bool = True) -> str | None:
        if not self.given(res.values, key):
            if required:
                self.error(res.origin, f"{res.address}: {key} is required (the {what} it belongs to)")
            return None
        return self.key_of(res.values[key], types, what, res.origin)

    def flag(self, values: dict, key: str, default: bool, origin: Origin) -> bool | Unknown:
        value = known(values.get(key))
        if value is None or value == "":
            return default
        if isinstance(value, (Unknown, bool)):
            return value
        if isinstance(value, Ref):
            return Unknown(f"is an attribute of {value.address}")
        text = str(value).strip().lower()
        if text in ("true", "false"):
            return text == "true"
        self.error(origin, f"{key} must be true or false, not {value!r}")
        return default

    def text(self, values: dict, key: str, default: str = "") -> str | Unknown:
        value = known(values.get(key))
        if value is None or value == "":
            return default
        if isinstance(value, Ref):
            return Unknown(f"is an attribute of {value.address}")
        return value if isinstance(value, Unknown) else str(value)

    def cidr(self, values: dict, key: str, family: Family, what: str, origin: Origin,
             own: bool = False) -> Cidr | Unknown | None:
        """A literal block of `family`; Unknown when it is not literal, or when it is an IPv6 block compared
        with one AWS assigns (not `own`: a VPC's own block); None when not given."""
        value = known(values.get(key))
        if value is None or value == "":
            return None
        if isinstance(value, Unknown):
            return value
        if isinstance(value, Ref):
            return Unknown(f"is an attribute of {value.address}")
        try:
            block = Cidr.parse(str(value))
        except ValueError as exc:
            self.error(origin, f"{what} {key}: {exc}")
            raise  # not reached: error() raises Skip
        if block.family is not family:
            self.error(origin, f"{what} {key} {value} is not an IPv{family.value} block")
        warning = cidr_warning(block, str(value))
        if warning:
            self.warn(origin, f"{what} {key}: {warning}")
        if not own and self.ctx.assigned_v6 and not compares_the_same(block):
            return Unknown(unknown_reason(block, self.ctx.assigned_v6))
        return block


    def cut_from_assigned(self, value: Any) -> Cidr | Unknown | None:
        """A block `cidrsubnet` cuts from the IPv6 block AWS assigns a VPC of the layer: the same
        cut of that VPC's stand-in (None for any other value)."""
        if not isinstance(value, AssignedBlock) or value.vpc not in self.assigned or not value.steps:
            return None
        text = str(self.assigned[value.vpc])
        for newbits, netnum in value.steps:
            text = call_function("cidrsubnet", [text, newbits, netnum])
            if isinstance(text, Unknown):
                return Unknown(f"is cut from the IPv6 block AWS assigns to {value.vpc}, and {text.reason}")
        return Cidr.parse(text)


def unknown_text(key: str, value: Unknown) -> str:
    return f"{key} {value.reason}"
