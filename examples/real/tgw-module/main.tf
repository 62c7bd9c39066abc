# The `complete` example of the terraform-aws-modules transit gateway module,
# https://github.com/terraform-aws-modules/terraform-aws-transit-gateway
# (examples/complete), reduced and rewritten for sgverify. Two VPCs are
# attached: vpc1 (dual-stack, IPv6 block from Amazon's pool) is associated with
# the module's own route table, whose routes send 30.0.0.0/16 back to vpc1, and
# blackhole 0.0.0.0/0; vpc2 keeps the gateway's default route table, where
# only vpc2 propagates. ./tgw and ./vpc are reduced rewrites of the transit
# gateway module and of terraform-aws-vpc (the example calls the registry
# module), keeping how they write what matters here: the routes built with
# setproduct() and chunklist(), and the subnets' IPv6 blocks cut from
# aws_vpc.this.ipv6_cidr_block beside `ipv6_cidr_block = var.ipv6_cidr`
# (null). The zones are written out (the example reads a data source). The
# routes from the VPCs to the gateway, the groups and the instances are not in
# the example, which builds the network only: they give a spec something to
# reach.
locals {
  vpc1_cidr = "10.10.0.0/16"
  vpc2_cidr = "10.20.0.0/16"
}

module "tgw" {
  source = "./tgw"

  vpc_attachments = {
    vpc1 = {
      vpc_id                                          = module.vpc1.vpc_id
      subnet_ids                                      = module.vpc1.private_subnets
      transit_gateway_default_route_table_association = false
      transit_gateway_default_route_table_propagation = false
      tgw_routes = [
        { destination_cidr_block = "30.0.0.0/16" },
        { blackhole = true, destination_cidr_block = "0.0.0.0/0" },
      ]
    }
    vpc2 = {
      vpc_id     = module.vpc2.vpc_id
      subnet_ids = module.vpc2.private_subnets
      tgw_routes = [
        { destination_cidr_block = "50.0.0.0/16" },
        { blackhole = true, destination_cidr_block = "10.10.10.10/32" },
      ]
    }
  }
}

module "vpc1" {
  source          = "./vpc"
  cidr            = local.vpc1_cidr
  private_subnets = [for k in range(2) : cidrsubnet(local.vpc1_cidr, 8, k)]
  enable_ipv6     = true
  ipv6_prefixes   = [0, 1]
}

module "vpc2" {
  source          = "./vpc"
  cidr            = local.vpc2_cidr
  private_subnets = [for k in range(2) : cidrsubnet(local.vpc2_cidr, 8, k)]
}

resource "aws_route" "vpc1_to_vpc2" {
  count                  = 2
  route_table_id         = module.vpc1.private_route_table_ids[count.index]
  destination_cidr_block = local.vpc2_cidr
  transit_gateway_id     = module.tgw.ec2_transit_gateway_id
}

resource "aws_route" "vpc2_to_vpc1" {
  count                  = 2
  route_table_id         = module.vpc2.private_route_table_ids[count.index]
  destination_cidr_block = local.vpc1_cidr
  transit_gateway_id     = module.tgw.ec2_transit_gateway_id
}

resource "aws_security_group" "app" {
  for_each = { vpc1 = module.vpc1.vpc_id, vpc2 = module.vpc2.vpc_id }
  vpc_id   = each.value
  ingress {
    from_port        = 0
    to_port          = 0
    protocol         = "-1"
    cidr_blocks      = ["10.0.0.0/8"]
    ipv6_cidr_blocks = ["::/0"]
  }
  egress {
    from_port        = 0
    to_port          = 0
    protocol         = "-1"
    cidr_blocks      = ["0.0.0.0/0"]
    ipv6_cidr_blocks = ["::/0"]
  }
}

resource "aws_instance" "a1" {
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  subnet_id              = module.vpc1.private_subnets[0]
  vpc_security_group_ids = [aws_security_group.app["vpc1"].id]
}

resource "aws_instance" "a2" {
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  subnet_id              = module.vpc2.private_subnets[0]
  private_ip             = "10.20.0.10"
  vpc_security_group_ids = [aws_security_group.app["vpc2"].id]
}
