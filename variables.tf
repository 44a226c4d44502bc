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
    imds_minimum_version         = optional(string, "2")
    platform_identifier          = optional(string)
    default_code_repository      = optional(string)
    additional_code_repositories = optional(list(string), [])
    tags                         = optional(map(string), {})
  }))
  default = {}

  validation {
    condition     = alltrue([for notebook in values(var.notebooks) : contains(["1", "2"], notebook.imds_minimum_version)])
    error_message = "imds_minimum_version must be \"1\" or \"2\" (SageMaker MinimumInstanceMetadataServiceVersion); got ${join(", ", [for name, notebook in var.notebooks : "${name} = ${jsonencode(notebook.imds_minimum_version)}" if !contains(["1", "2"], notebook.imds_minimum_version)])}."
  }

  validation {
    condition     = alltrue([for notebook in values(var.notebooks) : notebook.platform_identifier == null ? true : contains(["notebook-al1-v1", "notebook-al2-v1", "notebook-al2-v2", "notebook-al2-v3", "notebook-al2023-v1"], notebook.platform_identifier)])
    error_message = "platform_identifier must be null (AWS's default) or one of SageMaker's platforms notebook-al1-v1, notebook-al2-v1, notebook-al2-v2, notebook-al2-v3, notebook-al2023-v1; got ${join(", ", [for name, notebook in var.notebooks : "${name} = ${jsonencode(notebook.platform_identifier)}" if notebook.platform_identifier == null ? false : !contains(["notebook-al1-v1", "notebook-al2-v1", "notebook-al2-v2", "notebook-al2-v3", "notebook-al2023-v1"], notebook.platform_identifier)])}."
  }
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
  description = "Managed policies attached to the created role (what the notebooks may do), keyed by a name you choose, e.g. { s3_data = aws_iam_policy.data.arn }. May name policies created in the same configuration; removing one leaves the others attached."
  type        = map(string)
  default     = {}
}

variable "lifecycle_config_name" {
  description = "Name of the lifecycle configuration shared by the notebooks. Default: derived from the role's name (<role>-on-start, with characters SageMaker refuses replaced by hyphens), so two copies of the module with different roles never collide."
  type        = string
  default     = null
}

variable "on_start_mode" {
  description = "strict (default): a notebook that cannot be attributed fails to start. best-effort: it starts unattributed with a loud warning."
  type        = string
  default     = "strict"
}

variable "credentials_endpoint" {
  description = "Serve the notebook's attributed credentials (the config's AssumeRole, never the instance's own) on 127.0.0.1 behind a per-start token, and export AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE) to terminals and Jupyter, so SDKs that ignore credential_source (such as the AWS SDK for JavaScript v2) are attributed too. Needs a Python with botocore on the notebook. On by default; off frees about 6 KB of the 16 KB (base64) script limit for extra_on_start."
  type        = bool
  default     = true
  nullable    = false
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

variable "extra_on_start_timeout_seconds" {
  description = "Seconds extra_on_start may run (1-250) before it is stopped, so the lifecycle script ends within SageMaker's 5 minutes. strict: an overrun fails the start; best-effort: the notebook starts."
  type        = number
  default     = 240
}

variable "aws_config_settings" {
  description = "Extra [default] settings for the notebooks' locked ~/.aws/config, e.g. { output = \"json\", cli_history = \"enabled\" }. Credential and role settings are refused."
  type        = map(string)
  default     = {}
}

variable "on_create" {
  description = "Optional on-create script for the lifecycle configuration."
  type        = string
  default     = null
}

variable "unattributed_alert" {
  description = "Create an EventBridge rule and an encrypted SNS topic that report, as they happen, calls the role makes under its bare SageMaker session (a notebook bypassing its attributed config). Needs a CloudTrail trail in the region; see the README for which events the rule sees."
  type        = bool
  default     = false
}

variable "unattributed_alert_subscriptions" {
  description = "Endpoints told of unattributed calls, keyed by names you choose: {protocol, endpoint, manage_queue_policy}, protocol email, email-json, https, sqs or lambda. Lambda subscriptions get the invoke permission; sqs ones need the queue policy (manage_queue_policy = true, or attach the unattributed_alert_queue_policy_statements output). See modules/unattributed-alert."
  type = map(object({
    protocol            = string
    endpoint            = string
    manage_queue_policy = optional(bool, false)
  }))
  default = {}
}

variable "unattributed_alert_state" {
  description = "The alert rule's state: ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS (default; read-only bypasses alert too) or ENABLED (write events only)."
  type        = string
  default     = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
}

variable "unattributed_alert_kms_key_id" {
  description = "Customer managed KMS key for the alert topic (its policy must let events.amazonaws.com use it). Null: the module creates one."
  type        = string
  default     = null
}

variable "unattributed_alert_ignored_event_names" {
  description = "Base-session event names that do not alert: the attribution hop (AssumeRole of the role itself) and what SageMaker itself does, such as writing logs. Add what your notebooks' platform does on its own."
  type        = list(string)
  default     = ["AssumeRole", "CreateLogGroup", "CreateLogStream", "DescribeLogStreams", "PutLogEvents", "PutMetricData"]
}

variable "tags" {
  description = "Tags for every taggable resource; a notebook's own tags win on conflicts."
  type        = map(string)
  default     = {}
}

variable "enforce_attribution" {
  description = "RESTRICTIVE, off by default. Deny the role's base `SageMaker` session everything but enforcement_allowed_base_actions, and deny re-assuming the role under any session name but a notebook's (or additional_session_names). Test it before production: calls the base session made before now fail. See README, Enforcement."
  type        = bool
  default     = false
}

variable "enforcement_allowed_base_actions" {
  description = "With enforce_attribution, the only actions the base `SageMaker` session may call (IAM action patterns service:Action). The default is what attribution and the notebook's logging need; keep it and add e.g. kms:Decrypt or secretsmanager:GetSecretValue where your notebooks need them at start."
  type        = list(string)
  default = [
    "sts:AssumeRole",
    "sts:GetCallerIdentity",
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:DescribeLogStreams",
    "cloudwatch:PutMetricData",
  ]
}

variable "additional_session_names" {
  description = "With enforce_attribution, more session names the role may be re-assumed under besides the notebooks': those of notebooks of the same role created outside this module."
  type        = set(string)
  default     = []

  validation {
    condition     = alltrue([for name in var.additional_session_names : can(regex("^[\\w+=,.@-]{2,64}$", name))])
    error_message = "additional_session_names must hold STS role session names, 2-64 characters of letters, digits and +=,.@_- (RoleSessionName rule); got ${jsonencode([for name in var.additional_session_names : name if !can(regex("^[\\w+=,.@-]{2,64}$", name))])}."
  }
}
