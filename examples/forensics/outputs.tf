output "role_arn" {
  description = "ARN of the notebooks' shared execution role."
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

output "trail_arn" {
  description = "ARN of the multi-region trail."
  value       = aws_cloudtrail.this.arn
}

output "trail_bucket_name" {
  description = "Bucket the trail delivers its log files to."
  value       = aws_s3_bucket.trail.id
}

output "trail_log_files_url" {
  description = "Where this account's log files are, as an s3:// URL (give it to `nbattr attribute` or `aws s3 sync`)."
  value       = "s3://${aws_s3_bucket.trail.id}/${local.logs_folder}/"
}

output "trail_kms_key_arn" {
  description = "KMS key the log files are encrypted with; readers need kms:Decrypt on it."
  value       = aws_kms_key.trail.arn
}

output "data_bucket_name" {
  description = "Bucket the notebooks read; its object-level calls are in the trail's log files."
  value       = aws_s3_bucket.data.id
}

output "patients_object_url" {
  description = "The object a notebook reads in the walkthrough, as an s3:// URL."
  value       = "s3://${aws_s3_bucket.data.id}/${aws_s3_object.patients.key}"
}
