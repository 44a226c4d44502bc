"""Helpers for CloudTrail tests: roles in the emulator (sessions: Emulator.client_as)."""

from __future__ import annotations

from typing import Any

import boto3

from nbattr.emulator import boto_sessions


def create_role(emulator: Any, name: str, path: str = "/service-role/") -> str:
    iam = emulator.client("iam")
    return str(
        iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    )


def assumed_session(base_sts: Any, role_arn: str, session: str) -> boto3.Session:
    """A boto3 session of `<role>/<session>`, assumed with the credentials in `base_sts`."""
    credentials = base_sts.assume_role(RoleArn=role_arn, RoleSessionName=session)["Credentials"]
    return boto_sessions.session(
        "us-east-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def assume(base_sts: Any, role_arn: str, session: str, service: str = "sts") -> Any:
    """What a notebook's attributed config does: assume the role from the credentials in
    `base_sts` (a notebook's base session) with `session` as name; a client for `service`."""
    return assumed_session(base_sts, role_arn, session).client(
        service, endpoint_url=base_sts.meta.endpoint_url
    )


def create_notebooks(emulator: Any, role_arn: str, *names: str) -> str:
    """Notebook instances of `role_arn` (returned): `nbattr verify` refuses to wait for one
    that does not exist."""
    sagemaker = emulator.client("sagemaker")
    for name in names:
        sagemaker.create_notebook_instance(
            NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=role_arn
        )
    return role_arn
