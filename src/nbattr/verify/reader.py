"""Read CloudTrail within its request budget: paginate, space requests, back off on throttling."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from .clock import Clock, SystemClock

AWS_LOOKUP_RATE = 2.0  # LookupEvents requests per second per account and region
THROTTLE_CODES = {"ThrottlingException", "Throttling", "TooManyRequestsException"}


class RateLimiter:
    """Spaces calls so that no second ever holds more than `rate` of them."""

    def __init__(
        self,
        rate: float = AWS_LOOKUP_RATE,
        clock: Clock | None = None,
        margin: float = 0.02,  # a little slack for clock skew between us and the service
    ) -> None:
        self._interval = (1.0 / rate) * (1 + margin)
        self._clock = clock or SystemClock()
        self._next = 0.0
        self.calls: list[float] = []  # when each call was let through (clock.monotonic())

    def wait(self) -> None:
        now = self._clock.monotonic()
        if now < self._next:
            self._clock.sleep(self._next - now)
            now = self._next
        self._next = now + self._interval
        self.calls.append(now)

    @property
    def achieved_rate(self) -> float:
        """Calls per second between the first and the last call (0 for fewer than two)."""
        if len(self.calls) < 2 or self.calls[-1] == self.calls[0]:
            return 0.0
        return (len(self.calls) - 1) / (self.calls[-1] - self.calls[0])


class LookupFailed(RuntimeError):
    """CloudTrail kept refusing, or refused for a reason retrying cannot fix."""


class CloudTrailReader:
    """LookupEvents for one region through a shared limiter; counts requests and throttles."""

    def __init__(
        self,
        client: Any,
        limiter: RateLimiter,
        max_retries: int = 8,
        clock: Clock | None = None,
    ) -> None:
        self._client = client
        self.limiter = limiter
        self._max_retries = max_retries
        self._clock = clock or SystemClock()
        self.requests = 0
        self.throttled = 0

    def events(self, username: str, start: datetime) -> list[dict[str, Any]]:
        """Every event of `username` since `start`, all pages."""
        return self._lookup("Username", username, start)

    def resource_events(self, resource_name: str, start: datetime) -> list[dict[str, Any]]:
        """Every event that names `resource_name` among its resources since `start`."""
        return self._lookup("ResourceName", resource_name, start)

    def _lookup(self, key: str, value: str, start: datetime) -> list[dict[str, Any]]:
        """Every event whose attribute `key` is `value` since `start`, all pages. No EndTime:
        CloudTrail's "now" includes events of the current second, which a client-side
        timestamp may not."""
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {
            "LookupAttributes": [{"AttributeKey": key, "AttributeValue": value}],
            "StartTime": start,
            "MaxResults": 50,
        }
        while True:
            page = self._call(params)
            found.extend(page.get("Events", []))
            token = page.get("NextToken")
            if not token:
                return found
            params["NextToken"] = token

    def _call(self, params: dict[str, Any]) -> dict[str, Any]:
        for attempt in range(self._max_retries + 1):
            self.limiter.wait()
            self.requests += 1
            try:
                return dict(self._client.lookup_events(**params))
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") not in THROTTLE_CODES:
                    raise
                self.throttled += 1
                # Exponential backoff with full jitter, capped: throttling is expected here.
                self._clock.sleep(random.uniform(0, min(8.0, 0.5 * 2**attempt)))
        raise LookupFailed(f"CloudTrail throttled {self._max_retries + 1} attempts in a row")
