variable "name" {
  description = "Name of the execution role to create. Set exactly one of name and existing_role_arn."
  type        = string
  default     = null

  validation {
    condition     = var.name == null || can(regex("^[\\w+=,.@-]{1,64}$", var.name))
    error_message = "role_name must be 1-64 characters of letters, digits and +=,.@_- (IAM role name rule); got \"${coalesce(var.name, "null")}\"."
  }
}

variable "path" {
  description = "IAM path of the role to create, e.g. /service-role/. Must start and end with /."
  type        = string
  default     = "/service-role/"

  validation {
    condition     = can(regex("^/([\\x21-\\x7E]+/)?$", var.path)) && length(var.path) <= 512
    error_message = "role_path must be / or start and end with / with printable ASCII in between, at most 512 characters (IAM path rule); got \"${var.path}\"."
  }
}

variable "existing_role_arn" {
  description = "ARN of an existing role to adopt instead of creating one. Its trust policy must contain the statement in the self_trust_statement output."
  type        = string
  default     = null

  validation {
    condition     = var.existing_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/([\\x21-\\x7E]+/)?[\\w+=,.@-]{1,64}$", var.existing_role_arn))
    error_message = "existing_role_arn must be an IAM role ARN like arn:aws:iam::123456789012:role/service-role/name; got \"${coalesce(var.existing_role_arn, "null")}\"."
  }
}

variable "attach_self_assume_policy" {
  description = "Attach the inline policy that lets the role assume itself. Set false for an existing role whose owner adds the self_assume_policy output themselves."
  type        = bool
  default     = true
}

variable "permissions_boundary" {
  description = "ARN of a managed policy used as the created role's permissions boundary."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/", var.permissions_boundary))
    error_message = "permissions_boundary must be an IAM policy ARN (arn:<partition>:iam::<account>|aws:policy/...); got \"${coalesce(var.permissions_boundary, "null")}\"."
  }
}

variable "managed_policy_arns" {
  description = "Managed policies to attach to the created role (what the notebooks may do)."
  type        = set(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.managed_policy_arns : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/", arn))])
    error_message = "managed_policy_arns must hold IAM policy ARNs; got ${jsonencode([for arn in var.managed_policy_arns : arn if !can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/", arn))])}."
  }
}

variable "tags" {
  description = "Tags for the created role."
  type        = map(string)
  default     = {}
}
