variable "region" {
  description = "AWS region of the notebooks, the data bucket and the trail's home region (the trail logs every region)."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name of the notebooks' role and of the trail; prefixes the bucket names, which end with the account ID."
  type        = string
  default     = "forensics"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 lowercase letters, digits or hyphens, starting and ending with a letter or digit (it prefixes S3 bucket names); got \"${var.name}\"."
  }
}

variable "trail_key_prefix" {
  description = "S3 key prefix of the trail's log files (before AWSLogs/); empty for none."
  type        = string
  default     = "cloudtrail"

  validation {
    condition     = var.trail_key_prefix == "" || can(regex("^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$", var.trail_key_prefix))
    error_message = "trail_key_prefix must be S3 key segments separated by single slashes, without a leading or trailing slash; got \"${var.trail_key_prefix}\"."
  }
}

variable "log_retention_days" {
  description = "Days the trail's log files are kept before they expire (an investigation often looks back a year or more)."
  type        = number
  default     = 730

  validation {
    condition     = var.log_retention_days >= 90 && floor(var.log_retention_days) == var.log_retention_days
    error_message = "log_retention_days must be a whole number of at least 90 (CloudTrail's own event history covers 90 days); got ${var.log_retention_days}."
  }
}

variable "force_destroy" {
  description = "Let destroy delete the buckets with their objects (log files, patients.csv). For throwaway test accounts only: it deletes the evidence."
  type        = bool
  default     = false
}
