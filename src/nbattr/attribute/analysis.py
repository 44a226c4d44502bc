"""One attribution, on any engine that runs the queries of nbattr.attribute.sql: the SQL
filters by role and groups per notebook; the per-session rules run here on its small result."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Protocol

from ..analysis.calls import timed
from .findings import Attribution, NotebookActivity, attribution_of, record_of_row
from .window import Window


class Engine(Protocol):
    def rows(self, name: str, **params: str) -> list[dict[str, Any]]: ...


def s3_resource(resource: str) -> tuple[str, str, str]:
    """(ARN, bucket, key) of `--resource`: an ARN, or s3://bucket[/key] (an S3 ARN is
    arn:aws:s3:::bucket[/key]; buckets have no account or region in it)."""
    if resource.startswith("s3://"):
        bucket, _, key = resource.removeprefix("s3://").partition("/")
        return f"arn:aws:s3:::{bucket}" + (f"/{key}" if key else ""), bucket, key
    if resource.startswith("arn:aws:s3:::"):
        bucket, _, key = resource.removeprefix("arn:aws:s3:::").partition("/")
        return resource, bucket, key
    return resource, "", ""


def attribute(
    engine: Engine, role_arn: str, window: Window, files: int, resource: str | None = None
) -> Attribution:
    params = window.params()
    notebooks = {
        row["notebook"]: NotebookActivity(
            name=row["notebook"],
            calls=int(row["calls"]),
            first_seen=row["first_seen"],
            last_seen=row["last_seen"],
            event_names=str(row["event_names"]).split(","),
        )
        for row in engine.rows("notebooks", role_arn=role_arn, **params)
    }
    touched: dict[str, list[str]] = defaultdict(list)
    for row in engine.rows("notebook_resources", role_arn=role_arn, **params):
        if row["resource"]:  # NULL: a resources[] entry without ARN
            touched[row["notebook"]].append(row["resource"])
    for name, resources in touched.items():
        notebooks[name].resources = sorted(resources)
    session_records = [
        timed(record_of_row(row))
        for row in engine.rows("session_events", role_arn=role_arn, **params)
    ]
    touching = []
    if resource:
        arn, bucket, key = s3_resource(resource)
        rows = engine.rows("resource_events", resource_arn=arn, bucket=bucket, key=key, **params)
        touching = [record_of_row(row) for row in rows]
    window = (params["since"], params["until"])
    return attribution_of(role_arn, window, files, notebooks, session_records, resource, touching)
