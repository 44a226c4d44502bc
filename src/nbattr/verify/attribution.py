"""verify's view of LookupEvents: each event's record, timed by LookupEvents' EventTime, fed
to the analysis `attribute` shares (nbattr.analysis)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..analysis.calls import Call, Timed, call_of, is_notebook_call, is_unattributed


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


def timed_records(events: list[dict[str, Any]]) -> list[Timed]:
    return [(event["EventTime"], dict(json.loads(event["CloudTrailEvent"]))) for event in events]


def notebook_calls(events: list[dict[str, Any]], role_arn: str, notebook: str) -> list[Call]:
    return [
        call_of(time, record)
        for time, record in timed_records(events)
        if is_notebook_call(record, role_arn, notebook)
    ]


def unattributed_calls(events: list[dict[str, Any]], role_arn: str) -> list[Call]:
    return [
        call_of(time, record)
        for time, record in timed_records(events)
        if is_unattributed(record, role_arn)
    ]
