provider "aws" {
  region = var.region
}

data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition = data.aws_partition.current.partition
  account   = data.aws_caller_identity.current.account_id
}

# What the notebooks may do: read the data bucket, whose object reads the trail records.
resource "aws_iam_policy" "read_patients" {
  name        = "${var.name}-read-patients"
  description = "Read the ${var.name} data bucket (its objects are decrypted with its key through S3 only)"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ListTheBucket"
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = aws_s3_bucket.data.arn
      },
      {
        Sid      = "ReadItsObjects"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = "${aws_s3_bucket.data.arn}/*"
      },
      {
        Sid       = "DecryptThroughS3"
        Effect    = "Allow"
        Action    = ["kms:Decrypt"]
        Resource  = aws_kms_key.data.arn
        Condition = { StringEquals = { "kms:ViaService" = "s3.${var.region}.amazonaws.com" } }
      },
    ]
  })
}

module "attributed_notebooks" {
  source = "../.."

  role_name                = var.name
  role_managed_policy_arns = { read_patients = aws_iam_policy.read_patients.arn }
  lifecycle_config_name    = "${var.name}-on-start"

  notebooks = {
    "analyst-1" = {}
    "analyst-2" = {}
  }

  tags = {
    Example = "forensics"
  }
}
