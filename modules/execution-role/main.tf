data "aws_partition" "current" {}

data "aws_caller_identity" "current" {
  lifecycle {
    precondition {
      condition     = (var.name == null) != (var.existing_role_arn == null)
      error_message = "Set exactly one of role_name (create a role) and existing_role_arn (adopt one); got role_name = ${jsonencode(var.name)}, existing_role_arn = ${jsonencode(var.existing_role_arn)}."
    }
  }
}

locals {
  # Decided by the name, which is always known at plan time; an adopted role's ARN may be
  # unknown until apply (e.g. read from a resource in the same configuration).
  create    = var.name != null
  partition = local.create ? data.aws_partition.current.partition : split(":", var.existing_role_arn)[1]
  account   = local.create ? data.aws_caller_identity.current.account_id : split(":", var.existing_role_arn)[4]

  # "role/<path><name>" from an adopted role's ARN; the path is everything between.
  existing_parts = local.create ? [] : split("/", var.existing_role_arn)
  name           = local.create ? var.name : element(local.existing_parts, length(local.existing_parts) - 1)
  path           = local.create ? var.path : format("/%s", join("", [for part in slice(local.existing_parts, 1, length(local.existing_parts) - 1) : "${part}/"]))

  # Computed from inputs, so the ARN is known at plan time and can be rendered into the
  # on-start script: the notebook then needs no AWS call to find its own role.
  arn = local.create ? "arn:${local.partition}:iam::${local.account}:role${local.path}${local.name}" : var.existing_role_arn
}

# Explicit self-trust: the account principal narrowed to this role's own ARN. Naming the
# role itself as principal would fail on create (it does not exist yet), and since 2022
# IAM no longer lets a role assume itself on the strength of its identity policy alone.
# Policies are plain jsonencode() so they read the same under every provider version.
locals {
  self_trust_statement = {
    Sid       = "SelfAssumeForPerNotebookSessions"
    Effect    = "Allow"
    Action    = "sts:AssumeRole"
    Principal = { AWS = "arn:${local.partition}:iam::${local.account}:root" }
    Condition = { ArnEquals = { "aws:PrincipalArn" = local.arn } }
  }

  trust_policy = jsonencode({
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

  # Least privilege: the only permission this module grants is assuming this very role.
  self_assume_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "AssumeOnlySelf"
      Effect   = "Allow"
      Action   = "sts:AssumeRole"
      Resource = local.arn
    }]
  })
}

resource "aws_iam_role" "this" {
  count = local.create ? 1 : 0

  name                 = var.name
  path                 = var.path
  description          = "SageMaker notebook execution role; notebooks re-assume it with their own session name"
  assume_role_policy   = local.trust_policy
  permissions_boundary = var.permissions_boundary
  tags                 = var.tags

  lifecycle {
    postcondition {
      condition     = self.arn == local.arn
      error_message = "The created role's ARN ${self.arn} differs from the ARN rendered into the on-start script (${local.arn})."
    }
  }
}

resource "aws_iam_role_policy" "self_assume" {
  count = var.attach_self_assume_policy ? 1 : 0

  name   = "self-assume-for-attribution"
  role   = local.create ? aws_iam_role.this[0].name : local.name
  policy = local.self_assume_policy
}

resource "aws_iam_role_policy_attachment" "managed" {
  for_each = local.create ? var.managed_policy_arns : toset([])

  role       = aws_iam_role.this[0].name
  policy_arn = each.value
}
