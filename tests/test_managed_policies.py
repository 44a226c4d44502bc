"""The emulator serves AWS's managed policies, so a configuration that attaches one (the
README's Usage example attaches AmazonSageMakerFullAccess) applies on it unchanged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from moto.iam.models import AWSManagedPolicy, iam_backends

from calls import assumed_session, create_role
from nbattr.emulator import ACCOUNT_ID
from nbattr.emulator.aws_managed_policies import _policy_rows

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


SAGEMAKER_FULL_ACCESS = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
OTHER_ACCOUNT = "222222222222"


def test_each_account_has_its_own_copy_after_a_reset(clean_emulator):
    """The policies are built from rows parsed once per process (aws_managed_policies.py); each
    account still gets its own objects, as on AWS an attachment counts in its account only."""
    iam = clean_emulator.client("iam")
    role = create_role(clean_emulator, "attaches-full-access").rsplit("/", 1)[-1]
    iam.attach_role_policy(RoleName=role, PolicyArn=SAGEMAKER_FULL_ACCESS)
    other = assumed_session(
        clean_emulator.client("sts"), f"arn:aws:iam::{OTHER_ACCOUNT}:role/admin", "other"
    )
    other_sts = other.client("sts", endpoint_url=clean_emulator.endpoint)
    # The assumed key belongs to the other account: the lookup of its account still finds it.
    assert other_sts.get_caller_identity()["Account"] == OTHER_ACCOUNT
    other_iam = other.client("iam", endpoint_url=clean_emulator.endpoint)
    ours = iam.get_policy(PolicyArn=SAGEMAKER_FULL_ACCESS)["Policy"]
    theirs = other_iam.get_policy(PolicyArn=SAGEMAKER_FULL_ACCESS)["Policy"]
    assert (ours["AttachmentCount"], theirs["AttachmentCount"]) == (1, 0)
    assert ours["DefaultVersionId"] == theirs["DefaultVersionId"]
    document = {"PolicyArn": SAGEMAKER_FULL_ACCESS, "VersionId": ours["DefaultVersionId"]}
    assert (
        iam.get_policy_version(**document)["PolicyVersion"]["Document"]
        == other_iam.get_policy_version(**document)["PolicyVersion"]["Document"]
    )


def test_a_key_moto_did_not_issue_makes_no_backend_for_other_partitions(clean_emulator):
    """Finding a key's account reads only the IAM backends that exist: moto's own lookup made
    one per partition (six), each building 1,600 policies, again after every reset."""
    iam = clean_emulator.client("iam")
    # Signed with the emulator's test key: the first call after a reset makes the account's
    # IAM backend, the second looks for the key in it.
    iam.list_roles()
    iam.list_roles()
    # The emulator's own layers in front of moto look the account up too: SageMaker's
    # network interfaces and notebook settings, and Athena.
    sagemaker = clean_emulator.client("sagemaker")
    with pytest.raises(ClientError):
        sagemaker.describe_notebook_instance(NotebookInstanceName="absent")
    with pytest.raises(ClientError):
        sagemaker.update_notebook_instance(NotebookInstanceName="absent", VolumeSizeInGB=6)
    with pytest.raises(ClientError):
        clean_emulator.client("athena").get_query_execution(QueryExecutionId="absent")
    made = {partition for backends in iam_backends.values() for partition in dict.keys(backends)}
    assert made == {"aws"}


def test_each_accounts_policies_equal_what_motos_constructor_builds(clean_emulator):
    """The copies of per-process prototypes (aws_managed_policies.py) hold what moto's own
    constructor gives each backend: the same attributes and values, and none of one account's
    containers (tags, versions) shared with another's."""
    sts = clean_emulator.client("sts")
    other = assumed_session(sts, f"arn:aws:iam::{OTHER_ACCOUNT}:role/admin", "other")
    other.client("iam", endpoint_url=clean_emulator.endpoint).list_roles()
    clean_emulator.client("iam").list_roles()
    ours = iam_backends[ACCOUNT_ID]["aws"].managed_policies[SAGEMAKER_FULL_ACCESS]
    theirs = iam_backends[OTHER_ACCOUNT]["aws"].managed_policies[SAGEMAKER_FULL_ACCESS]
    name, row = next(r for r in _policy_rows() if r[0] == "AmazonSageMakerFullAccess")
    built = AWSManagedPolicy(name, account_id=ACCOUNT_ID, region="us-east-1", **row)

    def state(policy: AWSManagedPolicy) -> dict[str, object]:
        return {**vars(policy), "id": None, "versions": [vars(v) for v in policy.versions]}

    assert state(ours) == state(built) == {**state(theirs), "account_id": ACCOUNT_ID}
    assert re.fullmatch(r"A[A-Z0-9]{20}", ours.id) and ours.id != theirs.id
    for attribute, value in vars(ours).items():
        if isinstance(value, list | dict | set):
            assert value is not vars(theirs)[attribute], attribute
    assert all(a is not b for a, b in zip(ours.versions, theirs.versions, strict=True))
