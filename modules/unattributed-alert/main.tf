data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  # A call by this role under its bare SageMaker session, except the names SageMaker and the
  # attribution hop make, and except AssumeRole of this very role; assuming any other role
  # from the base session still matches (second branch). Exact values only, plus
  # anything-but and $or, which EventBridge evaluates on every CloudTrail event it receives.
  event_pattern = jsonencode({
    "detail-type" = ["AWS API Call via CloudTrail"]
    detail = {
      userIdentity = {
        type           = ["AssumedRole"]
        arn            = [var.base_session_arn]
        sessionContext = { sessionIssuer = { arn = [var.role_arn] } }
      }
      "$or" = [
        { eventName = [{ "anything-but" = var.ignored_event_names }] },
        { eventName = ["AssumeRole"], requestParameters = { roleArn = [{ "anything-but" = [var.role_arn] }] } },
      ]
    }
  })

  kms_key = var.kms_master_key_id == null ? aws_kms_key.this[0].arn : var.kms_master_key_id

  sqs_subscriptions    = { for key, s in var.subscriptions : key => s if s.protocol == "sqs" }
  lambda_subscriptions = { for key, s in var.subscriptions : key => s if s.protocol == "lambda" }
}

resource "aws_cloudwatch_event_rule" "this" {
  name          = var.name
  description   = "Calls by ${var.role_arn} under its bare SageMaker session: a notebook bypassed its attributed AWS config"
  event_pattern = local.event_pattern
  tags          = var.tags
  # ENABLED gets write management events only; read-only ones (e.g. a bypass that only lists
  # or describes, and sts:AssumeRole) reach rules in ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS.
  # "Receiving read-only management events from AWS services", EventBridge User Guide.
  state = var.state
}

resource "aws_cloudwatch_event_target" "this" {
  rule      = aws_cloudwatch_event_rule.this.name
  target_id = "sns"
  arn       = aws_sns_topic.this.arn
}

resource "aws_sns_topic" "this" {
  name              = var.name
  kms_master_key_id = local.kms_key
  tags              = var.tags
}

resource "aws_sns_topic_policy" "this" {
  arn = aws_sns_topic.this.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "EventBridgeRulePublishes"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.this.arn
        Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.this.arn } }
      },
      {
        Sid       = "TlsOnly"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.this.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })
}

# Keyed by the caller's names: endpoints may be unknown until apply.
resource "aws_sns_topic_subscription" "this" {
  for_each = var.subscriptions

  topic_arn = aws_sns_topic.this.arn
  protocol  = each.value.protocol
  endpoint  = each.value.endpoint
}

# EventBridge cannot publish to a topic encrypted with the AWS managed SNS key, so the topic
# gets a customer managed key whose policy lets EventBridge (for this rule only) use it.
resource "aws_kms_key" "this" {
  count = var.kms_master_key_id == null ? 1 : 0

  description         = "${var.name}: encrypts the unattributed-call alerts topic"
  enable_key_rotation = true
  tags                = var.tags
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersTheKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "EventBridgeEncryptsAlerts"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
      },
    ]
  })
}
