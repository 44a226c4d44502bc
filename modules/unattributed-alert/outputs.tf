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
