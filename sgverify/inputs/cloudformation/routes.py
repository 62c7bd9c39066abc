"""Route tables of a template: AWS::EC2::RouteTable, AWS::EC2::Route, gateway
endpoints and subnet associations.

Every VPC has a main route table holding only its `local` route
(`Vpc.MainRouteTable`); a subnet without an association uses it. A table
whose routes cannot all be known (a destination that is not literal, a route
that may not exist, routes a VPN gateway propagates) is left out, so the
routes of the subnets that use it are a free choice.
"""

from __future__ import annotations

from typing import Any

from ...model import Family
from ...model.topology import Route, RouteTable, TargetKind, VpcEndpoint
from .intrinsics import CfnError, ResRef, Unknown
from .ipv6_literals import incomparable_entry
from .layer import ROUTE_TABLE, VPC, Layer, absent_key, main_table_key, unknown_text

ROUTE = "AWS::EC2::Route"
ENDPOINT = "AWS::EC2::VPCEndpoint"
ASSOCIATION = "AWS::EC2::SubnetRouteTableAssociation"
PROPAGATION = "AWS::EC2::VPNGatewayRoutePropagation"
EDGE = "AWS::EC2::GatewayRouteTableAssociation"
DESTINATIONS = ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")
# target property -> (kind, template types it may name)
TARGETS: dict[str, tuple[TargetKind, tuple[str, ...]]] = {
    "GatewayId": (TargetKind.OTHER, ("AWS::EC2::InternetGateway", "AWS::EC2::VPNGateway", ENDPOINT)),
    "NatGatewayId": (TargetKind.NAT_GATEWAY, ("AWS::EC2::NatGateway",)),
    "VpcPeeringConnectionId": (TargetKind.PEERING, ("AWS::EC2::VPCPeeringConnection",)),
    "TransitGatewayId": (TargetKind.TRANSIT_GATEWAY, ("AWS::EC2::TransitGateway",)),
    "EgressOnlyInternetGatewayId": (TargetKind.EGRESS_ONLY_GATEWAY, ("AWS::EC2::EgressOnlyInternetGateway",)),
    "InstanceId": (TargetKind.INTERFACE, ("AWS::EC2::Instance",)),
    "NetworkInterfaceId": (TargetKind.INTERFACE, ("AWS::EC2::NetworkInterface",)),
    "VpcEndpointId": (TargetKind.OTHER, (ENDPOINT,)),  # a Gateway Load Balancer endpoint: appliances
    "CarrierGatewayId": (TargetKind.OTHER, ()),
    "LocalGatewayId": (TargetKind.OTHER, ()),
    "CoreNetworkArn": (TargetKind.OTHER, ()),
    "OdbNetworkArn": (TargetKind.OTHER, ()),
}
GATEWAY_KINDS = {"AWS::EC2::InternetGateway": TargetKind.INTERNET_GATEWAY,
                 "AWS::EC2::VPNGateway": TargetKind.VPN_GATEWAY, ENDPOINT: TargetKind.GATEWAY_ENDPOINT}
GATEWAY_PREFIXES = {"igw-": TargetKind.INTERNET_GATEWAY, "vgw-": TargetKind.VPN_GATEWAY,
                    "vpce-": TargetKind.GATEWAY_ENDPOINT}
ROUTE_KEYS = ("RouteTableId", *DESTINATIONS, *TARGETS)


class _Tables:
    def __init__(self, layer: Layer):
        self.layer = layer
        self.routes: dict[str, list[Route]] = {}
        self.unsure: dict[str, tuple[int, str]] = {}  # table -> (line, why its routes are not known)

    def read(self) -> None:
        layer = self.layer
        layer.each((ROUTE_TABLE,), self._table)
        layer.each((ENDPOINT,), self._endpoint)
        layer.each((ROUTE,), self._route)
        layer.each((PROPAGATION,), self._propagation)
        layer.each((EDGE,), self._edge)
        for key, routes in self.routes.items():
            table = layer.route_tables[key]
            if key in self.unsure:
                del layer.route_tables[key]
                line, why = self.unsure[key]
                layer.leave_out(key, line, why, "route table")
            else:
                layer.route_tables[key] = RouteTable(key, table.vpc, tuple(routes), False, table.name,
                                                     table.origin)
        for vpc in layer.vpcs.values():
            key = main_table_key(vpc.key)
            layer.route_tables[key] = RouteTable(key, vpc.key, (), True, f"main route table of {vpc.key}",
                                                 vpc.origin)
        layer.associate(ASSOCIATION, "RouteTableId", (ROUTE_TABLE,), "route table", layer.route_tables,
                        "route_table")

    def _table(self, logical: str) -> None:
        layer = self.layer
        props, line = layer.props(logical)
        layer.check_keys(logical, props, ("VpcId", "Tags"))
        vpc = layer.ref(props, "VpcId", (VPC,), "VPC")
        assert vpc is not None
        if layer.uncertain(logical):
            return layer.leave_out(logical, line, f"it may not exist: {layer.uncertain(logical)}", "route table")
        if vpc not in layer.vpcs:
            layer.warn(line, f"route table {logical} is in VPC {layer.absent(vpc)}")
        layer.route_tables[logical] = RouteTable(logical, vpc, (), name=layer.name(props, line),
                                                 origin=layer.origin(line))
        self.routes[logical] = []

    def _owner(self, logical: str, props: Any, key: str, line: int) -> str | None:
        """The table a route adds to; None when it is not read."""
        table = self.layer.key_of(props[key], line, (ROUTE_TABLE,), "route table")
        if table not in self.routes:
            self.layer.warn(line, f"{logical} adds routes to route table {self.layer.absent(table)}: "
                                  "they are not read (that table is a free choice)")
            return None
        return table

    def _route(self, logical: str) -> None:
        layer = self.layer
        props, line = layer.props(logical)
        layer.check_keys(logical, props, ROUTE_KEYS)
        if "RouteTableId" not in props:
            raise CfnError(line, f"route {logical} needs RouteTableId")
        destinations = [k for k in DESTINATIONS if k in props]
        targets = [k for k in TARGETS if k in props]
        if len(destinations) != 1:
            raise CfnError(line, f"route {logical} needs exactly one of {', '.join(DESTINATIONS)}"
                                 + (f" (it has {', '.join(destinations)})" if destinations else ""))
        if len(targets) != 1:
            raise CfnError(line, f"route {logical} needs exactly one target"
                                 + (f" (it has {', '.join(targets)})" if targets else
                                    f": one of {', '.join(TARGETS)}"))
        table = self._owner(logical, props, "RouteTableId", props.value_line("RouteTableId"))
        kind, target = self._target(logical, props, targets[0])
        destination, prefix_list = None, None
        key = destinations[0]
        if key == "DestinationPrefixListId":
            prefix_list = layer.ref(props, key, ("AWS::EC2::PrefixList",), "prefix list")
        else:
            family = Family.V4 if key == "DestinationCidrBlock" else Family.V6
            destination = layer.cidr(props, key, family, f"route {logical}")
        if table is None:
            return
        if layer.uncertain(logical):
            self.unsure.setdefault(table, (line, f"its route {logical} may not exist: {layer.uncertain(logical)}"))
            return
        if isinstance(destination, Unknown):
            self.unsure.setdefault(table, (line, f"route {logical}: {unknown_text(key, destination)}"))
            return
        incomparable = incomparable_entry(layer.ctx, prefix_list) if prefix_list else ""
        if incomparable:
            self.unsure.setdefault(table, (line, f"route {logical}: prefix list {prefix_list}: {incomparable}"))
            return
        self.routes[table].append(Route(kind, target, destination, prefix_list, origin=layer.origin(line)))

    def _target(self, logical: str, props: Any, key: str) -> tuple[TargetKind, str]:
        layer = self.layer
        kind, types = TARGETS[key]
        line = props.value_line(key)
        value = layer.resolver.resolve(props[key], line)
        if key == "GatewayId":
            if isinstance(value, ResRef) and value.type in GATEWAY_KINDS:
                kind = GATEWAY_KINDS[value.type]
                if kind is TargetKind.GATEWAY_ENDPOINT and value.logical not in layer.endpoints:
                    kind = TargetKind.OTHER
            elif isinstance(value, str):
                if value == "local":
                    return TargetKind.LOCAL, ""
                kind = next((k for p, k in GATEWAY_PREFIXES.items() if value.startswith(p)), TargetKind.OTHER)
        target = layer.key_of(props[key], line, types, "route target") if types else \
            absent_key(props[key], value, line)
        if key == "VpcEndpointId" and target in layer.ctx.resources:
            layer.warn(line, f"route {logical} forwards to endpoint {target}: what the appliances behind a "
                             "Gateway Load Balancer endpoint do is not modelled (a free choice)")
        elif types == () and key != "GatewayId":
            layer.warn(line, f"route {logical} targets a {key.removesuffix('Id').removesuffix('Arn')}: "
                             "not modelled, what it delivers is a free choice")
        return kind, target

    def _endpoint(self, logical: str) -> None:
        """A gateway endpoint adds a route for its service's prefix list to each of its tables."""
        layer = self.layer
        props, line = layer.props(logical)
        kind = layer.text(props, "VpcEndpointType", "Gateway")
        if isinstance(kind, Unknown) or kind != "Gateway":
            if isinstance(kind, Unknown) and "RouteTableIds" in props:
                for table, item_line in layer.keys_of(props, "RouteTableIds", (ROUTE_TABLE,), "route table"):
                    if table in self.routes:
                        self.unsure.setdefault(table, (item_line, f"endpoint {logical} may add a route to it "
                                                                  f"({unknown_text('VpcEndpointType', kind)})"))
            return  # interface endpoints are resources (resources.py)
        vpc = layer.ref(props, "VpcId", (VPC,), "VPC")
        service = layer.text(props, "ServiceName")
        if "ServiceName" not in props:
            raise CfnError(line, f"endpoint {logical} needs ServiceName")
        prefix_list = service if isinstance(service, str) else service.written
        tables = layer.keys_of(props, "RouteTableIds", (ROUTE_TABLE,), "route table")
        if layer.uncertain(logical):
            for table, item_line in tables:
                if table in self.routes:
                    self.unsure.setdefault(table, (item_line, f"endpoint {logical} may not exist "
                                                              f"({layer.uncertain(logical)})"))
            return layer.leave_out(logical, line, f"it may not exist: {layer.uncertain(logical)}", "endpoint")
        assert vpc is not None
        if vpc not in layer.vpcs:
            layer.warn(line, f"endpoint {logical} is in VPC {layer.absent(vpc)}")
        layer.endpoints[logical] = VpcEndpoint(logical, vpc, prefix_list, "Gateway", prefix_list,
                                               tuple(t for t, _ in tables), layer.name(props, line),
                                               layer.origin(line))
        for table, item_line in tables:
            if table not in self.routes:
                layer.warn(item_line, f"endpoint {logical} adds a route to route table {layer.absent(table)}")
                continue
            self.routes[table].append(Route(TargetKind.GATEWAY_ENDPOINT, logical, None, prefix_list,
                                            origin=layer.origin(item_line)))

    def _propagation(self, logical: str) -> None:
        layer = self.layer
        props, line = layer.props(logical)
        for table, item_line in layer.keys_of(props, "RouteTableIds", (ROUTE_TABLE,), "route table"):
            if table in self.routes:
                self.unsure.setdefault(table, (item_line, f"{logical} propagates routes of a VPN gateway "
                                                          "into it, whose destinations the template does "
                                                          "not hold"))

    def _edge(self, logical: str) -> None:
        _, line = self.layer.props(logical)
        self.layer.warn(line, f"{logical}: ingress routing (a route table associated with a gateway) is not "
                              "modelled; traffic entering through that gateway is taken to go straight to "
                              "its destination")


def read_routes(layer: Layer) -> None:
    _Tables(layer).read()
