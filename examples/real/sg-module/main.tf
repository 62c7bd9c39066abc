# The `complete` example of the terraform-aws-modules security-group module,
# https://github.com/terraform-aws-modules/terraform-aws-security-group
# (examples/complete/main.tf), reduced and rewritten for sgverify. The module
# calls are kept as that example writes them, with a subset of its rule lists;
# the module itself is ./module, a reduced rewrite of the module's own files
# (the example calls it as "../../"). The VPC module stays a registry module
# that is not fetched, so its outputs are unknown, and the groups come from
# data sources, as in the example. The two instances at the end are not in
# the example, which creates groups only: they carry the groups so that a
# spec can say what the groups let through.
data "aws_vpc" "default" {
  default = true
}

data "aws_security_group" "default" {
  name   = "default"
  vpc_id = data.aws_vpc.default.id
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.0"

  name = "complete-sg-demo-vpc"
  cidr = "10.20.0.0/20"
}

module "main_sg" {
  source = "./module"

  name        = "main-sg"
  description = "Security group which is used as an argument in complete-sg"
  vpc_id      = data.aws_vpc.default.id

  ingress_cidr_blocks = ["10.10.0.0/16"]
  ingress_rules       = ["https-443-tcp"]
}

module "complete_sg" {
  source = "./module"

  name        = "complete-sg"
  description = "Security group with all available arguments set (this is just an example)"
  vpc_id      = data.aws_vpc.default.id

  tags = {
    Cash       = "king"
    Department = "kingdom"
  }

  ingress_cidr_blocks      = ["10.10.0.0/16"]
  ingress_ipv6_cidr_blocks = ["2001:db8::/64"]
  ingress_rules            = ["https-443-tcp"]

  computed_ingress_rules           = ["ssh-tcp"]
  number_of_computed_ingress_rules = 1

  ingress_with_cidr_blocks = [
    {
      rule        = "postgresql-tcp"
      cidr_blocks = "0.0.0.0/0,2.2.2.2/32"
    },
    {
      rule        = "postgresql-tcp"
      cidr_blocks = "30.30.30.30/32"
    },
    {
      from_port   = 10
      to_port     = 20
      protocol    = 6
      description = "Service name"
      cidr_blocks = "10.10.0.0/20"
    },
  ]

  computed_ingress_with_cidr_blocks = [
    {
      rule        = "postgresql-tcp"
      cidr_blocks = "3.3.3.3/32,${module.vpc.vpc_cidr_block}"
    },
    {
      from_port   = 15
      to_port     = 25
      protocol    = 6
      description = "Service name with vpc cidr"
      cidr_blocks = module.vpc.vpc_cidr_block
    },
  ]
  number_of_computed_ingress_with_cidr_blocks = 2

  ingress_with_source_security_group_id = [
    {
      rule                     = "mysql-tcp"
      source_security_group_id = data.aws_security_group.default.id
    },
  ]

  computed_ingress_with_source_security_group_id = [
    {
      rule                     = "postgresql-tcp"
      source_security_group_id = module.main_sg.security_group_id
    },
    {
      from_port                = 23
      to_port                  = 23
      protocol                 = 6
      description              = "Service name"
      source_security_group_id = module.main_sg.security_group_id
    },
  ]
  number_of_computed_ingress_with_source_security_group_id = 2

  ingress_with_self = [
    {
      rule = "all-all"
    },
    {
      from_port   = 30
      to_port     = 40
      protocol    = 6
      description = "Service name"
      self        = true
    },
  ]

  egress_cidr_blocks      = ["10.10.0.0/16"]
  egress_ipv6_cidr_blocks = ["2001:db8::/64"]
  egress_rules            = ["http-80-tcp"]

  egress_with_cidr_blocks = [
    {
      rule        = "postgresql-tcp"
      cidr_blocks = "0.0.0.0/0,2.2.2.2/32"
    },
    {
      rule        = "https-443-tcp"
      cidr_blocks = "30.30.30.30/32"
    },
    {
      from_port   = 10
      to_port     = 20
      protocol    = 6
      description = "Service name"
      cidr_blocks = "10.10.0.0/20"
    },
  ]

  egress_with_self = [
    {
      rule = "all-all"
    },
  ]
}

module "fixed_name_sg" {
  source = "./module"

  name        = "fixed-name-sg"
  description = "Security group with fixed name"
  vpc_id      = data.aws_vpc.default.id

  use_name_prefix = false

  ingress_cidr_blocks = ["10.10.0.0/16"]
  ingress_rules       = ["https-443-tcp"]
}

module "only_rules" {
  source = "./module"

  create_sg         = false
  security_group_id = module.complete_sg.security_group_id
  ingress_with_source_security_group_id = [
    {
      description              = "http from service one"
      rule                     = "http-80-tcp"
      source_security_group_id = data.aws_security_group.default.id
    },
  ]
}

# Added for the spec: one instance in each of the two groups that reference
# each other.
resource "aws_instance" "app" {
  ami                    = "ami-0c55b159cbfafe1f0"
  instance_type          = "t3.micro"
  private_ip             = "10.10.1.10"
  vpc_security_group_ids = [module.complete_sg.security_group_id]
}

resource "aws_instance" "client" {
  ami                    = "ami-0c55b159cbfafe1f0"
  instance_type          = "t3.micro"
  private_ip             = "10.10.2.20"
  vpc_security_group_ids = [module.main_sg.security_group_id]
}
