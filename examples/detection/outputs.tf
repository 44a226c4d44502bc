output "role_arn" {
  description = "ARN of the shared execution role."
  value       = module.watched_notebooks.role_arn
}

output "lifecycle_config_name" {
  description = "Name of the lifecycle configuration."
  value       = module.watched_notebooks.lifecycle_config_name
}

output "notebook_arns" {
  description = "Notebook ARNs by name."
  value       = module.watched_notebooks.notebook_arns
}

output "expected_session_arns" {
  description = "The identity each notebook's calls carry in CloudTrail."
  value       = module.watched_notebooks.expected_session_arns
}

output "on_start_script" {
  description = "The on-start script every notebook runs, as Terraform rendered it."
  value       = module.watched_notebooks.on_start_script
}

output "enforcement_policy" {
  description = "The inline policy that denies the bare SageMaker session (JSON)."
  value       = module.watched_notebooks.enforcement_policy
}

output "alert_topic_arn" {
  description = "SNS topic told of calls that bypass attribution; subscribe more endpoints to it."
  value       = module.watched_notebooks.unattributed_alert_topic_arn
}

output "alert_rule_arn" {
  description = "EventBridge rule that matches calls under the bare SageMaker session."
  value       = module.watched_notebooks.unattributed_alert_rule_arn
}

output "alert_queue_url" {
  description = "URL of the SQS queue the alerts are delivered to (one message per unattributed call)."
  value       = aws_sqs_queue.security_team.url
}
