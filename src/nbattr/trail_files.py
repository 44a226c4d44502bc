"""A trail's log files as CloudTrail writes them to S3: the object key and the gzip body.
Shared by the emulator, which delivers them, and `nbattr attribute`, which reads them.

Source: CloudTrail User Guide, "CloudTrail log file examples" (file name format
`AccountID_CloudTrail_RegionName_YYYYMMDDTHHmmZ_UniqueString.json.gz`, the time being when the
file was delivered, the 16-character UniqueString meaningless) and "Finding your CloudTrail log
files" (`bucket/prefix/AWSLogs/[O-ID/]AccountID/CloudTrail/Region/YYYY/MM/DD/`, the organisation
ID present only for an organisation trail). The body is `{"Records": [...]}`, gzip-compressed.
"""

from __future__ import annotations

import gzip
import json
import secrets
import string
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

_UNIQUE_ALPHABET = string.ascii_letters + string.digits
UNIQUE_LENGTH = 16


def unique_string() -> str:
    """The file name's 16 characters that only keep two files apart."""
    return "".join(secrets.choice(_UNIQUE_ALPHABET) for _ in range(UNIQUE_LENGTH))


def log_file_key(
    account: str,
    region: str,
    delivered: datetime,
    *,
    prefix: str = "",
    organization_id: str | None = None,
    unique: str | None = None,
) -> str:
    """The S3 key of a log file delivered at `delivered` (UTC) for `account` in `region`."""
    when = delivered.astimezone(timezone.utc)
    folder = "/".join(
        part
        for part in (
            prefix.strip("/"),
            "AWSLogs",
            organization_id or "",
            account,
            "CloudTrail",
            region,
            when.strftime("%Y/%m/%d"),
        )
        if part
    )
    stamp = when.strftime("%Y%m%dT%H%MZ")
    return f"{folder}/{account}_CloudTrail_{region}_{stamp}_{unique or unique_string()}.json.gz"


def encode_log_file(records: Iterable[dict[str, Any]]) -> bytes:
    """The gzip JSON body CloudTrail delivers: one object whose `Records` holds the events."""
    body = json.dumps({"Records": list(records)}, separators=(",", ":")).encode()
    return gzip.compress(body, compresslevel=6)


def decode_log_file(data: bytes) -> list[dict[str, Any]]:
    """The records of a log file body, gzip-compressed or not."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    records = json.loads(data).get("Records")
    if not isinstance(records, list):
        raise ValueError("not a CloudTrail log file: no Records list")
    return records
