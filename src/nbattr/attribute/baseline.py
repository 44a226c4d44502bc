"""The same attribution in plain Python over `json`-decoded records: the reference the SQL is
tested against, and the baseline `bench/attribute_speed.py` measures DuckDB by. Filtering and
grouping are written here a second time on purpose (that is what is compared); the per-session
rules are the shared ones."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..analysis.calls import BASE_SESSION, issuer, session_name, timed
from .analysis import s3_resource
from .findings import Attribution, NotebookActivity, attribution_of
from .window import Window


def _resources(record: dict[str, Any]) -> set[str]:
    found = {str(r["ARN"]) for r in record.get("resources") or [] if r.get("ARN")}
    parameters = record.get("requestParameters")
    if not isinstance(parameters, dict):
        return found
    bucket, key = parameters.get("bucketName"), parameters.get("key")
    # An S3 object only where both are text: as the SQL, which makes NULL of a missing bucket
    # (DynamoDB's `key`, say, is the item's key map and names no bucket).
    if isinstance(bucket, str) and isinstance(key, str):
        found.add(f"arn:aws:s3:::{bucket}/{key}")
    return found


def _touches(record: dict[str, Any], arn: str, bucket: str, key: str) -> bool:
    if arn in {r.get("ARN") for r in record.get("resources") or []}:
        return True
    parameters = record.get("requestParameters") or {}
    if not bucket or not isinstance(parameters, dict):
        return False
    return parameters.get("bucketName") == bucket and (not key or parameters.get("key") == key)


def attribute_records(
    records: Iterable[dict[str, Any]],
    role_arn: str,
    window: Window,
    files: int,
    resource: str | None = None,
) -> Attribution:
    params = window.params()
    since, until = params["since"], params["until"]
    arn, bucket, key = s3_resource(resource) if resource else ("", "", "")
    notebooks: dict[str, NotebookActivity] = {}
    names: dict[str, set[str]] = {}
    resources: dict[str, set[str]] = {}
    session_records, touching = [], []
    for record in records:
        time = record.get("eventTime") or ""
        if not since <= time < until:
            continue
        if resource and _touches(record, arn, bucket, key):
            touching.append(record)
        if issuer(record) != role_arn:
            continue
        name = session_name(record)
        parameters = record.get("requestParameters") or {}
        if name == BASE_SESSION or (
            record.get("eventName") == "AssumeRole" and parameters.get("roleArn") == role_arn
        ):
            session_records.append(timed(record))
        if name == BASE_SESSION:
            continue
        activity = notebooks.get(name)
        if activity is None:
            activity = notebooks[name] = NotebookActivity(name, 0, time, time, [])
            names[name], resources[name] = set(), set()
        activity.calls += 1
        activity.first_seen, activity.last_seen = (
            min(activity.first_seen, time),
            max(activity.last_seen, time),
        )
        names[name].add(record.get("eventName") or "")
        resources[name] |= _resources(record)
    for name, activity in notebooks.items():
        activity.event_names, activity.resources = sorted(names[name]), sorted(resources[name])
    session_records.sort(key=lambda item: (item[1]["eventTime"], item[1].get("eventID", "")))
    touching.sort(key=lambda record: record.get("eventID", ""))
    touching.sort(key=lambda record: record["eventTime"], reverse=True)
    return attribution_of(
        role_arn, (since, until), files, notebooks, session_records, resource, touching
    )
