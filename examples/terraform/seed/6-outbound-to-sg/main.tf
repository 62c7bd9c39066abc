# Seed scenario 6 in Terraform: A may send http and https to the members of
# its own group (self) only. B accepts web from sg-type-a; C only from
# sg-type-z, a group no resource carries.

resource "aws_security_group" "a" {
  name = "sg-type-a"
}

resource "aws_security_group_rule" "a_web_to_self" {
  count             = 2
  type              = "egress"
  security_group_id = aws_security_group.a.id
  protocol          = "tcp"
  from_port         = [80, 443][count.index]
  to_port           = [80, 443][count.index]
  self              = true
  description       = "web to sg-type-a"
}

resource "aws_security_group" "b" {
  name = "sg-type-b"

  dynamic "ingress" {
    for_each = [80, 443]
    iterator = port
    content {
      description     = "web from sg-type-a"
      from_port       = port.value
      to_port         = port.value
      protocol        = "tcp"
      security_groups = [aws_security_group.a.id]
    }
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
    description     = "web from sg-type-z"
    from_port       = 80
    to_port         = 80
    protocol        = "tcp"
    security_groups = [aws_security_group.z.id]
  }

  ingress {
    description     = "web from sg-type-z"
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = [aws_security_group.z.id]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "z" {
  name = "sg-type-z"
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
