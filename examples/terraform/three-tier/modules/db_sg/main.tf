variable "vpc_id" {}
variable "app_security_group" {}

variable "ingress_cidr_blocks" {
  description = "Comma-separated CIDRs also allowed to reach the database."
  type        = string
  default     = ""
}

resource "aws_security_group" "this" {
  name   = "db"
  vpc_id = var.vpc_id

  ingress {
    description     = "postgres from the app tier"
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [var.app_security_group]
  }

  ingress {
    description = "postgres from the private subnets (migrations)"
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = compact(split(",", var.ingress_cidr_blocks))
  }
}

output "security_group_id" {
  value = aws_security_group.this.id
}
