# What AWS needs before SNS delivers to a subscribed queue or function: without it the
# subscription exists and silently receives nothing.

# SQS: the queue's access policy must let SNS send for this topic. "Fanout Amazon SNS
# notifications to Amazon SQS queues" (formerly "Sending Amazon SNS messages to an Amazon SQS
# queue"), SNS Developer Guide, step "Give permission to the Amazon SNS topic to send messages
# to the Amazon SQS queue". SNS forwards to SQS over HTTPS, so the TLS-only deny holds.
data "aws_iam_policy_document" "queue_allows_topic" {
  for_each = local.sqs_subscriptions

  statement {
    sid       = "AlertTopicSendsMessages"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [each.value.endpoint]

    principals {
      type        = "Service"
      identifiers = ["sns.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_sns_topic.this.arn]
    }
  }
}

# The whole policy, for queues whose owner lets this module manage it (opt-in: an
# aws_sqs_queue_policy replaces every statement the queue had).
data "aws_iam_policy_document" "managed_queue_policy" {
  for_each = { for key, s in local.sqs_subscriptions : key => s if s.manage_queue_policy }

  source_policy_documents = [data.aws_iam_policy_document.queue_allows_topic[each.key].json]

  statement {
    sid       = "TlsOnly"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [each.value.endpoint]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "this" {
  for_each = data.aws_iam_policy_document.managed_queue_policy

  # arn:<partition>:sqs:<region>:<account>:<name> -> https://sqs.<region>.<dns suffix>/<account>/<name>
  queue_url = format(
    "https://sqs.%s.%s/%s/%s",
    split(":", var.subscriptions[each.key].endpoint)[3],
    data.aws_partition.current.dns_suffix,
    split(":", var.subscriptions[each.key].endpoint)[4],
    split(":", var.subscriptions[each.key].endpoint)[5],
  )
  policy = each.value.json
}

# Lambda: a resource-based permission for SNS, limited to this topic. "Fanout Amazon SNS
# notifications to Lambda functions", SNS Developer Guide; "Granting Lambda function access to
# AWS services", Lambda Developer Guide.
resource "aws_lambda_permission" "this" {
  for_each = local.lambda_subscriptions

  statement_id_prefix = "${replace(var.name, ".", "_")}-" # ids are per function: stay unique
  action              = "lambda:InvokeFunction"
  function_name       = each.value.endpoint
  principal           = "sns.amazonaws.com"
  source_arn          = aws_sns_topic.this.arn
}
