output "name" {
  description = "Name of the lifecycle configuration."
  value       = aws_sagemaker_notebook_instance_lifecycle_configuration.this.name
}

output "arn" {
  description = "ARN of the lifecycle configuration."
  value       = aws_sagemaker_notebook_instance_lifecycle_configuration.this.arn
}

output "on_start_script" {
  description = "The rendered on-start script exactly as notebooks run it."
  value       = local.on_start
}

output "on_start_base64_length" {
  description = "Length of the base64-encoded on-start content (SageMaker allows 16384)."
  value       = local.on_start_base64_length
}

output "on_start_sha256" {
  description = "SHA-256 (hex) of the rendered on-start script, before base64: what `nbattr audit` compares each notebook's lifecycle configuration with."
  value       = sha256(local.on_start)
}
