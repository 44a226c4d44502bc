"""Glue (Hive) column types: parsed, turned into DuckDB types, and used to shape JSON values.

A column's type is text such as `struct<arn:string,accountid:string>` or
`array<struct<...>>` (Athena User Guide, "Data types in Amazon Athena": the DDL types).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_SCALARS = {
    "string": "VARCHAR",
    "varchar": "VARCHAR",
    "char": "VARCHAR",
    "boolean": "BOOLEAN",
    "tinyint": "TINYINT",
    "smallint": "SMALLINT",
    "int": "INTEGER",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "float": "FLOAT",
    "double": "DOUBLE",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}


@dataclass(frozen=True)
class HiveType:
    kind: str  # a scalar's name, or struct / array / map
    fields: tuple[tuple[str, HiveType], ...] = ()  # struct fields; array: one; map: key, value

    def duckdb(self) -> str:
        if self.kind == "struct":
            inner = ", ".join(f'"{name}" {t.duckdb()}' for name, t in self.fields)
            return f"STRUCT({inner})"
        if self.kind == "array":
            return f"{self.fields[0][1].duckdb()}[]"
        if self.kind == "map":
            return f"MAP({self.fields[0][1].duckdb()}, {self.fields[1][1].duckdb()})"
        return _SCALARS.get(self.kind.split("(")[0], "VARCHAR")


def parse_type(text: str) -> HiveType:
    parsed, rest = _parse(text.replace(" ", "").lower())
    if rest:
        raise ValueError(f"unexpected {rest!r} after a column type in {text!r}")
    return parsed


def _parse(text: str) -> tuple[HiveType, str]:
    for kind in ("struct", "array", "map"):
        if text.startswith(kind + "<"):
            rest = text[len(kind) + 1 :]
            fields: list[tuple[str, HiveType]] = []
            while True:
                name = ""
                if kind == "struct":
                    name, rest = rest.split(":", 1)
                inner, rest = _parse(rest)
                fields.append((name, inner))
                if rest.startswith(","):
                    rest = rest[1:]
                    continue
                if not rest.startswith(">"):
                    raise ValueError(f"unclosed {kind}<...> in a column type")
                return HiveType(kind, tuple(fields)), rest[1:]
    end = min((i for i, c in enumerate(text) if c in ",>"), default=len(text))
    return HiveType(text[:end]), text[end:]


def shape(value: Any, hive: HiveType) -> Any:
    """A record's JSON value as the column type reads it. The JSON SerDe matches field names
    case-insensitively (Athena User Guide, "Hive JSON SerDe": keys are read in lower case);
    CloudTrail's SerDe keeps a nested object in a `string` column as its JSON text, which is
    how the guide's CloudTrail table reads requestparameters and responseelements."""
    if value is None:
        return None
    if hive.kind == "struct":
        if not isinstance(value, dict):
            return None
        lowered = {str(k).lower(): v for k, v in value.items()}
        return {name: shape(lowered.get(name), t) for name, t in hive.fields}
    if hive.kind == "array":
        return [shape(v, hive.fields[0][1]) for v in value] if isinstance(value, list) else None
    if hive.kind == "map":
        if not isinstance(value, dict):
            return None
        return {str(k): shape(v, hive.fields[1][1]) for k, v in value.items()}
    if hive.kind in ("string", "varchar", "char"):
        return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return value
