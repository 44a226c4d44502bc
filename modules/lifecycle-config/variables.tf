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
  # It must not contain a line NBATTR_EXTRA_ON_START_EOF: a precondition in main.tf says so
  # (a validation here would print the whole script before its message).
}

variable "extra_on_start_timeout_seconds" {
  description = "Seconds extra_on_start may run before it is stopped (TERM, then KILL 10 s later), so the whole lifecycle script ends within SageMaker's 5 minutes. strict: an overrun fails the start; best-effort: the notebook starts."
  type        = number
  default     = 240

  validation {
    # SageMaker fails a start whose lifecycle script runs over 300 s ("Customize a notebook
    # instance using a lifecycle configuration script"); 250 + 10 s kill grace + 30 s probe
    # leaves 10 s for the attribution step, which takes well under one.
    condition     = var.extra_on_start_timeout_seconds == floor(var.extra_on_start_timeout_seconds) && var.extra_on_start_timeout_seconds >= 1 && var.extra_on_start_timeout_seconds <= 250
    error_message = "extra_on_start_timeout_seconds must be a whole number from 1 to 250: SageMaker fails a start whose lifecycle script runs over 300 s, and the attribution step, the probe (30 s) and the 10 s kill grace need the rest; got ${var.extra_on_start_timeout_seconds}."
  }
}

variable "aws_config_settings" {
  description = "Extra settings for the [default] profile of ec2-user's locked ~/.aws/config (e.g. output, cli_history, max_attempts, retry_mode, ca_bundle). Credential and role settings, and the keys the module writes itself, are refused."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([
      for key, value in var.aws_config_settings :
      can(regex("^[a-z][a-z0-9_]*$", key)) && can(regex("^[^\\r\\n\\[]+$", value))
    ])
    error_message = "aws_config_settings keys must be lower-case config names (letters, digits, _) and values one line without [; got ${jsonencode(var.aws_config_settings)}."
  }
  validation {
    # Anything that picks or changes the credentials would undo attribution; the keys the
    # module writes itself may not appear twice in a profile.
    condition = alltrue([
      for key in keys(var.aws_config_settings) :
      !can(regex("^(aws_.+|sso_.+|role_.+|credential_.+|source_profile|web_identity_token_file|mfa_serial|external_id|duration_seconds|login_session|region|sts_regional_endpoints)$", key))
    ])
    error_message = "aws_config_settings must not set credentials, roles or the keys the module writes (aws_*, sso_*, role_*, credential_*, source_profile, web_identity_token_file, mfa_serial, external_id, duration_seconds, login_session, region, sts_regional_endpoints); got ${join(", ", [for key in keys(var.aws_config_settings) : key if can(regex("^(aws_.+|sso_.+|role_.+|credential_.+|source_profile|web_identity_token_file|mfa_serial|external_id|duration_seconds|login_session|region|sts_regional_endpoints)$", key))])}."
  }
}

variable "credentials_endpoint" {
  description = "Serve the notebook's attributed credentials (the config's AssumeRole, never the instance's own) on 127.0.0.1 behind a per-start token, and export AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE) to terminals and Jupyter, so SDKs that ignore credential_source (such as the AWS SDK for JavaScript v2) are attributed too. Needs a Python with botocore on the notebook. On by default; off frees about 6 KB of the 16 KB (base64) script limit for extra_on_start."
  type        = bool
  default     = true
  nullable    = false
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
