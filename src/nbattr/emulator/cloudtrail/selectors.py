"""Which trails log an event: CloudTrail logs data events only where a trail's event
selectors ask for them (CloudTrail User Guide, "Logging data events"; API reference,
PutEventSelectors: basic `EventSelectors` with `ReadWriteType` and `DataResources`, or
`AdvancedEventSelectors` whose field selectors must all match). Management events: a trail
without selectors logs all of them ("Logging management events": "By default, trails ...
log all management events"); a basic selector logs them when `IncludeManagementEvents`
(default true) and its `ReadWriteType` match, less `ExcludeManagementEventSources`; an
advanced selector when its `eventCategory` is `Management` and its other fields match.

Trails and their selectors are moto's (`cloudtrail_backends`, as PutEventSelectors stored
them); only trails that are logging, in the record's region or multi-region, count.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from moto.cloudtrail.models import cloudtrail_backends


def _logging_trails(account: str, region: str) -> Iterator[Any]:
    for backend in cloudtrail_backends[account].values():
        for trail in backend.trails.values():
            if trail.status.is_logging and (trail.is_multi_region or trail.region_name == region):
                yield trail


def _basic(selector: dict[str, Any], record: dict[str, Any], kind: str, arn: str) -> bool:
    if not _read_write_matches(selector, record):
        return False
    for resource in selector.get("DataResources") or []:
        if resource.get("Type") != kind:
            continue
        for value in resource.get("Values") or []:
            # "arn:aws:s3" (or "arn:aws:s3:::") means every bucket; else a bucket/prefix ARN.
            if value.rstrip(":") == "arn:aws:s3" or arn.startswith(value):
                return True
    return False


_OPERATORS = {
    "Equals": lambda actual, value: actual == value,
    "StartsWith": lambda actual, value: actual.startswith(value),
    "EndsWith": lambda actual, value: actual.endswith(value),
}


def _field_matches(field: dict[str, Any], values: dict[str, str]) -> bool:
    actual = values.get(field.get("Field", ""))
    if actual is None:
        return True  # a field this record has no value for (e.g. userIdentity.arn) is not modelled
    for name, test in _OPERATORS.items():
        if name in field and not any(test(actual, v) for v in field[name]):
            return False
        if "Not" + name in field and any(test(actual, v) for v in field["Not" + name]):
            return False
    return True


def _advanced(selector: dict[str, Any], record: dict[str, Any], kind: str, arn: str) -> bool:
    values = {
        "eventCategory": record["eventCategory"],
        "readOnly": str(record["readOnly"]).lower(),
        "eventName": record["eventName"],
        "eventSource": record["eventSource"],
    }
    if kind:  # a data event's resource; management events have none to match
        values.update({"resources.type": kind, "resources.ARN": arn})
    return all(_field_matches(f, values) for f in selector.get("FieldSelectors") or [])


def _read_write_matches(selector: dict[str, Any], record: dict[str, Any]) -> bool:
    read_write = selector.get("ReadWriteType", "All")
    if read_write == "ReadOnly":
        return bool(record["readOnly"])
    return read_write != "WriteOnly" or not record["readOnly"]


def _logs_management(trail: Any, record: dict[str, Any]) -> bool:
    basic = trail.event_selectors or []
    advanced = trail.advanced_event_selectors or []
    if basic:
        return any(
            s.get("IncludeManagementEvents", True)
            and _read_write_matches(s, record)
            and record["eventSource"] not in (s.get("ExcludeManagementEventSources") or [])
            for s in basic
        )
    if advanced:
        return any(_advanced(s, record, "", "") for s in advanced)
    return True


def trails_logging_management(record: dict[str, Any]) -> list[str]:
    """ARNs of the logging trails that log this management event."""
    return [
        trail.arn
        for trail in _logging_trails(record["recipientAccountId"], record["awsRegion"])
        if _logs_management(trail, record)
    ]


def trails_selecting(record: dict[str, Any], data_resource: tuple[str, str]) -> list[str]:
    """ARNs of the logging trails whose selectors log this data event."""
    kind, arn = data_resource
    selected = []
    for trail in _logging_trails(record["recipientAccountId"], record["awsRegion"]):
        basic = trail.event_selectors or []
        advanced = trail.advanced_event_selectors or []
        if any(_basic(s, record, kind, arn) for s in basic) or any(
            _advanced(s, record, kind, arn) for s in advanced
        ):
            selected.append(trail.arn)
    return selected
