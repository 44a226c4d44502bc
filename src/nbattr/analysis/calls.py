"""Which of a role's CloudTrail records are a notebook's calls and which are unattributed.

A record here is CloudTrail's own JSON object (as in a trail's log files and in LookupEvents'
`CloudTrailEvent`), paired with its time: `Timed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..sessions import BASE_SESSION_NAME as BASE_SESSION

Timed = tuple[datetime, dict[str, Any]]  # (event time, CloudTrail record)
EVENT_TIME = "%Y-%m-%dT%H:%M:%SZ"  # how CloudTrail writes eventTime (UTC)


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


def event_time(record: dict[str, Any]) -> datetime:
    """The record's eventTime (CloudTrail writes UTC, `2026-01-31T12:00:00Z`)."""
    return datetime.strptime(record["eventTime"], EVENT_TIME).replace(tzinfo=timezone.utc)


def timed(record: dict[str, Any]) -> Timed:
    return event_time(record), record


def issuer(record: dict[str, Any]) -> str | None:
    identity = record.get("userIdentity") or {}
    if identity.get("type") != "AssumedRole":
        return None
    return ((identity.get("sessionContext") or {}).get("sessionIssuer") or {}).get("arn")


def assumed_session(record: dict[str, Any], role_arn: str) -> str | None:
    """The session name a successful AssumeRole of `role_arn` opened, whoever called it."""
    if record.get("eventName") != "AssumeRole" or record.get("errorCode"):
        return None
    parameters = record.get("requestParameters") or {}
    if parameters.get("roleArn") != role_arn:
        return None
    return str(parameters.get("roleSessionName", "")) or None


def session_name(record: dict[str, Any]) -> str:
    return str((record.get("userIdentity") or {}).get("arn") or "").rsplit("/", 1)[-1]


def call_of(time: datetime, record: dict[str, Any]) -> Call:
    identity = record.get("userIdentity") or {}
    return Call(
        time=time,
        event_name=record.get("eventName") or "",
        event_source=record.get("eventSource") or "",
        source_ip=record.get("sourceIPAddress") or "",
        region=record.get("awsRegion") or "",
        session_arn=identity.get("arn") or "",
        event_id=record.get("eventID") or "",
        access_key_id=identity.get("accessKeyId") or "",
    )


def session_arn(role_arn: str, session: str) -> str:
    """arn:<partition>:sts::<account>:assumed-role/<role>/<session> (STS drops the path)."""
    parts = role_arn.split(":")
    return f"arn:{parts[1]}:sts::{parts[4]}:assumed-role/{role_arn.rsplit('/', 1)[1]}/{session}"


def is_notebook_call(record: dict[str, Any], role_arn: str, notebook: str) -> bool:
    """Made as `<role>/<notebook>` by *this* role (another role's same-named session does not
    count: the issuer must be this role)."""
    identity = record.get("userIdentity") or {}
    return issuer(record) == role_arn and identity.get("arn") == session_arn(role_arn, notebook)


def is_unattributed(record: dict[str, Any], role_arn: str) -> bool:
    """Made by this role under the bare SageMaker session, except the self-assume hop that
    attribution itself makes (AssumeRole on this role)."""
    if issuer(record) != role_arn or session_name(record) != BASE_SESSION:
        return False
    parameters = record.get("requestParameters") or {}
    return not (record.get("eventName") == "AssumeRole" and parameters.get("roleArn") == role_arn)
