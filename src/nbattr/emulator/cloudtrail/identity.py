"""The `userIdentity` of a CloudTrail record, resolved from the request's access key id."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from moto.iam.models import iam_backends
from moto.sts.models import sts_backends

from ..constants import ACCOUNT_ID


def user_identity(access_key_id: str, partition: str = "aws") -> dict[str, Any]:
    """An assumed-role identity for STS-issued keys, else the IAM user moto answers as."""
    assumed = _assumed_role(access_key_id, partition)
    if assumed is not None:
        return assumed
    # moto answers any other key as its default user.
    return {
        "type": "IAMUser",
        "principalId": "AIDA" + "".join(c for c in access_key_id.upper() if c.isalnum())[:17],
        "arn": f"arn:{partition}:iam::{ACCOUNT_ID}:user/moto",
        "accountId": ACCOUNT_ID,
        "accessKeyId": access_key_id,
        "userName": "moto",
    }


def _assumed_role(access_key_id: str, partition: str) -> dict[str, Any] | None:
    for account_id, backends in list(sts_backends.items()):
        backend = backends[partition]
        role = backend.get_assumed_role_from_access_key(access_key_id)
        if role is None:
            continue
        role_name = role.role_arn.split("/")[-1]
        try:
            role_id = iam_backends[account_id][partition].get_role_by_arn(role.role_arn).id
        except Exception:  # the role was deleted, or never existed (moto allows that)
            role_id = role.user_id.split(":")[0]
        session_arn = (
            f"arn:{partition}:sts::{account_id}:assumed-role/{role_name}/{role.session_name}"
        )
        return {
            "type": "AssumedRole",
            "principalId": f"{role_id}:{role.session_name}",
            # STS drops the role path from the session ARN; the issuer keeps it.
            "arn": session_arn,
            "accountId": account_id,
            "accessKeyId": access_key_id,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": role_id,
                    "arn": role.role_arn,
                    "accountId": account_id,
                    "userName": role_name,
                },
                # When the session was issued, as real records carry it (corpus).
                "attributes": {
                    "creationDate": _created(role),
                    "mfaAuthenticated": "false",
                },
            },
        }
    return None


def _created(role: Any) -> str:
    created = getattr(role.access_key, "create_date", None)
    when = created if isinstance(created, datetime) else datetime.now(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def username(identity: dict[str, Any]) -> str:
    """LookupEvents' `Username`: the session name for assumed roles, else the user name."""
    if identity.get("type") == "AssumedRole":
        return str(identity["arn"]).rsplit("/", 1)[-1]
    return str(identity.get("userName", "root"))
