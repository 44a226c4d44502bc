resource "aws_sagemaker_notebook_instance" "this" {
  #checkov:skip=CKV2_AWS_68:The role is referenced through its plan-time ARN, a link checkov's graph cannot follow; its only permission is sts:AssumeRole on itself (tests/test_apply.py checks the policy's meaning).
  name                         = var.name
  role_arn                     = var.role_arn
  lifecycle_config_name        = var.lifecycle_config_name
  instance_type                = var.instance_type
  volume_size                  = var.volume_size
  kms_key_id                   = var.kms_key_id
  subnet_id                    = var.subnet_id
  security_groups              = var.subnet_id == null ? null : var.security_group_ids
  direct_internet_access       = var.direct_internet_access ? "Enabled" : "Disabled"
  root_access                  = var.root_access ? "Enabled" : "Disabled"
  platform_identifier          = var.platform_identifier # null: AWS's default platform
  default_code_repository      = var.default_code_repository
  additional_code_repositories = length(var.additional_code_repositories) == 0 ? null : var.additional_code_repositories
  tags                         = var.tags

  # Always sent: without it CreateNotebookInstance allows IMDSv1 (the API's default is "1").
  # "1" only when asked for in so many words, a form checkov's CKV_AWS_371 can follow.
  instance_metadata_service_configuration {
    minimum_instance_metadata_service_version = var.imds_minimum_version == "1" ? "1" : "2"
  }

  lifecycle {
    precondition {
      condition     = (var.subnet_id == null) == (length(var.security_group_ids) == 0)
      error_message = "Notebook ${var.name}: subnet_id and security_group_ids go together (SageMaker rule); got subnet_id = ${jsonencode(var.subnet_id)}, security_group_ids = ${jsonencode(var.security_group_ids)}."
    }
    precondition {
      condition     = var.direct_internet_access || var.subnet_id != null
      error_message = "Notebook ${var.name}: direct_internet_access = false needs a subnet_id (SageMaker rule); got subnet_id = null."
    }
  }
}
