"""What the execution role's policies must mean, checked with the evaluator in policy.py."""

from __future__ import annotations

import json
from typing import Any

from policy import allows


def _document(policy: str | dict[str, Any]) -> dict[str, Any]:
    return json.loads(policy) if isinstance(policy, str) else policy


def assert_trust_means_self_and_sagemaker(trust: str | dict[str, Any], role_arn: str) -> None:
    """SageMaker and the role itself may assume it; nobody else, in or out of the account."""
    doc = _document(trust)
    partition, account = role_arn.split(":")[1], role_arn.split(":")[4]
    other_role = f"arn:{partition}:iam::{account}:role/someone-else"
    same_name_elsewhere = role_arn.replace(account, "210987654321")
    assert allows(doc, "sts:AssumeRole", principal={"AWS": role_arn})
    assert allows(doc, "sts:AssumeRole", principal={"Service": "sagemaker.amazonaws.com"})
    assert not allows(doc, "sts:AssumeRole", principal={"AWS": other_role})
    assert not allows(doc, "sts:AssumeRole", principal={"AWS": same_name_elsewhere})
    assert not allows(doc, "sts:AssumeRole", principal={"Service": "ec2.amazonaws.com"})
    assert not allows(doc, "sts:TagSession", principal={"AWS": role_arn})


def assert_identity_policy_assumes_only_self(policy: str | dict[str, Any], role_arn: str) -> None:
    """The role may call sts:AssumeRole on itself and nothing else."""
    doc = _document(policy)
    other = role_arn.rsplit("/", 1)[0] + "/someone-else"
    assert allows(doc, "sts:AssumeRole", resource=role_arn)
    assert not allows(doc, "sts:AssumeRole", resource=other)
    assert not allows(doc, "sts:AssumeRole", resource="*")
    for action in ("s3:GetObject", "iam:PassRole", "sts:GetFederationToken", "sagemaker:*"):
        assert not allows(doc, action, resource="*")
