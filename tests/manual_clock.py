"""A clock the test moves: `sleep` returns at once with the time advanced by that much.

Given to `nbattr verify` (in-process) and to the emulator's CloudTrail alike, it makes
delivery delays, throttling windows, polling intervals and timeouts pass without waiting,
while every part still sees time go by consistently. Thread-safe: the emulator reads it
from its request threads while verify sleeps on it.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


class ManualClock:
    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime.now(timezone.utc)  # records look current
        self._elapsed = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        with self._lock:
            return self._elapsed

    def sleep(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"time only goes forward, not by {seconds} s")
        with self._lock:
            self._elapsed += seconds

    def advance(self, seconds: float) -> None:
        """Let time pass without anyone sleeping (the world goes on while a test acts)."""
        self.sleep(seconds)
