output "role_arn" {
  description = "ARN of the shared execution role."
  value       = module.attributed_notebooks.role_arn
}

output "lifecycle_config_name" {
  description = "Name of the lifecycle configuration."
  value       = module.attributed_notebooks.lifecycle_config_name
}

output "notebook_arns" {
  description = "Notebook ARNs by name."
  value       = module.attributed_notebooks.notebook_arns
}

output "expected_session_arns" {
  description = "The identity each notebook's calls carry in CloudTrail."
  value       = module.attributed_notebooks.expected_session_arns
}

output "on_start_script" {
  description = "The on-start script every notebook runs, as Terraform rendered it."
  value       = module.attributed_notebooks.on_start_script
}

output "on_start_sha256" {
  description = "SHA-256 of the rendered on-start script, for `nbattr audit --terraform-dir`."
  value       = module.attributed_notebooks.on_start_sha256
}
