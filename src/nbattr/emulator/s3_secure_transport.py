"""Bucket policies that deny plain HTTP deny nothing here: the emulator stands for HTTPS.

AWS's usual TLS-only statement (Amazon S3 User Guide, "Bucket policy examples": deny `s3:*`
when `aws:SecureTransport` is `false`) never applies to SDK and CLI calls, which reach S3 over
TLS. The emulator serves them plain HTTP on loopback, as a stand-in for that TLS. moto 5.2.5
judges bucket policies without their conditions (`FakeBucket.get_permission`, "Conditions
are not taken into account"), so that statement would deny every request. Here it is left
out before moto judges; every other statement is judged as moto does.
"""

from __future__ import annotations

import json
from typing import Any

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.s3.models import FakeBucket

_original_get_permission = FakeBucket.get_permission


def _denies_only_plain_http(statement: dict[str, Any]) -> bool:
    condition = statement.get("Condition") or {}
    if statement.get("Effect") != "Deny" or list(condition) != ["Bool"]:
        return False
    tested = condition["Bool"]
    values = tested.get("aws:SecureTransport") if list(tested) == ["aws:SecureTransport"] else None
    values = values if isinstance(values, list) else [values]
    return [str(value).lower() for value in values] == ["false"]


def _get_permission(self: FakeBucket, action: str, resource: str) -> Any:
    if self.policy is None:
        return PermissionResult.NEUTRAL
    policy = json.loads(self.policy)
    statements = policy.get("Statement") or []
    statements = statements if isinstance(statements, list) else [statements]
    kept = [s for s in statements if not _denies_only_plain_http(s)]
    if len(kept) == len(statements):
        return _original_get_permission(self, action, resource)
    return IAMPolicy(json.dumps({**policy, "Statement": kept})).is_action_permitted(
        action, resource
    )


def install() -> None:
    """Process-wide, as moto's backends are."""
    FakeBucket.get_permission = _get_permission  # type: ignore[method-assign]
