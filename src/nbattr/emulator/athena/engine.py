"""Run one Athena query (Trino SQL, Athena engine version 3) on DuckDB.

The query's parameters fill its `?` placeholders in order (Athena User Guide, "Use
parameterized queries": ExecutionParameters are values given for the question marks). Each
table it names is looked up in Glue (in the query's database unless qualified), read from S3
(tables.py) into a DuckDB table of the same schema and name, and the query is transpiled
from Trino to DuckDB with sqlglot and run.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from .tables import Table, TableError, write_rows

DEFAULT_CATALOG = "awsdatacatalog"


class QueryError(Exception):
    """The query failed; the message is Athena's StateChangeReason."""


@dataclass
class Answer:
    columns: list[tuple[str, str]]  # name, DuckDB type
    rows: list[tuple[Any, ...]]


def run_query(
    sql: str,
    parameters: list[str],
    database: str | None,
    table_of: Callable[[str, str], Table],
) -> Answer:
    """Run `sql`; `table_of(database, name)` reads a Glue table (KeyError: there is none)."""
    try:
        tree = sqlglot.parse_one(sql, read="trino")
    except sqlglot.errors.ParseError as error:
        raise QueryError(f"SYNTAX_ERROR: {error}") from error
    _fill_placeholders(tree, parameters)
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    tables: dict[tuple[str, str], Table] = {}
    for ref in tree.find_all(exp.Table):
        name = ref.name.lower()
        if not ref.args.get("db") and name in ctes:
            continue
        schema = (ref.db or database or "default").lower()
        if (schema, name) not in tables:
            try:
                tables[schema, name] = table_of(schema, name)
            except KeyError as missing:
                raise QueryError(
                    f"TABLE_NOT_FOUND: Table '{DEFAULT_CATALOG}.{schema}.{name}' does not exist"
                ) from missing
            except TableError as error:
                raise QueryError(str(error)) from error
        ref.set("catalog", None)
        ref.set("db", exp.to_identifier(schema))
    duck_sql = _rows_unnested_into_columns(tree.sql(dialect="duckdb"))
    with tempfile.TemporaryDirectory(prefix="nbattr-athena-") as folder:
        connection = duckdb.connect()
        try:
            for (schema, name), table in tables.items():
                _load(connection, schema, name, table, Path(folder) / f"{schema}.{name}.json")
            cursor = connection.execute(duck_sql)
            columns = [(d[0], str(d[1])) for d in cursor.description or []]
            return Answer(columns, cursor.fetchall())
        except duckdb.Error as error:
            raise QueryError(f"GENERIC_USER_ERROR: {error}") from error
        finally:
            connection.close()


# Trino expands an UNNEST of an array of ROWs into one column per field (Trino docs, "SELECT":
# UNNEST "arrays of ROW are expanded into multiple columns"); DuckDB's UNNEST in FROM keeps one
# STRUCT column, and sqlglot passes the text through. An UNNEST aliased with several columns
# is therefore rewritten into DuckDB's recursive unnest, which yields the fields as columns.
_UNNEST_WITH_COLUMNS = re.compile(r"UNNEST\(([^()]+)\) AS (\w+)\s*\(([^()]*,[^()]*)\)")


def _rows_unnested_into_columns(duck_sql: str) -> str:
    return _UNNEST_WITH_COLUMNS.sub(
        r"LATERAL (SELECT UNNEST(\1, recursive := true)) AS \2(\3)", duck_sql
    )


def _fill_placeholders(tree: exp.Expression, parameters: list[str]) -> None:
    # In the order they are written: depth first (find_all's default, breadth first, gives
    # `a = ? AND b = ? AND c BETWEEN ? AND ?` the BETWEEN's first, as it nests least deep).
    placeholders = list(tree.find_all(exp.Placeholder, bfs=False))
    if len(placeholders) != len(parameters):
        raise QueryError(
            f"INVALID_PARAMETER_USAGE: the query has {len(placeholders)} parameter(s),"
            f" {len(parameters)} given"
        )
    for placeholder, value in zip(placeholders, parameters, strict=True):
        placeholder.replace(sqlglot.parse_one(value, read="trino"))


def _load(connection: Any, schema: str, name: str, table: Table, path: Path) -> None:
    types = {column: hive.duckdb() for column, hive in table.columns}
    connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    declared = ", ".join(f'"{column}" {duck}' for column, duck in types.items())
    connection.execute(f'CREATE TABLE "{schema}"."{name}" ({declared})')
    if table.rows:  # read_json needs a line to read
        write_rows(table, path)
        connection.execute(
            f'INSERT INTO "{schema}"."{name}" SELECT * FROM read_json(?, columns = {types!r},'
            " format = 'newline_delimited')",
            [str(path)],
        )
