terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Every argument used here exists in 3.39 (tested there before the move to 5.x); tested on 5.45.0.
      version = ">= 3.39"
    }
  }
}
