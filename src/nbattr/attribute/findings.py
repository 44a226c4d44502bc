"""What `attribute` found, whichever engine read the records: per notebook activity, the bare
session's calls with their likely notebook, spoofed sessions (the rules `verify` applies,
nbattr.analysis), and who touched a resource."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..analysis.calls import (
    BASE_SESSION,
    Call,
    Timed,
    call_of,
    event_time,
    is_unattributed,
    issuer,
    session_name,
)
from ..analysis.spoofing import Findings, Spoof, analyse


@dataclass
class NotebookActivity:
    name: str
    calls: int
    first_seen: str
    last_seen: str
    event_names: list[str]
    resources: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "event_names": self.event_names,
            "resources": self.resources,
        }


@dataclass(frozen=True)
class Touch:
    """A call that touched the resource asked about, and who made it."""

    call: Call
    notebook: str | None  # the role's notebook session that made it
    likely_from: str | None  # for the role's bare session: the notebook it most likely was
    principal: str  # the caller's ARN (any principal, not only the role's)

    def as_json(self) -> dict[str, Any]:
        return {
            **self.call.as_json(),
            "notebook": self.notebook,
            "likely_from": self.likely_from,
            "principal": self.principal,
        }


@dataclass
class Attribution:
    role_arn: str
    since: str
    until: str
    files: int
    notebooks: dict[str, NotebookActivity]
    unattributed: list[Call]
    origins: dict[str, str | None]  # event id -> notebook
    spoofs: list[Spoof]
    resource: str | None = None
    touches: list[Touch] = field(default_factory=list)

    def origin(self, call: Call) -> str:
        return self.origins.get(call.event_id) or "unknown"


def attribution_of(
    role_arn: str,
    window: tuple[str, str],
    files: int,
    notebooks: dict[str, NotebookActivity],
    session_records: list[Timed],
    resource: str | None = None,
    touching: list[dict[str, Any]] | None = None,
) -> Attribution:
    """The attribution, by verify's rules, of the role's per-notebook activity and its
    session records (`classify`), with who made each of the `touching` records (newest first)."""
    unattributed, findings = classify(role_arn, sorted(notebooks), session_records)
    return Attribution(
        role_arn=role_arn,
        since=window[0],
        until=window[1],
        files=files,
        notebooks=dict(sorted(notebooks.items())),
        unattributed=unattributed,
        origins={call.event_id: findings.origin(call) for call in unattributed},
        spoofs=findings.spoofs,
        resource=resource,
        touches=touches_of(touching or [], role_arn, findings),
    )


def classify(
    role_arn: str, notebooks: list[str], session_records: list[Timed]
) -> tuple[list[Call], Findings]:
    """The bare session's calls and the spoofs, from the role's base-session records and its
    self-assumes (what the `session_events` query returns), by verify's rules. The notebooks
    checked for spoofing are every session name seen or asked for."""
    base = [(time, record) for time, record in session_records if _is_base(record)]
    sessions: dict[str, list[Timed]] = defaultdict(list)
    for time, record in session_records:
        if not _is_base(record):
            sessions[session_name(record)].append((time, record))
    asked = {
        name
        for _, record in session_records
        if record.get("eventName") == "AssumeRole"
        and (name := (record.get("requestParameters") or {}).get("roleSessionName"))
    }
    names = sorted((set(notebooks) | {str(name) for name in asked}) - {BASE_SESSION})
    findings = analyse(role_arn, names, base, dict(sessions), addresses={})
    unattributed = [
        call_of(time, record) for time, record in base if is_unattributed(record, role_arn)
    ]
    return unattributed, findings


def _is_base(record: dict[str, Any]) -> bool:
    return session_name(record) == BASE_SESSION


def record_of_row(row: dict[str, Any]) -> dict[str, Any]:
    """The CloudTrail record (the fields the rules read) of a `session_events` or
    `resource_events` row."""
    parameters = {
        key: row[column]
        for key, column in (
            ("roleArn", "requested_role_arn"),
            ("roleSessionName", "requested_session_name"),
        )
        if row.get(column) is not None
    }
    record: dict[str, Any] = {
        "eventTime": row["eventtime"],
        "eventID": row["eventid"],
        "eventName": row["eventname"],
        "eventSource": row["eventsource"],
        "awsRegion": row["awsregion"],
        "sourceIPAddress": row["sourceipaddress"],
        "userIdentity": {
            "type": row["identity_type"],
            "arn": row["session_arn"],
            "accessKeyId": row["access_key_id"],
            "sessionContext": {"sessionIssuer": {"arn": row["issuer_arn"]}},
        },
        "requestParameters": parameters or None,
    }
    if row.get("errorcode"):
        record["errorCode"] = row["errorcode"]
    return record


def touches_of(records: list[dict[str, Any]], role_arn: str, findings: Findings) -> list[Touch]:
    """Who made each call in `records` (newest first as given): the role's notebook, or for
    its bare session the notebook the credentials most likely belonged to."""
    touches = []
    for record in records:
        call = call_of(event_time(record), record)
        of_role = issuer(record) == role_arn
        base = of_role and _is_base(record)
        touches.append(
            Touch(
                call=call,
                notebook=session_name(record) if of_role and not base else None,
                likely_from=findings.origin(call) if base else None,
                principal=str((record.get("userIdentity") or {}).get("arn") or ""),
            )
        )
    return touches
