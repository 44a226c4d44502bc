"""The emulator serves AWS's managed policies, so a configuration that attaches one (the
README's Usage example attaches AmazonSageMakerFullAccess) applies on it unchanged."""

from __future__ import annotations

import re
from pathlib import Path

from calls import create_role

AWS_MANAGED = re.compile(r"arn:aws:iam::aws:policy/[A-Za-z0-9_+=,.@/-]+[A-Za-z0-9]")


def _named_in_docs_and_examples(project: Path) -> set[str]:
    files = [project / "README.md", *project.glob("docs/*.md"), *project.glob("examples/**/*.tf")]
    return {arn for path in files for arn in AWS_MANAGED.findall(path.read_text())}


def test_every_aws_managed_policy_the_docs_name_exists_and_attaches(project, clean_emulator):
    named = _named_in_docs_and_examples(project)
    assert "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess" in named
    iam = clean_emulator.client("iam")
    role = create_role(clean_emulator, "uses-managed").rsplit("/", 1)[-1]
    for arn in sorted(named):
        policy = iam.get_policy(PolicyArn=arn)["Policy"]
        version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])
        assert version["PolicyVersion"]["Document"]["Statement"], arn
        iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert {policy["PolicyArn"] for policy in attached} == named


def test_the_accounts_own_policies_stay_apart(clean_emulator):
    """AWS's policies are listed under Scope=AWS; an account's own list (Local) stays empty."""
    iam = clean_emulator.client("iam")
    assert iam.list_policies(Scope="Local")["Policies"] == []
    assert iam.list_policies(Scope="AWS", MaxItems=5)["Policies"]
