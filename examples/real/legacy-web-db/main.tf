# A web tier and its PostgreSQL database, written as Terraform 0.11 configurations
# were: every reference quoted as "${...}", rules as aws_security_group_rule
# resources. Modelled on the layout of public pre-0.12 web + RDS configurations
# (e.g. the terraform-aws-modules examples of that time); written for sgverify.
variable "env" {
  default = "prod"
}

resource "aws_vpc" "main" {
  cidr_block = "10.20.0.0/16"
}

resource "aws_subnet" "web" {
  vpc_id     = "${aws_vpc.main.id}"
  cidr_block = "${cidrsubnet(aws_vpc.main.cidr_block, 8, 1)}"
}

# The web subnet is public: a route to the internet gateway, and addresses
# for its instances. The database subnets keep the main table (local only).
resource "aws_internet_gateway" "main" {
  vpc_id = "${aws_vpc.main.id}"
}

resource "aws_route_table" "public" {
  vpc_id = "${aws_vpc.main.id}"

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = "${aws_internet_gateway.main.id}"
  }
}

resource "aws_route_table_association" "web" {
  subnet_id      = "${aws_subnet.web.id}"
  route_table_id = "${aws_route_table.public.id}"
}

resource "aws_subnet" "db" {
  count      = 2
  vpc_id     = "${aws_vpc.main.id}"
  cidr_block = "10.20.${count.index + 11}.0/24"
}

resource "aws_security_group" "web" {
  name   = "${var.env}-web"
  vpc_id = "${aws_vpc.main.id}"
}

resource "aws_security_group" "db" {
  name   = "${var.env}-db"
  vpc_id = "${aws_vpc.main.id}"
}

resource "aws_security_group_rule" "web_https" {
  type              = "ingress"
  from_port         = 443
  to_port           = 443
  protocol          = "tcp"
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = "${aws_security_group.web.id}"
}

resource "aws_security_group_rule" "web_to_db" {
  type                     = "egress"
  from_port                = 5432
  to_port                  = 5432
  protocol                 = "tcp"
  source_security_group_id = "${aws_security_group.db.id}"
  security_group_id        = "${aws_security_group.web.id}"
}

resource "aws_security_group_rule" "db_from_web" {
  type                     = "ingress"
  from_port                = 5432
  to_port                  = 5432
  protocol                 = "tcp"
  source_security_group_id = "${aws_security_group.web.id}"
  security_group_id        = "${aws_security_group.db.id}"
}

resource "aws_instance" "web" {
  count                  = 2
  ami                    = "ami-0abcdef1234567890"
  instance_type          = "t2.micro"
  subnet_id              = "${aws_subnet.web.id}"
  vpc_security_group_ids = ["${aws_security_group.web.id}"]

  associate_public_ip_address = true

  tags = {
    Name = "${var.env}-web-${count.index}"
  }
}

resource "aws_db_subnet_group" "db" {
  name       = "${var.env}-db"
  subnet_ids = ["${aws_subnet.db.*.id}"]
}

resource "aws_db_instance" "db" {
  engine                 = "postgres"
  instance_class         = "db.t2.micro"
  allocated_storage      = 20
  db_subnet_group_name   = "${aws_db_subnet_group.db.name}"
  vpc_security_group_ids = ["${aws_security_group.db.id}"]
}
