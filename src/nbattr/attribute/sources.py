"""Where a trail's log files are: a local folder or `s3://bucket/prefix`, any mix of `.json.gz`
and `.json`, a whole tree; date folders outside the window are not even listed.

S3 is read through boto3 (ListObjectsV2 by folder, GetObject into a temporary folder), not
DuckDB's httpfs: httpfs is an extension DuckDB downloads on first use, which a pipeline without
internet access (or this project's offline test bench) cannot, and boto3 brings the default
credential chain, `--endpoint-url` and the emulator for free.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..aws_command import UsageError
from .window import Window, folder_days

SUFFIXES = (".json.gz", ".json")


def is_log_file(name: str) -> bool:
    return name.endswith(SUFFIXES)


def _wanted(folder: str, window: Window) -> bool:
    days = folder_days(folder)
    return days is None or window.may_hold(*days)


def local_files(root: Path, window: Window) -> list[Path]:
    """Log files under `root` (or `root` itself), skipping date folders outside the window."""
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise UsageError(f"{root}: no such file or folder")
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(s for s in subfolders if _wanted(f"{folder}/{s}", window))
        found += [Path(folder, name) for name in sorted(files) if is_log_file(name)]
    return found


def split_s3_url(url: str) -> tuple[str, str]:
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    if not bucket:
        raise UsageError(f"{url}: an S3 location is s3://bucket[/prefix]")
    return bucket, prefix


def s3_keys(s3: Any, bucket: str, prefix: str, window: Window) -> Iterator[str]:
    """Log file keys under `prefix`, folder by folder (Delimiter '/'), so that date folders
    outside the window are never listed."""
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    pending = [prefix]
    paginator = s3.get_paginator("list_objects_v2")
    while pending:
        folder = pending.pop()
        for page in paginator.paginate(Bucket=bucket, Prefix=folder, Delimiter="/"):
            for common in page.get("CommonPrefixes", []):
                if _wanted(common["Prefix"], window):
                    pending.append(common["Prefix"])
            yield from (
                item["Key"] for item in page.get("Contents", []) if is_log_file(item["Key"])
            )


def download(s3: Any, bucket: str, keys: list[str], into: Path, workers: int = 8) -> list[Path]:
    """GetObject each key into `into` (keeping .json/.json.gz, which DuckDB reads by)."""

    def fetch(numbered: tuple[int, str]) -> Path:
        index, key = numbered
        target = into / f"{index:08d}{'.json.gz' if key.endswith('.gz') else '.json'}"
        s3.download_file(bucket, key, str(target))
        return target

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fetch, enumerate(keys)))
