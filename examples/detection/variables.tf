variable "region" {
  description = "AWS region for the notebooks (and the alert rule, which sees calls made in its own region)."
  type        = string
  default     = "us-east-1"
}

variable "role_name" {
  description = "Name of the shared execution role (also prefixes the lifecycle config and alert names)."
  type        = string
  default     = "watched-notebooks"
}

variable "alert_emails" {
  description = "E-mail addresses told of every call that bypasses attribution; each must confirm its subscription."
  type        = list(string)
  default     = []
}
