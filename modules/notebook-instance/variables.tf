variable "name" {
  description = "Notebook instance name; it is also the role session name CloudTrail shows for the notebook's calls."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9])*$", var.name)) && length(var.name) >= 2 && length(var.name) <= 63
    error_message = "Notebook name must be 2-63 letters, digits and hyphens, starting and ending with a letter or digit (SageMaker name rule; STS session names need at least 2 characters); got \"${var.name}\"."
  }
}

variable "role_arn" {
  description = "ARN of the execution role."
  type        = string
}

variable "lifecycle_config_name" {
  description = "Name of the lifecycle configuration whose on-start script configures attribution."
  type        = string
}

variable "instance_type" {
  description = "Instance type, e.g. ml.t3.medium."
  type        = string
  default     = "ml.t3.medium"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9]+\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be a SageMaker ML instance type like ml.t3.medium (prefix ml.); got \"${var.instance_type}\"."
  }
}

variable "volume_size" {
  description = "Size of the ML storage volume in GB."
  type        = number
  default     = 5

  validation {
    condition     = var.volume_size >= 5 && var.volume_size <= 16384 && floor(var.volume_size) == var.volume_size
    error_message = "volume_size must be a whole number of GB from 5 to 16384 (SageMaker limit); got ${var.volume_size}."
  }
}

variable "kms_key_id" {
  description = "KMS key (ID, ARN or alias ARN) that encrypts the notebook's storage volume. Null uses the AWS managed key."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_id == null || can(regex("^([0-9a-f-]{36}|arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+|alias/.+)$", var.kms_key_id))
    error_message = "kms_key_id must be a KMS key ID, key ARN or alias; got \"${coalesce(var.kms_key_id, "null")}\"."
  }
}

variable "subnet_id" {
  description = "VPC subnet for the notebook's network interface. Requires security_group_ids."
  type        = string
  default     = null

  validation {
    condition     = var.subnet_id == null || can(regex("^subnet-[0-9a-f]+$", var.subnet_id))
    error_message = "subnet_id must look like subnet-0123abcd; got \"${coalesce(var.subnet_id, "null")}\"."
  }
}

variable "security_group_ids" {
  description = "Security groups for the notebook's network interface. Require subnet_id."
  type        = set(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.security_group_ids : can(regex("^sg-[0-9a-f]+$", id))]) && length(var.security_group_ids) <= 5
    error_message = "security_group_ids must hold at most 5 IDs like sg-0123abcd; got ${jsonencode(var.security_group_ids)}."
  }
}

variable "direct_internet_access" {
  description = "Give the notebook direct internet access. Disabling it requires subnet_id (traffic then goes through the VPC)."
  type        = bool
  default     = true
}

variable "root_access" {
  description = "Let notebook users become root. Off by default: root can rewrite ~/.aws/config, so attribution is no longer enforced. Enabling it is an explicit opt-in."
  type        = bool
  default     = false
}

variable "imds_minimum_version" {
  description = "Oldest instance metadata service version the notebook answers: \"2\" (default) requires a session token (IMDSv2); \"1\" also answers token-less IMDSv1 requests, the easiest way to steal the role's unattributed base credentials."
  type        = string
  default     = "2"

  validation {
    condition     = contains(["1", "2"], var.imds_minimum_version)
    error_message = "imds_minimum_version must be \"1\" or \"2\" (SageMaker MinimumInstanceMetadataServiceVersion); got \"${var.imds_minimum_version}\"."
  }
}

variable "platform_identifier" {
  description = "Notebook platform, e.g. notebook-al2023-v1 (needs AWS provider >= 6.19). Null (default) lets AWS choose: notebook-al2023-v1 since 2026-05-15. Changing it replaces the notebook in Terraform; see the README for the in-place migration."
  type        = string
  default     = null

  validation {
    condition     = var.platform_identifier == null ? true : contains(["notebook-al1-v1", "notebook-al2-v1", "notebook-al2-v2", "notebook-al2-v3", "notebook-al2023-v1"], var.platform_identifier)
    error_message = "platform_identifier must be null or one of SageMaker's platforms notebook-al1-v1, notebook-al2-v1, notebook-al2-v2, notebook-al2-v3, notebook-al2023-v1; got \"${coalesce(var.platform_identifier, "null")}\"."
  }
}

variable "default_code_repository" {
  description = "Git repository (URL or SageMaker code repository name) cloned as the notebook's default repository."
  type        = string
  default     = null
}

variable "additional_code_repositories" {
  description = "Up to 3 more Git repositories (URLs or SageMaker code repository names)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.additional_code_repositories) <= 3
    error_message = "additional_code_repositories allows at most 3 repositories (SageMaker limit); got ${length(var.additional_code_repositories)}."
  }
}

variable "tags" {
  description = "Tags for the notebook instance."
  type        = map(string)
  default     = {}
}
