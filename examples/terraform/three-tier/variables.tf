variable "vpc_cidr" {
  type    = string
  default = "10.20.0.0/16"
}

variable "admin_cidrs" {
  description = "Where operators connect from (set in terraform.tfvars)."
  type        = list(string)
}

variable "app_port" {
  type    = number
  default = 8080
}
