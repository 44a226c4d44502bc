provider "aws" {
  region = var.region
}

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

# A private network for the notebook: one subnet, no internet gateway, no NAT, and VPC
# endpoints for the AWS services the notebook calls. With direct_internet_access = false the
# notebook's only way out is its network interface in this subnet.
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

# The subnet's own route table: the S3 gateway endpoint adds its route here. No default
# route: nothing leaves the VPC but through the endpoints below.
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.this.id

  tags = {
    Name    = "${var.name}-private"
    Example = "vpc-kms"
  }
}

resource "aws_route_table_association" "private" {
  subnet_id      = aws_subnet.this.id
  route_table_id = aws_route_table.private.id
}

# No ingress at all; egress only to HTTPS: to the interface endpoints inside the VPC and to
# S3 through its gateway endpoint (S3's public addresses, as its prefix list names them).
# Inline egress replaces the default allow-all rule.
resource "aws_security_group" "this" {
  name        = "${var.name}-notebook"
  description = "Notebook ENI: no ingress, HTTPS egress to the VPC endpoints only"
  vpc_id      = aws_vpc.this.id

  egress {
    description = "HTTPS to the interface VPC endpoints inside the VPC"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.this.cidr_block]
  }

  egress {
    description     = "HTTPS to S3 through the gateway endpoint"
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    prefix_list_ids = [aws_vpc_endpoint.s3.prefix_list_id]
  }

  tags = {
    Name    = "${var.name}-notebook"
    Example = "vpc-kms"
  }
}

# The interface endpoints' own group: HTTPS in from the notebooks, nothing out (an endpoint
# only answers; it never opens connections).
resource "aws_security_group" "endpoints" {
  name        = "${var.name}-endpoints"
  description = "Interface VPC endpoints: HTTPS from the notebooks only"
  vpc_id      = aws_vpc.this.id

  ingress {
    description     = "HTTPS from the notebooks"
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = [aws_security_group.this.id]
  }

  tags = {
    Name    = "${var.name}-endpoints"
    Example = "vpc-kms"
  }
}

# Without a route to the internet, a notebook reaches an AWS service only through an
# endpoint for it in its VPC. STS is the one attribution cannot do without: every SDK and
# CLI call on the notebook first re-assumes the role at the regional STS endpoint
# (sts_regional_endpoints = regional), and private DNS makes sts.<region>.amazonaws.com
# resolve to this endpoint inside the VPC.
resource "aws_vpc_endpoint" "interface" {
  for_each = var.interface_endpoint_services

  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = [aws_subnet.this.id]
  security_group_ids  = [aws_security_group.endpoints.id]

  tags = {
    Name    = "${var.name}-${each.key}"
    Example = "vpc-kms"
  }
}

# S3 through a gateway endpoint: a route in the subnet's route table, free of charge.
resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]

  tags = {
    Name    = "${var.name}-s3"
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
