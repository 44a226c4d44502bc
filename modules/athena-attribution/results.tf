# The results bucket and key, when the caller brings none.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

resource "aws_kms_key" "results" {
  count = var.results_encryption == "SSE_KMS" && var.results_kms_key_arn == null ? 1 : 0

  description             = "${var.name}: Athena query results"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  tags                    = var.tags
  # The account's IAM policies decide who may use it, as with the default key policy (KMS
  # Developer Guide, "Default key policy"): whoever may run the workgroup's queries.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountIamPoliciesDecide"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

resource "aws_s3_bucket" "results" {
  count = var.results_bucket_name == null ? 1 : 0
  #checkov:skip=CKV_AWS_18:Query results are derived, short-lived copies of what the trail bucket already holds; access logging them would need a second bucket per module for no evidence the trail lacks.
  #checkov:skip=CKV_AWS_144:Results expire after results_retention_days and can be recomputed from the trail's log files; replicating them to another region adds cost, not durability of evidence.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to new query results; Athena's own GetQueryExecution says when one is ready.

  # The provider takes at most 37 characters of prefix (63 less its 26-character suffix);
  # `name` may be longer.
  bucket_prefix = "${substr(var.name, 0, 28)}-results-"
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "results" {
  count = var.results_bucket_name == null ? 1 : 0

  bucket                  = aws_s3_bucket.results[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "results" {
  count = var.results_bucket_name == null ? 1 : 0

  bucket = aws_s3_bucket.results[0].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "results" {
  count = var.results_bucket_name == null ? 1 : 0

  bucket = aws_s3_bucket.results[0].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.results_encryption == "SSE_KMS" ? "aws:kms" : "AES256"
      kms_master_key_id = local.results_key
    }
    bucket_key_enabled = var.results_encryption == "SSE_KMS"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "results" {
  count = var.results_bucket_name == null ? 1 : 0

  bucket = aws_s3_bucket.results[0].id
  rule {
    id     = "expire-query-results"
    status = "Enabled"
    filter {}
    expiration {
      days = var.results_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}
