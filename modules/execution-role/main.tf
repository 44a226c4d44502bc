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

# Opt-in enforcement (enforce_attribution). Two facts make it possible: the base session
# SageMaker opens on the instance is always named `SageMaker`, so its aws:userid is
# "<RoleId>:SageMaker"; and the self-assume hop is the caller's sts:AssumeRole, so this
# role's identity policy sees the requested sts:RoleSessionName. Every statement is a Deny:
# they narrow whatever the managed policies allow and grant nothing.
locals {
  # IAM's aggregate limit for all of a role's inline policies, whitespace not counted
  # (jsonencode renders none).
  inline_policy_limit = 10240

  enforcement_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # Unattributed calls: everything but the allow-list (see the variable's default).
        Sid       = "DenyUnattributedCalls"
        Effect    = "Deny"
        NotAction = var.enforcement_allowed_base_actions
        Resource  = "*"
        Condition = { StringLike = { "aws:userid" = "*:SageMaker" } }
      },
      {
        # The hop's sts:AssumeRole stays allowed above, but only onto this role: the base
        # session must not step into another role under a name of its choosing.
        Sid         = "DenyBaseSessionAssumingOtherRoles"
        Effect      = "Deny"
        Action      = "sts:AssumeRole"
        NotResource = local.arn
        Condition   = { StringLike = { "aws:userid" = "*:SageMaker" } }
      },
      {
        # Re-assuming this role only under a known notebook's name. It cannot stop notebook A
        # from naming itself B; `nbattr verify` reports such spoofing.
        Sid       = "DenySessionNamesOfNoNotebook"
        Effect    = "Deny"
        Action    = "sts:AssumeRole"
        Resource  = local.arn
        Condition = { StringNotEquals = { "sts:RoleSessionName" = sort(tolist(var.session_names)) } }
      },
    ]
  })
  inline_policies_length = length(local.enforcement_policy) + (var.attach_self_assume_policy ? length(local.self_assume_policy) : 0)
}

resource "aws_iam_role_policy" "enforce_attribution" {
  count = var.enforce_attribution ? 1 : 0

  name   = "enforce-attribution"
  role   = local.create ? aws_iam_role.this[0].name : local.name
  policy = local.enforcement_policy

  lifecycle {
    precondition {
      condition     = length(var.session_names) > 0
      error_message = "enforce_attribution needs at least one session name (a notebook, or additional_session_names): with none, no notebook could re-assume the role."
    }
    precondition {
      condition     = !contains(var.session_names, "SageMaker")
      error_message = "\"SageMaker\" is the base session's own name and cannot be a notebook's session name under enforce_attribution: rename that notebook (or remove it from additional_session_names)."
    }
    precondition {
      condition     = local.inline_policies_length <= local.inline_policy_limit
      error_message = "The enforce-attribution policy is ${length(local.enforcement_policy)} characters (${local.inline_policies_length} with the self-assume policy); IAM allows ${local.inline_policy_limit} for all of a role's inline policies together. Use fewer session names or allowed actions (e.g. a wildcard pattern)."
    }
  }
}

# Keyed by the caller's names, which are known at plan time even when a policy created next
# to the module has no ARN until apply; removing one policy leaves the others in place.
resource "aws_iam_role_policy_attachment" "managed" {
  for_each = local.create ? var.managed_policy_arns : {}

  role       = aws_iam_role.this[0].name
  policy_arn = each.value
}
