# A deliberately careless web node and MySQL database in the style of the public
# TerraGoat repository (terraform/aws): names prefixed with the account id read
# from a data source, references both quoted ("${...}") and bare, an SSH port
# open to the world. Written for sgverify; no code of that repository is used.
data "aws_caller_identity" "current" {}

variable "company" {
  default = "acme"
}

locals {
  prefix = {
    value = "${data.aws_caller_identity.current.account_id}-${var.company}"
  }
}

resource "aws_vpc" "app" {
  cidr_block = "172.31.0.0/16"
}

resource "aws_subnet" "app" {
  count      = 2
  vpc_id     = aws_vpc.app.id
  cidr_block = "172.31.${count.index + 10}.0/24"
}

resource "aws_security_group" "node" {
  name   = "${local.prefix.value}-node"
  vpc_id = aws_vpc.app.id

  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    from_port   = 80
    to_port     = 80
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

resource "aws_instance" "node" {
  ami                    = "ami-0abcdef1234567890"
  instance_type          = "t2.nano"
  subnet_id              = "${aws_subnet.app.0.id}"
  vpc_security_group_ids = ["${aws_security_group.node.id}"]

  tags = {
    Name = "${local.prefix.value}-node"
  }
}

resource "aws_security_group" "rds" {
  name   = "${local.prefix.value}-rds-sg"
  vpc_id = aws_vpc.app.id
}

resource "aws_security_group_rule" "rds_in" {
  type              = "ingress"
  from_port         = "3306"
  to_port           = "3306"
  protocol          = "tcp"
  cidr_blocks       = ["${aws_vpc.app.cidr_block}"]
  security_group_id = aws_security_group.rds.id
}

resource "aws_security_group_rule" "rds_out" {
  type              = "egress"
  from_port         = 0
  to_port           = 0
  protocol          = "-1"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = "${aws_security_group.rds.id}"
}

resource "aws_db_subnet_group" "rds" {
  name       = "sg-${local.prefix.value}"
  subnet_ids = ["${aws_subnet.app.0.id}", "${aws_subnet.app.1.id}"]
}

resource "aws_db_instance" "rds" {
  engine                 = "mysql"
  instance_class         = "db.t3.micro"
  allocated_storage      = "20"
  publicly_accessible    = true
  db_subnet_group_name   = aws_db_subnet_group.rds.name
  vpc_security_group_ids = ["${aws_security_group.rds.id}"]

  tags = {
    Name = "${local.prefix.value}-rds"
  }
}
