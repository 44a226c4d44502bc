locals {
  glue_name = replace(var.name, "-", "_")
  # CloudTrail's folders: [prefix/]AWSLogs/[organization id/]<account>/CloudTrail/<region>/YYYY/MM/DD/
  # (CloudTrail User Guide, "Finding your CloudTrail log files").
  logs_root = join("/", compact([var.trail_bucket_name, var.trail_prefix, "AWSLogs", var.organization_id]))
  # Athena User Guide, "Create the table for CloudTrail logs in Athena using partition
  # projection", with account and region projected as enums as well as the date.
  projection = {
    "projection.enabled"                 = "true"
    "projection.account.type"            = "enum"
    "projection.account.values"          = join(",", var.account_ids)
    "projection.region.type"             = "enum"
    "projection.region.values"           = join(",", var.regions)
    "projection.timestamp.type"          = "date"
    "projection.timestamp.format"        = "yyyy/MM/dd"
    "projection.timestamp.range"         = "${var.start_date},NOW"
    "projection.timestamp.interval"      = "1"
    "projection.timestamp.interval.unit" = "DAYS"
    "storage.location.template"          = "s3://${local.logs_root}/$${account}/CloudTrail/$${region}/$${timestamp}"
    "classification"                     = "cloudtrail"
    "EXTERNAL"                           = "TRUE"
  }
  results_bucket = coalesce(var.results_bucket_name, one(aws_s3_bucket.results[*].id))
  results_key    = var.results_encryption == "SSE_KMS" ? coalesce(var.results_kms_key_arn, one(aws_kms_key.results[*].arn)) : null
}

resource "aws_glue_catalog_database" "this" {
  name        = local.glue_name
  description = "CloudTrail log files of ${var.trail_bucket_name}, for attributing notebook calls."
  tags        = var.tags
}

resource "aws_glue_catalog_table" "this" {
  database_name = aws_glue_catalog_database.this.name
  name          = var.table_name
  description   = "CloudTrail log files with partition projection on account, region and date."
  table_type    = "EXTERNAL_TABLE"
  parameters    = local.projection

  partition_keys {
    name = "account"
    type = "string"
  }
  partition_keys {
    name = "region"
    type = "string"
  }
  partition_keys {
    name    = "timestamp"
    type    = "string"
    comment = "The date folder, YYYY/MM/DD."
  }

  storage_descriptor {
    location      = "s3://${local.logs_root}/"
    input_format  = "com.amazon.emr.cloudtrail.CloudTrailInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"

    ser_de_info {
      serialization_library = "org.apache.hive.hcatalog.data.JsonSerDe"
    }

    dynamic "columns" {
      for_each = local.columns
      content {
        name = columns.value.name
        type = columns.value.type
      }
    }
  }
}

resource "aws_athena_workgroup" "this" {
  name          = var.name
  description   = "Attribution queries over ${var.trail_bucket_name}'s CloudTrail log files."
  force_destroy = var.force_destroy
  tags          = var.tags

  configuration {
    # Callers cannot send results elsewhere or unencrypted (Athena User Guide, "Override
    # client-side settings").
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true

    result_configuration {
      output_location = "s3://${local.results_bucket}/${var.name}/"

      encryption_configuration {
        encryption_option = var.results_encryption
        kms_key_arn       = local.results_key
      }
    }
  }

  lifecycle {
    precondition {
      condition     = !(var.results_encryption == "SSE_S3" && var.results_kms_key_arn != null)
      error_message = "results_kms_key_arn goes with results_encryption = \"SSE_KMS\" only; got results_encryption = \"SSE_S3\" and results_kms_key_arn = \"${coalesce(var.results_kms_key_arn, "null")}\"."
    }
  }
}
