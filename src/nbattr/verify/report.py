"""The verification report: a table for people, JSON for tools, JUnit XML for CI."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from xml.etree import ElementTree

from .. import junit
from ..analysis.calls import Call
from ..analysis.spoofing import Spoof
from ..analysis.wording import header_lines, spoof_lines, unattributed_lines
from .attribution import NotebookResult


@dataclass
class Report:
    role_arn: str
    regions: list[str]
    since: str
    notebooks: list[NotebookResult]
    unattributed: list[Call] = field(default_factory=list)
    origins: dict[str, str | None] = field(default_factory=dict)  # event id -> notebook
    spoofs: list[Spoof] = field(default_factory=list)
    addresses: dict[str, str] = field(default_factory=dict)  # VPC notebook -> interface address
    address_note: str = ""  # why some addresses could not be read
    requests: int = 0
    throttled: int = 0
    elapsed: float = 0.0
    request_rate: float = 0.0  # achieved LookupEvents rate per region, first to last request
    timed_out: bool = False
    fail_on_unattributed: bool = False
    fail_on_spoof: bool = False

    @property
    def bypass_failed(self) -> bool:
        return self.fail_on_unattributed and bool(self.unattributed)

    @property
    def spoof_failed(self) -> bool:
        return self.fail_on_spoof and bool(self.spoofs)

    @property
    def passed(self) -> bool:
        if not all(notebook.attributed for notebook in self.notebooks):
            return False
        return not (self.bypass_failed or self.spoof_failed)

    def origin(self, call: Call) -> str:
        return self.origins.get(call.event_id) or "unknown"


def render_table(report: Report) -> str:
    lines = header_lines(
        report.role_arn,
        f"regions  {', '.join(report.regions)}    since {report.since}",
        f"{'NOTEBOOK':<32} {'RESULT':<6} {'CALLS':>5}  LAST SEEN AS",
    )
    for notebook in report.notebooks:
        seen = _last_seen(notebook)
        result = "PASS" if notebook.attributed else "FAIL"
        lines.append(f"{notebook.name:<32} {result:<6} {len(notebook.calls):>5}  {seen}")
    lines.append("")
    lines += unattributed_lines(report.unattributed, report.origin)
    lines.append("")
    lines += spoof_lines(report.spoofs)
    checked = ", ".join(f"{n} {a}" for n, a in sorted(report.addresses.items())) or "none in a VPC"
    lines.append(f"addresses checked: {checked}")
    if report.address_note:
        lines.append(f"addresses not read: {report.address_note}")
    lines.append("")
    verdict = "PASS" if report.passed else "FAIL"
    why = " (timed out)" if report.timed_out and not report.passed else ""
    lines.append(
        f"{verdict}{why}: {sum(n.attributed for n in report.notebooks)}/{len(report.notebooks)} "
        f"notebooks attributed; {report.requests} LookupEvents requests in {report.elapsed:.1f} s "
        f"({report.request_rate:.2f}/s per region), {report.throttled} throttled and retried"
    )
    return "\n".join(lines) + "\n"


def _last_seen(notebook: NotebookResult) -> str:
    if notebook.calls:
        last = max(notebook.calls, key=lambda call: call.time)
        return f"{last.session_arn} at {last.time:%H:%M:%S}"
    if notebook.opened:
        last = max(notebook.opened, key=lambda call: call.time)
        return f"{notebook.expected_session_arn} opened at {last.time:%H:%M:%S}"
    return "no call under its name"


def render_json(report: Report) -> str:
    document = {
        "role_arn": report.role_arn,
        "regions": report.regions,
        "since": report.since,
        "passed": report.passed,
        "timed_out": report.timed_out,
        "notebooks": [
            {
                "name": notebook.name,
                "result": "PASS" if notebook.attributed else "FAIL",
                "expected_session_arn": notebook.expected_session_arn,
                "calls": [call.as_json() for call in notebook.calls],
                # The AssumeRole calls that opened the session (the role's lookup found them).
                "sessions_opened": [call.as_json() for call in notebook.opened],
            }
            for notebook in report.notebooks
        ],
        "unattributed": [
            {**call.as_json(), "likely_from": report.origins.get(call.event_id)}
            for call in report.unattributed
        ],
        "spoofed": [spoof.as_json() for spoof in report.spoofs],
        "addresses": report.addresses,
        "address_note": report.address_note,
        "lookups": {
            "requests": report.requests,
            "throttled": report.throttled,
            "seconds": round(report.elapsed, 3),
            "requests_per_second": round(report.request_rate, 3),
        },
    }
    return json.dumps(document, indent=2) + "\n"


def render_junit(report: Report) -> str:
    """One test case per notebook, one for bypasses and one for spoofed sessions."""
    suite = junit.command_suite(
        "verify",
        report.role_arn,
        report.regions,
        {"unattributed_calls": len(report.unattributed), "spoofed_sessions": len(report.spoofs)},
    )
    role_name = report.role_arn.rsplit("/", 1)[-1]
    failures = 0
    for notebook in report.notebooks:
        case = ElementTree.SubElement(
            suite, "testcase", classname=f"attribution.{role_name}", name=notebook.name
        )
        if notebook.attributed:
            ElementTree.SubElement(case, "system-out").text = (
                f"{len(notebook.calls)} call(s) as {notebook.expected_session_arn}"
                + (f", opened by {len(notebook.opened)} AssumeRole(s)" if notebook.opened else "")
            )
        else:
            failures += 1
            ElementTree.SubElement(
                case,
                "failure",
                message=f"no call seen as {notebook.expected_session_arn}",
                type="NotAttributed",
            )
    bypasses = [
        f"UNATTRIBUTED {call.time.isoformat()} {call.event_source} {call.event_name} "
        f"from {call.source_ip} (likely {report.origin(call)})"
        for call in report.unattributed
    ]
    spoofs = [
        f"SPOOFED as {spoof.claimed} by {spoof.used_by or 'unknown'}: {spoof.evidence}"
        for spoof in report.spoofs
    ]
    detection = f"detection.{role_name}"
    failures += junit.findings_case(
        suite, detection, "no unattributed calls", bypasses, "--fail-on-unattributed",
        report.fail_on_unattributed,
    )  # fmt: skip
    failures += junit.findings_case(
        suite, detection, "no spoofed sessions", spoofs, "--fail-on-spoof", report.fail_on_spoof
    )
    return junit.render(suite, len(report.notebooks) + 2, failures, report.elapsed)


RENDERERS = {"table": render_table, "json": render_json, "junit": render_junit}
