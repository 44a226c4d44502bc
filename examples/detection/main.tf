provider "aws" {
  region = var.region
}

data "aws_partition" "current" {}

# What the notebooks may do: their logs, as SageMaker's documentation asks, and SageMaker
# experiments. Enforcement denies all of it to the bare SageMaker session except the logs.
resource "aws_iam_policy" "notebook_work" {
  name        = "${var.role_name}-work"
  description = "What the ${var.role_name} notebooks may do under their own session names"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "NotebookLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = "arn:${data.aws_partition.current.partition}:logs:*:*:log-group:/aws/sagemaker/*"
      },
      {
        Sid      = "Experiments"
        Effect   = "Allow"
        Action   = ["sagemaker:CreateExperiment", "sagemaker:DescribeExperiment"]
        Resource = "arn:${data.aws_partition.current.partition}:sagemaker:*:*:experiment/*"
      },
    ]
  })
}

# The security team's queue, created here: the alert's subscriptions are keyed by name, so
# an endpoint known only after apply is fine. SSE-SQS (SQS-owned keys) needs no key policy
# for SNS; a queue on a customer managed KMS key would ("Amazon SQS Key management").
resource "aws_sqs_queue" "security_team" {
  name                    = "${var.role_name}-unattributed-calls"
  sqs_managed_sse_enabled = true
}

module "watched_notebooks" {
  source = "../.."

  role_name                = var.role_name
  role_managed_policy_arns = { notebook_work = aws_iam_policy.notebook_work.arn }
  lifecycle_config_name    = "${var.role_name}-on-start"

  notebooks = {
    "analysis-1" = {}
    "analysis-2" = {}
  }

  # Bypasses are denied by IAM (restrictive: read the README first) ...
  enforce_attribution = true
  # ... and reported as they happen (needs a CloudTrail trail logging in this region).
  unattributed_alert = true
  unattributed_alert_subscriptions = merge(
    # The module sets this queue's access policy (so SNS may deliver to it): it is ours.
    { security-team = { protocol = "sqs", endpoint = aws_sqs_queue.security_team.arn, manage_queue_policy = true } },
    { for address in var.alert_emails : address => { protocol = "email", endpoint = address } },
  )

  tags = {
    Example = "detection"
  }
}
