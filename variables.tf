variable "notebooks" {
  description = "Notebook instances keyed by name (the name is also each notebook's CloudTrail session name). Every attribute is optional."
  type = map(object({
    instance_type                = optional(string, "ml.t3.medium")
    volume_size                  = optional(number, 5)
    kms_key_id                   = optional(string)
    subnet_id                    = optional(string)
    security_group_ids           = optional(set(string), [])
    direct_internet_access       = optional(bool, true)
    root_access                  = optional(bool, false)
    default_code_repository      = optional(string)
    additional_code_repositories = optional(list(string), [])
    tags                         = optional(map(string), {})
  }))
  default = {}
}

variable "role_name" {
  description = "Name of the execution role to create. Set exactly one of role_name and existing_role_arn."
  type        = string
  default     = null
}

variable "role_path" {
  description = "IAM path of the created role."
  type        = string
  default     = "/service-role/"
}

variable "existing_role_arn" {
  description = "Adopt this existing role instead of creating one; its owner must add the self_trust_statement output to its trust policy."
  type        = string
  default     = null
}

variable "attach_self_assume_policy" {
  description = "Attach the inline policy that lets the role assume itself (set false when the role's owner manages it)."
  type        = bool
  default     = true
}

variable "role_permissions_boundary" {
  description = "Permissions boundary (policy ARN) for the created role."
  type        = string
  default     = null
}

variable "role_managed_policy_arns" {
  description = "Managed policies attached to the created role: what the notebooks may do."
  type        = set(string)
  default     = []
}

variable "lifecycle_config_name" {
  description = "Name of the lifecycle configuration shared by the notebooks."
  type        = string
  default     = "attributed-on-start"
}

variable "on_start_mode" {
  description = "strict (default): a notebook that cannot be attributed fails to start. best-effort: it starts unattributed with a loud warning."
  type        = string
  default     = "strict"
}

variable "attribution_probe" {
  description = "Each notebook start makes one sts:GetCallerIdentity call through its attributed config, leaving a CloudTrail event that `nbattr verify` can find before anyone works. Off by default."
  type        = bool
  default     = false
}

variable "extra_on_start" {
  description = "Your own on-start script, run after the attribution step (a notebook can have only one lifecycle config)."
  type        = string
  default     = ""
}

variable "on_create" {
  description = "Optional on-create script for the lifecycle configuration."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every taggable resource; a notebook's own tags win on conflicts."
  type        = map(string)
  default     = {}
}
