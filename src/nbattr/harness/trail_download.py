"""A trail bucket's delivered log files, copied to a local folder under their S3 keys.

The end-to-end tests and the demo hand that folder to `nbattr attribute`, which reads the
same tree from a folder as from `s3://bucket/prefix`.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any


def download_trail_files(s3: Any, bucket: str, folder: Path, prefix: str = "") -> list[Path]:
    """Copy every `.json.gz` object under `prefix` in `bucket` to `folder/<key>`; the paths.
    `s3` is a boto3 S3 client (the emulator's internal one leaves no CloudTrail record)."""
    written = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = PurePosixPath(item["Key"])
            if not key.name.endswith(".json.gz") or ".." in key.parts or key.is_absolute():
                continue  # not a log file, or a key that would leave the folder
            path = folder.joinpath(*key.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
            written.append(path)
    return written
