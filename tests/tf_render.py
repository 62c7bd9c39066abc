"""Write a model network with a VPC layer as a Terraform configuration, for
differential tests of the Terraform reader against the path oracle.

Only what Terraform can write with every value known is rendered: no public
addresses (AWS assigns them; a configuration never holds their values), no
NAT gateways (their Elastic IPs likewise), no blackhole routes, peerings
accepted in the configuration. `writable` turns a network into the one that
is rendered, so the oracle decides on exactly what the reader reads.
"""

from __future__ import annotations

from dataclasses import replace

from sgverify.model import CidrPeer, Direction, GroupPeer, Network
from sgverify.model.topology import TargetKind

ICMP = 1
PORTED = (6, 17)


def name(key: str) -> str:
    return key.replace("-", "_")


def writable(network: Network) -> Network:
    t = network.topology
    tables = {}
    for key, table in t.route_tables.items():
        routes = tuple(r for r in table.routes if not r.blackhole and _accepted(t, table.vpc, r))
        tables[key] = replace(table, routes=routes)
    peerings = {k: replace(p, active=True) for k, p in t.peerings.items()}
    resources = {k: replace(r, public_ips=()) for k, r in network.resources.items()}
    return replace(network, resources=resources,
                   topology=replace(t, route_tables=tables, peerings=peerings, nat_gateways={}))


def _accepted(t, vpc: str, route) -> bool:
    """A route AWS (and so the reader) accepts in a table of `vpc`, to a target rendered."""
    kind = route.target_kind
    if kind is TargetKind.INTERNET_GATEWAY:
        return route.target in t.internet_gateways and t.internet_gateways[route.target].vpc == vpc
    if kind is TargetKind.PEERING:
        peering = t.peerings.get(route.target)
        return peering is not None and vpc in (peering.requester_vpc, peering.accepter_vpc)
    return kind is TargetKind.TRANSIT_GATEWAY


def render(network: Network) -> str:
    t = network.topology
    out = []
    for key, vpc in sorted(t.vpcs.items()):
        out.append(f'resource "aws_vpc" "{name(key)}" {{\n  cidr_block = "{vpc.cidrs[0]}"\n}}\n')
    for key, gateway in sorted(t.internet_gateways.items()):
        out.append(f'resource "aws_internet_gateway" "{name(key)}" {{\n  vpc_id = aws_vpc.{name(gateway.vpc)}.id\n}}\n')
    for key, peering in sorted(t.peerings.items()):
        out.append(f'resource "aws_vpc_peering_connection" "{name(key)}" {{\n'
                   f'  vpc_id      = aws_vpc.{name(peering.requester_vpc)}.id\n'
                   f'  peer_vpc_id = aws_vpc.{name(peering.accepter_vpc)}.id\n  auto_accept = true\n}}\n')
    for key, subnet in sorted(t.subnets.items()):
        out.append(f'resource "aws_subnet" "{name(key)}" {{\n  vpc_id     = aws_vpc.{name(subnet.vpc)}.id\n'
                   f'  cidr_block = "{subnet.cidrs[0]}"\n}}\n')
    out += [_table(t, key, table) for key, table in sorted(t.route_tables.items())]
    out += [_acl(t, key, acl) for key, acl in sorted(t.nacls.items())]
    out += _transit(t)
    out += [_group(network, key) for key in sorted(network.groups)]
    for key, resource in sorted(network.resources.items()):
        address = next(str(c) for c in _addresses(resource))
        groups = ", ".join(f"aws_security_group.{name(g)}.id" for g in resource.groups)
        out.append(f'resource "aws_instance" "{name(key)}" {{\n  ami = "ami-1"\n  instance_type = "t3.micro"\n'
                   f'  subnet_id = aws_subnet.{name(resource.subnet_ids[0])}.id\n  private_ip = "{address}"\n'
                   f'  vpc_security_group_ids = [{groups}]\n}}\n')
    return "\n".join(out)


def _addresses(resource):
    from sgverify.model.addresses import format_address

    return [format_address(f, v) for f, v in resource.ips]


TARGET_FIELDS = {TargetKind.INTERNET_GATEWAY: ("gateway_id", "aws_internet_gateway"),
                 TargetKind.PEERING: ("vpc_peering_connection_id", "aws_vpc_peering_connection"),
                 TargetKind.TRANSIT_GATEWAY: ("transit_gateway_id", "aws_ec2_transit_gateway")}


def _table(t, key: str, table) -> str:
    routes = "".join(f'  route {{\n    cidr_block = "{r.destination}"\n    {TARGET_FIELDS[r.target_kind][0]} = '
                     f'{TARGET_FIELDS[r.target_kind][1]}.{name(r.target)}.id\n  }}\n' for r in table.routes)
    if table.is_main:
        return (f'resource "aws_default_route_table" "{name(key)}" {{\n'
                f'  default_route_table_id = aws_vpc.{name(table.vpc)}.default_route_table_id\n{routes}}}\n')
    text = f'resource "aws_route_table" "{name(key)}" {{\n  vpc_id = aws_vpc.{name(table.vpc)}.id\n{routes}}}\n'
    for subnet in sorted(k for k, s in t.subnets.items() if s.route_table == key):
        text += (f'resource "aws_route_table_association" "{name(subnet)}" {{\n'
                 f'  subnet_id = aws_subnet.{name(subnet)}.id\n  route_table_id = aws_route_table.{name(key)}.id\n}}\n')
    return text


def _entry(block: str, e) -> str:
    s = e.service
    fields = [f"rule_no = {e.number}", f'action = "{e.action.value}"', f'cidr_block = "{e.cidr}"']
    if s.protocol == -1:
        fields += ['protocol = "-1"', "from_port = 0", "to_port = 0"]
    elif s.protocol in PORTED:
        lo, hi = (s.ports[0].lo, s.ports[0].hi) if s.ports else (0, 65535)
        fields += [f'protocol = "{s.protocol}"', f"from_port = {lo}", f"to_port = {hi}"]
    elif s.protocol == ICMP:
        fields += ['protocol = "1"', "from_port = 0", "to_port = 0", "icmp_type = -1", "icmp_code = -1"]
    else:
        fields += [f'protocol = "{s.protocol}"', "from_port = 0", "to_port = 0"]
    return f"  {block} {{\n" + "".join(f"    {f}\n" for f in fields) + "  }\n"


def _acl(t, key: str, acl) -> str:
    entries = "".join(_entry("ingress", e) for e in acl.inbound) + "".join(_entry("egress", e) for e in acl.outbound)
    if acl.is_default:
        return (f'resource "aws_default_network_acl" "{name(key)}" {{\n'
                f'  default_network_acl_id = aws_vpc.{name(acl.vpc)}.default_network_acl_id\n{entries}}}\n')
    subnets = ", ".join(f"aws_subnet.{name(k)}.id" for k, s in sorted(t.subnets.items()) if s.nacl == key)
    return (f'resource "aws_network_acl" "{name(key)}" {{\n  vpc_id = aws_vpc.{name(acl.vpc)}.id\n'
            f'  subnet_ids = [{subnets}]\n{entries}}}\n')


def _transit(t) -> list[str]:
    out = []
    for key in sorted(t.transit_gateways):
        out.append(f'resource "aws_ec2_transit_gateway" "{name(key)}" {{\n'
                   f'  default_route_table_association = "disable"\n  default_route_table_propagation = "disable"\n}}\n')
    for key, att in sorted(t.tgw_attachments.items()):
        subnets = ", ".join(f"aws_subnet.{name(s)}.id" for s in att.subnets)
        out.append(f'resource "aws_ec2_transit_gateway_vpc_attachment" "{name(key)}" {{\n'
                   f'  transit_gateway_id = aws_ec2_transit_gateway.{name(att.transit_gateway)}.id\n'
                   f'  vpc_id = aws_vpc.{name(att.vpc)}.id\n  subnet_ids = [{subnets}]\n'
                   f'  transit_gateway_default_route_table_association = false\n'
                   f'  transit_gateway_default_route_table_propagation = false\n}}\n')
        if att.route_table:
            out.append(f'resource "aws_ec2_transit_gateway_route_table_association" "{name(key)}" {{\n'
                       f'  transit_gateway_attachment_id = aws_ec2_transit_gateway_vpc_attachment.{name(key)}.id\n'
                       f'  transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.{name(att.route_table)}.id\n}}\n')
    for key, table in sorted(t.tgw_route_tables.items()):
        ref = f"aws_ec2_transit_gateway_route_table.{name(key)}.id"
        out.append(f'resource "aws_ec2_transit_gateway_route_table" "{name(key)}" {{\n'
                   f'  transit_gateway_id = aws_ec2_transit_gateway.{name(table.transit_gateway)}.id\n}}\n')
        for i, r in enumerate(table.routes):
            target = "blackhole = true" if r.blackhole else \
                f"transit_gateway_attachment_id = aws_ec2_transit_gateway_vpc_attachment.{name(r.attachment)}.id"
            out.append(f'resource "aws_ec2_transit_gateway_route" "{name(key)}_{i}" {{\n'
                       f'  destination_cidr_block = "{r.destination}"\n  {target}\n'
                       f'  transit_gateway_route_table_id = {ref}\n}}\n')
        for att in table.propagations:
            out.append(f'resource "aws_ec2_transit_gateway_route_table_propagation" "{name(key)}_{name(att)}" {{\n'
                       f'  transit_gateway_attachment_id = aws_ec2_transit_gateway_vpc_attachment.{name(att)}.id\n'
                       f'  transit_gateway_route_table_id = {ref}\n}}\n')
    return out


def _group(network: Network, key: str) -> str:
    group = network.groups[key]
    blocks = []
    for rule in group.ingress + group.egress:
        block = "ingress" if rule.direction is Direction.INGRESS else "egress"
        s = rule.service
        if s.protocol == -1:
            fields = ['protocol = "-1"', "from_port = 0", "to_port = 0"]
        elif s.protocol in PORTED:
            lo, hi = (s.ports[0].lo, s.ports[0].hi) if s.ports else (0, 65535)
            fields = [f'protocol = "{s.protocol}"', f"from_port = {lo}", f"to_port = {hi}"]
        elif s.protocol == ICMP:
            fields = ['protocol = "icmp"', "from_port = -1", "to_port = -1"]
        else:
            fields = [f'protocol = "{s.protocol}"', "from_port = 0", "to_port = 0"]
        peer = rule.peer
        if isinstance(peer, CidrPeer):
            fields.append(f'cidr_blocks = ["{peer.cidr}"]')
        elif isinstance(peer, GroupPeer) and peer.group == key:
            fields.append("self = true")
        elif isinstance(peer, GroupPeer):
            fields.append(f"security_groups = [aws_security_group.{name(peer.group)}.id]")
        else:
            raise ValueError(f"cannot render {peer}")
        blocks.append(f"  {block} {{\n" + "".join(f"    {f}\n" for f in fields) + "  }\n")
    return (f'resource "aws_security_group" "{name(key)}" {{\n  vpc_id = aws_vpc.{name(group.vpc)}.id\n'
            + "".join(blocks) + "}\n")
