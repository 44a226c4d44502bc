"""How a report words bypasses and spoofs, the same in `verify` and `attribute`."""

from __future__ import annotations

from collections.abc import Callable

from .calls import BASE_SESSION, Call
from .spoofing import Spoof


def header_lines(role_arn: str, scope: str, columns: str) -> list[str]:
    """The report's first lines: the role, what was read, then the notebooks' column titles."""
    return [f"role     {role_arn}", scope, "", columns]


def unattributed_lines(calls: list[Call], origin: Callable[[Call], str]) -> list[str]:
    if not calls:
        return ["unattributed: none"]
    lines = [
        f"UNATTRIBUTED: {len(calls)} call(s) under the bare {BASE_SESSION} session",
        f"  {'TIME':<20} {'EVENT':<32} {'SOURCE ADDRESS':<16} {'REGION':<14} LIKELY FROM",
    ]
    for call in sorted(calls, key=lambda c: c.time):
        event = f"{call.event_source.split('.')[0]}:{call.event_name}"
        lines.append(
            f"  {call.time:%Y-%m-%d %H:%M:%S}  {event:<32} {call.source_ip:<16} "
            f"{call.region:<14} {origin(call)}"
        )
    return lines


def spoof_lines(spoofs: list[Spoof]) -> list[str]:
    if not spoofs:
        return ["spoofed: none"]
    lines = [f"SPOOFED: {len(spoofs)} session name(s) used by another notebook"]
    lines += [
        f"  as {spoof.claimed} by {spoof.used_by or 'unknown'}: {spoof.evidence}"
        for spoof in spoofs
    ]
    return lines
