"""Route tables of a configuration: `aws_route_table` (inline `route` blocks),
`aws_route`, `aws_default_route_table`, gateway endpoints and associations.

Every VPC has a main route table holding only its `local` route; a subnet
without an association uses it. `aws_default_route_table` manages that table
and, as Terraform does, replaces its routes with the ones it declares;
`aws_main_route_table_association` makes another table the main one. A state
lists a table's `aws_route` routes among its inline ones too: a route written
twice the same way is one route. A table whose routes cannot all be known (a
destination that is not literal, a route that may not exist, routes a VPN
gateway propagates) is left out, so the routes of its subnets are a free choice.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ....model import Family, Origin
from ....model.topology import Route, RouteTable, TargetKind, VpcEndpoint
from ...vpc_defaults import main_table
from ..common import Ref, TfResource, Unknown, known
from .associations import associate
from .layer import MAIN_TABLE, Skip, TfLayer, derived_key, unknown_text
from .network import VPC

TABLE_TYPES = ("aws_route_table", "aws_default_route_table")
ENDPOINT = "aws_vpc_endpoint"
# target attribute -> (kind, resource types it may name)
TARGETS: dict[str, tuple[TargetKind, tuple[str, ...]]] = {
    "gateway_id": (TargetKind.OTHER, ("aws_internet_gateway", "aws_vpn_gateway", "aws_egress_only_internet_gateway")),
    "nat_gateway_id": (TargetKind.NAT_GATEWAY, ("aws_nat_gateway",)),
    "vpc_peering_connection_id": (TargetKind.PEERING, ("aws_vpc_peering_connection",
                                                        "aws_vpc_peering_connection_accepter")),
    "transit_gateway_id": (TargetKind.TRANSIT_GATEWAY, ("aws_ec2_transit_gateway",)),
    "egress_only_gateway_id": (TargetKind.EGRESS_ONLY_GATEWAY, ("aws_egress_only_internet_gateway",)),
    "network_interface_id": (TargetKind.INTERFACE, ("aws_network_interface",)),
    "instance_id": (TargetKind.INTERFACE, ("aws_instance",)),
    "vpc_endpoint_id": (TargetKind.OTHER, (ENDPOINT,)),  # a Gateway Load Balancer endpoint
    "carrier_gateway_id": (TargetKind.OTHER, ()),
    "local_gateway_id": (TargetKind.OTHER, ()),
    "core_network_arn": (TargetKind.OTHER, ()),
}
GATEWAY_KINDS = {"aws_internet_gateway": TargetKind.INTERNET_GATEWAY, "aws_vpn_gateway": TargetKind.VPN_GATEWAY,
                 "aws_egress_only_internet_gateway": TargetKind.EGRESS_ONLY_GATEWAY}
GATEWAY_PREFIXES = {"igw-": TargetKind.INTERNET_GATEWAY, "vgw-": TargetKind.VPN_GATEWAY,
                    "eigw-": TargetKind.EGRESS_ONLY_GATEWAY, "vpce-": TargetKind.GATEWAY_ENDPOINT}
# destination attribute of an inline route / of aws_route -> family (None: a prefix list)
INLINE_DESTINATIONS = {"cidr_block": Family.V4, "ipv6_cidr_block": Family.V6, "destination_prefix_list_id": None}
ROUTE_DESTINATIONS = {"destination_cidr_block": Family.V4, "destination_ipv6_cidr_block": Family.V6,
                      "destination_prefix_list_id": None}


class _Tables:
    def __init__(self, layer: TfLayer):
        self.layer = layer
        self.routes: dict[str, list[Route]] = {}
        self.unsure: dict[str, tuple[Origin, str]] = {}
        self.mains: dict[str, str] = {}  # VPC -> its main table, when another table is made main

    def read(self) -> None:
        layer = self.layer
        for vpc in layer.vpcs.values():
            key = derived_key(vpc.key, MAIN_TABLE)
            layer.route_tables[key] = main_table(key, vpc)
            self.routes[key] = []
        layer.each(TABLE_TYPES, self._table)
        layer.each((ENDPOINT,), self._endpoint)
        layer.each(("aws_vpc_endpoint_route_table_association",), self._endpoint_association)
        layer.each(("aws_route",), self._route)
        layer.each(("aws_vpn_gateway_route_propagation",), self._propagation)
        layer.each(("aws_main_route_table_association",), self._main)
        for key, routes in self.routes.items():
            table = layer.route_tables.get(key)
            if table is None:
                continue
            if key in self.unsure:
                del layer.route_tables[key]
                origin, why = self.unsure[key]
                layer.leave_out(key, origin, why, "route table")
                continue
            is_main = self.mains.get(table.vpc, key if table.is_main else None) == key
            layer.route_tables[key] = replace(table, routes=_distinct(routes), is_main=is_main)
        associate(layer, ("aws_route_table_association",), "route_table_id", TABLE_TYPES, "route table",
                  layer.route_tables, "route_table")

    def _table(self, res: TfResource) -> None:
        layer = self.layer
        if res.type == "aws_default_route_table":
            key = layer.key_of(res.values.get("default_route_table_id"), TABLE_TYPES, "route table", res.origin)
            if key not in self.routes:
                return layer.warn(res.origin, f"{res.address} manages route table {layer.absent(key)}: its routes "
                                              "are not read (that table is a free choice)")
            self.routes[key] = []  # Terraform replaces the main table's routes with these
        else:
            key = res.address
            vpc = layer.ref(res, "vpc_id", (VPC,), "VPC")
            assert vpc is not None
            if layer.uncertain(res):
                return layer.leave_out(key, res.origin, f"it may not exist: {layer.uncertain(res)}", "route table")
            if vpc not in layer.vpcs:
                layer.warn(res.origin, f"route table {key} is in VPC {layer.absent(vpc)}")
            layer.route_tables[key] = RouteTable(key, vpc, (), name=layer.name(res), origin=res.origin)
            self.routes[key] = []
        if layer.given(res.values, "propagating_vgws"):
            self.unsure.setdefault(key, (res.origin, f"{res.address} propagates routes of a VPN gateway, whose "
                                                     "destinations the input does not hold"))
        blocks = res.values.get("route")
        if isinstance(blocks, Unknown):
            self.unsure.setdefault(key, (res.origin, f"{res.address}.route {blocks.reason}"))
            return
        for index, block in enumerate(blocks or []):
            origin = res.block_origin("route", index)
            if isinstance(block, dict):
                self._add(key, f"{res.address}.route[{index}]", block, INLINE_DESTINATIONS, origin)
            else:
                self.unsure.setdefault(key, (origin, f"{res.address}.route[{index}] is not known"))

    def _route(self, res: TfResource) -> None:
        layer = self.layer
        table = layer.ref(res, "route_table_id", TABLE_TYPES, "route table")
        assert table is not None
        if table not in self.routes and layer.not_known(res, "route_table_id"):
            why = f"route {res.address} may be in it: {layer.not_known(res, 'route_table_id')}"
            vpc = self._gateway_vpc(res.values)
            for key in self.routes:
                if vpc is None or getattr(layer.route_tables.get(key), "vpc", None) == vpc:
                    self.unsure.setdefault(key, (res.origin, why))
            return
        if table not in self.routes:
            return layer.warn(res.origin, f"{res.address} adds a route to route table {layer.absent(table)}: it is "
                                          "not read (that table is a free choice)")
        if layer.uncertain(res):
            self.unsure.setdefault(table, (res.origin, f"its route {res.address} may not exist: "
                                                       f"{layer.uncertain(res)}"))
            return
        self._add(table, res.address, res.values, ROUTE_DESTINATIONS, res.origin)

    def _add(self, table: str, where: str, values: dict, destinations: dict, origin: Origin) -> None:
        layer = self.layer
        given = [k for k in destinations if layer.given(values, k)]
        targets = [k for k in TARGETS if layer.given(values, k)]
        if len(given) != 1:
            layer.ctx.error(origin, f"route {where} needs exactly one destination: one of "
                                    f"{', '.join(destinations)}" + (f" (it has {', '.join(given)})" if given else ""))
            return
        if len(targets) != 1:
            layer.ctx.error(origin, f"route {where} needs exactly one target: one of {', '.join(TARGETS)}"
                                    + (f" (it has {', '.join(targets)})" if targets else ""))
            return
        try:
            kind, target = self._target(where, values, targets[0], origin)
        except Skip:
            return
        family = destinations[given[0]]
        if family is None:
            prefix_list = layer.key_of(values[given[0]], ("aws_ec2_managed_prefix_list",), "prefix list", origin)
            self.routes[table].append(Route(kind, target, None, prefix_list, origin=origin))
            return
        try:
            destination = layer.cidr(values, given[0], family, f"route {where}", origin)
        except Skip:
            return
        if isinstance(destination, Unknown):
            self.unsure.setdefault(table, (origin, f"route {where}: {unknown_text(given[0], destination)}"))
            return
        self.routes[table].append(Route(kind, target, destination, origin=origin))

    def _target(self, where: str, values: dict, key: str, origin: Origin) -> tuple[TargetKind, str]:
        layer = self.layer
        kind, types = TARGETS[key]
        raw = values[key]
        if key == "gateway_id":
            target = layer.ctx.resources.get(raw.address) if isinstance(raw, Ref) else None
            text = known(raw)
            if target is not None and target.type in GATEWAY_KINDS:
                kind = GATEWAY_KINDS[target.type]
            elif target is not None and target.type == "aws_nat_gateway" or \
                    isinstance(text, str) and text.startswith("nat-"):
                # EC2 takes a NAT gateway given as gateway_id as its NAT gateway (Terraform then
                # shows a change on every plan): the route is a NAT route
                named = known(raw) if target is None else target.address
                layer.warn(origin, f"route {where} names NAT gateway {named} as gateway_id: AWS routes it as "
                                   "nat_gateway_id")
                kind, types = TargetKind.NAT_GATEWAY, ("aws_nat_gateway",)
            elif text == "local":
                return TargetKind.LOCAL, ""
            elif isinstance(text, str):
                found = layer.ctx.resources.get(layer.ids.get(text, ""))
                kind = GATEWAY_KINDS.get(found.type, TargetKind.OTHER) if found is not None else \
                    next((k for p, k in GATEWAY_PREFIXES.items() if text.startswith(p)), TargetKind.OTHER)
        if types:
            target_key = layer.key_of(raw, types, "route target", origin)
        else:
            value = known(raw)
            target_key = value if isinstance(value, str) else f"<{key}: not known>"
            layer.warn(origin, f"route {where} targets a {key.removesuffix('_id').removesuffix('_arn')}: not "
                               "modelled, what it delivers is a free choice")
        if key == "vpc_endpoint_id":
            layer.warn(origin, f"route {where} forwards to endpoint {target_key}: what the appliances behind a "
                               "Gateway Load Balancer endpoint do is not modelled (a free choice)")
        return kind, target_key

    def _endpoint(self, res: TfResource) -> None:
        """A gateway endpoint adds a route for its service's prefix list to each of its tables."""
        layer = self.layer
        kind = layer.text(res.values, "vpc_endpoint_type", "Gateway")
        tables = layer.keys_of(res.values, "route_table_ids", TABLE_TYPES, "route table", res.origin)
        if isinstance(kind, Unknown) or kind != "Gateway":
            if isinstance(kind, Unknown) and not isinstance(tables, Unknown):
                for table in tables:
                    self.unsure.setdefault(table, (res.origin, f"endpoint {res.address} may add a route to it "
                                                               f"({unknown_text('vpc_endpoint_type', kind)})"))
            return  # an interface endpoint is a resource with groups
        vpc = layer.ref(res, "vpc_id", (VPC,), "VPC")
        service = layer.text(res.values, "service_name")
        prefix_list = service if isinstance(service, str) and service else f"<service of {res.address}>"
        if isinstance(tables, Unknown):
            layer.warn(res.origin, f"endpoint {res.address}: route_table_ids {tables.reason}; the tables it adds "
                                   "a route to are not known")
            tables = []
            self._unsure_in_vpc(vpc, res.origin, f"endpoint {res.address} may add a route to it")
        if layer.uncertain(res):
            for table in tables:
                self.unsure.setdefault(table, (res.origin, f"endpoint {res.address} may not exist "
                                                           f"({layer.uncertain(res)})"))
            return layer.leave_out(res.address, res.origin, f"it may not exist: {layer.uncertain(res)}", "endpoint")
        assert vpc is not None
        layer.endpoints[res.address] = VpcEndpoint(res.address, vpc, prefix_list, "Gateway", prefix_list,
                                                   tuple(tables), layer.name(res), res.origin)
        for table in tables:
            self._endpoint_route(res.address, table, res.origin)

    def _endpoint_association(self, res: TfResource) -> None:
        layer = self.layer
        endpoint = layer.ref(res, "vpc_endpoint_id", (ENDPOINT,), "VPC endpoint")
        table = layer.ref(res, "route_table_id", TABLE_TYPES, "route table")
        assert endpoint is not None and table is not None
        if endpoint not in layer.endpoints:
            if table in self.routes:
                self.unsure.setdefault(table, (res.origin, f"{res.address} adds a route to endpoint "
                                                           f"{layer.absent(endpoint)}"))
            return
        self._endpoint_route(endpoint, table, res.origin)

    def _endpoint_route(self, endpoint: str, table: str, origin: Origin) -> None:
        if table not in self.routes:
            return self.layer.warn(origin, f"endpoint {endpoint} adds a route to route table "
                                           f"{self.layer.absent(table)}")
        prefix_list = self.layer.endpoints[endpoint].prefix_list
        self.routes[table].append(Route(TargetKind.GATEWAY_ENDPOINT, endpoint, None, prefix_list, origin=origin))

    def _gateway_vpc(self, values: dict) -> str | None:
        """The VPC of the gateway a route targets, when it is one of the layer's: AWS puts a route
        to an internet, egress-only or NAT gateway only in a table of that gateway's VPC."""
        layer = self.layer
        for key, elements in (("gateway_id", layer.internet_gateways), ("nat_gateway_id", layer.nat_gateways),
                              ("egress_only_gateway_id", layer.egress_only_gateways)):
            value = values.get(key)
            gateway = elements.get(value.address) if isinstance(value, Ref) else None
            if gateway is not None and hasattr(gateway, "subnet"):
                subnet = layer.subnets.get(gateway.subnet)
                return subnet.vpc if subnet is not None else None
            if gateway is not None:
                return gateway.vpc
        return None

    def _unsure_in_vpc(self, vpc: Any, origin: Origin, why: str) -> None:
        for key in self.routes:
            table = self.layer.route_tables.get(key)
            if table is not None and table.vpc == vpc:
                self.unsure.setdefault(key, (origin, why))

    def _propagation(self, res: TfResource) -> None:
        table = self.layer.ref(res, "route_table_id", TABLE_TYPES, "route table")
        if table in self.routes:
            self.unsure.setdefault(table, (res.origin, f"{res.address} propagates routes of a VPN gateway into "
                                                       "it, whose destinations the input does not hold"))

    def _main(self, res: TfResource) -> None:
        layer = self.layer
        vpc = layer.ref(res, "vpc_id", (VPC,), "VPC")
        table = layer.ref(res, "route_table_id", TABLE_TYPES, "route table")
        assert vpc is not None and table is not None
        if vpc not in layer.vpcs:
            return
        if layer.uncertain(res) or table not in layer.route_tables:
            why = f"it may not exist: {layer.uncertain(res)}" if layer.uncertain(res) else \
                f"it makes {layer.absent(table)} the main table"
            main = derived_key(vpc, MAIN_TABLE)
            del layer.route_tables[main]
            self.routes.pop(main, None)
            return layer.leave_out(main, res.origin, f"{res.address}: {why}", "main route table")
        if layer.route_tables[table].vpc != vpc:
            layer.error(res.origin, f"{res.address}: route table {table} is not in VPC {vpc}")
        self.mains[vpc] = table


def _distinct(routes: list[Route]) -> tuple[Route, ...]:
    """Routes written twice the same way (inline in a state and as aws_route) are one route."""
    seen: dict[tuple, Route] = {}
    for route in routes:
        seen.setdefault((route.target_kind, route.target, route.destination, route.prefix_list), route)
    return tuple(seen.values())


def read_routes(layer: TfLayer) -> None:
    _Tables(layer).read()
