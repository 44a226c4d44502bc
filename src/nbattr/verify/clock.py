"""The time `nbattr verify` waits by: the real clock in use, a controlled one in tests.

Everything in verify that waits or measures (spacing LookupEvents requests, backing off on
throttling, polling until attributed, the timeout) asks a `Clock`, so a test can run the
same code without sleeping. The emulator's CloudTrail takes the same kind of clock for its
delivery delay and throttling windows.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (differences only are meaningful)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait this long."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
