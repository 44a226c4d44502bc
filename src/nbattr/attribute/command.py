"""The `nbattr attribute` command: which notebook did what, from a trail's log files, on
DuckDB over the files or (--athena) on Athena over the athena-attribution module's table.

Exit codes as `verify`: 0 done (and, with --fail-on-unattributed, no call under the bare
SageMaker session; with --fail-on-spoof, no spoofed session); 1 such a finding when asked to
fail on it; 2 usage or configuration error, and an Athena query that FAILED, was CANCELLED
or timed out (the message gives Athena's reason).
"""

from __future__ import annotations

import argparse
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from ..aws_command import (
    EXIT_FAILED,
    EXIT_OK,
    Aws,
    UsageError,
    add_fail_on_arguments,
    add_output_arguments,
    add_role_argument,
    run_guarded,
)
from .analysis import Engine, attribute
from .athena import DEFAULT_CATALOG, AthenaQueryFailed, AthenaRunner, AthenaTimeout
from .athena_engine import AthenaEngine
from .findings import Attribution
from .report import FORMATS, PARQUET_NEEDS_OUTPUT, write
from .sources import download, local_files, s3_keys, split_s3_url
from .window import Window, window_of

if TYPE_CHECKING:  # imported where S3 is read: a tenth of a second a folder's run needs not
    import boto3

_GLUE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "location",
        nargs="?",
        metavar="FOLDER_OR_S3_URL",
        help="the trail's log files: a local folder (or file) or s3://bucket[/prefix]; "
        "every .json.gz and .json under it (not with --athena)",
    )
    add_role_argument(parser)
    for flag, metavar, text in (
        ("--since", "TIME", "from this ISO 8601 date or time (UTC), or this long ago (e.g. 30d)"),
        ("--until", "TIME", "up to this ISO 8601 date or time, or this long ago"),
        ("--resource", "ARN_OR_S3_URL", "also list who touched it (S3 data events included)"),
    ):
        parser.add_argument(flag, metavar=metavar, help=text)
    add_output_arguments(parser, list(FORMATS))
    add_fail_on_arguments(parser)
    parser.add_argument(
        "--endpoint-url", metavar="URL", help="S3 endpoint (e.g. the nbattr emulator)"
    )
    parser.add_argument("--region", metavar="REGION", help="the S3 or Athena client's region")
    athena = parser.add_argument_group("on Athena (the athena-attribution module's outputs)")
    athena.add_argument("--athena", action="store_true", help="run the analysis on Athena")
    athena.add_argument("--workgroup", metavar="W", help="Athena workgroup")
    athena.add_argument("--database", metavar="D", help="Glue database of the trail's table")
    athena.add_argument("--table", metavar="T", default="cloudtrail_logs", help="the table")
    athena.add_argument("--catalog", default=DEFAULT_CATALOG, help=argparse.SUPPRESS)
    athena.add_argument(
        "--timeout", type=float, default=600.0, metavar="SECONDS",
        help="give up on a query (and cancel it) after this long (default 600)",
    )  # fmt: skip


def run(
    args: argparse.Namespace,
    session: boto3.Session | None = None,
    athena: AthenaRunner | None = None,
) -> int:
    """`nbattr attribute` with parsed `args`; `session`: the boto3 session S3 is read with;
    `athena`: the runner --athena uses (default: one on `session`'s Athena client)."""
    return run_guarded("attribute", lambda: _attribute(args, session, athena), args.endpoint_url)


def _attribute(
    args: argparse.Namespace, session: boto3.Session | None, athena: AthenaRunner | None
) -> int:
    if args.role.startswith("arn:") and ":role/" not in args.role:
        raise UsageError(f"--role {args.role} is not an IAM role ARN")
    if args.format == "parquet" and args.output is None:
        raise UsageError(PARQUET_NEEDS_OUTPUT)
    window = window_of(args.since, args.until, datetime.now(timezone.utc))
    if args.athena:
        result = _on_athena(args, session, athena, window)
    else:
        result = _on_files(args, session, window)
    write(result, args.format, args.output)
    failed = (args.fail_on_unattributed and result.unattributed) or (
        args.fail_on_spoof and result.spoofs
    )
    return EXIT_FAILED if failed else EXIT_OK


def _on_athena(
    args: argparse.Namespace,
    session: boto3.Session | None,
    runner: AthenaRunner | None,
    window: Window,
) -> Attribution:
    if args.location:
        raise UsageError("--athena reads the module's table: pass no folder or S3 URL")
    if not args.workgroup or not args.database:
        raise UsageError("--athena needs --workgroup and --database (the module's outputs)")
    for option, value in (("--database", args.database), ("--table", args.table)):
        if not _GLUE_NAME.match(value):
            raise UsageError(f"{option} {value!r} is not a Glue name (letters, digits, _)")
    if args.timeout <= 0:
        raise UsageError(f"--timeout must be positive; got {args.timeout}")
    if runner is None:
        aws = Aws([args.region] if args.region else [], args.endpoint_url, session)
        runner = AthenaRunner(aws.client("athena", aws.regions[0]), args.workgroup,
                              args.database, args.catalog, timeout=args.timeout)  # fmt: skip
    engine = AthenaEngine(runner, args.table)
    try:
        return attribute(engine, resolve_role(engine, args.role, window), window, 0,
                         args.resource)  # fmt: skip
    except (AthenaQueryFailed, AthenaTimeout) as error:
        raise UsageError(str(error)) from error


def _on_files(
    args: argparse.Namespace, session: boto3.Session | None, window: Window
) -> Attribution:
    if not args.location:
        raise UsageError("pass the trail's log files: a folder or s3://bucket[/prefix]")
    with tempfile.TemporaryDirectory(prefix="nbattr-attribute-") as scratch:
        if args.location.startswith("s3://"):
            import boto3

            s3 = (session or boto3.Session()).client(
                "s3", region_name=args.region, endpoint_url=args.endpoint_url
            )
            bucket, prefix = split_s3_url(args.location)
            files = download(s3, bucket, list(s3_keys(s3, bucket, prefix, window)), Path(scratch))
        else:
            files = local_files(Path(args.location), window)
        return attribute_files(files, args.role, window, args.resource, Path(scratch))


def attribute_files(
    files: list[Path],
    role: str,
    window: Window,
    resource: str | None = None,
    scratch: Path | None = None,
) -> Attribution:
    """The attribution of `role` (ARN, or name found in the trail) over `files`, on DuckDB."""
    if not files:
        raise UsageError("no .json.gz or .json log file in the window there")
    import duckdb

    from .duckdb_engine import DuckDbEngine  # imported here: `--help` needs no engine

    try:
        engine = DuckDbEngine(files, role, everyone=bool(resource), scratch=scratch)
        return attribute(engine, resolve_role(engine, role, window), window, len(files), resource)
    except duckdb.Error as error:  # a file that is not a CloudTrail log file, unreadable, ...
        raise UsageError(f"cannot read the log files: {str(error).splitlines()[0]}") from error


def resolve_role(engine: Engine, role: str, window: Window) -> str:
    """The role's ARN: given, or the one role of that name whose sessions the trail shows."""
    if role.startswith("arn:"):
        return role
    found = [row["role_arn"] for row in engine.rows("role_arns", role_name=role, **window.params())]
    if len(found) != 1:
        why = (
            f"several roles of that name ({', '.join(found)})" if found else "no role of that name"
        )
        raise UsageError(f"--role {role}: {why} made calls in the window; pass the role's ARN")
    return str(found[0])
