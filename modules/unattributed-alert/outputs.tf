output "topic_arn" {
  description = "ARN of the SNS topic the alerts are published to; subscribe more endpoints to it as you like."
  value       = aws_sns_topic.this.arn
}

output "rule_arn" {
  description = "ARN of the EventBridge rule that matches unattributed calls."
  value       = aws_cloudwatch_event_rule.this.arn
}

output "event_pattern" {
  description = "The rule's event pattern (JSON)."
  value       = local.event_pattern
}

output "kms_key_arn" {
  description = "ARN of the KMS key the module created for the topic; null when kms_master_key_id was given."
  value       = one(aws_kms_key.this[*].arn)
}

output "queue_policy_statements" {
  description = "For each sqs subscription, by key: a policy document (JSON) whose one statement lets this topic send to the queue. Merge it into the queue's access policy (e.g. source_policy_documents of aws_iam_policy_document) unless manage_queue_policy is set; without it SNS delivers nothing to the queue."
  value       = { for key, document in data.aws_iam_policy_document.queue_allows_topic : key => document.json }
}
