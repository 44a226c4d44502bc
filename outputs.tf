output "role_arn" {
  description = "ARN of the execution role all notebooks share."
  value       = module.execution_role.role_arn
}

output "role_name" {
  description = "Name of the execution role."
  value       = module.execution_role.role_name
}

output "lifecycle_config_name" {
  description = "Name of the lifecycle configuration that sets up attribution."
  value       = module.lifecycle_config.name
}

output "notebook_arns" {
  description = "Notebook instance ARNs by notebook name."
  value       = { for name, notebook in module.notebook : name => notebook.arn }
}

output "expected_session_arns" {
  description = "The identity each notebook's calls carry in CloudTrail, by notebook name: arn:<partition>:sts::<account>:assumed-role/<role>/<name>."
  value       = { for name in keys(var.notebooks) : name => "${module.execution_role.session_arn_prefix}${name}" }
}

output "unattributed_alert_topic_arn" {
  description = "SNS topic told of calls under the bare SageMaker session; null unless unattributed_alert is on."
  value       = one(module.unattributed_alert[*].topic_arn)
}

output "unattributed_alert_rule_arn" {
  description = "EventBridge rule that matches calls under the bare SageMaker session; null unless unattributed_alert is on."
  value       = one(module.unattributed_alert[*].rule_arn)
}

output "unattributed_alert_event_pattern" {
  description = "The alert rule's event pattern (JSON), e.g. for a rule of your own that also receives read-only events; null unless unattributed_alert is on."
  value       = one(module.unattributed_alert[*].event_pattern)
}

output "unattributed_alert_queue_policy_statements" {
  description = "For each sqs alert subscription, by key: the policy document (JSON) that lets the alert topic send to the queue; merge it into the queue's access policy unless manage_queue_policy is set. Empty unless unattributed_alert is on."
  value       = try(module.unattributed_alert[0].queue_policy_statements, {})
}

output "self_trust_statement" {
  description = "The trust statement that lets the role assume itself (JSON). Add it to an existing role's trust policy."
  value       = module.execution_role.self_trust_statement
}

output "self_assume_policy" {
  description = "The identity policy (JSON) allowing sts:AssumeRole on the role itself only."
  value       = module.execution_role.self_assume_policy
}

output "on_start_script" {
  description = "The rendered on-start script every notebook runs."
  value       = module.lifecycle_config.on_start_script
}

output "on_start_sha256" {
  description = "SHA-256 (hex) of the rendered on-start script: `nbattr audit --expected-sha256` (or `--terraform-dir` with this output passed through)."
  value       = module.lifecycle_config.on_start_sha256
}

output "enforcement_policy" {
  description = "The enforce-attribution inline policy (JSON) on the role when enforce_attribution is on; null when it is off."
  value       = module.execution_role.enforcement_policy
}
