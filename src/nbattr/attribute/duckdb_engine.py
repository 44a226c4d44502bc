"""`cloudtrail_logs` in DuckDB: a view over a trail's log files with the columns of AWS's
Athena table (nbattr.attribute.sql), and the queries run on it.

The files are parsed once: the rows the queries need (the role's; everyone's with
`--resource`, which asks about any principal), with the columns they read, go into a table of
the same name in schema `kept`, which the queries find first on the search path.

The files are read with their keys spelled as CloudTrail writes them (DuckDB matches JSON keys
by exact name, Athena's SerDe case-insensitively) and renamed to the table's lower-case names.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from .sql import COLUMNS_READ, REQUEST_PARAMETERS_READ, literal, query

_SESSION_ISSUER = (
    'STRUCT(type VARCHAR, "principalId" VARCHAR, arn VARCHAR, "accountId" VARCHAR, '
    '"userName" VARCHAR)'
)
_IDENTITY = (
    'STRUCT(type VARCHAR, "principalId" VARCHAR, arn VARCHAR, "accountId" VARCHAR, '
    '"invokedBy" VARCHAR, "accessKeyId" VARCHAR, "userName" VARCHAR, "sessionContext" '
    'STRUCT(attributes STRUCT("mfaAuthenticated" VARCHAR, "creationDate" VARCHAR), '
    f'"sessionIssuer" {_SESSION_ISSUER}))'
)
# CloudTrail record field -> (type as read, the Athena column it becomes)
_FIELDS: dict[str, tuple[str, str]] = {
    "eventVersion": ("VARCHAR", "eventversion"),
    "userIdentity": (_IDENTITY, "useridentity"),
    "eventTime": ("VARCHAR", "eventtime"),
    "eventSource": ("VARCHAR", "eventsource"),
    "eventName": ("VARCHAR", "eventname"),
    "awsRegion": ("VARCHAR", "awsregion"),
    "sourceIPAddress": ("VARCHAR", "sourceipaddress"),
    "userAgent": ("VARCHAR", "useragent"),
    "errorCode": ("VARCHAR", "errorcode"),
    "errorMessage": ("VARCHAR", "errormessage"),
    "requestParameters": ("JSON", "requestparameters"),
    "responseElements": ("JSON", "responseelements"),
    "additionalEventData": ("JSON", "additionaleventdata"),
    "requestID": ("VARCHAR", "requestid"),
    "eventID": ("VARCHAR", "eventid"),
    "resources": ('STRUCT("ARN" VARCHAR, "accountId" VARCHAR, type VARCHAR)[]', "resources"),
    "eventType": ("VARCHAR", "eventtype"),
    "apiVersion": ("VARCHAR", "apiversion"),
    "readOnly": ("VARCHAR", "readonly"),
    "recipientAccountId": ("VARCHAR", "recipientaccountid"),
    "sharedEventID": ("VARCHAR", "sharedeventid"),
    "vpcEndpointId": ("VARCHAR", "vpcendpointid"),
}
_LOWER = {  # struct values renamed to the table's field names
    "useridentity": "STRUCT(type VARCHAR, principalid VARCHAR, arn VARCHAR, accountid VARCHAR, "
    "invokedby VARCHAR, accesskeyid VARCHAR, username VARCHAR, sessioncontext STRUCT(attributes "
    "STRUCT(mfaauthenticated VARCHAR, creationdate VARCHAR), sessionissuer STRUCT(type VARCHAR, "
    "principalid VARCHAR, arn VARCHAR, accountid VARCHAR, username VARCHAR)))",
    "resources": "STRUCT(arn VARCHAR, accountid VARCHAR, type VARCHAR)[]",
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
    """The view `name` over `files` with only the table's columns the queries read, and
    requestparameters cut down to the keys they read: parsing and re-serialising what no
    query reads is most of the time a copy would take."""
    object_bytes = max(MIN_OBJECT_BYTES, largest_body(files) + 1)
    fields = {
        field: (kind, column) for field, (kind, column) in _FIELDS.items() if column in COLUMNS_READ
    }
    keys = ", ".join(f'"{key}" VARCHAR' for key in REQUEST_PARAMETERS_READ)
    fields["requestParameters"] = (f"STRUCT({keys})", "requestparameters")
    records = ", ".join(f'"{field}" {kind}' for field, (kind, _) in fields.items())
    columns = []
    for field, (kind, column) in fields.items():
        value = f'record."{field}"'
        if column in _LOWER:  # the table's field types (DuckDB matches names case-blind)
            value = f"{value}::{_LOWER[column]}"
        elif kind == "JSON":
            value = f"{value}::VARCHAR"  # Athena's table holds these as JSON text
        elif kind.startswith("STRUCT"):  # the lean requestparameters, as JSON text
            value = f"to_json({value})::VARCHAR"
        columns.append(f"{value} AS {column}")
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
        memory_limit: str = "640MB",
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
