"""Durations on the command line: 90s, 15m, 2h, 1d, or combined like 1h30m."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+)([smhd])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """Seconds in `text`; ValueError with the accepted forms otherwise."""
    cleaned = text.strip().lower()
    if not cleaned or _PART.sub("", cleaned):
        raise ValueError(f"invalid duration {text!r}: use forms like 90s, 15m, 2h, 1d or 1h30m")
    return float(sum(int(amount) * _UNIT[unit] for amount, unit in _PART.findall(cleaned)))
