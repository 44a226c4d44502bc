provider "aws" {
  region = var.region
}

module "attributed_notebooks" {
  source = "../.."

  role_name             = var.role_name
  attribution_probe     = var.attribution_probe
  lifecycle_config_name = "${var.role_name}-on-start"

  notebooks = {
    "test-1" = {}
    "test-2" = {}
  }

  tags = {
    Example = "basic"
  }
}
