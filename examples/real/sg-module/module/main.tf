# The security group and its rules as the module of
# https://github.com/terraform-aws-modules/terraform-aws-security-group
# creates them: one aws_security_group (named, or with a name prefix), and
# one aws_security_group_rule per entry of each rule list, its ports and
# protocol taken from the entry or else from its named rule. Reduced and
# rewritten for sgverify; only the lists the calls in ../main.tf pass.
locals {
  this_sg_id = var.create_sg ? concat(aws_security_group.this.*.id, aws_security_group.this_name_prefix.*.id, [""])[0] : var.security_group_id
}

resource "aws_security_group" "this" {
  count = var.create && var.create_sg && !var.use_name_prefix ? 1 : 0

  name        = var.name
  description = var.description
  vpc_id      = var.vpc_id
  tags        = merge({ "Name" = format("%s", var.name) }, var.tags)
}

resource "aws_security_group" "this_name_prefix" {
  count = var.create && var.create_sg && var.use_name_prefix ? 1 : 0

  name_prefix = "${var.name}-"
  description = var.description
  vpc_id      = var.vpc_id
  tags        = merge({ "Name" = format("%s", var.name) }, var.tags)
}

# -- ingress ------------------------------------------------------------------

resource "aws_security_group_rule" "ingress_rules" {
  count = var.create ? length(var.ingress_rules) : 0

  security_group_id = local.this_sg_id
  type              = "ingress"
  cidr_blocks       = var.ingress_cidr_blocks
  ipv6_cidr_blocks  = var.ingress_ipv6_cidr_blocks
  description       = var.rules[var.ingress_rules[count.index]][3]
  from_port         = var.rules[var.ingress_rules[count.index]][0]
  to_port           = var.rules[var.ingress_rules[count.index]][1]
  protocol          = var.rules[var.ingress_rules[count.index]][2]
}

resource "aws_security_group_rule" "computed_ingress_rules" {
  count = var.create ? var.number_of_computed_ingress_rules : 0

  security_group_id = local.this_sg_id
  type              = "ingress"
  cidr_blocks       = var.ingress_cidr_blocks
  ipv6_cidr_blocks  = var.ingress_ipv6_cidr_blocks
  description       = var.rules[var.computed_ingress_rules[count.index]][3]
  from_port         = var.rules[var.computed_ingress_rules[count.index]][0]
  to_port           = var.rules[var.computed_ingress_rules[count.index]][1]
  protocol          = var.rules[var.computed_ingress_rules[count.index]][2]
}

resource "aws_security_group_rule" "ingress_with_cidr_blocks" {
  count = var.create ? length(var.ingress_with_cidr_blocks) : 0

  security_group_id = local.this_sg_id
  type              = "ingress"
  cidr_blocks = compact(split(",", lookup(var.ingress_with_cidr_blocks[count.index], "cidr_blocks",
  join(",", var.ingress_cidr_blocks))))
  description = lookup(var.ingress_with_cidr_blocks[count.index], "description", "Ingress Rule")
  from_port = lookup(var.ingress_with_cidr_blocks[count.index], "from_port",
  var.rules[lookup(var.ingress_with_cidr_blocks[count.index], "rule", "_")][0])
  to_port = lookup(var.ingress_with_cidr_blocks[count.index], "to_port",
  var.rules[lookup(var.ingress_with_cidr_blocks[count.index], "rule", "_")][1])
  protocol = lookup(var.ingress_with_cidr_blocks[count.index], "protocol",
  var.rules[lookup(var.ingress_with_cidr_blocks[count.index], "rule", "_")][2])
}

resource "aws_security_group_rule" "computed_ingress_with_cidr_blocks" {
  count = var.create ? var.number_of_computed_ingress_with_cidr_blocks : 0

  security_group_id = local.this_sg_id
  type              = "ingress"
  cidr_blocks = compact(split(",", lookup(var.computed_ingress_with_cidr_blocks[count.index], "cidr_blocks",
  join(",", var.ingress_cidr_blocks))))
  description = lookup(var.computed_ingress_with_cidr_blocks[count.index], "description", "Ingress Rule")
  from_port = lookup(var.computed_ingress_with_cidr_blocks[count.index], "from_port",
  var.rules[lookup(var.computed_ingress_with_cidr_blocks[count.index], "rule", "_")][0])
  to_port = lookup(var.computed_ingress_with_cidr_blocks[count.index], "to_port",
  var.rules[lookup(var.computed_ingress_with_cidr_blocks[count.index], "rule", "_")][1])
  protocol = lookup(var.computed_ingress_with_cidr_blocks[count.index], "protocol",
  var.rules[lookup(var.computed_ingress_with_cidr_blocks[count.index], "rule", "_")][2])
}

resource "aws_security_group_rule" "ingress_with_source_security_group_id" {
  count = var.create ? length(var.ingress_with_source_security_group_id) : 0

  security_group_id        = local.this_sg_id
  type                     = "ingress"
  source_security_group_id = var.ingress_with_source_security_group_id[count.index]["source_security_group_id"]
  description = lookup(var.ingress_with_source_security_group_id[count.index], "description", "Ingress Rule")
  from_port = lookup(var.ingress_with_source_security_group_id[count.index], "from_port",
  var.rules[lookup(var.ingress_with_source_security_group_id[count.index], "rule", "_")][0])
  to_port = lookup(var.ingress_with_source_security_group_id[count.index], "to_port",
  var.rules[lookup(var.ingress_with_source_security_group_id[count.index], "rule", "_")][1])
  protocol = lookup(var.ingress_with_source_security_group_id[count.index], "protocol",
  var.rules[lookup(var.ingress_with_source_security_group_id[count.index], "rule", "_")][2])
}

resource "aws_security_group_rule" "computed_ingress_with_source_security_group_id" {
  count = var.create ? var.number_of_computed_ingress_with_source_security_group_id : 0

  security_group_id        = local.this_sg_id
  type                     = "ingress"
  source_security_group_id = var.computed_ingress_with_source_security_group_id[count.index]["source_security_group_id"]
  description = lookup(var.computed_ingress_with_source_security_group_id[count.index], "description", "Ingress Rule")
  from_port = lookup(var.computed_ingress_with_source_security_group_id[count.index], "from_port",
  var.rules[lookup(var.computed_ingress_with_source_security_group_id[count.index], "rule", "_")][0])
  to_port = lookup(var.computed_ingress_with_source_security_group_id[count.index], "to_port",
  var.rules[lookup(var.computed_ingress_with_source_security_group_id[count.index], "rule", "_")][1])
  protocol = lookup(var.computed_ingress_with_source_security_group_id[count.index], "protocol",
  var.rules[lookup(var.computed_ingress_with_source_security_group_id[count.index], "rule", "_")][2])
}

resource "aws_security_group_rule" "ingress_with_self" {
  count = var.create ? length(var.ingress_with_self) : 0

  security_group_id = local.this_sg_id
  type              = "ingress"
  self              = lookup(var.ingress_with_self[count.index], "self", true)
  description       = lookup(var.ingress_with_self[count.index], "description", "Ingress Rule")
  from_port = lookup(var.ingress_with_self[count.index], "from_port",
  var.rules[lookup(var.ingress_with_self[count.index], "rule", "_")][0])
  to_port = lookup(var.ingress_with_self[count.index], "to_port",
  var.rules[lookup(var.ingress_with_self[count.index], "rule", "_")][1])
  protocol = lookup(var.ingress_with_self[count.index], "protocol",
  var.rules[lookup(var.ingress_with_self[count.index], "rule", "_")][2])
}

# -- egress -------------------------------------------------------------------

resource "aws_security_group_rule" "egress_rules" {
  count = var.create ? length(var.egress_rules) : 0

  security_group_id = local.this_sg_id
  type              = "egress"
  cidr_blocks       = var.egress_cidr_blocks
  ipv6_cidr_blocks  = var.egress_ipv6_cidr_blocks
  description       = var.rules[var.egress_rules[count.index]][3]
  from_port         = var.rules[var.egress_rules[count.index]][0]
  to_port           = var.rules[var.egress_rules[count.index]][1]
  protocol          = var.rules[var.egress_rules[count.index]][2]
}

resource "aws_security_group_rule" "egress_with_cidr_blocks" {
  count = var.create ? length(var.egress_with_cidr_blocks) : 0

  security_group_id = local.this_sg_id
  type              = "egress"
  cidr_blocks = compact(split(",", lookup(var.egress_with_cidr_blocks[count.index], "cidr_blocks",
  join(",", var.egress_cidr_blocks))))
  description = lookup(var.egress_with_cidr_blocks[count.index], "description", "Egress Rule")
  from_port = lookup(var.egress_with_cidr_blocks[count.index], "from_port",
  var.rules[lookup(var.egress_with_cidr_blocks[count.index], "rule", "_")][0])
  to_port = lookup(var.egress_with_cidr_blocks[count.index], "to_port",
  var.rules[lookup(var.egress_with_cidr_blocks[count.index], "rule", "_")][1])
  protocol = lookup(var.egress_with_cidr_blocks[count.index], "protocol",
  var.rules[lookup(var.egress_with_cidr_blocks[count.index], "rule", "_")][2])
}

resource "aws_security_group_rule" "egress_with_self" {
  count = var.create ? length(var.egress_with_self) : 0

  security_group_id = local.this_sg_id
  type              = "egress"
  self              = lookup(var.egress_with_self[count.index], "self", true)
  description       = lookup(var.egress_with_self[count.index], "description", "Egress Rule")
  from_port = lookup(var.egress_with_self[count.index], "from_port",
  var.rules[lookup(var.egress_with_self[count.index], "rule", "_")][0])
  to_port = lookup(var.egress_with_self[count.index], "to_port",
  var.rules[lookup(var.egress_with_self[count.index], "rule", "_")][1])
  protocol = lookup(var.egress_with_self[count.index], "protocol",
  var.rules[lookup(var.egress_with_self[count.index], "rule", "_")][2])
}

output "security_group_id" {
  value = local.this_sg_id
}
