terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.27: the module's alert rule `state` (modules/unattributed-alert); tested on 5.45.0.
      version = ">= 5.27"
    }
  }
}
