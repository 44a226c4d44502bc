variable "region" {
  description = "AWS region for the notebooks."
  type        = string
  default     = "us-east-1"
}

variable "role_name" {
  description = "Name of the shared execution role (also prefixes the lifecycle config name)."
  type        = string
  default     = "attributed-notebooks"
}

variable "attribution_probe" {
  description = "Make each notebook start leave one CloudTrail event under its own name (for `nbattr verify`)."
  type        = bool
  default     = false
}
