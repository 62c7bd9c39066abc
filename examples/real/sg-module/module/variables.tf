# The inputs of the security-group module of
# https://github.com/terraform-aws-modules/terraform-aws-security-group that the
# calls in ../main.tf use, with the module's defaults. Reduced and rewritten
# for sgverify: a handful of the module's named rules, and only the rule lists
# those calls pass.
variable "create" {
  default = true
}

variable "create_sg" {
  default = true
}

variable "security_group_id" {
  default = null
}

variable "name" {
  default = null
}

variable "use_name_prefix" {
  default = true
}

variable "description" {
  default = "Security Group managed by Terraform"
}

variable "vpc_id" {
  default = null
}

variable "tags" {
  default = {}
}

# Named rules: [from_port, to_port, protocol, description]; "_" is the
# fallback of a rule given by ports instead of by name.
variable "rules" {
  default = {
    http-80-tcp    = [80, 80, "tcp", "HTTP"]
    https-443-tcp  = [443, 443, "tcp", "HTTPS"]
    mysql-tcp      = [3306, 3306, "tcp", "MySQL/Aurora"]
    postgresql-tcp = [5432, 5432, "tcp", "PostgreSQL"]
    ssh-tcp        = [22, 22, "tcp", "SSH"]
    all-all        = [-1, -1, "-1", "All protocols"]
    _              = ["", "", ""]
  }
}

variable "ingress_rules" {
  default = []
}

variable "ingress_cidr_blocks" {
  default = []
}

variable "ingress_ipv6_cidr_blocks" {
  default = []
}

variable "ingress_with_cidr_blocks" {
  default = []
}

variable "ingress_with_source_security_group_id" {
  default = []
}

variable "ingress_with_self" {
  default = []
}

variable "computed_ingress_rules" {
  default = []
}

variable "number_of_computed_ingress_rules" {
  default = 0
}

variable "computed_ingress_with_cidr_blocks" {
  default = []
}

variable "number_of_computed_ingress_with_cidr_blocks" {
  default = 0
}

variable "computed_ingress_with_source_security_group_id" {
  default = []
}

variable "number_of_computed_ingress_with_source_security_group_id" {
  default = 0
}

variable "egress_rules" {
  default = []
}

variable "egress_cidr_blocks" {
  default = ["0.0.0.0/0"]
}

variable "egress_ipv6_cidr_blocks" {
  default = ["::/0"]
}

variable "egress_with_cidr_blocks" {
  default = []
}

variable "egress_with_self" {
  default = []
}
