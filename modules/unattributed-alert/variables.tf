variable "name" {
  description = "Name of the EventBridge rule and the SNS topic (and prefix of the KMS key's description)."
  type        = string

  validation {
    condition     = can(regex("^[\\w.-]{1,64}$", var.name))
    error_message = "unattributed alert name must be 1-64 characters of letters, digits and ._- (EventBridge rule name rule); got \"${var.name}\"."
  }
}

variable "role_arn" {
  description = "ARN of the notebooks' execution role: calls it issued under the base session are alerted on."
  type        = string
}

variable "base_session_arn" {
  description = "The base session's ARN, arn:<partition>:sts::<account>:assumed-role/<role>/SageMaker: what CloudTrail shows for a notebook's unattributed calls."
  type        = string
}

# Keep this default equal to the root module's (tests/test_static.py compares them).
variable "ignored_event_names" {
  description = "Event names from the base session that are not alerted on: the self-assume hop that attribution itself makes (AssumeRole of this role only; assuming any other role still alerts) and what SageMaker itself does with the role, such as writing lifecycle and Jupyter logs."
  type        = list(string)
  default     = ["AssumeRole", "CreateLogGroup", "CreateLogStream", "DescribeLogStreams", "PutLogEvents", "PutMetricData"]

  validation {
    condition     = alltrue([for name in var.ignored_event_names : can(regex("^[A-Za-z0-9]+$", name))])
    error_message = "ignored_event_names must be CloudTrail event names such as CreateLogStream (letters and digits only); got ${jsonencode([for name in var.ignored_event_names : name if !can(regex("^[A-Za-z0-9]+$", name))])}."
  }
}

variable "subscriptions" {
  description = "Who is told, keyed by a name you choose (static, so queues and functions created in the same configuration can be subscribed): protocol (email, email-json, https, sqs or lambda) and endpoint (address, https:// URL, queue or function ARN). E-mail and HTTPS endpoints must confirm. For each lambda subscription the module adds the function permission SNS needs; for sqs, manage_queue_policy = true makes the module set the queue's whole access policy (otherwise attach the queue_policy_statements output yourself)."
  type = map(object({
    protocol            = string
    endpoint            = string
    manage_queue_policy = optional(bool, false)
  }))
  default = {}

  validation {
    condition     = alltrue([for key in keys(var.subscriptions) : can(regex("^[A-Za-z0-9_.@+-]{1,64}$", key))])
    error_message = "unattributed alert subscription keys must be 1-64 letters, digits or _.@+- (a name such as security-team, or an e-mail address); got ${jsonencode([for key in keys(var.subscriptions) : key if !can(regex("^[A-Za-z0-9_.@+-]{1,64}$", key))])}."
  }

  validation {
    condition     = alltrue([for s in values(var.subscriptions) : contains(["email", "email-json", "https", "sqs", "lambda"], s.protocol)])
    error_message = "unattributed alert subscriptions take protocol email, email-json, https, sqs or lambda (plain http would send CloudTrail records unencrypted); got ${jsonencode([for key, s in var.subscriptions : "${key}: ${s.protocol}" if !contains(["email", "email-json", "https", "sqs", "lambda"], s.protocol)])}."
  }

  # Endpoints not known until apply (a queue created alongside) are checked by AWS instead.
  validation {
    condition = alltrue([for s in values(var.subscriptions) : (
      contains(["email", "email-json"], s.protocol) ? can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", s.endpoint)) :
      s.protocol == "https" ? startswith(s.endpoint, "https://") :
      s.protocol == "sqs" ? can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}$", s.endpoint)) :
      s.protocol == "lambda" ? can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$", s.endpoint)) :
      true
    )])
    error_message = "each unattributed alert subscription endpoint must fit its protocol (an e-mail address, an https:// URL, a standard SQS queue ARN arn:<partition>:sqs:<region>:<account>:<name>, or a Lambda function ARN arn:<partition>:lambda:<region>:<account>:function:<name>[:<alias or version>]); got ${jsonencode([for key, s in var.subscriptions : "${key}: ${s.protocol}: ${s.endpoint}" if !(contains(["email", "email-json"], s.protocol) ? can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", s.endpoint)) : s.protocol == "https" ? startswith(s.endpoint, "https://") : s.protocol == "sqs" ? can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}$", s.endpoint)) : s.protocol == "lambda" ? can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$", s.endpoint)) : true)])}."
  }

  validation {
    condition     = alltrue([for s in values(var.subscriptions) : s.protocol == "sqs" || !s.manage_queue_policy])
    error_message = "manage_queue_policy applies to sqs subscriptions only; got it on ${jsonencode([for key, s in var.subscriptions : "${key}: ${s.protocol}" if s.protocol != "sqs" && s.manage_queue_policy])}."
  }
}

variable "state" {
  description = "State of the EventBridge rule. ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS (default) also receives read-only management events (Get*, List*, Describe*, and sts:AssumeRole); ENABLED receives write events only, so read-only bypasses go unreported."
  type        = string
  default     = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"

  validation {
    condition     = contains(["ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS", "ENABLED"], var.state)
    error_message = "unattributed alert state must be ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS (all management events) or ENABLED (write events only); a disabled alert is unattributed_alert = false. Got \"${var.state}\"."
  }
}

variable "kms_master_key_id" {
  description = "Customer managed KMS key (ARN, id or alias) that encrypts the topic; its key policy must let events.amazonaws.com use it. Null: the module creates one, with rotation."
  type        = string
  default     = null

  validation {
    condition     = var.kms_master_key_id == null || !can(regex("alias/aws/sns$", coalesce(var.kms_master_key_id, "-")))
    error_message = "kms_master_key_id cannot be the AWS managed key alias/aws/sns: EventBridge cannot publish to a topic encrypted with it (its key policy cannot be changed); got \"${coalesce(var.kms_master_key_id, "null")}\"."
  }
}

variable "tags" {
  description = "Tags for the rule, the topic and the key."
  type        = map(string)
  default     = {}
}
