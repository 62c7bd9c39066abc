# A reduced rewrite of terraform-aws-vpc (main.tf, outputs.tf): the VPC,
# private subnets with one route table each, and, with IPv6, the egress-only
# gateway with a ::/0 route in each table. The IPv6 attributes are written as
# the module writes them.
variable "cidr" {
  type = string
}
variable "private_subnets" {
  type = list(string)
}
variable "enable_ipv6" {
  type    = bool
  default = false
}
variable "ipv6_cidr" {
  type    = string
  default = null
}
variable "ipv6_prefixes" {
  type    = list(number)
  default = []
}

resource "aws_vpc" "this" {
  cidr_block                       = var.cidr
  assign_generated_ipv6_cidr_block = var.enable_ipv6 ? true : null
  ipv6_cidr_block                  = var.ipv6_cidr
}

resource "aws_subnet" "private" {
  count = length(var.private_subnets)

  vpc_id                          = aws_vpc.this.id
  cidr_block                      = var.private_subnets[count.index]
  ipv6_cidr_block                 = var.enable_ipv6 && length(var.ipv6_prefixes) > 0 ? cidrsubnet(aws_vpc.this.ipv6_cidr_block, 8, var.ipv6_prefixes[count.index]) : null
  assign_ipv6_address_on_creation = var.enable_ipv6
}

resource "aws_route_table" "private" {
  count  = length(var.private_subnets)
  vpc_id = aws_vpc.this.id
}

resource "aws_route_table_association" "private" {
  count          = length(var.private_subnets)
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}

resource "aws_egress_only_internet_gateway" "this" {
  count  = var.enable_ipv6 ? 1 : 0
  vpc_id = aws_vpc.this.id
}

resource "aws_route" "private_ipv6_egress" {
  count                       = var.enable_ipv6 ? length(var.private_subnets) : 0
  route_table_id              = aws_route_table.private[count.index].id
  destination_ipv6_cidr_block = "::/0"
  egress_only_gateway_id      = aws_egress_only_internet_gateway.this[0].id
}

output "vpc_id" {
  value = aws_vpc.this.id
}
output "private_subnets" {
  value = aws_subnet.private[*].id
}
output "private_route_table_ids" {
  value = aws_route_table.private[*].id
}
