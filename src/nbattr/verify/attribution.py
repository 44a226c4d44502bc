"""Decide, from CloudTrail events, which notebooks are attributed and which calls are not."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..sessions import BASE_SESSION_NAME as BASE_SESSION


@dataclass(frozen=True)
class Call:
    """One CloudTrail event, reduced to what a report shows."""

    time: datetime
    event_name: str
    event_source: str
    source_ip: str
    region: str
    session_arn: str
    event_id: str
    access_key_id: str = ""

    def as_json(self) -> dict[str, str]:
        return {
            "time": self.time.isoformat(),
            "event_name": self.event_name,
            "event_source": self.event_source,
            "source_ip": self.source_ip,
            "region": self.region,
            "session_arn": self.session_arn,
            "event_id": self.event_id,
            "access_key_id": self.access_key_id,
        }


@dataclass
class NotebookResult:
    name: str
    expected_session_arn: str
    calls: list[Call] = field(default_factory=list)
    # The AssumeRole calls that opened its session, when found by the role's lookup (fleet).
    opened: list[Call] = field(default_factory=list)

    @property
    def attributed(self) -> bool:
        return bool(self.calls or self.opened)


def record_of(event: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(event["CloudTrailEvent"]))


def issuer(record: dict[str, Any]) -> str | None:
    identity = record.get("userIdentity", {})
    if identity.get("type") != "AssumedRole":
        return None
    return identity.get("sessionContext", {}).get("sessionIssuer", {}).get("arn")


def call_of(event: dict[str, Any], record: dict[str, Any]) -> Call:
    time = event["EventTime"]
    return Call(
        time=time,
        event_name=record.get("eventName", event.get("EventName", "")),
        event_source=record.get("eventSource", ""),
        source_ip=record.get("sourceIPAddress", ""),
        region=record.get("awsRegion", ""),
        session_arn=record.get("userIdentity", {}).get("arn", ""),
        event_id=record.get("eventID", event.get("EventId", "")),
        access_key_id=record.get("userIdentity", {}).get("accessKeyId", ""),
    )


def session_arn(role_arn: str, session: str) -> str:
    """arn:<partition>:sts::<account>:assumed-role/<role>/<session> (STS drops the path)."""
    parts = role_arn.split(":")
    return f"arn:{parts[1]}:sts::{parts[4]}:assumed-role/{role_arn.rsplit('/', 1)[1]}/{session}"


def notebook_calls(events: list[dict[str, Any]], role_arn: str, notebook: str) -> list[Call]:
    """Calls made as `<role>/<notebook>` by *this* role (another role's same-named session
    does not count: the issuer must be this role)."""
    wanted = session_arn(role_arn, notebook)
    calls = []
    for event in events:
        record = record_of(event)
        if issuer(record) == role_arn and record["userIdentity"].get("arn") == wanted:
            calls.append(call_of(event, record))
    return calls


def unattributed_calls(events: list[dict[str, Any]], role_arn: str) -> list[Call]:
    """Calls by this role under the bare SageMaker session, except the self-assume hop that
    attribution itself makes (AssumeRole on this role)."""
    calls = []
    for event in events:
        record = record_of(event)
        if issuer(record) != role_arn:
            continue
        if not str(record.get("userIdentity", {}).get("arn", "")).endswith(f"/{BASE_SESSION}"):
            continue
        parameters = record.get("requestParameters") or {}
        if record.get("eventName") == "AssumeRole" and parameters.get("roleArn") == role_arn:
            continue
        calls.append(call_of(event, record))
    return calls
