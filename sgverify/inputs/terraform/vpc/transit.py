"""Transit gateways of a configuration: `aws_ec2_transit_gateway`, its VPC
attachments, route tables, associations, propagations and static routes.

A transit gateway with `default_route_table_association` or
`default_route_table_propagation` enabled (the default) has a default route
table: an attachment whose `transit_gateway_default_route_table_association`
is not false is associated with it, and one whose `..._propagation` is not
false propagates its VPC's blocks into it. An attachment of a transit gateway
the input does not hold has a free choice of routes (an absent route table),
never none.
"""

from __future__ import annotations

from dataclasses import replace

from ....model import Family
from ....model.topology import TgwAttachment, TgwRoute, TgwRouteTable, TransitGateway
from ..common import Ref, TfResource, Unknown, known
from .layer import TGW_DEFAULT_TABLE, Skip, TfLayer, derived_key, unknown_text
from .network import SUBNET, VPC

TGW = "aws_ec2_transit_gateway"
ATTACHMENT = "aws_ec2_transit_gateway_vpc_attachment"
TABLE = "aws_ec2_transit_gateway_route_table"
PEERING = "aws_ec2_transit_gateway_peering_attachment"
PEERING_ACCEPTER = "aws_ec2_transit_gateway_peering_attachment_accepter"
# what else attaches to a transit gateway: where it leads the input does not describe
OTHER_OWNERS = ("aws_vpn_connection", "aws_ec2_transit_gateway_connect", "aws_dx_gateway_association")
DEFAULT_FLAGS = ("transit_gateway_default_route_table_association",
                 "transit_gateway_default_route_table_propagation")


class _Transit:
    def __init__(self, layer: TfLayer):
        self.layer = layer
        self.defaults: dict[str, tuple[bool, bool]] = {}  # tgw -> (associates, propagates) by default
        self.routes: dict[str, list[TgwRoute]] = {}
        self.propagations: dict[str, list[str]] = {}
        self.associations: dict[str, str] = {}  # attachment -> table
        self.unsure: dict[str, tuple] = {}

    def read(self) -> None:
        layer = self.layer
        layer.each((TGW,), self._gateway)
        layer.each((TABLE,), self._table)
        layer.each((ATTACHMENT,), self._attachment)
        layer.each((PEERING,), self._peering)
        layer.each(("aws_ec2_transit_gateway_route_table_association",), self._association)
        layer.each(("aws_ec2_transit_gateway_route_table_propagation",), self._propagation)
        layer.each(("aws_ec2_transit_gateway_route",), self._route)
        for attachment in list(layer.tgw_attachments.values()):
            table = self.associations.get(attachment.key, attachment.route_table)
            layer.tgw_attachments[attachment.key] = replace(attachment, route_table=table)
        for key, table in list(layer.tgw_route_tables.items()):
            if key in self.unsure:
                del layer.tgw_route_tables[key]
                origin, why = self.unsure[key]
                layer.leave_out(key, origin, why, "transit gateway route table")
                continue
            layer.tgw_route_tables[key] = TgwRouteTable(key, table.transit_gateway, tuple(self.routes[key]),
                                                        tuple(dict.fromkeys(self.propagations[key])), table.name,
                                                        table.origin)

    def _gateway(self, res: TfResource) -> None:
        layer = self.layer
        if layer.uncertain(res):
            return layer.leave_out(res.address, res.origin, f"it may not exist: {layer.uncertain(res)}",
                                   "transit gateway")
        flags = []
        for key in ("default_route_table_association", "default_route_table_propagation"):
            value = layer.text(res.values, key, "enable")
            if isinstance(value, Unknown):
                return layer.leave_out(res.address, res.origin, unknown_text(key, value), "transit gateway")
            if value not in ("enable", "disable"):
                layer.error(res.origin, f"{res.address}: {key} must be enable or disable, not {value!r}")
            flags.append(value == "enable")
        self.defaults[res.address] = (flags[0], flags[1])
        layer.transit_gateways[res.address] = TransitGateway(res.address, layer.name(res), res.origin)
        if any(flags):
            key = derived_key(res.address, TGW_DEFAULT_TABLE)
            layer.tgw_route_tables[key] = TgwRouteTable(key, res.address, name=f"default route table of "
                                                        f"{res.address}", origin=res.origin)
            self.routes[key], self.propagations[key] = [], []

    def _table(self, res: TfResource) -> None:
        layer = self.layer
        tgw = layer.ref(res, "transit_gateway_id", (TGW,), "transit gateway")
        assert tgw is not None
        if layer.uncertain(res):
            return layer.leave_out(res.address, res.origin, f"it may not exist: {layer.uncertain(res)}",
                                   "transit gateway route table")
        if tgw not in layer.transit_gateways:
            layer.warn(res.origin, f"transit gateway route table {res.address} belongs to {layer.absent(tgw)}")
        layer.tgw_route_tables[res.address] = TgwRouteTable(res.address, tgw, name=layer.name(res),
                                                            origin=res.origin)
        self.routes[res.address], self.propagations[res.address] = [], []

    def _attachment(self, res: TfResource) -> None:
        layer = self.layer
        tgw = layer.ref(res, "transit_gateway_id", (TGW,), "transit gateway")
        vpc = layer.ref(res, "vpc_id", (VPC,), "VPC")
        subnets = layer.keys_of(res.values, "subnet_ids", (SUBNET,), "subnet", res.origin)
        assert tgw is not None and vpc is not None
        if layer.uncertain(res):
            return layer.leave_out(res.address, res.origin, f"it may not exist: {layer.uncertain(res)}",
                                   "transit gateway attachment")
        if isinstance(subnets, Unknown):
            return layer.leave_out(res.address, res.origin, f"subnet_ids {subnets.reason}",
                                   "transit gateway attachment")
        for what, key, present in (("transit gateway", tgw, layer.transit_gateways), ("VPC", vpc, layer.vpcs)):
            if key not in present:
                layer.warn(res.origin, f"attachment {res.address}: its {what} is {layer.absent(key)}: where it "
                                       "leads is a free choice")
        table: str | None = f"(a route table of {tgw})"  # a gateway the input does not hold: a free choice
        if tgw in self.defaults:
            associates, propagates = self.defaults[tgw]
            default = derived_key(tgw, TGW_DEFAULT_TABLE)
            wanted = []
            for key, enabled in zip(DEFAULT_FLAGS, (associates, propagates)):
                flag = layer.flag(res.values, key, True, res.origin)
                if isinstance(flag, Unknown):
                    layer.leave_out(default, res.origin, f"{res.address}.{key} {flag.reason}",
                                    "transit gateway route table")
                    self.unsure.setdefault(default, (res.origin, f"{res.address}.{key} {flag.reason}"))
                    flag = False
                wanted.append(enabled and flag)
            table = default if wanted[0] else None
            if wanted[1]:
                self.propagations[default].append(res.address)
        layer.tgw_attachments[res.address] = TgwAttachment(res.address, tgw, vpc, tuple(subnets), table,
                                                           name=layer.name(res), origin=res.origin)

    def _peering(self, res: TfResource) -> None:
        """A peering with another transit gateway: what it delivers leaves for hosts the input does
        not place, and its association (AWS gives a peering none by default) is a free choice
        unless an association resource names one."""
        layer = self.layer
        tgw = layer.ref(res, "transit_gateway_id", (TGW,), "transit gateway")
        assert tgw is not None
        if layer.uncertain(res):
            return layer.leave_out(res.address, res.origin, f"it may not exist: {layer.uncertain(res)}",
                                   "transit gateway attachment")
        layer.tgw_attachments[res.address] = TgwAttachment(
            res.address, tgw, None, (), f"(the route table of {res.address})", kind="tgw-peering",
            name=layer.name(res), origin=res.origin)

    def _attachment_key(self, res: TfResource, required: bool = True) -> str | None:
        """The attachment `transit_gateway_attachment_id` names: a VPC or peering attachment (an
        accepter stands for its peering, whose id is the same on both gateways), or a VPN,
        Connect or Direct Connect attachment, which the input does not describe."""
        value = res.values.get("transit_gateway_attachment_id")
        target = self.layer.ctx.resources.get(value.address) if isinstance(value, Ref) else None
        if target is not None and target.type == PEERING_ACCEPTER:
            accepted = target.values.get("transit_gateway_attachment_id")
            if isinstance(accepted, Ref) and accepted.address in self.layer.ctx.resources:
                return accepted.address
            return self.layer.key_of(accepted, (PEERING,), "transit gateway attachment", res.origin)
        if target is not None and target.type in OTHER_OWNERS:
            return f"{target.address}.{value.attribute}"
        return self.layer.ref(res, "transit_gateway_attachment_id", (ATTACHMENT, PEERING),
                              "transit gateway attachment", required=required)

    def _link(self, res: TfResource) -> tuple[str, str] | None:
        layer = self.layer
        attachment = self._attachment_key(res)
        table = layer.ref(res, "transit_gateway_route_table_id", (TGW, TABLE), "transit gateway route table")
        assert attachment is not None and table is not None
        association = res.type.endswith("_association")
        if table not in self.routes:
            # associated with a table whose routes are a free choice; a propagation into a table
            # not known may add routes to any table of the input, whose routes are free choices then
            why = layer.not_known(res, "transit_gateway_route_table_id")
            for key in self.routes if why and not association else ():
                self.unsure.setdefault(key, (res.origin, f"{res.address} may propagate into it: {why}"))
            layer.warn(res.origin, f"{res.address} names transit gateway route table {layer.absent(table)}: "
                                   "where that table routes is a free choice")
            return (attachment, table) if association else None
        if layer.uncertain(res):
            self.unsure.setdefault(table, (res.origin, f"{res.address} may not exist: {layer.uncertain(res)}"))
            return None
        return attachment, table

    def _association(self, res: TfResource) -> None:
        found = self._link(res)
        if found is None:
            return
        attachment, table = found
        if attachment in self.associations and self.associations[attachment] != table:
            self.layer.error(res.origin, f"attachment {attachment} already has route table "
                                         f"{self.associations[attachment]}; it is associated with one")
        known_attachment = self.layer.tgw_attachments.get(attachment)
        if known_attachment is not None and known_attachment.kind == "vpc" \
                and known_attachment.route_table not in (None, table) \
                and known_attachment.transit_gateway in self.defaults:
            self.layer.error(res.origin, f"attachment {attachment} is associated with the default route table "
                                         f"of {known_attachment.transit_gateway} "
                                         f"(transit_gateway_default_route_table_association is not false): it "
                                         f"cannot also be associated with {table}")
        self.associations[attachment] = table

    def _propagation(self, res: TfResource) -> None:
        found = self._link(res)
        if found is not None:
            self.propagations[found[1]].append(found[0])

    def _route(self, res: TfResource) -> None:
        layer = self.layer
        table = layer.ref(res, "transit_gateway_route_table_id", (TGW, TABLE), "transit gateway route table")
        assert table is not None
        text = known(res.values.get("destination_cidr_block"))
        family = Family.V6 if isinstance(text, str) and ":" in text else Family.V4
        destination = layer.cidr(res.values, "destination_cidr_block", family, f"route {res.address}", res.origin)
        if destination is None:
            layer.error(res.origin, f"transit gateway route {res.address} needs destination_cidr_block")
        blackhole = layer.flag(res.values, "blackhole", False, res.origin)
        attachment = self._attachment_key(res, required=False)
        if blackhole is True and attachment is not None:
            layer.error(res.origin, f"transit gateway route {res.address} has both blackhole and an attachment")
        if blackhole is False and attachment is None:
            layer.error(res.origin, f"transit gateway route {res.address} needs transit_gateway_attachment_id or "
                                    "blackhole = true")
        if table not in self.routes and layer.not_known(res, "transit_gateway_route_table_id"):
            for key in self.routes:
                self.unsure.setdefault(key, (res.origin, f"route {res.address} may be in it: "
                                                         f"{layer.not_known(res, 'transit_gateway_route_table_id')}"))
            return
        if table not in self.routes:
            return layer.warn(res.origin, f"{res.address} adds a route to transit gateway route table "
                                          f"{layer.absent(table)}: it is not read (that table is a free choice)")
        why = ""
        if layer.uncertain(res):
            why = f"its route {res.address} may not exist: {layer.uncertain(res)}"
        elif isinstance(destination, Unknown):
            why = f"route {res.address}: {unknown_text('destination_cidr_block', destination)}"
        elif isinstance(blackhole, Unknown):
            why = f"route {res.address}: {unknown_text('blackhole', blackhole)}"
        if why:
            self.unsure.setdefault(table, (res.origin, why))
            return
        if attachment is not None and attachment not in layer.tgw_attachments:
            layer.warn(res.origin, f"transit gateway route {res.address} leads to attachment "
                                   f"{layer.absent(attachment)}: where it delivers is a free choice")
        assert destination is not None
        self.routes[table].append(TgwRoute(destination, attachment, blackhole is True, res.origin))


def read_transit(layer: TfLayer) -> None:
    try:
        _Transit(layer).read()
    except Skip:
        pass
