resource "aws_vpc" "main" {
  cidr_block = var.vpc_cidr
}

locals {
  public_subnets  = { a = cidrsubnet(var.vpc_cidr, 8, 0), b = cidrsubnet(var.vpc_cidr, 8, 1) }
  private_subnets = { a = cidrsubnet(var.vpc_cidr, 8, 10), b = cidrsubnet(var.vpc_cidr, 8, 11) }
}

resource "aws_subnet" "public" {
  for_each                = local.public_subnets
  vpc_id                  = aws_vpc.main.id
  cidr_block              = each.value
  map_public_ip_on_launch = true
}

resource "aws_subnet" "private" {
  for_each   = local.private_subnets
  vpc_id     = aws_vpc.main.id
  cidr_block = each.value
}

# The public subnets route to the internet gateway; the private ones leave
# through a NAT gateway, so nothing on the internet opens a connection to them.
resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_eip" "nat" {
  domain = "vpc"
}

resource "aws_nat_gateway" "main" {
  subnet_id     = aws_subnet.public["a"].id
  allocation_id = aws_eip.nat.id
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.main.id
  }
}

resource "aws_route_table_association" "public" {
  for_each       = aws_subnet.public
  subnet_id      = each.value.id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table_association" "private" {
  for_each       = aws_subnet.private
  subnet_id      = each.value.id
  route_table_id = aws_route_table.private.id
}

resource "aws_db_subnet_group" "main" {
  name       = "main"
  subnet_ids = [for s in aws_subnet.private : s.id]
}
