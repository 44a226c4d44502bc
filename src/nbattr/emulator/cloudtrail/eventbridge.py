"""CloudTrail to EventBridge, as AWS delivers it: each recorded call becomes an
"AWS API Call via CloudTrail" event on the default bus of the call's region.

What AWS does, and so this does:
- events reach EventBridge only while a trail is logging in that region (or a multi-region one);
- write (non read-only) management events go to every enabled rule; read-only ones only to
  rules whose state is ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS; disabled rules get none.

moto's own `put_events` ignores rule state and cannot deliver to SNS targets
(NotImplementedError), so rules are matched here with moto's pattern matcher, SNS targets are
published through moto's SNS backend (which fans out to SQS, HTTP and e-mail subscriptions;
to SQS only where the queue's policy allows it, see nbattr.emulator.sns_sqs_delivery), and
every other target is left to moto.
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime, timezone
from typing import Any

from moto.cloudtrail.models import cloudtrail_backends
from moto.events.models import events_backends
from moto.events.utils import EventTemplateParser
from moto.sns.models import sns_backends
from moto.utilities.utils import get_partition

from .selectors import trails_selecting

DETAIL_TYPE = "AWS API Call via CloudTrail"
ALL_MANAGEMENT_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"


def _trail_logging(account: str, region: str) -> bool:
    for backend in cloudtrail_backends[account].values():
        for trail in backend.trails.values():
            if trail.status.is_logging and (trail.is_multi_region or trail.region_name == region):
                return True
    return False


def _receives(rule: Any, read_only: bool) -> bool:
    if rule.state == ALL_MANAGEMENT_EVENTS:
        return True
    return rule.state == "ENABLED" and not read_only


def _data_resource(record: dict[str, Any]) -> tuple[str, str]:
    """The resource selectors match a data event on: its first resource (object or topic)."""
    first = (record.get("resources") or [{}])[0]
    return str(first.get("type", "")), str(first.get("ARN") or first.get("ARNPrefix", ""))


def event_of(record: dict[str, Any]) -> dict[str, Any]:
    """The EventBridge event AWS makes of a CloudTrail record."""
    when = datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": DETAIL_TYPE,
        "source": "aws." + record["eventSource"].split(".", 1)[0],
        "account": record["recipientAccountId"],
        "time": when.replace(tzinfo=timezone.utc).timestamp(),  # moto's targets format it
        "region": record["awsRegion"],
        "resources": [],
        "detail": record,
    }


def forward(record: dict[str, Any]) -> int:
    """Deliver `record` to the rules that would receive it on AWS; how many matched."""
    account, region = record["recipientAccountId"], record["awsRegion"]
    if record.get("eventSource", "").startswith("events.") or not _trail_logging(account, region):
        return 0
    # Data events reach EventBridge only as a trail logs them ("Logging data events": the
    # events your trails log are the ones available in EventBridge).
    data = record.get("eventCategory") == "Data"
    if data and not trails_selecting(record, _data_resource(record)):
        return 0
    event = event_of(record)
    bus = events_backends[account][region].event_buses.get("default")
    matched = 0
    for rule in list(bus.rules.values()) if bus else []:
        if not _receives(rule, bool(record.get("readOnly"))):
            continue
        if not rule.event_pattern.matches_event(event):
            continue
        matched += 1
        for target in list(rule.targets):
            _deliver(rule, target, copy.deepcopy(event))
    return matched


def _deliver(rule: Any, target: dict[str, Any], event: dict[str, Any]) -> None:
    arn = str(target["Arn"])
    if not arn.startswith(f"arn:{get_partition(rule.region_name)}:sns:"):
        only_this = copy.copy(rule)
        only_this.targets = [target]
        only_this.send_to_targets(event)
        return
    event["time"] = datetime.fromtimestamp(event["time"], timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    transformer = target.get("InputTransformer")
    payload: Any = event  # without a transformer AWS sends the whole event
    if transformer:
        payload = EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=event,
        )
    message = payload if isinstance(payload, str) else json.dumps(payload)
    _, _, _, region, account, _ = arn.split(":", 5)
    sns_backends[account][region].publish(message=message, arn=arn)
