"""Helpers for CloudTrail tests: roles in the emulator (sessions: Emulator.client_as)."""

from __future__ import annotations

from typing import Any

ACCOUNT = "123456789012"


def create_role(emulator: Any, name: str, path: str = "/service-role/") -> str:
    iam = emulator.client("iam")
    return str(
        iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    )
