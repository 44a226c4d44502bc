output "database_name" {
  description = "Name of the Glue database holding the CloudTrail table (nbattr attribute --athena --database)."
  value       = aws_glue_catalog_database.this.name
}

output "table_name" {
  description = "Name of the CloudTrail table (nbattr attribute --athena --table)."
  value       = aws_glue_catalog_table.this.name
}

output "workgroup_name" {
  description = "Name of the Athena workgroup the queries run in (nbattr attribute --athena --workgroup)."
  value       = aws_athena_workgroup.this.name
}

output "results_location" {
  description = "S3 URL where the workgroup writes query results (enforced for every query in it)."
  value       = aws_athena_workgroup.this.configuration[0].result_configuration[0].output_location
}

output "results_bucket_name" {
  description = "Name of the results bucket: the one given, or the one the module created."
  value       = local.results_bucket
}

output "results_kms_key_arn" {
  description = "ARN of the KMS key results are encrypted with; null for SSE_S3."
  value       = local.results_key
}

output "storage_location_template" {
  description = "The table's storage.location.template: where partition projection looks for each account, region and day."
  value       = local.projection["storage.location.template"]
}

output "named_query_ids" {
  description = "IDs of the saved attribution queries, by name (without the workgroup prefix)."
  value       = { for file, query in aws_athena_named_query.this : trimsuffix(file, ".sql") => query.id }
}

output "query_policy_json" {
  description = "IAM policy (JSON) that lets a principal run the attribution queries in the workgroup and nothing else: the workgroup's query actions, the table's definition, reading the trail's log files, the results location, and the results and trail keys. Attach it to incident responders' roles."
  value       = data.aws_iam_policy_document.query.json
}
