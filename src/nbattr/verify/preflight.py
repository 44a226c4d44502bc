"""What `nbattr verify` checks before it polls: inputs with which no poll could ever succeed.

Each is a usage error (exit 2) found within seconds instead of a failure after the whole
`--timeout`: a `--since` beyond CloudTrail's event history, a role ARN that names no role
(most often an ARN written without the role's path), a notebook that exists in none of the
regions searched. A check that cannot be made (no permission to read, another account's
role) is skipped: it must never stop a verify that could have succeeded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..aws_command import UsageError

# LookupEvents "returns events that occurred in the last 90 days" (CloudTrail API Reference).
EVENT_HISTORY_DAYS = 90


class PreflightError(UsageError):
    """An input with which verify cannot succeed; the message says what to do instead."""


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def check_since(since_seconds: float, since_text: str) -> None:
    if since_seconds > EVENT_HISTORY_DAYS * 86400:
        raise PreflightError(
            f"--since {since_text} reaches back beyond CloudTrail's event history: LookupEvents "
            f"returns only the last {EVENT_HISTORY_DAYS} days; use --since {EVENT_HISTORY_DAYS}d "
            "or less (older events are only in a trail's S3 log files)"
        )


def check_role(role_arn: str, iam: Any, sts: Callable[[], Any]) -> None:
    """The role exists under exactly this ARN. IAM role names are unique in an account
    whatever their path, so a role of the same name under another ARN is the one meant."""
    name = role_arn.rsplit("/", 1)[-1]
    try:
        found = str(iam.get_role(RoleName=name)["Role"]["Arn"])
    except ClientError as error:
        if _code(error) != "NoSuchEntity" or _account(role_arn) != _caller_account(sts()):
            return  # not allowed to look, or another account's role: cannot tell
        raise PreflightError(
            f"--role {role_arn}: no role named {name} in account {_account(role_arn)}"
        ) from error
    except BotoCoreError:
        return
    if found != role_arn:
        if _account(found) != _account(role_arn):
            return  # the ARN names another account's role; ours only shares its name
        raise PreflightError(
            f"--role {role_arn}: no role has this ARN, but role {name} is {found} "
            "(IAM role ARNs include the role's path; the module's default path is "
            "/service-role/): pass that ARN, or the name alone"
        )


def check_notebooks(
    names: list[str], sagemaker_in: Callable[[str], Any], regions: list[str]
) -> None:
    """Every notebook exists in at least one of `regions`."""
    missing = []
    for name in names:
        for region in regions:
            try:
                sagemaker_in(region).describe_notebook_instance(NotebookInstanceName=name)
                break
            except ClientError as error:
                if _code(error) != "ValidationException":
                    break  # not allowed to look: cannot tell
            except BotoCoreError:
                break
        else:
            missing.append(name)
    if missing:
        raise PreflightError(
            f"no notebook instance {', '.join(missing)} in {', '.join(regions)}: "
            "check the name (it is the notebook's name, the key in the module's `notebooks`) "
            "and --region"
        )


def _account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def _caller_account(sts: Any) -> str:
    """The account of the credentials in use ("" when STS does not say)."""
    try:
        return str(sts.get_caller_identity()["Account"])
    except (ClientError, BotoCoreError):
        return ""


def check(
    since_seconds: float,
    since_text: str,
    role_arn: str,
    names: list[str],
    client: Callable[[str, str], Any],
    regions: list[str],
) -> None:
    """Every check, cheapest first; raises PreflightError on the first that fails."""
    check_since(since_seconds, since_text)
    check_role(role_arn, client("iam", regions[0]), lambda: client("sts", regions[0]))
    check_notebooks(names, lambda region: client("sagemaker", region), regions)
