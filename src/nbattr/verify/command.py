"""The `nbattr verify` command: options, polling until attributed or timed out, exit codes.

Exit codes: 0 every notebook attributed (and, with --fail-on-unattributed, no call under the
bare SageMaker session; with --fail-on-spoof, no session used from another notebook);
1 attribution failure; 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TextIO

from ..analysis.calls import BASE_SESSION, session_arn
from ..analysis.spoofing import analyse
from ..aws_command import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Aws,
    UsageError,
    add_aws_arguments,
    add_fail_on_arguments,
    add_output_arguments,
    add_role_argument,
    notebooks_of,
    resolve_role_arn,
    run_guarded,
    write_report,
)
from .addresses import interface_addresses
from .attribution import NotebookResult, timed_records, unattributed_calls
from .clock import Clock, SystemClock
from .durations import parse_duration
from .fleet import LOOKUP_MODES, by_role
from .lookups import Lookups
from .preflight import check as preflight
from .reader import AWS_LOOKUP_RATE, CloudTrailReader, LookupFailed, RateLimiter
from .report import RENDERERS, Report

if TYPE_CHECKING:  # imported where a session is made (nbattr.aws_command)
    import boto3

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "UsageError", "add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_role_argument(parser)
    parser.add_argument(
        "--notebook",
        action="append",
        default=[],
        metavar="NAME",
        help="notebook to verify (repeatable)",
    )
    parser.add_argument(
        "--all-notebooks", action="store_true", help="every notebook instance that uses the role"
    )
    parser.add_argument(
        "--since",
        default="1h",
        metavar="DURATION",
        help="look back this far (default 1h, at most 90d)",
    )
    parser.add_argument(
        "--timeout", default="5m", metavar="DURATION", help="stop waiting after this (default 5m)"
    )
    add_aws_arguments(parser)
    add_output_arguments(parser, sorted(RENDERERS))
    add_fail_on_arguments(parser)
    parser.add_argument(
        "--poll-interval",
        default="10s",
        metavar="DURATION",
        help="pause between polls while waiting (default 10s)",
    )
    parser.add_argument(
        "--lookup-rate",
        type=float,
        default=AWS_LOOKUP_RATE,
        metavar="PER_SECOND",
        help="LookupEvents requests per second per region (AWS allows 2)",
    )
    parser.add_argument(
        "--lookup-by",
        choices=LOOKUP_MODES,
        default="auto",
        metavar="|".join(LOOKUP_MODES),
        help="find sessions by one paginated lookup of the role's AssumeRole events (role), "
        "by one lookup per notebook, listing every call (notebook), or by role from 10 "
        "notebooks on (auto, the default)",
    )


def run(
    args: argparse.Namespace,
    progress: TextIO | None = None,
    *,
    clock: Clock | None = None,
    session: boto3.Session | None = None,
) -> int:
    """`nbattr verify` with parsed `args`. Progress goes to `progress` (default stderr).
    `clock` is what it waits and measures by (default the real one), `session` the boto3
    session it calls AWS with (default: the default credential chain)."""
    try:
        return run_guarded(
            "verify",
            lambda: _verify(args, progress or sys.stderr, clock or SystemClock(), session),
            args.endpoint_url,
        )
    except LookupFailed as error:
        print(f"nbattr verify: {error}", file=sys.stderr)
        return EXIT_FAILED


def _verify(
    args: argparse.Namespace, progress: TextIO, clock: Clock, session: boto3.Session | None
) -> int:
    try:
        since = parse_duration(args.since)
        timeout = parse_duration(args.timeout)
        poll_interval = parse_duration(args.poll_interval)
    except ValueError as error:
        raise UsageError(str(error)) from error
    if args.lookup_rate <= 0:
        raise UsageError("--lookup-rate must be positive")
    aws = Aws(args.region, args.endpoint_url, session)
    regions, client = aws.regions, aws.client
    role_arn = resolve_role_arn(args.role, client("iam", regions[0]))
    names = list(dict.fromkeys(args.notebook))
    if args.all_notebooks:
        for region in regions:
            names += [
                n for n in notebooks_of(role_arn, client("sagemaker", region)) if n not in names
            ]
    if not names:
        raise UsageError(
            "no notebooks to verify: pass --notebook NAME or --all-notebooks"
            + (f" (no notebook instance uses {role_arn})" if args.all_notebooks else "")
        )
    preflight(since, args.since, role_arn, names, client, regions)  # usage errors, in seconds

    # One budget per region; botocore's own retries are off so the limiter sees every call
    # (`max_attempts` would count retries: 1 still lets botocore send a second request).
    readers = {
        region: CloudTrailReader(
            client("cloudtrail", region, retries={"total_max_attempts": 1, "mode": "standard"}),
            RateLimiter(args.lookup_rate, clock),
            clock=clock,
        )
        for region in regions
    }
    results = {name: NotebookResult(name, session_arn(role_arn, name)) for name in names}
    addresses: dict[str, str] = {}
    notes: list[str] = []
    for region in regions:
        found, note = interface_addresses(names, client("sagemaker", region), client("ec2", region))
        addresses.update(found)
        notes += [f"{region}: {note}"] if note else []
    notebook_events: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    base_events: list[dict[str, Any]] = []
    start = clock.now() - timedelta(seconds=since)
    started = clock.monotonic()
    deadline = started + timeout

    def last_poll() -> bool:  # no time left for another poll after this one
        return clock.monotonic() + poll_interval > deadline

    unattributed: list = []
    timed_out = False
    fleet = by_role(args.lookup_by, len(names))
    polls = 0
    while True:
        polls += 1
        unattributed, base_events = [], []
        poll = Lookups(readers, results, role_arn, start)
        by_name = not fleet
        if fleet:
            newly = poll.by_role()
            # One by one only for what the role's events do not show: once they stop
            # showing more, or when this is the last poll before the timeout.
            by_name = (polls > 1 and not newly) or last_poll()
        if by_name:
            poll.by_name()
        for reader in readers.values():
            base = reader.events(BASE_SESSION, start)
            base_events += base
            unattributed += unattributed_calls(base, role_arn)
        notebook_events.update(poll.fetched)
        pending = [r.name for r in results.values() if not r.attributed]
        if pending and not by_name and last_poll():
            poll.by_name()  # time ran out during this poll: one by one before giving up
            notebook_events.update(poll.fetched)
            pending = [r.name for r in results.values() if not r.attributed]
        _progress(progress, results, unattributed, deadline - clock.monotonic())
        if not pending:
            break
        if last_poll():
            timed_out = True
            break
        clock.sleep(poll_interval)

    findings = analyse(
        role_arn,
        names,
        timed_records(base_events),
        {name: timed_records(events) for name, events in notebook_events.items()},
        addresses,
    )
    report = Report(
        role_arn=role_arn,
        regions=regions,
        since=start.isoformat(timespec="seconds"),
        notebooks=list(results.values()),
        unattributed=unattributed,
        origins={call.event_id: findings.origin(call) for call in unattributed},
        spoofs=findings.spoofs,
        addresses=addresses,
        address_note="; ".join(notes),
        requests=sum(r.requests for r in readers.values()),
        throttled=sum(r.throttled for r in readers.values()),
        elapsed=clock.monotonic() - started,
        request_rate=max(reader.limiter.achieved_rate for reader in readers.values()),
        timed_out=timed_out,
        fail_on_unattributed=args.fail_on_unattributed,
        fail_on_spoof=args.fail_on_spoof,
    )
    write_report(RENDERERS[args.format](report), args.output)
    return EXIT_OK if report.passed else EXIT_FAILED


def _progress(
    stream: TextIO, results: dict[str, NotebookResult], unattributed: list, left: float
) -> None:
    done = sum(r.attributed for r in results.values())
    waiting = ", ".join(r.name for r in results.values() if not r.attributed) or "none"
    line = (
        f"verify: {done}/{len(results)} attributed; waiting for {waiting}; "
        f"{len(unattributed)} unattributed; {max(0.0, left):.0f}s left"
    )
    if stream.isatty():
        stream.write("\r" + line[:120].ljust(120))
        if done == len(results):
            stream.write("\n")
    else:
        stream.write(line + "\n")
    stream.flush()
