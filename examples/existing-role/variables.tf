variable "region" {
  description = "AWS region for the notebooks."
  type        = string
  default     = "us-east-1"
}

variable "role_name" {
  description = "Name of the role that stands in for the other team's execution role."
  type        = string
  default     = "team-owned-notebooks"
}

variable "role_path" {
  description = "IAM path of that role (must start and end with /)."
  type        = string
  default     = "/service-role/"
}

variable "lifecycle_config_name" {
  description = "Name of the lifecycle configuration the module creates."
  type        = string
  default     = "team-owned-on-start"
}
