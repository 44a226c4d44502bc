variable "region" {
  description = "AWS region for the network, the key and the notebooks."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name of the shared execution role; also prefixes the lifecycle config, the network resources and the key alias."
  type        = string
  default     = "vpc-notebooks"
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string
  default     = "10.42.0.0/16"
}

variable "subnet_cidr" {
  description = "CIDR block of the notebooks' subnet (inside vpc_cidr)."
  type        = string
  default     = "10.42.1.0/24"
}
