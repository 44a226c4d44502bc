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
  description = "Managed policies to attach to the created role (what the notebooks may do), keyed by a name you choose. The keys address the attachments, so adding or removing one policy touches no other; the ARNs may be unknown until apply (policies created in the same configuration)."
  type        = map(string)
  default     = {}

  validation {
    condition     = length(distinct(values(var.managed_policy_arns))) == length(var.managed_policy_arns)
    error_message = "managed_policy_arns must not attach a policy twice; got ${jsonencode(var.managed_policy_arns)}."
  }

  validation {
    condition     = alltrue([for arn in values(var.managed_policy_arns) : can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/", arn))])
    error_message = "managed_policy_arns must hold IAM policy ARNs; got ${jsonencode({ for key, arn in var.managed_policy_arns : key => arn if !can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/", arn)) })}."
  }
}

variable "tags" {
  description = "Tags for the created role."
  type        = map(string)
  default     = {}
}

variable "enforce_attribution" {
  description = "RESTRICTIVE, off by default. Attach the enforce-attribution inline policy: the role's base `SageMaker` session may then call only enforcement_allowed_base_actions, and the role may be re-assumed only under one of session_names. Test it before production use: it denies what the base session did before."
  type        = bool
  default     = false
}

# Keep this default equal to the root module's (tests/test_static.py compares them).
variable "enforcement_allowed_base_actions" {
  description = "With enforce_attribution, the only actions the base `SageMaker` session (not yet re-assumed under a notebook's name) may call: IAM action patterns `service:Action`. The default is what attribution and the notebook's own logging need; add e.g. kms:Decrypt or secretsmanager:GetSecretValue if the instance needs them before the hop."
  type        = list(string)
  default = [
    # The self-assume hop that the on-start config makes from the base credentials; the
    # module narrows it to this role and to the allowed session names.
    "sts:AssumeRole",
    # IAM cannot deny it anyway (it needs no permission); listed so the policy says so.
    "sts:GetCallerIdentity",
    # The instance writes lifecycle-script and Jupyter output to CloudWatch Logs
    # (/aws/sagemaker/NotebookInstances) with the base credentials: a failing on-start
    # script must still be able to say why.
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:DescribeLogStreams",
    # Instance metrics the notebook's agent publishes with the base credentials.
    "cloudwatch:PutMetricData",
  ]

  validation {
    condition     = alltrue([for action in var.enforcement_allowed_base_actions : can(regex("^[a-z0-9-]+:[A-Za-z0-9*?]+$", action))])
    error_message = "enforcement_allowed_base_actions must hold IAM action patterns service:Action (service prefix of lowercase letters, digits and hyphens; action of letters, digits, * and ?); got ${jsonencode([for action in var.enforcement_allowed_base_actions : action if !can(regex("^[a-z0-9-]+:[A-Za-z0-9*?]+$", action))])}."
  }

  validation {
    condition     = length(setintersection(var.enforcement_allowed_base_actions, ["sts:AssumeRole", "sts:Assume*", "sts:*"])) > 0
    error_message = "enforcement_allowed_base_actions must allow sts:AssumeRole (or sts:Assume* or sts:*): it is the self-assume hop that gives each notebook its session name, without it no notebook can work; got ${jsonencode(var.enforcement_allowed_base_actions)}."
  }
}

variable "session_names" {
  description = "With enforce_attribution, the session names the role may be re-assumed under: the notebooks' names and those of other notebooks of this role. Ignored otherwise."
  type        = set(string)
  default     = []

  validation {
    condition     = alltrue([for name in var.session_names : can(regex("^[\\w+=,.@-]{2,64}$", name))])
    error_message = "session_names must be STS role session names, 2-64 characters of letters, digits and +=,.@_-; got ${jsonencode([for name in var.session_names : name if !can(regex("^[\\w+=,.@-]{2,64}$", name))])}."
  }
}
