"""One poll's LookupEvents for the notebooks still pending: by name, or by the role."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .attribution import NotebookResult, notebook_calls
from .fleet import session_events, sessions_opened
from .reader import CloudTrailReader


@dataclass
class Lookups:
    """Marks the notebooks of `results` it finds attributed, and keeps in `fetched` the
    events made as each session it read (for the spoof analysis)."""

    readers: dict[str, CloudTrailReader]  # one per region
    results: dict[str, NotebookResult]
    role_arn: str
    start: datetime
    fetched: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def by_name(self) -> None:
        """Each notebook not yet attributed: its session's events, one lookup (and its pages)
        per notebook and region, until a region shows a call made as it. They replace what
        the role's lookup showed of it (they include those)."""
        looked: set[str] = set()
        for reader in self.readers.values():
            for result in self.results.values():
                if result.attributed:
                    continue
                events = reader.events(result.name, self.start)
                result.calls += notebook_calls(events, self.role_arn, result.name)
                if result.name not in looked:
                    looked.add(result.name)
                    self.fetched[result.name] = []
                self.fetched[result.name].extend(events)

    def by_role(self) -> int:
        """The role's events in every region: the notebooks whose sessions they show opened
        are attributed, and each session's own calls among them (a chained AssumeRole) kept.
        How many notebooks this attributed."""
        events = [
            event
            for reader in self.readers.values()
            for event in reader.resource_events(self.role_arn, self.start)
        ]
        for name, result in self.results.items():
            if result.opened or not result.attributed:  # not those a lookup by name found
                self.fetched[name] = session_events(events, name)
        pending = [result.name for result in self.results.values() if not result.attributed]
        opened = sessions_opened(events, self.role_arn, pending)
        for name, calls in opened.items():
            self.results[name].opened = calls
            self.results[name].calls = notebook_calls(self.fetched[name], self.role_arn, name)
        return len(opened)
