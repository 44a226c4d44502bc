"""Plan-time assertions for every example: what each input plans, read from tftest's plan."""

from __future__ import annotations

import base64
import json
import re

import boto3
import pytest
import tftest

from attribution_policies import (
    assert_identity_policy_assumes_only_self,
    assert_trust_means_self_and_sagemaker,
)
from nbattr.emulator import TEST_CREDENTIALS
from nbattr.harness.workspace import prepare
from plan_summary import (
    changed_actions,
    is_subset,
    planned_outputs,
    planned_resources,
    resource_counts,
)

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


# --- instance metadata service and platform -------------------------------------------------

AWS_PLATFORMS = [
    "notebook-al1-v1",
    "notebook-al2-v1",
    "notebook-al2-v2",
    "notebook-al2-v3",
    "notebook-al2023-v1",
]  # CreateNotebookInstance's PlatformIdentifier pattern (SageMaker API Reference)
PROVIDER_REJECTS = re.compile(
    r"expected value of platform_identifier to match regular expression "
    r'"([^"]+)", got ([A-Za-z0-9-]+)'
)


@pytest.fixture(scope="module")
def root_module(tools, emulator, tmp_path_factory):
    ws = prepare(tools, emulator, tmp_path_factory.mktemp("root"), ".")
    ws.init()
    return ws


def _root_notebooks(plan) -> dict[str, dict]:
    resources = planned_resources(plan)
    prefix, suffix = 'module.notebook["', f'"].{NOTEBOOK}.this'
    return {
        address[len(prefix) : -len(suffix)]: values
        for address, values in resources.items()
        if address.startswith(prefix) and address.endswith(suffix)
    }


def _check_problems(plan, check: str) -> list[str]:
    """The messages of a failed `check` block (Terraform shows them as plan warnings)."""
    (found,) = [c for c in plan["checks"] if c["address"].get("name") == check]
    return [p["message"] for i in found.get("instances", []) for p in i.get("problems", [])]


def test_notebooks_require_imdsv2_and_leave_the_platform_to_aws_by_default(root_module):
    plan = root_module.plan(tf_vars={"role_name": "defaults", "notebooks": {"nb-1": {}}})
    notebook = _root_notebooks(plan)["nb-1"]
    assert notebook["instance_metadata_service_configuration"] == [
        {"minimum_instance_metadata_service_version": "2"}
    ]
    # Not sent: the provider leaves it to AWS and reads AWS's choice back after creation.
    assert notebook.get("platform_identifier") is None
    change = plan.resource_changes[f'module.notebook["nb-1"].{NOTEBOOK}.this']
    assert change["change"]["after_unknown"].get("platform_identifier") is True
    assert _check_problems(plan, "imdsv2_keeps_base_credentials_behind_a_token") == []
    assert _check_problems(plan, "notebook_platforms_are_supported") == []


def test_allowing_imdsv1_is_a_per_notebook_opt_in_with_a_warning(root_module):
    notebooks = {"legacy-tool": {"imds_minimum_version": "1"}, "locked": {}}
    plan = root_module.plan(tf_vars={"role_name": "imds-opt-in", "notebooks": notebooks})
    planned = _root_notebooks(plan)
    versions = {
        name: values["instance_metadata_service_configuration"][0][
            "minimum_instance_metadata_service_version"
        ]
        for name, values in planned.items()
    }
    assert versions == {"legacy-tool": "1", "locked": "2"}
    (warning,) = _check_problems(plan, "imdsv2_keeps_base_credentials_behind_a_token")
    assert "IMDSv1 is allowed on legacy-tool:" in warning and "locked" not in warning


def test_every_aws_platform_passes_the_module_and_reaches_the_providers_own_check(
    root_module, tools
):
    """The module accepts AWS's values; whether the provider does depends on its version.
    One plan asks for every platform (Terraform reports each rejected value), a second only
    for those the provider took."""
    rejected = {}
    notebooks = {f"nb-{i}": {"platform_identifier": p} for i, p in enumerate(AWS_PLATFORMS)}
    try:
        root_module.plan(tf_vars={"role_name": "platforms", "notebooks": notebooks})
    except tftest.TerraformTestError as error:
        message = str(error)
        assert "must be null or one of SageMaker's platforms" not in message, message
        rejected = {got: pattern for pattern, got in PROVIDER_REJECTS.findall(message)}
        assert rejected, message[-2000:]
    for platform, pattern in rejected.items():
        assert platform in AWS_PLATFORMS and not re.fullmatch(pattern, platform), platform
    accepted = {name: notebook for name, notebook in notebooks.items()
                if notebook["platform_identifier"] not in rejected}  # fmt: skip
    plan = root_module.plan(tf_vars={"role_name": "platforms", "notebooks": accepted})
    planned = _root_notebooks(plan)
    assert {n: v["platform_identifier"] for n, v in planned.items()} == {
        n: v["platform_identifier"] for n, v in accepted.items()
    }
    (warning,) = _check_problems(plan, "notebook_platforms_are_supported")
    for name, notebook in accepted.items():
        assert f"{name} ({notebook['platform_identifier']})" in " ".join(warning.split())
    assert "no longer creates or restarts" in warning
    if tools.mirror.aws_versions[-1:] == ("5.45.0",):
        # Provider 5.45.0's own list (checked here, and in its notebook_instance.go).
        assert {n["platform_identifier"] for n in accepted.values()} == {
            "notebook-al1-v1", "notebook-al2-v1", "notebook-al2-v2"
        }  # fmt: skip


def _update_platform_in_place(emulator, notebook: str, platform: str) -> None:
    """What the README's migration does with the AWS CLI: stop, update the platform, start.
    This botocore predates UpdateNotebookInstance's PlatformIdentifier, so the parameter is
    added to the request body as a newer CLI sends it."""
    sagemaker = boto3.session.Session(
        aws_access_key_id=TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    ).client("sagemaker", endpoint_url=emulator.endpoint)

    def add_platform(params: dict, **_: object) -> None:
        params["body"] = json.dumps({**json.loads(params["body"]), "PlatformIdentifier": platform})

    sagemaker.meta.events.register("before-call.sagemaker.UpdateNotebookInstance", add_platform)
    sagemaker.stop_notebook_instance(NotebookInstanceName=notebook)
    sagemaker.update_notebook_instance(NotebookInstanceName=notebook)
    sagemaker.start_notebook_instance(NotebookInstanceName=notebook)
    described = sagemaker.describe_notebook_instance(NotebookInstanceName=notebook)
    assert described["PlatformIdentifier"] == platform


def test_readme_platform_migration_keeps_the_notebook(root_module, emulator):
    """The README's path off AL2: null first (no change), in-place update, empty plan."""
    emulator.reset()
    on_al2 = {
        "role_name": "migrating",
        "notebooks": {"old-1": {"platform_identifier": "notebook-al2-v2"}},
    }
    root_module.apply(tf_vars=on_al2)
    left_to_aws = {"role_name": "migrating", "notebooks": {"old-1": {}}}
    step_1 = root_module.plan(tf_vars=left_to_aws)
    assert changed_actions(step_1) == {}, "null must keep the notebook's platform"
    _update_platform_in_place(emulator, "old-1", "notebook-al2023-v1")
    # With the old value still configured, Terraform would replace the notebook...
    assert changed_actions(root_module.plan(tf_vars=on_al2)) == {
        f'module.notebook["old-1"].{NOTEBOOK}.this': ["delete", "create"]
    }
    # ...with null it reads the new platform back and changes nothing.
    assert changed_actions(root_module.plan(tf_vars=left_to_aws)) == {}
