# Seed scenario 1 in Terraform: A accepts http and https from 0.0.0.0/0.
# Terraform removes AWS's default allow-all egress, so each group writes it.

resource "aws_security_group" "a" {
  name        = "sg-type-a"
  description = "web from anywhere"

  ingress {
    description = "http from anywhere"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    description = "https from anywhere"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
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
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "aws-resource-a" {
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  private_ip             = "10.0.1.10"
  vpc_security_group_ids = [aws_security_group.a.id]
  tags                   = { Name = "aws-resource-a" }
}

resource "aws_instance" "aws-resource-b" {
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  private_ip             = "10.0.2.10"
  vpc_security_group_ids = [aws_security_group.b.id]
  tags                   = { Name = "aws-resource-b" }
}

resource "aws_instance" "aws-resource-c" {
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  private_ip             = "10.0.3.10"
  vpc_security_group_ids = [aws_security_group.c.id]
  tags                   = { Name = "aws-resource-c" }
}
