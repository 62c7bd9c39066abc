resource "aws_vpc" "main" {
  cidr_block = var.vpc_cidr
}

locals {
  public_subnets  = { a = cidrsubnet(var.vpc_cidr, 8, 0), b = cidrsubnet(var.vpc_cidr, 8, 1) }
  private_subnets = { a = cidrsubnet(var.vpc_cidr, 8, 10), b = cidrsubnet(var.vpc_cidr, 8, 11) }
}

resource "aws_subnet" "public" {
  for_each   = local.public_subnets
  vpc_id     = aws_vpc.main.id
  cidr_block = each.value
}

resource "aws_subnet" "private" {
  for_each   = local.private_subnets
  vpc_id     = aws_vpc.main.id
  cidr_block = each.value
}

resource "aws_db_subnet_group" "main" {
  name       = "main"
  subnet_ids = [for s in aws_subnet.private : s.id]
}
