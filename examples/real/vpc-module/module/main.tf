# What the VPC module of https://github.com/terraform-aws-modules/terraform-aws-vpc
# creates for public, private and database subnets: one subnet per CIDR given,
# a public route table with a default route to the internet gateway, NAT
# gateways (one, with single_nat_gateway) and a private route table per NAT
# gateway with a default route to it; database subnets share the private
# tables unless they get their own. Reduced and rewritten for sgverify.
locals {
  len_public_subnets   = length(var.public_subnets)
  len_private_subnets  = length(var.private_subnets)
  len_database_subnets = length(var.database_subnets)
  max_subnet_length    = max(local.len_private_subnets, local.len_public_subnets, local.len_database_subnets)
  nat_gateway_count    = var.single_nat_gateway ? 1 : var.one_nat_gateway_per_az ? length(var.azs) : local.max_subnet_length
  vpc_id               = aws_vpc.this[0].id
}

resource "aws_vpc" "this" {
  count = var.create_vpc ? 1 : 0

  cidr_block           = var.cidr
  enable_dns_hostnames = var.enable_dns_hostnames
  enable_dns_support   = var.enable_dns_support
  tags                 = merge({ "Name" = var.name }, var.tags)
}

# -- public -------------------------------------------------------------------

resource "aws_subnet" "public" {
  count = var.create_vpc && local.len_public_subnets > 0 ? local.len_public_subnets : 0

  vpc_id                  = local.vpc_id
  cidr_block              = element(concat(var.public_subnets, [""]), count.index)
  availability_zone       = element(var.azs, count.index)
  map_public_ip_on_launch = var.map_public_ip_on_launch
  tags                    = merge({ Name = format("${var.name}-public-%s", element(var.azs, count.index)) }, var.tags)
}

resource "aws_internet_gateway" "this" {
  count = var.create_vpc && local.len_public_subnets > 0 && var.create_igw ? 1 : 0

  vpc_id = local.vpc_id
  tags   = merge({ "Name" = var.name }, var.tags)
}

resource "aws_route_table" "public" {
  count = var.create_vpc && local.len_public_subnets > 0 ? 1 : 0

  vpc_id = local.vpc_id
  tags   = merge({ "Name" = "${var.name}-public" }, var.tags)
}

resource "aws_route" "public_internet_gateway" {
  count = var.create_vpc && local.len_public_subnets > 0 && var.create_igw ? 1 : 0

  route_table_id         = aws_route_table.public[0].id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this[0].id
}

resource "aws_route_table_association" "public" {
  count = var.create_vpc && local.len_public_subnets > 0 ? local.len_public_subnets : 0

  subnet_id      = element(aws_subnet.public[*].id, count.index)
  route_table_id = aws_route_table.public[0].id
}

# -- private ------------------------------------------------------------------

resource "aws_subnet" "private" {
  count = var.create_vpc && local.len_private_subnets > 0 ? local.len_private_subnets : 0

  vpc_id            = local.vpc_id
  cidr_block        = element(concat(var.private_subnets, [""]), count.index)
  availability_zone = element(var.azs, count.index)
  tags              = merge({ Name = format("${var.name}-private-%s", element(var.azs, count.index)) }, var.tags)
}

resource "aws_route_table" "private" {
  count = var.create_vpc && local.max_subnet_length > 0 ? local.nat_gateway_count : 0

  vpc_id = local.vpc_id
  tags   = merge({ "Name" = var.single_nat_gateway ? "${var.name}-private" : format("${var.name}-private-%s", element(var.azs, count.index)) }, var.tags)
}

resource "aws_route_table_association" "private" {
  count = var.create_vpc && local.len_private_subnets > 0 ? local.len_private_subnets : 0

  subnet_id      = element(aws_subnet.private[*].id, count.index)
  route_table_id = element(aws_route_table.private[*].id, var.single_nat_gateway ? 0 : count.index)
}

resource "aws_eip" "nat" {
  count = var.create_vpc && var.enable_nat_gateway ? local.nat_gateway_count : 0

  domain     = "vpc"
  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  count = var.create_vpc && var.enable_nat_gateway ? local.nat_gateway_count : 0

  allocation_id = element(aws_eip.nat[*].id, var.single_nat_gateway ? 0 : count.index)
  subnet_id     = element(aws_subnet.public[*].id, var.single_nat_gateway ? 0 : count.index)
  depends_on    = [aws_internet_gateway.this]
}

resource "aws_route" "private_nat_gateway" {
  count = var.create_vpc && var.enable_nat_gateway ? local.nat_gateway_count : 0

  route_table_id         = element(aws_route_table.private[*].id, count.index)
  destination_cidr_block = var.nat_gateway_destination_cidr_block
  nat_gateway_id         = element(aws_nat_gateway.this[*].id, count.index)
}

# -- database -----------------------------------------------------------------

resource "aws_subnet" "database" {
  count = var.create_vpc && local.len_database_subnets > 0 ? local.len_database_subnets : 0

  vpc_id            = local.vpc_id
  cidr_block        = element(concat(var.database_subnets, [""]), count.index)
  availability_zone = element(var.azs, count.index)
  tags              = merge({ Name = format("${var.name}-db-%s", element(var.azs, count.index)) }, var.tags)
}

resource "aws_db_subnet_group" "database" {
  count = var.create_vpc && local.len_database_subnets > 0 && var.create_database_subnet_group ? 1 : 0

  name        = lower(var.name)
  description = "Database subnet group for ${var.name}"
  subnet_ids  = aws_subnet.database[*].id
}

resource "aws_route_table" "database" {
  count = var.create_vpc && local.len_database_subnets > 0 && var.create_database_subnet_route_table ? 1 : 0

  vpc_id = local.vpc_id
  tags   = merge({ "Name" = "${var.name}-db" }, var.tags)
}

# Without a table of their own, database subnets take the private tables.
resource "aws_route_table_association" "database" {
  count = var.create_vpc && local.len_database_subnets > 0 ? local.len_database_subnets : 0

  subnet_id = element(aws_subnet.database[*].id, count.index)
  route_table_id = element(
    coalescelist(aws_route_table.database[*].id, aws_route_table.private[*].id),
    var.create_database_subnet_route_table ? 0 : count.index,
  )
}

# -- the VPC's default group --------------------------------------------------

# Adopted with the rules given, none by default: AWS's own rules are removed.
resource "aws_default_security_group" "this" {
  count = var.create_vpc && var.manage_default_security_group ? 1 : 0

  vpc_id = aws_vpc.this[0].id

  dynamic "ingress" {
    for_each = var.default_security_group_ingress
    content {
      self        = lookup(ingress.value, "self", null)
      cidr_blocks = compact(split(",", lookup(ingress.value, "cidr_blocks", "")))
      from_port   = lookup(ingress.value, "from_port", 0)
      to_port     = lookup(ingress.value, "to_port", 0)
      protocol    = lookup(ingress.value, "protocol", "-1")
    }
  }

  dynamic "egress" {
    for_each = var.default_security_group_egress
    content {
      self        = lookup(egress.value, "self", null)
      cidr_blocks = compact(split(",", lookup(egress.value, "cidr_blocks", "")))
      from_port   = lookup(egress.value, "from_port", 0)
      to_port     = lookup(egress.value, "to_port", 0)
      protocol    = lookup(egress.value, "protocol", "-1")
    }
  }
}

output "vpc_id" {
  value = try(aws_vpc.this[0].id, null)
}

output "vpc_cidr_block" {
  value = try(aws_vpc.this[0].cidr_block, null)
}

output "public_subnets" {
  value = aws_subnet.public[*].id
}

output "private_subnets" {
  value = aws_subnet.private[*].id
}

output "database_subnets" {
  value = aws_subnet.database[*].id
}

output "database_subnet_group" {
  value = try(aws_db_subnet_group.database[0].id, null)
}

output "default_security_group_id" {
  value = try(aws_default_security_group.this[0].id, null)
}
