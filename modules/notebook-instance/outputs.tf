output "name" {
  description = "Name of the notebook instance (its CloudTrail session name)."
  value       = aws_sagemaker_notebook_instance.this.name
}

output "arn" {
  description = "ARN of the notebook instance."
  value       = aws_sagemaker_notebook_instance.this.arn
}

output "url" {
  description = "URL of the notebook's Jupyter server."
  value       = aws_sagemaker_notebook_instance.this.url
}

output "root_access" {
  description = "Whether users can become root (true means attribution is not enforced)."
  value       = var.root_access
}
