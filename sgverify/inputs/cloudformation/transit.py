"""Transit gateways of a template: the gateway, its VPC attachments, route
tables, associations, propagations and static routes.

A transit gateway with DefaultRouteTableAssociation or
DefaultRouteTablePropagation enabled (the default) has a default route table
(`Tgw.DefaultRouteTable`): each attachment without an association of its own
is associated with it, and each attachment propagates its VPC's blocks into
it. An attachment of a transit gateway the template does not hold has a free
choice of routes (an absent route table), never none.
"""

from __future__ import annotations

from typing import Any

from ...model import Family
from ...model.topology import TgwAttachment, TgwRoute, TgwRouteTable, TransitGateway
from .intrinsics import CfnError, Unknown
from .layer import SUBNET, VPC, Layer, unknown_text

TGW = "AWS::EC2::TransitGateway"
ATTACHMENTS = ("AWS::EC2::TransitGatewayAttachment", "AWS::EC2::TransitGatewayVpcAttachment")
TABLE = "AWS::EC2::TransitGatewayRouteTable"
ASSOCIATION = "AWS::EC2::TransitGatewayRouteTableAssociation"
PROPAGATION = "AWS::EC2::TransitGatewayRouteTablePropagation"
ROUTE = "AWS::EC2::TransitGatewayRoute"
LINK_KEYS = ("TransitGatewayAttachmentId", "TransitGatewayRouteTableId")
ROUTE_KEYS = ("Blackhole", "DestinationCidrBlock", *LINK_KEYS)


def default_table_key(tgw: str) -> str:
    return f"{tgw}.DefaultRouteTable"


class _Transit:
    def __init__(self, layer: Layer):
        self.layer = layer
        self.defaults: dict[str, tuple[str | None, str | None]] = {}  # tgw -> (association, propagation) table
        self.routes: dict[str, list[TgwRoute]] = {}
        self.propagations: dict[str, list[str]] = {}
        self.associations: dict[str, tuple[str, int]] = {}  # attachment -> (table, line)
        self.unsure: dict[str, tuple[int, str]] = {}

    def read(self) -> None:
        layer = self.layer
        layer.each((TGW,), self._gateway)
        layer.each(ATTACHMENTS, self._attachment)
        layer.each((TABLE,), self._table)
        layer.each((ASSOCIATION,), self._association)
        layer.each((PROPAGATION,), self._propagation)
        layer.each((ROUTE,), self._route)
        for attachment in list(layer.tgw_attachments.values()):
            # a transit gateway the template does not hold: its route table is absent, a free choice
            association, propagation = self.defaults.get(
                attachment.transit_gateway, (f"(a route table of {attachment.transit_gateway})", None))
            table = self.associations.get(attachment.key, (association, 0))[0]
            layer.tgw_attachments[attachment.key] = TgwAttachment(
                attachment.key, attachment.transit_gateway, attachment.vpc, attachment.subnets, table,
                name=attachment.name, origin=attachment.origin)
            if propagation in self.propagations and attachment.key not in self.propagations[propagation]:
                self.propagations[propagation].append(attachment.key)
        for key, table in list(layer.tgw_route_tables.items()):
            if key in self.unsure:
                del layer.tgw_route_tables[key]
                line, why = self.unsure[key]
                layer.leave_out(key, line, why, "transit gateway route table")
                continue
            layer.tgw_route_tables[key] = TgwRouteTable(key, table.transit_gateway, tuple(self.routes[key]),
                                                        tuple(self.propagations[key]), table.name, table.origin)

    def _gateway(self, logical: str) -> None:
        layer = self.layer
        props, line = layer.props(logical)
        if layer.uncertain(logical):
            return layer.leave_out(logical, line, f"it may not exist: {layer.uncertain(logical)}", "transit gateway")
        tables = []
        for flag, given in (("DefaultRouteTableAssociation", "AssociationDefaultRouteTableId"),
                            ("DefaultRouteTablePropagation", "PropagationDefaultRouteTableId")):
            enabled = layer.text(props, flag, "enable")
            if isinstance(enabled, Unknown):
                return layer.leave_out(logical, line, unknown_text(flag, enabled), "transit gateway")
            if enabled not in ("enable", "disable"):
                raise CfnError(props.value_line(flag), f"{flag} must be enable or disable, not {enabled!r}")
            table = None
            if enabled == "enable":
                table = layer.ref(props, given, (TABLE,), "transit gateway route table", required=False) \
                    or default_table_key(logical)
            tables.append(table)
        self.defaults[logical] = (tables[0], tables[1])
        layer.transit_gateways[logical] = TransitGateway(logical, layer.name(props, line), layer.origin(line))
        if default_table_key(logical) in tables:
            key = default_table_key(logical)
            layer.tgw_route_tables[key] = TgwRouteTable(key, logical, name=f"default route table of {logical}",
                                                        origin=layer.origin(line))
            self.routes[key], self.propagations[key] = [], []

    def _attachment(self, logical: str) -> None:
        layer = self.layer
        props, line = layer.props(logical)
        tgw = layer.ref(props, "TransitGatewayId", (TGW,), "transit gateway")
        vpc = layer.ref(props, "VpcId", (VPC,), "VPC")
        subnets = [key for key, _ in layer.keys_of(props, "SubnetIds", (SUBNET,), "subnet")]
        assert tgw is not None and vpc is not None
        if layer.uncertain(logical):
            return layer.leave_out(logical, line, f"it may not exist: {layer.uncertain(logical)}",
                                   "transit gateway attachment")
        for what, key, present in (("transit gateway", tgw, layer.transit_gateways),
                                   ("VPC", vpc, layer.vpcs)):
            if key not in present:
                layer.warn(line, f"attachment {logical}: its {what} is {layer.absent(key)}: where it leads is a "
                                 "free choice")
        for key in subnets:
            if key not in layer.subnets:
                layer.warn(line, f"attachment {logical}: subnet {layer.absent(key)}")
        layer.tgw_attachments[logical] = TgwAttachment(logical, tgw, vpc, tuple(subnets), None,
                                                       name=layer.name(props, line), origin=layer.origin(line))

    def _table(self, logical: str) -> None:
        layer = self.layer
        props, line = layer.props(logical)
        tgw = layer.ref(props, "TransitGatewayId", (TGW,), "transit gateway")
        assert tgw is not None
        if layer.uncertain(logical):
            return layer.leave_out(logical, line, f"it may not exist: {layer.uncertain(logical)}",
                                   "transit gateway route table")
        if tgw not in layer.transit_gateways:
            layer.warn(line, f"transit gateway route table {logical} belongs to {layer.absent(tgw)}")
        layer.tgw_route_tables[logical] = TgwRouteTable(logical, tgw, name=layer.name(props, line),
                                                        origin=layer.origin(line))
        self.routes[logical], self.propagations[logical] = [], []

    def _link(self, logical: str) -> tuple[str, str, int] | None:
        """(attachment, table, line) of an association or a propagation; None when not read."""
        layer = self.layer
        props, line = layer.props(logical)
        layer.check_keys(logical, props, LINK_KEYS)
        attachment = layer.ref(props, "TransitGatewayAttachmentId", ATTACHMENTS, "transit gateway attachment")
        table = layer.ref(props, "TransitGatewayRouteTableId", (TABLE,), "transit gateway route table")
        assert attachment is not None and table is not None
        if table not in self.routes:
            layer.warn(line, f"{logical} names transit gateway route table {layer.absent(table)}: it is not "
                             "read (that table is a free choice)")
            return None
        if layer.uncertain(logical):
            self.unsure.setdefault(table, (line, f"{logical} may not exist: {layer.uncertain(logical)}"))
            return None
        return attachment, table, line

    def _association(self, logical: str) -> None:
        found = self._link(logical)
        if found is None:
            return
        attachment, table, line = found
        if attachment in self.associations:
            raise CfnError(line, f"attachment {attachment} already has a route table, "
                                 f"{self.associations[attachment][0]} (line {self.associations[attachment][1]})")
        known = self.layer.tgw_attachments.get(attachment)
        if known is not None and self.defaults.get(known.transit_gateway, (None,))[0] is not None:
            raise CfnError(line, f"attachment {attachment} is associated with the default route table of "
                                 f"transit gateway {known.transit_gateway} (DefaultRouteTableAssociation is "
                                 f"enable): it cannot also be associated with {table}")
        self.associations[attachment] = (table, line)

    def _propagation(self, logical: str) -> None:
        found = self._link(logical)
        if found is not None and found[0] not in self.propagations[found[1]]:
            self.propagations[found[1]].append(found[0])

    def _route(self, logical: str) -> None:
        layer = self.layer
        props, line = layer.props(logical)
        layer.check_keys(logical, props, ROUTE_KEYS)
        table = layer.ref(props, "TransitGatewayRouteTableId", (TABLE,), "transit gateway route table")
        if "DestinationCidrBlock" not in props:
            raise CfnError(line, f"transit gateway route {logical} needs DestinationCidrBlock")
        destination = layer.cidr(props, "DestinationCidrBlock", Family.V4, f"route {logical}") \
            if _is_v4(layer, props) else layer.cidr(props, "DestinationCidrBlock", Family.V6, f"route {logical}")
        blackhole = layer.flag(props, "Blackhole", False)
        attachment = layer.ref(props, "TransitGatewayAttachmentId", ATTACHMENTS, "transit gateway attachment",
                               required=False)
        if blackhole is True and attachment is not None:
            raise CfnError(line, f"transit gateway route {logical} has both Blackhole and an attachment")
        if blackhole is False and attachment is None:
            raise CfnError(line, f"transit gateway route {logical} needs TransitGatewayAttachmentId or "
                                 "Blackhole: true")
        assert table is not None
        if table not in self.routes:
            layer.warn(line, f"{logical} adds a route to transit gateway route table {layer.absent(table)}: it "
                             "is not read (that table is a free choice)")
            return
        why = ""
        if layer.uncertain(logical):
            why = f"its route {logical} may not exist: {layer.uncertain(logical)}"
        elif isinstance(destination, Unknown):
            why = f"route {logical}: {unknown_text('DestinationCidrBlock', destination)}"
        elif isinstance(blackhole, Unknown):
            why = f"route {logical}: {unknown_text('Blackhole', blackhole)}"
        if why:
            self.unsure.setdefault(table, (line, why))
            return
        if attachment is not None and attachment not in layer.tgw_attachments:
            layer.warn(line, f"transit gateway route {logical} leads to attachment {layer.absent(attachment)}: "
                             "where it delivers is a free choice")
        assert destination is not None
        self.routes[table].append(TgwRoute(destination, attachment, blackhole is True, layer.origin(line)))


def _is_v4(layer: Layer, props: Any) -> bool:
    value = layer.value(props, "DestinationCidrBlock")
    return not (isinstance(value, str) and ":" in value)


def read_transit(layer: Layer) -> None:
    _Transit(layer).read()
