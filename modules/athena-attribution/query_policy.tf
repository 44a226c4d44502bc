# What a principal needs to run the attribution queries in this workgroup, and nothing more:
# for `nbattr attribute --athena` and the saved queries. Not attached to anyone: callers
# attach `query_policy_json` to the roles of their incident responders.
# Athena User Guide, "Identity and access management in Athena", and AWS Knowledge Center,
# "Restrict access to Athena queries and resources": the workgroup's query actions; the Glue
# catalog, database and table (a table's actions need all three ARNs, Glue Developer Guide,
# "Specifying AWS Glue resource ARNs"); the source bucket read; the results location read and
# written; kms:GenerateDataKey and kms:Decrypt for SSE_KMS results, kms:Decrypt for a
# KMS-encrypted trail.

locals {
  # arn:<partition>:glue:<region>:<account>, as the provider writes the database's ARN
  glue_arn       = trimsuffix(aws_glue_catalog_database.this.arn, ":database/${aws_glue_catalog_database.this.name}")
  trail_root     = join("/", compact([var.trail_prefix, "AWSLogs", var.organization_id]))
  results_prefix = "${local.results_bucket}/${var.name}"
  s3_arn         = "arn:${data.aws_partition.current.partition}:s3:::" # + bucket[/key]
}

data "aws_iam_policy_document" "query" {
  statement {
    sid = "RunQueriesInTheWorkgroup"
    actions = [
      "athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
      "athena:StopQueryExecution", "athena:GetWorkGroup", "athena:GetNamedQuery",
      "athena:ListNamedQueries",
    ]
    resources = [aws_athena_workgroup.this.arn]
  }

  statement {
    sid     = "ReadTheTableDefinition"
    actions = ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"]
    resources = [
      "${local.glue_arn}:catalog",
      aws_glue_catalog_database.this.arn,
      aws_glue_catalog_table.this.arn,
    ]
  }

  statement {
    sid     = "ReadTheTrailLogFiles"
    actions = ["s3:GetObject"]
    # The projected accounts' log files only (not their digest files, nor other accounts').
    resources = [for account in var.account_ids : "${local.s3_arn}${var.trail_bucket_name}/${local.trail_root}/${account}/CloudTrail/*"]
  }

  statement {
    sid       = "ListTheTrailLogFiles"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = ["${local.s3_arn}${var.trail_bucket_name}"]
  }

  statement {
    sid = "WriteAndReadQueryResults"
    actions = [
      "s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
    ]
    resources = ["${local.s3_arn}${local.results_prefix}/*"]
  }

  statement {
    sid       = "FindTheResultsBucket"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"]
    resources = ["${local.s3_arn}${local.results_bucket}"]
  }

  dynamic "statement" {
    for_each = var.results_encryption == "SSE_KMS" ? [local.results_key] : []
    content {
      sid       = "EncryptAndReadQueryResults"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.trail_kms_key_arn == null ? [] : [var.trail_kms_key_arn]
    content {
      sid       = "DecryptTheTrailLogFiles"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }
}
