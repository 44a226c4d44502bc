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
  description = "Who is told: a list of {protocol, endpoint}. protocol is email, email-json, https, sqs or lambda; e-mail and HTTPS endpoints must confirm the subscription before they receive anything."
  type = list(object({
    protocol = string
    endpoint = string
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.subscriptions : contains(["email", "email-json", "https", "sqs", "lambda"], s.protocol)])
    error_message = "unattributed alert subscriptions take protocol email, email-json, https, sqs or lambda (plain http would send CloudTrail records unencrypted); got ${jsonencode([for s in var.subscriptions : s.protocol if !contains(["email", "email-json", "https", "sqs", "lambda"], s.protocol)])}."
  }

  validation {
    condition = alltrue([for s in var.subscriptions : (
      contains(["email", "email-json"], s.protocol) ? can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", s.endpoint)) :
      s.protocol == "https" ? startswith(s.endpoint, "https://") :
      can(regex("^arn:aws[a-z-]*:(sqs|lambda):", s.endpoint))
    )])
    error_message = "each unattributed alert subscription endpoint must fit its protocol (an e-mail address, an https:// URL, or an SQS queue or Lambda function ARN); got ${jsonencode([for s in var.subscriptions : "${s.protocol}: ${s.endpoint}" if !(contains(["email", "email-json"], s.protocol) ? can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", s.endpoint)) : s.protocol == "https" ? startswith(s.endpoint, "https://") : can(regex("^arn:aws[a-z-]*:(sqs|lambda):", s.endpoint)))])}."
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
