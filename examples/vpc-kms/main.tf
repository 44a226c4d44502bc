provider "aws" {
  region = var.region
}

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

# A private network for the notebook: one subnet, no internet gateway, no NAT. With
# direct_internet_access = false the notebook's only network interface is in this subnet.
resource "aws_vpc" "this" {
  #checkov:skip=CKV2_AWS_11:Throwaway example network with no traffic source but the notebook; flow logs need a CloudWatch Logs group and delivery role (or an S3 bucket) that cost money and are outside what this example shows. Use your own VPC with flow logs in production.
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = {
    Name    = var.name
    Example = "vpc-kms"
  }
}

resource "aws_subnet" "this" {
  vpc_id     = aws_vpc.this.id
  cidr_block = var.subnet_cidr

  tags = {
    Name    = "${var.name}-private"
    Example = "vpc-kms"
  }
}

# Every VPC comes with a default security group that allows all traffic between its members;
# adopting it with no rules leaves nothing that could accidentally use it open.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = {
    Name    = "${var.name}-default-deny"
    Example = "vpc-kms"
  }
}

# No ingress at all; egress only to HTTPS inside the VPC (where VPC interface endpoints for
# STS, SageMaker and so on would live). Inline egress replaces the default allow-all rule.
resource "aws_security_group" "this" {
  name        = "${var.name}-notebook"
  description = "Notebook ENI: no ingress, HTTPS egress to the VPC only"
  vpc_id      = aws_vpc.this.id

  egress {
    description = "HTTPS to VPC endpoints inside the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.this.cidr_block]
  }

  tags = {
    Name    = "${var.name}-notebook"
    Example = "vpc-kms"
  }
}

# Customer managed key for the notebooks' storage volumes.
resource "aws_kms_key" "this" {
  description             = "Encrypts the ${var.name} notebooks' ML storage volumes"
  enable_key_rotation     = true
  deletion_window_in_days = 7

  # AWS's default key policy, written out: the account root has full access, so the
  # account's IAM policies decide who may use the key.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountRootFullAccess"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })

  tags = {
    Example = "vpc-kms"
  }
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-notebooks"
  target_key_id = aws_kms_key.this.key_id
}

module "attributed_notebooks" {
  source = "../.."

  role_name             = var.name
  lifecycle_config_name = "${var.name}-on-start"

  notebooks = {
    "vpc-1" = {
      subnet_id              = aws_subnet.this.id
      security_group_ids     = [aws_security_group.this.id]
      kms_key_id             = aws_kms_key.this.arn
      direct_internet_access = false
      volume_size            = 20
    }
  }

  tags = {
    Example = "vpc-kms"
  }
}
