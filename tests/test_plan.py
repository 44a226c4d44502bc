"""Plan-time assertions for every example: what each input plans, read from tftest's plan."""

from __future__ import annotations

import base64

import pytest

from attribution_policies import (
    assert_identity_policy_assumes_only_self,
    assert_trust_means_self_and_sagemaker,
)
from plan_summary import is_subset, planned_outputs, planned_resources, resource_counts

NOTEBOOK = "aws_sagemaker_notebook_instance"
LIFECYCLE = "aws_sagemaker_notebook_instance_lifecycle_configuration"
MODULE = "module.attributed_notebooks"


@pytest.fixture
def plan_of(workspace, emulator):
    def make(example):
        ws = workspace(f"examples/{example}", emulator)
        return ws.plan()

    return make


def _notebook(resources, name):
    return resources[f'{MODULE}.module.notebook["{name}"].{NOTEBOOK}.this']


def test_basic_plans_one_role_one_script_two_locked_notebooks(plan_of):
    plan = plan_of("basic")
    resources = planned_resources(plan)
    assert resource_counts(plan) == {
        "aws_iam_role": 1,
        "aws_iam_role_policy": 1,
        LIFECYCLE: 1,
        NOTEBOOK: 2,
    }
    role_arn = "arn:aws:iam::123456789012:role/service-role/attributed-notebooks"
    role = resources[f"{MODULE}.module.execution_role.aws_iam_role.this[0]"]
    assert is_subset({"name": "attributed-notebooks", "path": "/service-role/"}, role)
    assert_trust_means_self_and_sagemaker(role["assume_role_policy"], role_arn)
    policy = resources[f"{MODULE}.module.execution_role.aws_iam_role_policy.self_assume[0]"]
    assert_identity_policy_assumes_only_self(policy["policy"], role_arn)

    for name in ("test-1", "test-2"):
        assert is_subset(
            {
                "name": name,
                "role_arn": role_arn,  # known at plan: computed, not read back
                "lifecycle_config_name": "attributed-notebooks-on-start",
                "root_access": "Disabled",
                "direct_internet_access": "Enabled",
                "instance_type": "ml.t3.medium",
                "volume_size": 5,
                "tags": {"Example": "basic"},
            },
            _notebook(resources, name),
        )
    script = base64.b64decode(
        resources[f"{MODULE}.module.lifecycle_config.{LIFECYCLE}.this"]["on_start"]
    )
    assert f"readonly ROLE_ARN='{role_arn}'".encode() in script
    assert planned_outputs(plan)["expected_session_arns"] == {
        name: f"arn:aws:sts::123456789012:assumed-role/attributed-notebooks/{name}"
        for name in ("test-1", "test-2")
    }


def test_existing_role_plans_no_role_of_its_own(plan_of):
    plan = plan_of("existing-role")
    resources = planned_resources(plan)
    module_roles = [a for a in resources if a.startswith(MODULE) and ".aws_iam_role.this" in a]
    assert module_roles == [], "the module must adopt the existing role, not create one"
    policy = resources[f"{MODULE}.module.execution_role.aws_iam_role_policy.self_assume[0]"]
    assert policy["role"] == "team-owned-notebooks"
    role_arn = "arn:aws:iam::123456789012:role/service-role/team-owned-notebooks"
    assert_identity_policy_assumes_only_self(policy["policy"], role_arn)
    notebook = _notebook(resources, "team-1")
    assert is_subset(
        {"root_access": "Disabled", "lifecycle_config_name": "team-owned-on-start"}, notebook
    )


def test_vpc_kms_plans_a_private_encrypted_notebook(plan_of):
    plan = plan_of("vpc-kms")
    resources = planned_resources(plan)
    notebook = _notebook(resources, "vpc-1")
    assert is_subset(
        {"direct_internet_access": "Disabled", "root_access": "Disabled", "volume_size": 20},
        notebook,
    )
    change = plan.resource_changes[f'{MODULE}.module.notebook["vpc-1"].{NOTEBOOK}.this']
    unknown = change["change"]["after_unknown"]
    # Subnet, security group and key come from resources created in the same apply.
    assert unknown.get("subnet_id") and unknown.get("kms_key_id") and unknown.get("security_groups")
    assert resource_counts(plan)["aws_kms_key"] == 1
    key = next(
        values for address, values in resources.items() if address.endswith("aws_kms_key.this")
    )
    assert key["enable_key_rotation"] is True
