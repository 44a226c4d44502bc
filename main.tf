module "execution_role" {
  source = "./modules/execution-role"

  name                      = var.role_name
  path                      = var.role_path
  existing_role_arn         = var.existing_role_arn
  attach_self_assume_policy = var.attach_self_assume_policy
  permissions_boundary      = var.role_permissions_boundary
  managed_policy_arns       = var.role_managed_policy_arns
  tags                      = var.tags

  enforce_attribution              = var.enforce_attribution
  enforcement_allowed_base_actions = var.enforcement_allowed_base_actions
  session_names                    = var.enforce_attribution ? setunion(keys(var.notebooks), var.additional_session_names) : []
}

locals {
  # SageMaker names: 1-63 letters, digits and hyphens; role names may also hold +=,.@_ and
  # reach 64 characters.
  derived_lifecycle_config_name = "${trim(substr(replace(module.execution_role.role_name, "/[^a-zA-Z0-9-]/", "-"), 0, 54), "-")}-on-start"
}

module "lifecycle_config" {
  source = "./modules/lifecycle-config"

  name              = coalesce(var.lifecycle_config_name, local.derived_lifecycle_config_name)
  role_arn          = module.execution_role.role_arn
  on_start_mode     = var.on_start_mode
  extra_on_start    = var.extra_on_start
  on_create         = var.on_create
  attribution_probe = var.attribution_probe

  extra_on_start_timeout_seconds = var.extra_on_start_timeout_seconds
  aws_config_settings            = var.aws_config_settings
  credentials_endpoint           = var.credentials_endpoint
}

module "notebook" {
  source   = "./modules/notebook-instance"
  for_each = var.notebooks

  name                         = each.key
  role_arn                     = module.execution_role.role_arn
  lifecycle_config_name        = module.lifecycle_config.name
  instance_type                = each.value.instance_type
  volume_size                  = each.value.volume_size
  kms_key_id                   = each.value.kms_key_id
  subnet_id                    = each.value.subnet_id
  security_group_ids           = each.value.security_group_ids
  direct_internet_access       = each.value.direct_internet_access
  root_access                  = each.value.root_access
  imds_minimum_version         = each.value.imds_minimum_version
  platform_identifier          = each.value.platform_identifier
  default_code_repository      = each.value.default_code_repository
  additional_code_repositories = each.value.additional_code_repositories
  tags                         = merge(var.tags, each.value.tags)
}

module "unattributed_alert" {
  source = "./modules/unattributed-alert"
  count  = var.unattributed_alert ? 1 : 0

  # EventBridge rule names stop at 64 characters; role names may use all 64.
  name                = "${substr(module.execution_role.role_name, 0, 51)}-unattributed"
  role_arn            = module.execution_role.role_arn
  base_session_arn    = "${module.execution_role.session_arn_prefix}SageMaker"
  ignored_event_names = var.unattributed_alert_ignored_event_names
  subscriptions       = var.unattributed_alert_subscriptions
  state               = var.unattributed_alert_state
  kms_master_key_id   = var.unattributed_alert_kms_key_id
  tags                = var.tags
}

# A warning in every plan, not an error: root access is a legitimate, documented opt-in.
check "root_access_keeps_attribution_enforced" {
  assert {
    condition     = length([for name, notebook in var.notebooks : name if notebook.root_access]) == 0
    error_message = "Root access is enabled on ${join(", ", [for name, notebook in var.notebooks : name if notebook.root_access])}: their users can rewrite ~/.aws/config, so CloudTrail attribution is not enforced there."
  }
}

# A warning, not an error: some tools still speak only IMDSv1, so allowing it is an opt-in.
check "imdsv2_keeps_base_credentials_behind_a_token" {
  assert {
    condition     = length([for name, notebook in var.notebooks : name if notebook.imds_minimum_version == "1"]) == 0
    error_message = "IMDSv1 is allowed on ${join(", ", [for name, notebook in var.notebooks : name if notebook.imds_minimum_version == "1"])}: any process there, or a request forged through a web app (SSRF), can read the role's base credentials without a token and call AWS unattributed."
  }
}

# AWS accepts these identifiers in its API but no longer creates or restarts such notebooks.
check "notebook_platforms_are_supported" {
  assert {
    condition     = length([for name, notebook in var.notebooks : name if startswith(coalesce(notebook.platform_identifier, "notebook-al2023"), "notebook-al1-") || startswith(coalesce(notebook.platform_identifier, "notebook-al2023"), "notebook-al2-")]) == 0
    error_message = "Notebooks ${join(", ", [for name, notebook in var.notebooks : "${name} (${notebook.platform_identifier})" if startswith(coalesce(notebook.platform_identifier, "notebook-al2023"), "notebook-al1-") || startswith(coalesce(notebook.platform_identifier, "notebook-al2023"), "notebook-al2-")])} ask for Amazon Linux 1 or 2, which SageMaker no longer creates or restarts (AL2 since 2026-07-01). Leave platform_identifier null (AWS's default, notebook-al2023-v1) or set notebook-al2023-v1 (provider >= 6.19)."
  }
}
