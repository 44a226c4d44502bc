"""What the shipped commands (`nbattr verify`, `nbattr audit`) share: the AWS options, the
session and its clients, the role and notebook look-ups, usage errors and exit codes.

boto3 only: these commands run in users' pipelines, where the test bench is not installed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

if TYPE_CHECKING:  # boto3 is imported where a session is made: it takes a tenth of a second
    import boto3

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A problem with the options or the environment; the message says what to do."""


def add_role_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--role", required=True, metavar="ROLE_ARN_OR_NAME", help="execution role ARN or name"
    )


def add_aws_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--region",
        action="append",
        default=[],
        metavar="REGION",
        help="region to search (repeatable; default: the session's)",
    )
    parser.add_argument(
        "--endpoint-url", metavar="URL", help="AWS endpoint (e.g. the nbattr emulator)"
    )


def add_output_arguments(parser: argparse.ArgumentParser, formats: list[str]) -> None:
    parser.add_argument(
        "--format",
        choices=formats,
        default="table",
        metavar="|".join(formats),
        help=f"report format: {', '.join(formats)} (default table)",
    )
    parser.add_argument(
        "--output", type=Path, metavar="FILE", help="write the report here instead of stdout"
    )


def add_fail_on_arguments(parser: argparse.ArgumentParser) -> None:
    """--fail-on-unattributed and --fail-on-spoof: findings fail (exit 1) only when asked."""
    parser.add_argument(
        "--fail-on-unattributed",
        action="store_true",
        help="also fail when the role made calls under the bare SageMaker session",
    )
    parser.add_argument(
        "--fail-on-spoof",
        action="store_true",
        help="also fail when a notebook's session name was used from another notebook",
    )


def run_guarded(command: str, body: Callable[[], int], endpoint_url: str | None = None) -> int:
    """Run a command's body; usage, credential and access problems become exit code 2.
    `endpoint_url`: the --endpoint-url passed, so the credentials error does not suggest it."""
    try:
        return body()
    except UsageError as error:
        print(f"nbattr {command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except NoCredentialsError:
        where = (
            f"for --endpoint-url {endpoint_url} set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (any values for the nbattr emulator)"
            if endpoint_url
            else "configure the default credential chain (environment, profile, SSO or OIDC "
            "role), or pass --endpoint-url for the nbattr emulator"
        )
        print(f"nbattr {command}: no AWS credentials found; {where}", file=sys.stderr)
        return EXIT_USAGE
    except (ClientError, BotoCoreError) as error:
        print(f"nbattr {command}: AWS refused a call: {error}", file=sys.stderr)
        return EXIT_USAGE


class Aws:
    """A boto3 session (default: the default credential chain's), the regions asked for and
    a client factory."""

    def __init__(
        self,
        regions: list[str],
        endpoint_url: str | None,
        session: boto3.Session | None = None,
    ) -> None:
        import boto3

        self.session = session or boto3.Session()
        self.endpoint_url = endpoint_url
        self._clients: dict[tuple[str, str, str], Any] = {}
        self.regions = list(dict.fromkeys(regions)) or (
            [self.session.region_name] if self.session.region_name else []
        )
        if not self.regions:
            raise UsageError("no region: pass --region or configure AWS_REGION / a profile region")

    def client(self, service: str, region: str, **config: Any) -> Any:
        """One client per service, region and configuration, made on first use: building a
        client costs tens of milliseconds of CPU, and a fleet's checks ask per notebook."""
        from botocore.config import Config

        key = (service, region, repr(sorted(config.items())))
        if key not in self._clients:
            self._clients[key] = self.session.client(
                service, region_name=region, endpoint_url=self.endpoint_url, config=Config(**config)
            )
        return self._clients[key]


def resolve_role_arn(role: str, iam: Any) -> str:
    """The role's ARN: given, or looked up by name (iam:GetRole)."""
    if role.startswith("arn:"):
        if ":role/" not in role:
            raise UsageError(f"--role {role} is not an IAM role ARN")
        return role
    try:
        return str(iam.get_role(RoleName=role)["Role"]["Arn"])
    except ClientError as error:
        raise UsageError(f"cannot resolve role {role!r}: {error}; pass its ARN instead") from error


def notebooks_described(role_arn: str, sagemaker: Any) -> Iterator[dict[str, Any]]:
    """DescribeNotebookInstance of every notebook instance in the region that uses the role."""
    for page in sagemaker.get_paginator("list_notebook_instances").paginate():
        for summary in page["NotebookInstances"]:
            name = summary["NotebookInstanceName"]
            described = sagemaker.describe_notebook_instance(NotebookInstanceName=name)
            if described.get("RoleArn") == role_arn:
                yield described


def notebooks_of(role_arn: str, sagemaker: Any) -> list[str]:
    return [d["NotebookInstanceName"] for d in notebooks_described(role_arn, sagemaker)]


def write_report(text: str, output: Path | None) -> None:
    if output:
        output.write_text(text)
    else:
        sys.stdout.write(text)
