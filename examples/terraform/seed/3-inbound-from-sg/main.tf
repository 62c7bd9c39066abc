# Seed scenario 3 in Terraform: A accepts http and https from the members of
# sg-type-b, written as separate aws_vpc_security_group_*_rule resources.

resource "aws_security_group" "a" {
  name = "sg-type-a"
}

resource "aws_vpc_security_group_ingress_rule" "a_web_from_b" {
  for_each                     = toset(["80", "443"])
  security_group_id            = aws_security_group.a.id
  referenced_security_group_id = aws_security_group.b.id
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.value)
  to_port                      = tonumber(each.value)
  description                  = "web from sg-type-b"
}

resource "aws_vpc_security_group_egress_rule" "all_out" {
  for_each          = { a = aws_security_group.a.id, b = aws_security_group.b.id, c = aws_security_group.c.id }
  security_group_id = each.value
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_security_group" "b" {
  name = "sg-type-b"
}

resource "aws_security_group" "c" {
  name = "sg-type-c"
}
