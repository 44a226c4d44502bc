"""A Glue table's rows, read from the emulator's S3 as Athena reads them.

Which files: with partition projection (`projection.enabled`), Athena computes the partitions
from the table properties instead of the catalog and reads each one's folder, found by
`storage.location.template` with `${column}` replaced (Athena User Guide, "Use partition
projection with Amazon Athena", "Set up partition projection": enum, integer, date and
injected types; a date range "2020/01/01,NOW"). Here the folders are found the other way
round: every object under the template's fixed prefix whose folder fits the template, each
`${column}` matching the projection's values (enum: one of the listed; date: the format
within the range). Without projection: every object under the table's LOCATION, partition
columns NULL (catalog partitions are not modelled).

How a file is read: CloudTrail's input format yields each entry of the file's `Records` array
as a row (Athena User Guide, "Query AWS CloudTrail logs"); files are gzip or plain JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ...trail_files import decode_log_file
from .hive_types import HiveType, parse_type, shape

CLOUDTRAIL_INPUT_FORMAT = "com.amazon.emr.cloudtrail.CloudTrailInputFormat"
# Java date patterns the projection's `format` uses, as regular expressions and strptime.
_DATE_PARTS = {"yyyy": (r"\d{4}", "%Y"), "MM": (r"\d{2}", "%m"), "dd": (r"\d{2}", "%d"),
               "HH": (r"\d{2}", "%H")}  # fmt: skip


class TableError(Exception):
    """The table cannot be read (Athena fails the query with this reason)."""


@dataclass
class Table:
    columns: list[tuple[str, HiveType]]  # data columns, then partition columns
    rows: list[dict[str, Any]]


def read_table(glue_table: dict[str, Any], s3: Any, now: datetime) -> Table:
    """The rows of a Glue GetTable `Table`, reading objects with the boto3 client `s3`."""
    descriptor = glue_table.get("StorageDescriptor") or {}
    data = [(c["Name"].lower(), parse_type(c["Type"])) for c in descriptor.get("Columns", [])]
    keys = glue_table.get("PartitionKeys", [])
    partitions = [(k["Name"].lower(), parse_type(k["Type"])) for k in keys]
    parameters = glue_table.get("Parameters") or {}
    if parameters.get("projection.enabled", "").lower() == "true":
        template = parameters.get("storage.location.template") or descriptor.get("Location", "")
        folder = _template_pattern(template, [n for n, _ in partitions], parameters, now)
    else:
        folder = _template_pattern(descriptor.get("Location", ""), [], parameters, now)
    bucket, prefix, pattern = folder
    cloudtrail = descriptor.get("InputFormat") == CLOUDTRAIL_INPUT_FORMAT
    rows: list[dict[str, Any]] = []
    for key in _keys(s3, bucket, prefix):
        match = pattern.match(key)
        if match is None:
            continue
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        values = {name: match.groupdict().get(name) for name, _ in partitions}
        for record in _records(body, cloudtrail):
            lowered = {str(k).lower(): v for k, v in record.items()}
            row = {name: shape(lowered.get(name), t) for name, t in data}
            rows.append({**row, **values})
    return Table(data + partitions, rows)


def _records(body: bytes, cloudtrail: bool) -> list[dict[str, Any]]:
    if cloudtrail:
        try:
            return decode_log_file(body)
        except ValueError as error:
            raise TableError(f"HIVE_CURSOR_ERROR: {error}") from error
    return [json.loads(line) for line in body.decode().splitlines() if line.strip()]


def _keys(s3: Any, bucket: str, prefix: str) -> Iterator[str]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            yield item["Key"]


def _template_pattern(
    location: str, columns: list[str], parameters: dict[str, str], now: datetime
) -> tuple[str, str, _Checked]:
    """(bucket, fixed key prefix, pattern of the keys of the files in a partition's folder)."""
    found = re.match(r"^s3a?://([^/]+)/?(.*)$", location)
    if found is None:
        raise TableError(f"HIVE_INVALID_METADATA: table location {location!r} is not an s3:// URL")
    bucket, path = found.groups()
    pattern, fixed, position = "", None, 0
    for placeholder in re.finditer(r"\$\{([^}]+)\}", path):
        name = placeholder.group(1).lower()
        if name not in columns:
            raise TableError(f"storage.location.template names ${{{name}}}, not a partition column")
        literal = path[position : placeholder.start()]
        fixed = literal if fixed is None else fixed
        pattern += re.escape(literal) + f"(?P<{name}>{_value_pattern(name, parameters)})"
        position = placeholder.end()
    tail = path[position:].rstrip("/")
    pattern += re.escape(tail) + ("/" if pattern or tail else "") + "[^/]+$"
    prefix = path if fixed is None else fixed
    checks = [_date_check(c, parameters, now) for c in columns]
    compiled = re.compile("^" + pattern)
    return bucket, prefix, _Checked(compiled, [c for c in checks if c])


def _value_pattern(name: str, parameters: dict[str, str]) -> str:
    kind = parameters.get(f"projection.{name}.type", "injected")
    if kind == "enum":
        values = parameters.get(f"projection.{name}.values", "").split(",")
        return "|".join(re.escape(v.strip()) for v in values if v.strip())
    if kind == "integer":
        return r"-?\d+"
    if kind == "date":
        text = re.escape(parameters.get(f"projection.{name}.format", "yyyy-MM-dd"))
        for java, (regex, _) in _DATE_PARTS.items():
            text = text.replace(java, regex)
        return text
    return r"[^/]+"


def _date_check(
    name: str, parameters: dict[str, str], now: datetime
) -> Callable[[dict[str, str | None]], bool] | None:
    """Whether a date partition's value lies in the projection's range (NOW: the clock's)."""
    if parameters.get(f"projection.{name}.type") != "date":
        return None
    java = parameters.get(f"projection.{name}.format", "yyyy-MM-dd")
    strptime = java
    for part, (_, directive) in _DATE_PARTS.items():
        strptime = strptime.replace(part, directive)
    low, _, high = parameters.get(f"projection.{name}.range", "").partition(",")

    def parse(text: str) -> datetime:
        if text.strip().upper() == "NOW":
            return now
        return datetime.strptime(text.strip(), strptime).replace(tzinfo=timezone.utc)

    def within(values: dict[str, str | None]) -> bool:
        value = values.get(name)
        if value is None or not low:
            return True
        return parse(low) <= parse(value) <= parse(high)

    return within


class _Checked:
    """A key pattern plus the range checks its groups must pass."""

    def __init__(self, pattern: re.Pattern[str], checks: list[Callable[..., bool]]) -> None:
        self._pattern = pattern
        self._checks = checks

    def match(self, key: str) -> re.Match[str] | None:
        found = self._pattern.match(key)
        if found is None or not all(check(found.groupdict()) for check in self._checks):
            return None
        return found


def write_rows(table: Table, path: Path) -> None:
    """The rows as newline-delimited JSON, for DuckDB's read_json with the declared types."""
    with path.open("w") as out:
        for row in table.rows:
            out.write(json.dumps(row, separators=(",", ":")) + "\n")
