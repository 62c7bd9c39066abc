# The three instances of every seed scenario.

locals {
  instances = {
    "aws-resource-a" = { ip = "10.0.1.10", group = aws_security_group.a.id }
    "aws-resource-b" = { ip = "10.0.2.10", group = aws_security_group.b.id }
    "aws-resource-c" = { ip = "10.0.3.10", group = aws_security_group.c.id }
  }
}

resource "aws_instance" "this" {
  for_each               = local.instances
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  private_ip             = each.value.ip
  vpc_security_group_ids = [each.value.group]
  tags                   = { Name = each.key }
}
