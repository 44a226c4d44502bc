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

output "vpc_id" {
  description = "ID of the VPC the notebooks run in."
  value       = aws_vpc.this.id
}

output "subnet_id" {
  description = "ID of the notebooks' subnet."
  value       = aws_subnet.this.id
}

output "security_group_id" {
  description = "ID of the notebooks' security group."
  value       = aws_security_group.this.id
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the notebooks' storage volumes."
  value       = aws_kms_key.this.arn
}

output "interface_endpoint_ids" {
  description = "IDs of the interface VPC endpoints, by service (sts, sagemaker.api, ...)."
  value       = { for service, endpoint in aws_vpc_endpoint.interface : service => endpoint.id }
}

output "s3_endpoint_id" {
  description = "ID of the S3 gateway VPC endpoint."
  value       = aws_vpc_endpoint.s3.id
}
