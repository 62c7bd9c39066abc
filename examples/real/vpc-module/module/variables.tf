# The inputs of the VPC module of
# https://github.com/terraform-aws-modules/terraform-aws-vpc that the call in
# ../main.tf uses, with the module's defaults. Reduced and rewritten for
# sgverify: public, private and database subnets, the internet gateway and
# NAT gateways, nothing else.
variable "create_vpc" {
  default = true
}

variable "name" {
  default = ""
}

variable "cidr" {
  default = "10.0.0.0/16"
}

variable "azs" {
  default = []
}

variable "public_subnets" {
  default = []
}

variable "private_subnets" {
  default = []
}

variable "database_subnets" {
  default = []
}

variable "map_public_ip_on_launch" {
  default = false
}

variable "create_igw" {
  default = true
}

variable "enable_nat_gateway" {
  default = false
}

variable "single_nat_gateway" {
  default = false
}

variable "one_nat_gateway_per_az" {
  default = false
}

variable "nat_gateway_destination_cidr_block" {
  default = "0.0.0.0/0"
}

variable "create_database_subnet_route_table" {
  default = false
}

variable "create_database_subnet_group" {
  default = true
}

variable "enable_dns_hostnames" {
  default = true
}

variable "enable_dns_support" {
  default = true
}

variable "manage_default_security_group" {
  default = true
}

variable "default_security_group_ingress" {
  default = []
}

variable "default_security_group_egress" {
  default = []
}

variable "tags" {
  default = {}
}
