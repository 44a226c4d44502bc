"""Which trails log a data event: CloudTrail logs data events only where a trail's event
selectors ask for them (CloudTrail User Guide, "Logging data events"; API reference,
PutEventSelectors: basic `EventSelectors` with `ReadWriteType` and `DataResources`, or
`AdvancedEventSelectors` whose field selectors must all match).

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
    read_write = selector.get("ReadWriteType", "All")
    if read_write == "ReadOnly" and not record["readOnly"]:
        return False
    if read_write == "WriteOnly" and record["readOnly"]:
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
        "resources.type": kind,
        "resources.ARN": arn,
        "readOnly": str(record["readOnly"]).lower(),
        "eventName": record["eventName"],
        "eventSource": record["eventSource"],
    }
    return all(_field_matches(f, values) for f in selector.get("FieldSelectors") or [])


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
