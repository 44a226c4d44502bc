output "role_arn" {
  description = "ARN of the execution role, known at plan time unless existing_role_arn is itself unknown then. Depends on the role and its inline policies, so notebooks are created after them."
  value       = local.arn
  depends_on  = [aws_iam_role.this, aws_iam_role_policy.self_assume, aws_iam_role_policy.enforce_attribution, aws_iam_role_policy_attachment.managed]
}

output "role_name" {
  description = "Name of the execution role."
  value       = local.name
}

output "role_path" {
  description = "IAM path of the execution role."
  value       = local.path
}

output "partition" {
  description = "AWS partition of the role (aws, aws-cn, aws-us-gov, ...)."
  value       = local.partition
}

output "account_id" {
  description = "Account that owns the role."
  value       = local.account
}

output "session_arn_prefix" {
  description = "Prefix of every assumed-role session ARN of this role; append a session name. STS drops the role path."
  value       = "arn:${local.partition}:sts::${local.account}:assumed-role/${local.name}/"
}

output "self_trust_statement" {
  description = "The trust policy statement that lets the role assume itself. For an existing role, its owner must add this statement to the role's trust policy."
  value       = jsonencode(local.self_trust_statement)
}

output "self_assume_policy" {
  description = "The identity policy (JSON) that allows sts:AssumeRole on the role itself only."
  value       = local.self_assume_policy
}

output "trust_policy" {
  description = "The full trust policy (JSON) of the created role; null for an existing role."
  value       = local.create ? local.trust_policy : null
}

output "enforcement_policy" {
  description = "The enforce-attribution inline policy (JSON) attached when enforce_attribution is on; null when it is off."
  value       = var.enforce_attribution ? local.enforcement_policy : null
}
