"""Find a whole fleet's sessions in one paginated lookup: the role's AssumeRole events.

Every attributed session starts with an `AssumeRole` of the role, and CloudTrail lists the
role among that event's `resources` (real record: tests/fixtures/cloudtrail-real/
sts-AssumeRole.json, `"type": "AWS::IAM::Role", "ARN": <role ARN>`), so `LookupEvents`
with `ResourceName` = the role's ARN returns them for every notebook at once, 50 a page.
Its `requestParameters.roleSessionName` is the notebook, its `responseElements` the session
it opened. Notebooks it does not show (never started, or a session opened before --since or
in a region not searched) are looked up one by one, as without it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..analysis.calls import Call, assumed_session, call_of
from .attribution import timed_records

# `auto`: from this many notebooks on, one lookup of the role replaces one per notebook.
# Below it, per-notebook lookups cost a few seconds of the 2/s budget and list every call.
FLEET_FROM = 10
LOOKUP_MODES = ("auto", "role", "notebook")


def by_role(mode: str, notebooks: int) -> bool:
    """Whether `--lookup-by mode` reads the role's AssumeRole events for `notebooks`."""
    return mode == "role" or (mode == "auto" and notebooks >= FLEET_FROM)


def sessions_opened(
    events: list[dict[str, Any]], role_arn: str, names: list[str]
) -> dict[str, list[Call]]:
    """{notebook: the AssumeRole calls that opened `<role>/<notebook>`} among `names`.
    Only successful ones: a refused AssumeRole opens no session. Whoever made it counts,
    as any caller's session of this role counts per notebook (spoofing is judged apart)."""
    wanted = set(names)
    opened: dict[str, list[Call]] = defaultdict(list)
    for time, record in timed_records(events):
        if (name := assumed_session(record, role_arn)) in wanted:
            opened[name].append(call_of(time, record))
    return dict(opened)


def session_events(events: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """The events among `events` made as session `name`, as a `Username` lookup would list
    them (LookupEvents' Username of an assumed role is its session name)."""
    return [event for event in events if event.get("Username") == name]
