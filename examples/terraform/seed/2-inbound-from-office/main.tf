# Seed scenario 2 in Terraform: A accepts http and https from the office
# (1.1.1.1/32) only. The two ports come from a dynamic block over a variable.

variable "office_cidr" {
  type    = string
  default = "1.1.1.1/32"
}

variable "web_ports" {
  type    = list(number)
  default = [80, 443]
}

resource "aws_security_group" "a" {
  name = "sg-type-a"

  dynamic "ingress" {
    for_each = var.web_ports
    content {
      description = "web from the office only"
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = [var.office_cidr]
    }
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "b" {
  name = "sg-type-b"
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "c" {
  name = "sg-type-c"
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "all"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
