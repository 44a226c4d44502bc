variable "name" {
  description = "Name of the notebook instance lifecycle configuration."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9])*$", var.name)) && length(var.name) <= 63
    error_message = "lifecycle_config_name must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit (SageMaker name rule); got \"${var.name}\"."
  }
}

variable "role_arn" {
  description = "ARN of the execution role the notebooks re-assume; rendered into the on-start script."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", var.role_arn))
    error_message = "role_arn must be an IAM role ARN; got \"${var.role_arn}\"."
  }
}

variable "on_start_mode" {
  description = "strict: a notebook whose attribution cannot be configured fails to start. best-effort: it starts unattributed with a loud warning in its logs."
  type        = string
  default     = "strict"

  validation {
    condition     = contains(["strict", "best-effort"], var.on_start_mode)
    error_message = "on_start_mode must be \"strict\" or \"best-effort\"; got \"${var.on_start_mode}\"."
  }
}

variable "extra_on_start" {
  description = "Your own on-start script, run after ours (a notebook has only one lifecycle config). Empty for none."
  type        = string
  default     = ""

  validation {
    condition     = !can(regex("(?m)^NBATTR_EXTRA_ON_START_EOF$", var.extra_on_start))
    error_message = "extra_on_start must not contain a line NBATTR_EXTRA_ON_START_EOF (it ends the embedded script); found one."
  }
}

variable "attribution_probe" {
  description = "After configuring attribution, make one sts:GetCallerIdentity call through it as ec2-user, so each start leaves a CloudTrail event for `nbattr verify`. Off by default: it is an AWS call at start."
  type        = bool
  default     = false
}

variable "on_create" {
  description = "Optional on-create script, passed through unchanged (runs once, when the notebook is created)."
  type        = string
  default     = null
}
