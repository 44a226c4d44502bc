"""Real API calls against the emulator as a given role session (for CloudTrail tests)."""

from __future__ import annotations

from typing import Any

ACCOUNT = "123456789012"


def create_role(emulator: Any, name: str, path: str = "/service-role/") -> str:
    iam = emulator.client("iam")
    return str(
        iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    )


def session_client(emulator: Any, role_arn: str, session: str, service: str = "sts") -> Any:
    """A client whose calls CloudTrail attributes to `<role>/<session>`."""
    return emulator.client_as(role_arn, session, service)
