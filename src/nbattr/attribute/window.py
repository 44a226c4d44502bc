"""The time window `attribute` answers for, and the trail's date folders it must read.

CloudTrail files a log under the UTC day it *delivered* it (`.../YYYY/MM/DD/`), minutes after
the events in it (CloudTrail User Guide, "Finding your CloudTrail log files"; delivery "about
every 5 minutes"), so a day's last events can sit in the next day's folder, never in an earlier
one. The window reads folders from its first day to the day after its last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from ..analysis.calls import EVENT_TIME
from ..aws_command import UsageError
from ..verify.durations import parse_duration

_DAY = "%Y/%m/%d"
EARLIEST = datetime(2013, 11, 1, tzinfo=timezone.utc)  # CloudTrail launched November 2013


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime

    def params(self) -> dict[str, str]:
        """The window as the queries take it (nbattr.attribute.sql.query)."""
        return {
            "since": self.since.strftime(EVENT_TIME),
            "until": self.until.strftime(EVENT_TIME),
            "first_day": self.first_day.strftime(_DAY),
            "last_day": self.last_day.strftime(_DAY),
        }

    @property
    def first_day(self) -> date:
        return self.since.date()

    @property
    def last_day(self) -> date:
        return (self.until + timedelta(days=1)).date()

    def may_hold(self, first: date, last: date) -> bool:
        """Whether a folder covering days first..last can hold events of the window."""
        return first <= self.last_day and last >= self.first_day


def parse_time(text: str, now: datetime, option: str) -> datetime:
    """An ISO 8601 date or time (UTC unless it says otherwise), or a duration back from now."""
    try:
        return now - timedelta(seconds=parse_duration(text))
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{option} {text!r}: use an ISO 8601 date or time (2026-03-01, "
            "2026-03-01T12:00:00Z) or a duration back from now (90m, 12h, 30d)"
        ) from None
    return parsed.replace(tzinfo=parsed.tzinfo or timezone.utc).astimezone(timezone.utc)


def window_of(since: str | None, until: str | None, now: datetime) -> Window:
    start = parse_time(since, now, "--since") if since else EARLIEST
    end = parse_time(until, now, "--until") if until else now + timedelta(seconds=1)
    if start >= end:
        raise UsageError(f"--since ({start:{EVENT_TIME}}) is not before --until "
                         f"({end:{EVENT_TIME}})")  # fmt: skip
    return Window(start, end)


# .../CloudTrail/<region>/YYYY[/MM[/DD]] at the end of a folder path.
_DATE_FOLDER = re.compile(r"/CloudTrail/[^/]+/(\d{4})(?:/(\d{2}))?(?:/(\d{2}))?/?$")


def folder_days(path: str) -> tuple[date, date] | None:
    """The days a date folder of CloudTrail's layout covers; None for any other folder."""
    match = _DATE_FOLDER.search("/" + path.replace("\\", "/"))
    if not match:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if day and month:
            return date(year, month, day), date(year, month, day)  # type: ignore[arg-type]
        if month:
            following = date(year + month // 12, month % 12 + 1, 1)  # type: ignore[operator]
            return date(year, month, 1), following - timedelta(days=1)  # type: ignore[arg-type]
        return date(year, 1, 1), date(year, 12, 31)  # type: ignore[arg-type]
    except ValueError:  # not a real date: not a date folder
        return None
