# The data the notebooks read: a bucket whose object-level calls the trail logs as S3 data
# events, so "who read patients.csv?" has an answer in the trail's log files.

resource "aws_kms_key" "data" {
  description             = "Encrypts the ${var.name} data bucket"
  enable_key_rotation     = true
  deletion_window_in_days = 7

  # AWS's default key policy, written out: the account's IAM policies decide who may use it.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountRootFullAccess"
      Effect    = "Allow"
      Principal = { AWS = "arn:${local.partition}:iam::${local.account}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })

  tags = {
    Example = "forensics"
  }
}

resource "aws_s3_bucket" "data" {
  #checkov:skip=CKV_AWS_18:Every object-level call on this bucket is an S3 data event in the trail's log files (trail.tf), which is what server access logs would add here, with identities.
  #checkov:skip=CKV_AWS_144:Cross-region replication of the data is the data owner's decision, outside what this example shows.
  #checkov:skip=CKV2_AWS_61:How long patient data is kept is the data owner's retention policy, not this example's.
  #checkov:skip=CKV2_AWS_62:Nothing in this example reacts to new objects; the trail already records every object-level call.
  bucket        = "${var.name}-patients-${local.account}"
  force_destroy = var.force_destroy

  tags = {
    Example = "forensics"
  }
}

resource "aws_s3_object" "patients" {
  bucket       = aws_s3_bucket.data.id
  key          = "patients.csv"
  content      = "patient_id,cohort\nP-0001,control\nP-0002,treatment\n" # made up, no real person
  content_type = "text/csv"
  kms_key_id   = aws_kms_key.data.arn

  # Written once the bucket encrypts by default, so the object never exists in clear.
  depends_on = [aws_s3_bucket_server_side_encryption_configuration.this["data"]]
}
