"""AWS's managed policies (`arn:aws:iam::aws:policy/...`) in moto's IAM, made once per process.

Configurations that attach one, such as the README's AmazonSageMakerFullAccess, must apply
unchanged, so moto's copy of about 1,600 is served (its `load_aws_managed_policies` setting).
moto 5.2.5 builds them for every IAM backend it makes, each time from its JSON text, and it
makes many: `get_account_id_from` (run for every request signed with a key moto did not
issue, e.g. a notebook's assumed-role key) reads `account[partition]` for all six
partitions, which creates each partition's backend, and every reset re-creates all that
exist. Profiled under the suite, that was three quarters of the emulator's CPU.

Two changes, neither altering what moto serves:
- the policies are built once per process and region by moto's own constructor, and each
  backend gets copies of them, each with its own mutable parts (tags, versions, attachment
  count) and its own random policy ID, as moto's constructor gives it: GetPolicy's
  AttachmentCount is "the total number of IAM users, groups, and roles to which the policy
  is attached" (IAM API Reference, GetPolicy), and those belong to one account;
- finding a key's account reads only backends that exist: a backend never made holds no keys.
"""

from __future__ import annotations

import json
import string
from datetime import datetime
from functools import cache
from typing import Any

from moto import settings as moto_settings
from moto.iam import models as iam_models
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.moto_api._internal import mock_random  # moto's own, which /moto-api/seed seeds

# Policy IDs in moto's `random_policy_id` format ("A" and 20 of these), drawn for all policies
# at once: its 1,600 calls of `random.choices` cost a third of building a backend's policies.
_ID_ALPHABET = string.ascii_uppercase + string.digits
_ID_LENGTH = 20
_BYTE_TO_ID_CHAR = bytes(ord(_ID_ALPHABET[byte % len(_ID_ALPHABET)]) for byte in range(256))


@cache
def _policy_rows() -> tuple[tuple[str, dict[str, Any]], ...]:
    """moto's `AWSManagedPolicy.from_data` arguments for every policy, parsed once."""
    return tuple(
        (
            name,
            {
                "default_version_id": data.get("DefaultVersionId"),
                "path": data.get("Path"),
                "document": json.dumps(data.get("Document")),
                "create_date": datetime.fromisoformat(data["CreateDate"]),
                "update_date": datetime.fromisoformat(data["UpdateDate"]),
            },
        )
        for name, data in json.loads(aws_managed_policies_data).items()
    )


@cache
def _prototypes(region: str) -> tuple[iam_models.AWSManagedPolicy, ...]:
    """Every policy as moto's constructor builds it, once per process and region (the
    region sets the partition in its ARN); never served itself, only copied."""
    return tuple(
        iam_models.AWSManagedPolicy(name, account_id="", region=region, **row)
        for name, row in _policy_rows()
    )


def _copy(
    prototype: iam_models.AWSManagedPolicy, account_id: str, policy_id: str
) -> iam_models.AWSManagedPolicy:
    """The prototype's attributes, with this account's own mutable ones."""
    policy = object.__new__(type(prototype))
    policy.__dict__ = {**prototype.__dict__, "account_id": account_id, "id": policy_id,
                       "attachment_count": 0, "tags": {},
                       "versions": [_copy_version(v) for v in prototype.versions]}  # fmt: skip
    return policy


def _copy_version(version: iam_models.PolicyVersion) -> iam_models.PolicyVersion:
    copied = object.__new__(iam_models.PolicyVersion)
    copied.__dict__ = dict(version.__dict__)
    return copied


def _policy_ids(count: int) -> list[str]:
    drawn = mock_random.randbytes(count * _ID_LENGTH).translate(_BYTE_TO_ID_CHAR).decode()
    return ["A" + drawn[i : i + _ID_LENGTH] for i in range(0, len(drawn), _ID_LENGTH)]


def _init_aws_policies(self: iam_models.IAMBackend) -> list[iam_models.ManagedPolicy]:
    if not moto_settings.load_iam_aws_managed_policies():
        return []
    prototypes = _prototypes(self.region_name)
    return [
        _copy(prototype, self.account_id, policy_id)
        for prototype, policy_id in zip(prototypes, _policy_ids(len(prototypes)), strict=True)
    ]


def account_id_from(access_key: str) -> str:
    """moto's lookup over the partitions' backends that were made (`dict.values` bypasses
    the lazy creation in `AccountSpecificBackend.__getitem__`). The emulator's own layers in
    front of moto call this one; moto's responses get it through install()."""
    for account_id, account in list(iam_models.iam_backends.items()):
        if any(access_key in backend.access_keys for backend in list(dict.values(account))):
            return account_id
    return iam_models.DEFAULT_ACCOUNT_ID


def install() -> None:
    """Process-wide, as moto's backends are."""
    moto_settings.default_user_config.setdefault("iam", {})["load_aws_managed_policies"] = True
    iam_models.IAMBackend._init_aws_policies = _init_aws_policies  # type: ignore[method-assign]
    # moto's responses import the function from this module when they call it.
    iam_models.get_account_id_from = account_id_from
