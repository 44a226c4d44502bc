"""`cloudtrail_logs` in DuckDB: a view over a trail's log files with the columns of AWS's
Athena table (nbattr.attribute.sql), and the queries run on it.

The files are parsed once: the role's rows go into a table of the same name and columns in
schema `role_rows`, which the role's queries find first on the search path; only the query
for `--resource` (any principal) reads the files again.

The files are read with their keys spelled as CloudTrail writes them (DuckDB matches JSON keys
by exact name, Athena's SerDe case-insensitively) and renamed to the table's lower-case names.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from .sql import literal, query

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


def view_sql(files: Sequence[Path]) -> str:
    object_bytes = max(MIN_OBJECT_BYTES, largest_body(files) + 1)
    records = ", ".join(f'"{field}" {kind}' for field, (kind, _) in _FIELDS.items())
    columns = []
    for field, (_, column) in _FIELDS.items():
        value = f'record."{field}"'
        if column in _LOWER:  # same fields in the same order: cast by position
            value = f"{value}::{_LOWER[column]}"
        elif _FIELDS[field][0] == "JSON":
            value = f"{value}::VARCHAR"  # Athena's table holds these as JSON text
        columns.append(f"{value} AS {column}")
    paths = ", ".join(literal(str(path)) for path in files)
    return (
        f"CREATE OR REPLACE VIEW main.cloudtrail_logs AS SELECT {', '.join(columns)} FROM ("
        f'SELECT unnest("Records") AS record FROM read_json([{paths}], '
        f"columns={{'Records': {literal(f'STRUCT({records})[]')}}}, format='unstructured', "
        # Explicit: left to detect, `records` costs a full extra pass over every file.
        "records=true, auto_detect=false, "
        f"maximum_object_size={object_bytes}))"
    )


ROLE_QUERIES = {"notebooks", "notebook_resources", "session_events", "role_arns"}


class DuckDbEngine:
    """The attribution queries on DuckDB over `files`, for the role `role` (ARN or name)."""

    def __init__(
        self,
        files: Sequence[Path],
        role: str,
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
        self.connection.execute("CREATE SCHEMA role_rows")
        self.connection.execute(
            "CREATE TABLE role_rows.cloudtrail_logs AS SELECT * FROM main.cloudtrail_logs "
            f"WHERE useridentity.sessioncontext.sessionissuer.{issuer} = {literal(role)}"
        )

    def rows(self, name: str, **params: str) -> list[dict[str, Any]]:
        path = "role_rows,main" if name in ROLE_QUERIES else "main"
        self.connection.execute(f"SET search_path = {literal(path)}")
        cursor = self.connection.execute(query(name, "duckdb", **params))
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
