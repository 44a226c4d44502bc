locals {
  # The template's full-line comments are its documentation (scripts/on-start.sh); notebooks
  # run it without them, so the script and the credentials endpoint fit SageMaker's 16 KB with
  # room left for extra_on_start. The shebang stays, and so does every line of extra_on_start:
  # it is put in after the comments are gone.
  extra_on_start_marker = "NBATTR_EXTRA_ON_START_GOES_HERE"
  on_start_template = templatefile("${path.module}/../../scripts/on-start.sh", {
    role_arn          = var.role_arn
    mode              = var.on_start_mode
    attribution_probe = var.attribution_probe
    extra_on_start    = var.extra_on_start == "" ? "" : local.extra_on_start_marker

    credentials_endpoint           = var.credentials_endpoint
    extra_on_start_timeout_seconds = var.extra_on_start_timeout_seconds
    aws_config_settings = join("\n", [
      for key in sort(keys(var.aws_config_settings)) : "${key} = ${var.aws_config_settings[key]}"
    ])
  })
  on_start = replace(
    replace(local.on_start_template, "/(?m)^[ \t]*#(?:[^!\n].*)?\n/", ""),
    local.extra_on_start_marker, trimsuffix(var.extra_on_start, "\n")
  )
  on_start_base64  = base64encode(local.on_start)
  on_create_base64 = var.on_create == null ? null : base64encode(var.on_create)

  # The checks below read these numbers, not the scripts: Terraform prints every value a
  # failed condition refers to, and a whole base64 script would bury the message.
  on_start_base64_length         = length(local.on_start_base64)
  on_create_base64_length        = local.on_create_base64 == null ? 0 : length(local.on_create_base64)
  extra_on_start_delimiter_lines = length(regexall("(?m)^NBATTR_EXTRA_ON_START_EOF$", var.extra_on_start))

  # SageMaker's limit on each base64-encoded script.
  max_content_length = 16384
}

resource "aws_sagemaker_notebook_instance_lifecycle_configuration" "this" {
  name      = var.name
  on_start  = local.on_start_base64
  on_create = local.on_create_base64

  lifecycle {
    precondition {
      condition     = local.extra_on_start_delimiter_lines == 0
      error_message = "extra_on_start must not contain a line NBATTR_EXTRA_ON_START_EOF (it ends the embedded script); found ${local.extra_on_start_delimiter_lines}."
    }
    precondition {
      condition     = local.on_start_base64_length <= local.max_content_length
      error_message = "The on-start script (ours plus extra_on_start) is ${local.on_start_base64_length} characters base64-encoded; SageMaker allows at most ${local.max_content_length}. Shorten extra_on_start or have it fetch a larger script."
    }
    precondition {
      condition     = local.on_create_base64_length <= local.max_content_length
      error_message = "on_create is ${local.on_create_base64_length} characters base64-encoded; SageMaker allows at most ${local.max_content_length}."
    }
  }
}
