"""A role as IAM holds it after apply, read back from the emulator, and the requests its
sessions make, to be put to the IAM policy evaluator (tests/iam_simulate.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iam_simulate import Request
from nbattr.emulator import ACCOUNT_ID as ACCOUNT

# What the notebooks may do, as a team would grant it: S3 for their data, the logging that
# SageMaker's docs list for notebook instances, and assuming the team's other roles.
WORK_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Data", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {
            "Sid": "NotebookLogsAndMetrics",
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams",
                "cloudwatch:PutMetricData",
            ],
            "Resource": "*",
        },
        {
            "Sid": "TeamRoles",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": f"arn:aws:iam::{ACCOUNT}:role/team-*",
        },
    ],
}


@dataclass(frozen=True)
class AppliedRole:
    """The role as IAM holds it after apply, and the module's outputs."""

    arn: str
    role_id: str
    trust_policy: dict[str, Any]
    inline: dict[str, dict[str, Any]]
    managed: dict[str, dict[str, Any]]
    outputs: dict[str, Any]

    @property
    def identity_policies(self) -> dict[str, dict[str, Any]]:
        return {**self.inline, **self.managed}

    def session(self, name: str) -> tuple[str, dict[str, str]]:
        """The principal and context of a call made by this role's session `name`."""
        role_name = self.arn.rsplit("/", 1)[-1]
        principal = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{name}"
        return principal, {"aws:userid": f"{self.role_id}:{name}", "aws:PrincipalArn": self.arn}

    def call(self, session: str, action: str, resource: str, **context: str) -> Request:
        principal, base_context = self.session(session)
        return Request(
            principal=principal,
            action=action,
            resource=resource,
            account=ACCOUNT,
            context={**base_context, **context},
            identity_policies=self.identity_policies,
        )

    def assume_self(self, session: str, new_session_name: str) -> Request:
        """sts:AssumeRole onto this role: identity policies and the trust policy both count."""
        principal, context = self.session(session)
        return Request(
            principal=principal,
            action="sts:AssumeRole",
            resource=self.arn,
            account=ACCOUNT,
            context={**context, "sts:RoleSessionName": new_session_name},
            identity_policies=self.identity_policies,
            resource_policy=self.trust_policy,
        )


def read_role(iam: Any, outputs: dict[str, Any], name: str) -> AppliedRole:
    """The role `name` as the emulator's IAM holds it: trust, inline and managed policies."""
    role = iam.get_role(RoleName=name)["Role"]
    inline = {
        policy: iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]
    }
    managed = {}
    for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        arn = attached["PolicyArn"]
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]
        managed[attached["PolicyName"]] = document["Document"]
    return AppliedRole(
        arn=role["Arn"],
        role_id=role["RoleId"],
        trust_policy=role["AssumeRolePolicyDocument"],
        inline=inline,
        managed=managed,
        outputs=outputs,
    )
