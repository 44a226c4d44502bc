"""A query's answer as Athena gives it: GetQueryResults pages and the result file.

- Column types are Athena's names (varchar, bigint, array, row, ...; Athena User Guide, "Data
  types in Amazon Athena"), values all text in `VarCharValue`, a NULL a `Datum` without it
  (Athena API Reference, Datum: "The value of the datum", optional).
- The first page of a SELECT's results starts with a header row of the column names
  (Athena User Guide, "Working with query results": GetQueryResults "returns the column names
  as the first row" for SELECT); MaxResults is at most 1000 (API Reference,
  GetQueryResults: "Valid Range: Minimum value of 1. Maximum value of 1000").
- The result file is `<output location><QueryExecutionId>.csv`, every value quoted (User
  Guide, "Work with query results and recent queries": "Athena stores query results in...
  QueryID.csv").

Approximated: arrays print as [a, b] and rows as {a=1, b=2} like Trino's text forms, but the
exact text of nested values, doubles and timestamps may differ from Athena's.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from typing import Any

from .engine import Answer

MAX_RESULTS = 1000
_ATHENA_TYPES = {
    "VARCHAR": "varchar",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "TINYINT": "tinyint",
    "HUGEINT": "decimal",
    "DOUBLE": "double",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    "UUID": "varchar",
    "JSON": "json",
}


def athena_type(duckdb_type: str) -> str:
    if duckdb_type.endswith("[]"):
        return "array"
    if duckdb_type.startswith("STRUCT"):
        return "row"
    if duckdb_type.startswith("MAP"):
        return "map"
    if duckdb_type.startswith("DECIMAL"):
        return "decimal"
    return _ATHENA_TYPES.get(duckdb_type, "varchar")


def text(value: Any) -> str | None:
    """A value as Athena's VarCharValue."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(str(text(v)) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={text(v)}" for k, v in value.items()) + "}"
    return str(value)


def column_info(answer: Answer) -> list[dict[str, Any]]:
    info = []
    for name, duck in answer.columns:
        kind = athena_type(duck)
        precision = re.search(r"\((\d+),\s*(\d+)\)", duck) if kind == "decimal" else None
        info.append(
            {
                "CatalogName": "hive",
                "SchemaName": "",
                "TableName": "",
                "Name": name,
                "Label": name,
                "Type": kind,
                "Precision": int(precision.group(1)) if precision else 0,
                "Scale": int(precision.group(2)) if precision else 0,
                "Nullable": "UNKNOWN",
                "CaseSensitive": kind == "varchar",
            }
        )
    return info


def _row(values: list[str | None]) -> dict[str, Any]:
    return {"Data": [{} if v is None else {"VarCharValue": v} for v in values]}


def page(answer: Answer, start: int, max_results: int) -> tuple[dict[str, Any], int | None]:
    """The ResultSet of the page beginning at line `start` of the header and rows (0: the
    header), and where the next begins (None: this is the last)."""
    header = [name for name, _ in answer.columns]
    end = min(start + max_results, len(answer.rows) + 1)
    lines = [header if n == 0 else [text(v) for v in answer.rows[n - 1]] for n in range(start, end)]
    result = {
        "Rows": [_row(line) for line in lines],
        "ResultSetMetadata": {"ColumnInfo": column_info(answer)},
    }
    return result, (end if end <= len(answer.rows) else None)


def csv_file(answer: Answer) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow([name for name, _ in answer.columns])
    for row in answer.rows:
        writer.writerow(["" if v is None else text(v) for v in row])
    return out.getvalue().encode()
