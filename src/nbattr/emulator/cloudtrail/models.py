"""Recorded CloudTrail events and LookupEvents with AWS's semantics."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ...verify.clock import Clock, SystemClock
from ..constants import ACCOUNT_ID
from .delivery import LogFileDelivery
from .identity import user_identity, username
from .requests import ApiRequest
from .selectors import trails_logging_management, trails_selecting

LOOKUP_KEYS = {
    "EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName",
    "EventSource", "AccessKeyId",
}  # fmt: skip
MAX_RESULTS = 50
RETENTION_SECONDS = 90 * 24 * 3600  # LookupEvents covers the last 90 days


class LookupError_(Exception):
    """A LookupEvents request AWS would refuse; `code` is the AWS error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class _Event:
    seq: int
    time: float  # eventTime, seconds since the epoch
    served_at: float  # when LookupEvents may return it: eventTime plus the delivery delay
    record: dict[str, Any]
    username: str
    resources: list[dict[str, str]]
    trails: list[str] = field(default_factory=list)  # the trails that log it


def _resources(request: ApiRequest) -> list[dict[str, str]]:
    """LookupEvents' `Resources` ("the type and name of a resource referenced by an event",
    API reference, Resource), which its ResourceName/ResourceType lookups match. AssumeRole
    references the role by ARN (real record sts-AssumeRole.json: `resources` holds
    `"type": "AWS::IAM::Role", "ARN": <role ARN>`)."""
    params = request.parameters
    if request.action == "AssumeRole" and "roleArn" in params:
        return [{"ResourceType": "AWS::IAM::Role", "ResourceName": str(params["roleArn"])}]
    if "notebookInstanceName" in params:
        name = str(params["notebookInstanceName"])
        return [{"ResourceType": "AWS::SageMaker::NotebookInstance", "ResourceName": name}]
    return []


def _insert_after(record: dict[str, Any], after: str, key: str, value: Any) -> dict[str, Any]:
    """`record` with `key` placed after `after`, in the order AWS writes its fields."""
    ordered: dict[str, Any] = {}
    for name, existing in record.items():
        ordered[name] = existing
        if name == after:
            ordered[key] = value
    return ordered


@dataclass
class CloudTrailStore:
    """Knobs: `delivery_delay` seconds before an event is visible to LookupEvents;
    `lookup_rate` LookupEvents per second per region (AWS: 2; None = unlimited);
    `throttle_probability` of refusing a LookupEvents on top of that (seeded);
    `log_files.interval` seconds between a trail's log file deliveries to S3 (AWS: about 300).
    Time (event times, delivery, the throttling bucket) is the real clock's unless a test
    gives its own with `use_clock`."""

    delivery_delay: float = 0.0
    lookup_rate: float | None = 2.0
    throttle_probability: float = 0.0
    seed: int = 0
    _events: list[_Event] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _random: random.Random = field(default_factory=random.Random)
    _clock: Clock = field(default_factory=SystemClock)
    log_files: LogFileDelivery = field(default_factory=LogFileDelivery)
    lookups_served: int = 0
    lookups_throttled: int = 0

    def __post_init__(self) -> None:
        self._random.seed(self.seed)
        # what reset() returns to (log_files keeps its own interval's)
        self._knobs = (self.delivery_delay, self.lookup_rate, self.throttle_probability)

    def use_clock(self, clock: Clock | None) -> None:
        """Keep time by `clock` from now on (None: the real clock again). The throttling
        buckets start full, as their times were read on the previous clock."""
        with self._lock:
            self._clock = clock or SystemClock()
            self._buckets.clear()

    # -- recording ----------------------------------------------------------------------------
    def record(
        self,
        request: ApiRequest,
        error_code: str | None,
        error_message: str | None,
        response: dict[str, Any] | None = None,
        additional: dict[str, Any] | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any] | None:
        """The record CloudTrail makes of the call; None for a data event no trail selects
        (AWS records none then: CloudTrail User Guide, "Logging data events")."""
        with self._lock:
            now = self._clock.now().timestamp()
            served_at = now + self.delivery_delay
        identity = user_identity(request.access_key_id)
        record: dict[str, Any] = {
            "eventVersion": "1.08",
            "userIdentity": identity,
            "eventTime": datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": request.event_source,
            "eventName": request.action,
            "awsRegion": request.region,
            "sourceIPAddress": request.source_ip,
            "userAgent": request.user_agent,
            "requestParameters": request.parameters or None,
            "responseElements": response,
            "requestID": request_id or str(uuid.uuid4()),
            "eventID": str(uuid.uuid4()),
            "readOnly": request.read_only,
            "eventType": "AwsApiCall",
            "managementEvent": not request.data_event,
            "recipientAccountId": ACCOUNT_ID,
            "eventCategory": "Data" if request.data_event else "Management",
        }
        if additional is not None:  # S3 puts it after responseElements (corpus s3-*.json)
            record = _insert_after(record, "responseElements", "additionalEventData", additional)
        if request.resources:
            record = _insert_after(record, "readOnly", "resources", request.resources)
        if error_code:
            record["errorCode"] = error_code
            record["errorMessage"] = error_message or error_code
        if request.data_event:
            trails = trails_selecting(record, request.data_resource or ("", ""))
            if not trails:
                return None
        else:
            trails = trails_logging_management(record)
        self.log_files.deliver_due(now)  # batches due before this call close without it
        self.log_files.add(record, trails, now)
        event = _Event(
            len(self._events), now, served_at, record, username(identity), _resources(request)
        )
        event.trails = trails
        with self._lock:
            event.seq = len(self._events)
            self._events.append(event)
        return record

    @property
    def count(self) -> int:
        """How many records there are, delivered or not."""
        with self._lock:
            return len(self._events)

    def records(self) -> list[dict[str, Any]]:
        """Every record so far, delivered or not (for tests and the demo)."""
        with self._lock:
            return [event.record for event in self._events]

    # -- log files in S3 --------------------------------------------------------------------
    def deliver_due(self) -> list[str]:
        """Deliver the trails' log files whose interval has passed; the keys written."""
        return self.log_files.deliver_due(self._clock.now().timestamp())

    def flush(self) -> list[str]:
        """Deliver every trail's buffered records now, due or not; the keys written."""
        return self.log_files.flush(self._clock.now().timestamp())

    def reset(self) -> None:
        """Forget every event and trail batch, and put the knobs back as they were made (a
        test that turned one and failed before turning it back must not leak it). The clock
        stays: the tests' clock fixtures give and take it back themselves."""
        self.log_files.reset()
        with self._lock:
            self.delivery_delay, self.lookup_rate, self.throttle_probability = self._knobs
            self._events.clear()
            self._buckets.clear()
            self.lookups_served = self.lookups_throttled = 0
            self._random.seed(self.seed)

    # -- throttling ---------------------------------------------------------------------------
    def admit(self, region: str) -> bool:
        """Token bucket per region (burst = rate), plus the random throttling knob."""
        with self._lock:
            if self.throttle_probability and self._random.random() < self.throttle_probability:
                self.lookups_throttled += 1
                return False
            if self.lookup_rate is None:
                self.lookups_served += 1
                return True
            now = self._clock.monotonic()
            tokens, last = self._buckets.get(region, (self.lookup_rate, now))
            tokens = min(self.lookup_rate, tokens + (now - last) * self.lookup_rate)
            if tokens < 1:
                self._buckets[region] = (tokens, now)
                self.lookups_throttled += 1
                return False
            self._buckets[region] = (tokens - 1, now)
            self.lookups_served += 1
            return True

    # -- LookupEvents --------------------------------------------------------------------------
    def lookup(self, params: dict[str, Any], region: str) -> dict[str, Any]:
        attributes = params.get("LookupAttributes") or []
        if len(attributes) > 1:
            raise LookupError_(
                "InvalidLookupAttributesException",
                "You cannot specify more than one lookup attribute.",
            )
        for attribute in attributes:
            if attribute.get("AttributeKey") not in LOOKUP_KEYS:
                raise LookupError_(
                    "InvalidLookupAttributesException",
                    f"Invalid attribute key: {attribute.get('AttributeKey')}",
                )
        max_results = int(params.get("MaxResults") or MAX_RESULTS)
        if not 1 <= max_results <= MAX_RESULTS:
            raise LookupError_("InvalidMaxResultsException", "MaxResults must be between 1 and 50.")
        with self._lock:
            now = self._clock.now().timestamp()
        start = float(params.get("StartTime", now - RETENTION_SECONDS))
        end = float(params.get("EndTime", now))
        if start > end:
            raise LookupError_("InvalidTimeRangeException", "StartTime must be before EndTime.")

        # A token is valid only for the query that issued it (its explicit parameters).
        query = json.dumps(
            {"a": attributes, "s": params.get("StartTime"), "e": params.get("EndTime")},
            sort_keys=True,
        )
        query_hash = hashlib.sha256(query.encode()).hexdigest()[:16]
        after: tuple[float, int] | None = None
        if params.get("NextToken"):
            after = self._decode_token(params["NextToken"], query_hash)

        with self._lock:
            visible = [
                event
                for event in self._events
                # LookupEvents returns management events only (API reference, LookupEvents)
                if event.record["managementEvent"]
                and event.served_at <= now
                and start <= event.time <= end
                and event.record["awsRegion"] == region  # lookups see their own region
                and all(self._matches(event, attribute) for attribute in attributes)
            ]
        visible.sort(key=lambda event: (event.time, event.seq), reverse=True)
        if after is not None:
            visible = [event for event in visible if (event.time, event.seq) < after]
        page, rest = visible[:max_results], visible[max_results:]
        result: dict[str, Any] = {"Events": [self._summary(event) for event in page]}
        if rest:
            last = page[-1]
            result["NextToken"] = self._encode_token(query_hash, (last.time, last.seq))
        return result

    @staticmethod
    def _matches(event: _Event, attribute: dict[str, str]) -> bool:
        key, value = attribute.get("AttributeKey"), attribute.get("AttributeValue")
        record = event.record
        if key == "EventId":
            return bool(record["eventID"] == value)
        if key == "EventName":
            return bool(record["eventName"] == value)
        if key == "ReadOnly":
            return str(record["readOnly"]).lower() == str(value).lower()
        if key == "Username":
            return event.username == value
        if key == "EventSource":
            return bool(record["eventSource"] == value)
        if key == "AccessKeyId":
            return bool(record["userIdentity"].get("accessKeyId") == value)
        field_name = "ResourceType" if key == "ResourceType" else "ResourceName"
        return any(resource[field_name] == value for resource in event.resources)

    @staticmethod
    def _summary(event: _Event) -> dict[str, Any]:
        record = event.record
        return {
            "EventId": record["eventID"],
            "EventName": record["eventName"],
            "ReadOnly": str(record["readOnly"]).lower(),
            "AccessKeyId": record["userIdentity"].get("accessKeyId", ""),
            "EventTime": event.time,
            "EventSource": record["eventSource"],
            "Username": event.username,
            "Resources": event.resources,
            "CloudTrailEvent": json.dumps(record),
        }

    @staticmethod
    def _encode_token(query_hash: str, position: tuple[float, int]) -> str:
        raw = json.dumps({"q": query_hash, "t": position[0], "n": position[1]})
        return base64.urlsafe_b64encode(raw.encode()).decode()

    @staticmethod
    def _decode_token(token: str, query_hash: str) -> tuple[float, int]:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
            if decoded["q"] != query_hash:
                raise ValueError("token from another query")
            return float(decoded["t"]), int(decoded["n"])
        except (ValueError, KeyError, TypeError) as error:
            raise LookupError_("InvalidNextTokenException", "Invalid NextToken.") from error
