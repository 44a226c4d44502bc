# The trail: every region's management events and the data bucket's object-level calls, as
# gzip JSON log files in a bucket of their own ("Creating a trail", CloudTrail User Guide).

locals {
  trail_name = var.name
  # Known before the trail exists, so that the key and bucket policies can name it.
  trail_arn   = "arn:${local.partition}:cloudtrail:${var.region}:${local.account}:trail/${local.trail_name}"
  logs_folder = join("/", compact([var.trail_key_prefix, "AWSLogs", local.account]))
}

# "Configure AWS KMS key policies for CloudTrail": the trail may generate data keys for its
# own log files (encryption context naming a trail of this account) and describe the key.
resource "aws_kms_key" "trail" {
  description             = "Encrypts the ${local.trail_name} trail's log files"
  enable_key_rotation     = true
  deletion_window_in_days = 7

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountRootFullAccess"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudTrailEncryptsLogFiles"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "kms:GenerateDataKey*"
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceArn" = local.trail_arn }
          StringLike   = { "kms:EncryptionContext:aws:cloudtrail:arn" = "arn:${local.partition}:cloudtrail:*:${local.account}:trail/*" }
        }
      },
      {
        Sid       = "CloudTrailDescribesKey"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "kms:DescribeKey"
        Resource  = "*"
        # Scoped to this trail like the statement above (CloudTrail User Guide, "Configure
        # AWS KMS key policies for CloudTrail": add aws:SourceArn as a security best practice).
        Condition = { StringEquals = { "aws:SourceArn" = local.trail_arn } }
      },
    ]
  })

  tags = {
    Example = "forensics"
  }
}

resource "aws_s3_bucket" "trail" {
  #checkov:skip=CKV_AWS_18:This bucket holds the access record itself (the trail's log files); logging access to it needs another log bucket, which an organisation's log archive account provides.
  #checkov:skip=CKV_AWS_144:Cross-region replication belongs to an organisation's log archive; this example keeps one account's trail in one bucket.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to new log files here; `nbattr attribute` and Athena read them when someone asks.
  bucket        = "${var.name}-trail-logs-${local.account}"
  force_destroy = var.force_destroy

  tags = {
    Example = "forensics"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "trail" {
  bucket = aws_s3_bucket.trail.id

  rule {
    id     = "expire-log-files"
    status = "Enabled"
    filter {}
    expiration {
      days = var.log_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

# "Amazon S3 bucket policy for CloudTrail": CloudTrail checks the bucket's ACL and writes
# under <prefix>/AWSLogs/<account>/ with the bucket owner in full control, for this trail
# only (aws:SourceArn). Everyone else must use TLS.
resource "aws_s3_bucket_policy" "trail" {
  bucket = aws_s3_bucket.trail.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AWSCloudTrailAclCheck"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "s3:GetBucketAcl"
        Resource  = aws_s3_bucket.trail.arn
        Condition = { StringEquals = { "aws:SourceArn" = local.trail_arn } }
      },
      {
        Sid       = "AWSCloudTrailWrite"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "${aws_s3_bucket.trail.arn}/${local.logs_folder}/*"
        Condition = {
          StringEquals = {
            "s3:x-amz-acl"  = "bucket-owner-full-control"
            "aws:SourceArn" = local.trail_arn
          }
        }
      },
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.trail.arn, "${aws_s3_bucket.trail.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })

  # AWS refuses a policy while the public access block is being set on the same bucket.
  depends_on = [aws_s3_bucket_public_access_block.this["trail"]]
}

resource "aws_cloudtrail" "this" {
  #checkov:skip=CKV_AWS_252:No one subscribes to per-file notifications in this example; readers look when they investigate.
  #checkov:skip=CKV2_AWS_10:The forensic path reads the S3 log files (nbattr attribute, Athena); sending them to CloudWatch Logs too costs per GB and needs a delivery role.
  name                          = local.trail_name
  s3_bucket_name                = aws_s3_bucket.trail.id
  s3_key_prefix                 = var.trail_key_prefix == "" ? null : var.trail_key_prefix
  kms_key_id                    = aws_kms_key.trail.arn
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true

  advanced_event_selector {
    name = "Management events"
    field_selector {
      field  = "eventCategory"
      equals = ["Management"]
    }
  }

  advanced_event_selector {
    name = "Objects of the data bucket"
    field_selector {
      field  = "eventCategory"
      equals = ["Data"]
    }
    field_selector {
      field  = "resources.type"
      equals = ["AWS::S3::Object"]
    }
    field_selector {
      field       = "resources.ARN"
      starts_with = ["${aws_s3_bucket.data.arn}/"]
    }
  }

  tags = {
    Example = "forensics"
  }

  # CloudTrail checks at creation that the bucket policy lets it write.
  depends_on = [aws_s3_bucket_policy.trail]
}
