variable "name" {
  description = "Name of the Athena workgroup and of the Glue database (hyphens become underscores there, as Glue names take none), and prefix of a created results bucket."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,61}$", var.name))
    error_message = "athena attribution name must be 1-62 lower-case letters, digits or hyphens starting with a letter (it names a workgroup, a Glue database and an S3 bucket prefix); got \"${var.name}\"."
  }
}

variable "trail_bucket_name" {
  description = "Name of the S3 bucket the CloudTrail trail delivers its log files to."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.trail_bucket_name))
    error_message = "trail_bucket_name must be an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens), not a URL or ARN; got \"${var.trail_bucket_name}\"."
  }
}

variable "trail_prefix" {
  description = "The trail's S3 key prefix (aws_cloudtrail's s3_key_prefix), without slashes at either end; empty when the trail has none."
  type        = string
  default     = ""

  validation {
    condition     = var.trail_prefix == "" || can(regex("^[^/].*[^/]$|^[^/]$", var.trail_prefix))
    error_message = "trail_prefix must not start or end with a slash (CloudTrail adds /AWSLogs/ itself); got \"${var.trail_prefix}\"."
  }
}

variable "organization_id" {
  description = "The AWS Organizations ID (o-...) when the trail is an organisation trail: its files lie under AWSLogs/<organization id>/<account>/. Null for an account's own trail (AWSLogs/<account>/)."
  type        = string
  default     = null

  validation {
    condition     = var.organization_id == null || can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must be an AWS Organizations ID like o-a1b2c3d4e5 (o- and 10-32 lower-case letters or digits); got \"${coalesce(var.organization_id, "null")}\"."
  }
}

variable "account_ids" {
  description = "The accounts whose log files the table projects (the partition projection's enum of account folders)."
  type        = list(string)

  validation {
    condition     = length(var.account_ids) > 0 && alltrue([for id in var.account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "account_ids must list at least one 12-digit AWS account ID; got ${jsonencode(var.account_ids)}."
  }

  validation {
    condition     = length(distinct(var.account_ids)) == length(var.account_ids)
    error_message = "account_ids must not list an account twice; got ${jsonencode(var.account_ids)}."
  }
}

variable "regions" {
  description = "The regions whose log files the table projects (the partition projection's enum of region folders)."
  type        = list(string)

  validation {
    condition     = length(var.regions) > 0 && alltrue([for r in var.regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", r))])
    error_message = "regions must list at least one AWS region code such as us-east-1; got ${jsonencode(var.regions)}."
  }

  validation {
    condition     = length(distinct(var.regions)) == length(var.regions)
    error_message = "regions must not list a region twice; got ${jsonencode(var.regions)}."
  }
}

variable "start_date" {
  description = "First day the table projects, YYYY/MM/DD (the date folders' format); the range runs to NOW. Earlier log files are not read."
  type        = string

  validation {
    condition     = can(formatdate("YYYY", "${replace(var.start_date, "/", "-")}T00:00:00Z")) && can(regex("^[0-9]{4}/[0-9]{2}/[0-9]{2}$", var.start_date))
    error_message = "start_date must be a date YYYY/MM/DD such as 2026/01/01 (the trail's date folders); got \"${var.start_date}\"."
  }
}

variable "table_name" {
  description = "Name of the Glue table over the trail's log files (the relation the attribution queries read)."
  type        = string
  default     = "cloudtrail_logs"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,254}$", var.table_name))
    error_message = "table_name must be lower-case letters, digits and underscores (Athena table names); got \"${var.table_name}\"."
  }
}

variable "results_bucket_name" {
  description = "An existing S3 bucket for the workgroup's query results. Null: the module creates one (encrypted, versioned, public access blocked)."
  type        = string
  default     = null

  validation {
    condition     = var.results_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.results_bucket_name))
    error_message = "results_bucket_name must be an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens), not a URL or ARN; got \"${coalesce(var.results_bucket_name, "null")}\"."
  }
}

variable "results_encryption" {
  description = "How Athena encrypts query results: SSE_KMS (default; with results_kms_key_arn, or a key the module creates) or SSE_S3."
  type        = string
  default     = "SSE_KMS"

  validation {
    condition     = contains(["SSE_KMS", "SSE_S3"], var.results_encryption)
    error_message = "results_encryption must be SSE_KMS or SSE_S3 (CSE_KMS results cannot be read by GetQueryResults' callers without the key client-side); got \"${var.results_encryption}\"."
  }
}

variable "results_kms_key_arn" {
  description = "ARN of the KMS key for SSE_KMS results. Null: the module creates a key with rotation."
  type        = string
  default     = null

  validation {
    condition     = var.results_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.results_kms_key_arn))
    error_message = "results_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>; Athena takes no alias); got \"${coalesce(var.results_kms_key_arn, "null")}\"."
  }
}

variable "results_retention_days" {
  description = "Days after which query results in a created results bucket expire."
  type        = number
  default     = 30

  validation {
    condition     = var.results_retention_days >= 1 && floor(var.results_retention_days) == var.results_retention_days
    error_message = "results_retention_days must be a whole number of days, at least 1; got ${var.results_retention_days}."
  }
}

variable "force_destroy" {
  description = "Whether destroying the module deletes a created results bucket with its results, and the workgroup with its named queries."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}

variable "trail_kms_key_arn" {
  description = "ARN of the KMS key the trail encrypts its log files with (aws_cloudtrail's kms_key_id), so query_policy_json may decrypt them. Null when the trail uses SSE-S3."
  type        = string
  default     = null

  validation {
    condition     = var.trail_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.trail_kms_key_arn))
    error_message = "trail_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>; IAM policies take no alias); got \"${coalesce(var.trail_kms_key_arn, "null")}\"."
  }
}
