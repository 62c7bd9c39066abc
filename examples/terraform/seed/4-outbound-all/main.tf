# Seed scenario 4 in Terraform: A may send anything anywhere; B serves web to
# everyone; C serves https to sg-type-a only. Nothing may connect to A.

locals {
  anywhere = ["0.0.0.0/0"]
  all_out = {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = local.anywhere
  }
}

resource "aws_security_group" "a" {
  name   = "sg-type-a"
  egress = [merge(local.all_out, { description = "all traffic anywhere", ipv6_cidr_blocks = [], prefix_list_ids = [], security_groups = [], self = false })]
}

resource "aws_security_group" "b" {
  name = "sg-type-b"

  ingress {
    description = "web from anywhere"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = local.anywhere
  }

  ingress {
    description = "web from anywhere"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = local.anywhere
  }

  egress {
    from_port   = local.all_out.from_port
    to_port     = local.all_out.to_port
    protocol    = local.all_out.protocol
    cidr_blocks = local.all_out.cidr_blocks
  }
}

resource "aws_security_group" "c" {
  name = "sg-type-c"

  ingress {
    description     = "https from sg-type-a"
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = [aws_security_group.a.id]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = local.anywhere
  }
}
