"""Make real API calls against the emulator as a given role session (for CloudTrail tests)."""

from __future__ import annotations

from typing import Any

import boto3

ACCOUNT = "123456789012"


def create_role(emulator: Any, name: str, path: str = "/service-role/") -> str:
    iam = emulator.client("iam")
    return str(
        iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    )


def session_client(emulator: Any, role_arn: str, session: str, service: str = "sts") -> Any:
    """A client whose calls CloudTrail attributes to `<role>/<session>`."""
    credentials = emulator.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=session)[
        "Credentials"
    ]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    ).client(service, endpoint_url=emulator.endpoint)
