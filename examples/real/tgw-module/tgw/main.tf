# A reduced rewrite of the terraform-aws-modules transit gateway module
# (main.tf): the gateway, one attachment per entry of var.vpc_attachments, the
# module's route table with each attachment's tgw_routes, and the association
# and propagation of the attachments that leave the default table.
variable "vpc_attachments" {
  type = any
}

locals {
  # each attachment's key paired with each of its routes
  attachment_routes = chunklist(flatten([
    for k, v in var.vpc_attachments : setproduct([{ key = k }], v.tgw_routes) if can(v.tgw_routes)
  ]), 2)
}

resource "aws_ec2_transit_gateway" "this" {
  default_route_table_association = "enable"
  default_route_table_propagation = "enable"
}

resource "aws_ec2_transit_gateway_vpc_attachment" "this" {
  for_each = var.vpc_attachments

  transit_gateway_id = aws_ec2_transit_gateway.this.id
  vpc_id             = each.value.vpc_id
  subnet_ids         = each.value.subnet_ids

  transit_gateway_default_route_table_association = try(each.value.transit_gateway_default_route_table_association, true)
  transit_gateway_default_route_table_propagation = try(each.value.transit_gateway_default_route_table_propagation, true)
}

resource "aws_ec2_transit_gateway_route_table" "this" {
  transit_gateway_id = aws_ec2_transit_gateway.this.id
}

resource "aws_ec2_transit_gateway_route" "this" {
  count = length(local.attachment_routes)

  destination_cidr_block         = local.attachment_routes[count.index][1].destination_cidr_block
  blackhole                      = try(local.attachment_routes[count.index][1].blackhole, null)
  transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.this.id
  transit_gateway_attachment_id  = tobool(try(local.attachment_routes[count.index][1].blackhole, false)) == false ? aws_ec2_transit_gateway_vpc_attachment.this[local.attachment_routes[count.index][0].key].id : null
}

resource "aws_ec2_transit_gateway_route_table_association" "this" {
  for_each = { for k, v in var.vpc_attachments : k => v if try(v.transit_gateway_default_route_table_association, true) != true }

  transit_gateway_attachment_id  = aws_ec2_transit_gateway_vpc_attachment.this[each.key].id
  transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.this.id
}

resource "aws_ec2_transit_gateway_route_table_propagation" "this" {
  for_each = { for k, v in var.vpc_attachments : k => v if try(v.transit_gateway_default_route_table_propagation, true) != true }

  transit_gateway_attachment_id  = aws_ec2_transit_gateway_vpc_attachment.this[each.key].id
  transit_gateway_route_table_id = aws_ec2_transit_gateway_route_table.this.id
}

output "ec2_transit_gateway_id" {
  value = aws_ec2_transit_gateway.this.id
}
