provider "aws" {
  region = var.region
}

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  # Built from inputs, not from aws_iam_role.existing.arn: the role's trust policy names
  # the role itself, so reading the ARN back from the resource would be a cycle.
  role_arn = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role${var.role_path}${var.role_name}"

  # The self-trust statement the module's self_trust_statement output asks the role's owner
  # to add: the account principal, narrowed by condition to this role's own ARN.
  self_trust_statement = {
    Sid       = "SelfAssumeForPerNotebookSessions"
    Effect    = "Allow"
    Action    = "sts:AssumeRole"
    Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
    Condition = { ArnEquals = { "aws:PrincipalArn" = local.role_arn } }
  }
}

# Stands in for a role another team owns. In real life it lives in their configuration;
# what matters here is its trust policy, which the owner writes themselves.
resource "aws_iam_role" "existing" {
  name        = var.role_name
  path        = var.role_path
  description = "Notebook execution role owned by another team (simulated by this example)"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "SageMakerNotebooks"
        Effect    = "Allow"
        Action    = "sts:AssumeRole"
        Principal = { Service = "sagemaker.amazonaws.com" }
      },
      local.self_trust_statement,
    ]
  })

  tags = {
    Example = "existing-role"
  }

  lifecycle {
    postcondition {
      condition     = self.arn == local.role_arn
      error_message = "The role's ARN ${self.arn} differs from the ARN its self-trust statement names (${local.role_arn})."
    }
  }
}

module "attributed_notebooks" {
  source = "../.."

  # Adopt the role instead of creating one; the module still attaches its self-assume
  # inline policy (attach_self_assume_policy defaults to true). The ARN is spelled out from
  # the role's name and path, which are known at plan time (its .arn is not until the role
  # exists), so the plan already shows the rendered script and the session ARNs. Referring
  # to the resource still makes Terraform create the role first.
  existing_role_arn     = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role${aws_iam_role.existing.path}${aws_iam_role.existing.name}"
  role_name             = null
  lifecycle_config_name = var.lifecycle_config_name

  notebooks = {
    "team-1" = {}
  }

  tags = {
    Example = "existing-role"
  }
}

# A warning in the plan if the owner's statement and the one the module expects ever differ.
check "owner_added_the_expected_self_trust_statement" {
  assert {
    condition     = jsonencode(local.self_trust_statement) == module.attributed_notebooks.self_trust_statement
    error_message = "The role's self-trust statement ${jsonencode(local.self_trust_statement)} differs from the one the module expects: ${module.attributed_notebooks.self_trust_statement}."
  }
}
