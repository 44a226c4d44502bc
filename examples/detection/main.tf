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
  unattributed_alert               = true
  unattributed_alert_subscriptions = [for address in var.alert_emails : { protocol = "email", endpoint = address }]

  tags = {
    Example = "detection"
  }
}
