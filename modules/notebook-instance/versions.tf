terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 4.20" # instance_metadata_service_configuration (4.20.0), platform_identifier (3.57.0)
    }
  }
}
