# What both buckets get alike: versioning, default encryption with their own KMS key, and no
# public access of any kind.

locals {
  private_buckets = {
    data  = { id = aws_s3_bucket.data.id, kms_key_arn = aws_kms_key.data.arn }
    trail = { id = aws_s3_bucket.trail.id, kms_key_arn = aws_kms_key.trail.arn }
  }
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = local.private_buckets

  bucket = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = local.private_buckets

  bucket = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = each.value.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = local.private_buckets

  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
