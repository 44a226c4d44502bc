"""`cloudtrail_logs` in DuckDB: a view over a trail's log files with the columns of AWS's
Athena table (nbattr.attribute.sql) that the queries read, and the queries run on it.

The files are parsed once: the rows the queries need (the role's; everyone's with
`--resource`, which asks about any principal), with the columns they read, go into a table of
the same name in schema `kept`, which the queries find first on the search path. Of the
struct columns only the fields the queries read are kept (`FIELDS_READ`), and
requestparameters is kept as a struct of the keys they read: what no query reads is neither
converted nor held, which is most of the time and memory a full copy takes.

The files are read with their keys spelled as CloudTrail writes them (DuckDB matches JSON keys
by exact name, Athena's SerDe case-insensitively); the columns take the table's lower-case
names, and DuckDB finds struct fields case-blind, as Athena does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb

from .sql import COLUMNS_READ, FIELDS_READ, REQUEST_PARAMETERS_READ, literal, query


def _struct(paths: Iterable[str]) -> str:
    """The STRUCT type holding the dotted `paths` (each leaf VARCHAR)."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})

    def render(node: dict[str, Any]) -> str:
        fields = ", ".join(f'"{k}" {render(v) if v else "VARCHAR"}' for k, v in node.items())
        return f"STRUCT({fields})"

    return render(tree)


# CloudTrail record field -> (type as read, the Athena column it becomes)
_FIELDS: dict[str, tuple[str, str]] = {
    "eventVersion": ("VARCHAR", "eventversion"),
    "userIdentity": (_struct(FIELDS_READ["useridentity"]), "useridentity"),
    "eventTime": ("VARCHAR", "eventtime"),
    "eventSource": ("VARCHAR", "eventsource"),
    "eventName": ("VARCHAR", "eventname"),
    "awsRegion": ("VARCHAR", "awsregion"),
    "sourceIPAddress": ("VARCHAR", "sourceipaddress"),
    "userAgent": ("VARCHAR", "useragent"),
    "errorCode": ("VARCHAR", "errorcode"),
    "errorMessage": ("VARCHAR", "errormessage"),
    "requestParameters": (_struct(REQUEST_PARAMETERS_READ), "requestparameters"),
    "responseElements": ("JSON", "responseelements"),
    "additionalEventData": ("JSON", "additionaleventdata"),
    "requestID": ("VARCHAR", "requestid"),
    "eventID": ("VARCHAR", "eventid"),
    "resources": (f"{_struct(FIELDS_READ['resources'])}[]", "resources"),
    "eventType": ("VARCHAR", "eventtype"),
    "apiVersion": ("VARCHAR", "apiversion"),
    "readOnly": ("VARCHAR", "readonly"),
    "recipientAccountId": ("VARCHAR", "recipientaccountid"),
    "sharedEventID": ("VARCHAR", "sharedeventid"),
    "vpcEndpointId": ("VARCHAR", "vpcendpointid"),
}
MIN_OBJECT_BYTES = 16 << 20  # DuckDB's default maximum_object_size


def largest_body(files: Sequence[Path]) -> int:
    """The largest uncompressed log file: DuckDB reads each (one JSON object) whole, into a
    buffer sized by maximum_object_size, so that is sized to the files, not to a worst case.
    A gzip file's last 4 bytes hold its uncompressed size modulo 2**32 (RFC 1952, ISIZE)."""
    largest = 0
    for path in files:
        size = path.stat().st_size
        if path.name.endswith(".gz"):
            with path.open("rb") as handle:
                if handle.read(2) != b"\x1f\x8b" or size < 18:  # magic; smallest gzip member
                    raise duckdb.IOException(f"{path} is not a gzip file")
                handle.seek(-4, 2)
                size = int.from_bytes(handle.read(4), "little")
        largest = max(largest, size)
    return largest


def view_sql(files: Sequence[Path], name: str = "main.lean_logs") -> str:
    """The view `name` over `files` with only the table's columns the queries read."""
    object_bytes = max(MIN_OBJECT_BYTES, largest_body(files) + 1)
    fields = {
        field: (kind, column) for field, (kind, column) in _FIELDS.items() if column in COLUMNS_READ
    }
    records = ", ".join(f'"{field}" {kind}' for field, (kind, _) in fields.items())
    columns = [
        f'record."{field}"{"::VARCHAR" if kind == "JSON" else ""} AS {column}'
        for field, (kind, column) in fields.items()
    ]  # JSON: Athena's table holds these as JSON text
    paths = ", ".join(literal(str(path)) for path in files)
    return (
        f"CREATE OR REPLACE VIEW {name} AS SELECT {', '.join(columns)} FROM ("
        f'SELECT unnest("Records") AS record FROM read_json([{paths}], '
        f"columns={{'Records': {literal(f'STRUCT({records})[]')}}}, format='unstructured', "
        # Explicit: left to detect, `records` costs a full extra pass over every file.
        "records=true, auto_detect=false, "
        f"maximum_object_size={object_bytes}))"
    )


class DuckDbEngine:
    """The attribution queries on DuckDB over `files`, for the role `role` (ARN or name);
    `everyone`: keep every principal's rows (for `resource_events`), not only the role's."""

    def __init__(
        self,
        files: Sequence[Path],
        role: str,
        everyone: bool = False,
        scratch: Path | None = None,
        # Past it DuckDB spills to `scratch`; with its own buffers and Python's the process
        # stays under 1 GiB (bench/attribute_speed.py). Lower, its eviction costs time.
        memory_limit: str = "800MB",
    ) -> None:
        if not files:
            raise ValueError("DuckDbEngine needs at least one log file")
        config = {"memory_limit": memory_limit, "preserve_insertion_order": False}
        if scratch:  # where DuckDB spills what does not fit in memory_limit
            config["temp_directory"] = str(scratch)
        self.connection = duckdb.connect(config=config)
        self.connection.execute(view_sql(files))
        issuer = "arn" if role.startswith("arn:") else "username"
        kept = (
            "TRUE"
            if everyone
            else (f"useridentity.sessioncontext.sessionissuer.{issuer} = {literal(role)}")
        )
        self.connection.execute("CREATE SCHEMA kept")
        self.connection.execute(
            f"CREATE TABLE kept.cloudtrail_logs AS SELECT {', '.join(COLUMNS_READ)} "
            f"FROM main.lean_logs WHERE {kept}"
        )
        self.connection.execute("SET search_path = 'kept,main'")

    def rows(self, name: str, **params: str) -> list[dict[str, Any]]:
        cursor = self.connection.execute(query(name, "duckdb", **params))
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
