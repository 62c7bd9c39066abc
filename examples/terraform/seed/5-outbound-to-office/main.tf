# Seed scenario 5 in Terraform: A may send to the office (1.1.1.1/32) only.
# B accepts https from 0.0.0.0/32 -- the single address 0.0.0.0, not the
# world. C accepts https from the partner (2.2.2.2/32) only.

resource "aws_security_group" "a" {
  name = "sg-type-a"
}

resource "aws_security_group_rule" "a_to_office" {
  type              = "egress"
  security_group_id = aws_security_group.a.id
  protocol          = "-1"
  from_port         = 0
  to_port           = 0
  cidr_blocks       = ["1.1.1.1/32"]
  description       = "to the office only"
}

resource "aws_security_group" "b" {
  name = "sg-type-b"

  ingress {
    description = "https from 0.0.0.0/32"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/32"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "c" {
  name = "sg-type-c"

  ingress {
    description = "https from the partner"
    from_port   = 443
    to_port     = 443
    protocol    = "6"
    cidr_blocks = ["2.2.2.2/32"]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
