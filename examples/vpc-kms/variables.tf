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

variable "interface_endpoint_services" {
  description = "AWS services the notebooks reach through interface VPC endpoints with private DNS (names after com.amazonaws.<region>.). Must include sts: attribution re-assumes the role through STS before every call. Each one costs about USD 0.01 an hour."
  type        = set(string)
  default     = ["sts", "sagemaker.api", "sagemaker.runtime", "logs"]

  validation {
    condition     = contains(var.interface_endpoint_services, "sts")
    error_message = "interface_endpoint_services must include \"sts\" (without it every attributed call fails: the notebook cannot reach STS to re-assume the role); got [${join(", ", sort(var.interface_endpoint_services))}]."
  }
}
