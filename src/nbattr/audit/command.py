"""The `nbattr audit` command: every notebook instance of the role, in every region asked,
checked against the module's lifecycle configuration and the settings attribution relies on.

Exit codes: 0 no finding at or above --fail-on (default high); 1 findings at or above it;
2 usage, credential or access error. Needs sagemaker:ListNotebookInstances,
sagemaker:DescribeNotebookInstance, sagemaker:DescribeNotebookInstanceLifecycleConfig and,
for a role given by name, iam:GetRole.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ..aws_command import (
    EXIT_FAILED,
    EXIT_OK,
    Aws,
    add_aws_arguments,
    add_output_arguments,
    add_role_argument,
    resolve_role_arn,
    run_guarded,
    write_report,
)
from .expected import expected_from
from .reader import read_region
from .report import AuditReport, render_json, render_junit, render_table
from .rules import Severity, evaluate
from .sarif import render_sarif


def _renderers(args: argparse.Namespace) -> dict[str, Callable[[AuditReport], str]]:
    source_file = args.source_file or (
        (args.terraform_dir / "main.tf").as_posix() if args.terraform_dir else "main.tf"
    )
    return {
        "table": render_table,
        "json": render_json,
        "junit": render_junit,
        "sarif": lambda report: render_sarif(report, source_file),
    }


FORMATS = ["json", "junit", "sarif", "table"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_role_argument(parser)
    add_aws_arguments(parser)
    add_output_arguments(parser, FORMATS)
    parser.add_argument(
        "--fail-on",
        choices=[severity.label for severity in Severity],
        default="high",
        help="exit 1 on findings of this severity or above (default high)",
    )
    parser.add_argument(
        "--expected-sha256",
        metavar="HEX",
        help="SHA-256 of the on-start script the module rendered (its on_start_sha256 output)",
    )
    parser.add_argument(
        "--terraform-dir",
        type=Path,
        metavar="DIR",
        help="read on_start_sha256 and lifecycle_config_name from this configuration's "
        "outputs (`terraform output -json`; $TERRAFORM picks the binary)",
    )
    parser.add_argument(
        "--lifecycle-config",
        metavar="NAME",
        help="the module's lifecycle configuration (default: the lifecycle_config_name output, "
        "else the module's default, <role name>-on-start)",
    )
    parser.add_argument(
        "--source-file",
        metavar="PATH",
        help="SARIF: the repository file results point at (default: main.tf in --terraform-dir)",
    )


def run(args: argparse.Namespace) -> int:
    return run_guarded("audit", lambda: _audit(args), args.endpoint_url)


def _audit(args: argparse.Namespace) -> int:
    started = time.monotonic()
    aws = Aws(args.region, args.endpoint_url)
    role_arn = resolve_role_arn(args.role, aws.client("iam", aws.regions[0]))
    expected = expected_from(
        role_arn, args.expected_sha256, args.terraform_dir, args.lifecycle_config
    )
    notebooks = []
    for region in aws.regions:
        notebooks += read_region(region, role_arn, aws.client("sagemaker", region))
    findings = [
        finding
        for notebook in notebooks
        for finding in evaluate(notebook, expected.lifecycle_config_name, expected.on_start_sha256)
    ]
    report = AuditReport(
        role_arn=role_arn,
        regions=aws.regions,
        expected=expected,
        notebooks=notebooks,
        findings=findings,
        fail_on=Severity.parse(args.fail_on),
        elapsed=time.monotonic() - started,
    )
    if not notebooks:
        print(
            f"nbattr audit: no notebook instance uses {role_arn} in {', '.join(aws.regions)}",
            file=sys.stderr,
        )
    write_report(_renderers(args)[args.format](report), args.output)
    return EXIT_OK if report.passed else EXIT_FAILED
