"""`nbattr attribute --athena`: the attribution analysis run on Athena over a trail's table.

Until the shared attribution SQL (one source for DuckDB and Athena) is wired in, this runs one
query of its own, calls per notebook of the role, through `AthenaRunner.rows`: the join point
is that function, SQL text in, rows as dicts out.

Exit codes as `nbattr verify`: 0 done; 2 usage, credential or access error, and also when
the query FAILED, was CANCELLED or timed out (the message gives Athena's reason).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from ..aws_command import (
    EXIT_OK,
    EXIT_USAGE,
    Aws,
    UsageError,
    add_aws_arguments,
    run_guarded,
    write_report,
)
from ..sessions import BASE_SESSION_NAME
from .athena import DEFAULT_CATALOG, AthenaQueryFailed, AthenaRunner, AthenaTimeout

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")

CALLS_PER_NOTEBOOK = """\
SELECT split_part(useridentity.arn, '/', 3) AS notebook,
       count(*) AS calls,
       min(eventtime) AS first_seen,
       max(eventtime) AS last_seen,
       array_join(array_sort(array_distinct(array_agg(eventname))), ',') AS event_names
FROM {table}
WHERE useridentity.type = 'AssumedRole'
  AND useridentity.sessioncontext.sessionissuer.username = ?
  AND split_part(useridentity.arn, '/', 3) <> '{base}'
GROUP BY 1
ORDER BY calls DESC, notebook"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--athena", action="store_true", help="run the analysis on Athena")
    parser.add_argument("--workgroup", metavar="W", help="Athena workgroup (module output)")
    parser.add_argument("--database", metavar="D", help="Glue database of the trail's table")
    parser.add_argument("--table", metavar="T", default="cloudtrail_logs", help="the trail's table")
    parser.add_argument("--catalog", default=DEFAULT_CATALOG, help=argparse.SUPPRESS)
    parser.add_argument(
        "--role", required=True, metavar="ROLE_ARN_OR_NAME", help="execution role ARN or name"
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, metavar="SECONDS",
        help="give up (and cancel the query) after this long (default 600)",
    )  # fmt: skip
    parser.add_argument("--format", choices=["json", "table"], default="table")
    add_aws_arguments(parser)


def _checked(args: argparse.Namespace) -> tuple[str, str, str, str]:
    if not args.athena:
        raise UsageError("only --athena is available in this build")
    if not args.workgroup or not args.database:
        raise UsageError("--athena needs --workgroup and --database (the module's outputs)")
    for option, value in (("--database", args.database), ("--table", args.table)):
        if not _IDENTIFIER.match(value):
            raise UsageError(f"{option} {value!r} is not a Glue name (letters, digits, _)")
    role = args.role.rsplit("/", 1)[-1] if args.role.startswith("arn:") else args.role
    if not _ROLE_NAME.match(role):
        raise UsageError(f"--role {args.role!r} is not an IAM role name or ARN")
    if args.timeout <= 0:
        raise UsageError(f"--timeout must be positive; got {args.timeout}")
    return args.workgroup, args.database, args.table, role


def analyse(runner: AthenaRunner, table: str, role: str) -> dict[str, Any]:
    sql = CALLS_PER_NOTEBOOK.format(table=table, base=BASE_SESSION_NAME)
    rows = runner.rows(sql, ["'" + role.replace("'", "''") + "'"])
    return {"notebooks": {row.pop("notebook"): row for row in rows}}


def _table(report: dict[str, Any]) -> str:
    lines = [f"{'notebook':<40} {'calls':>8}  first seen / last seen"]
    for name, row in report["notebooks"].items():
        lines.append(f"{name:<40} {row['calls']:>8}  {row['first_seen']} / {row['last_seen']}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, runner: AthenaRunner | None = None) -> int:
    def body() -> int:
        workgroup, database, table, role = _checked(args)
        active = runner
        if active is None:
            aws = Aws(args.region, args.endpoint_url)
            client = aws.client("athena", aws.regions[0])
            active = AthenaRunner(client, workgroup, database, args.catalog, timeout=args.timeout)
        try:
            report = analyse(active, table, role)
        except (AthenaQueryFailed, AthenaTimeout) as error:
            print(f"nbattr attribute: {error}", file=sys.stderr)
            return EXIT_USAGE
        text = json.dumps(report, indent=2) + "\n" if args.format == "json" else _table(report)
        write_report(text, None)
        return EXIT_OK

    return run_guarded("attribute", body, args.endpoint_url)
