# The attribution queries, saved in the workgroup (Trino SQL, Athena engine 3). The role's
# name is an execution parameter (`?`), given when the query is run.
resource "aws_athena_named_query" "this" {
  for_each = fileset("${path.module}/queries", "*.sql")

  name        = "${var.name}-${trimsuffix(each.value, ".sql")}"
  description = "Attribution over ${var.table_name}: ${trimsuffix(each.value, ".sql")} (parameter: the execution role's name)."
  workgroup   = aws_athena_workgroup.this.id
  database    = aws_glue_catalog_database.this.name
  query       = templatefile("${path.module}/queries/${each.value}", { table = var.table_name })
}
