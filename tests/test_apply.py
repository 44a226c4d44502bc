"""Apply every example on the emulator, check what exists with boto3, re-plan, destroy.

The second plan must be empty (exit code 0 with -detailed-exitcode) and destroy must leave
nothing behind.
"""

from __future__ import annotations

import json

import pytest

from attribution_policies import (
    assert_identity_policy_assumes_only_self,
    assert_trust_means_self_and_sagemaker,
)
from nbattr.harness.inventory import Inventory, read_inventory
from nbattr.harness.toolchain import toolchain
from nbattr.harness.workspace import prepare

pytestmark = pytest.mark.long  # each applies and destroys an example

# Variables an example needs to be destroyed in a test: the forensics trail bucket may hold
# log files by then (the emulator delivers them, tests/test_trail_delivery.py).
TF_VARS = {"forensics": {"force_destroy": "true"}}
EXPECTED_NOTEBOOKS = {
    "basic": {"test-1", "test-2"},
    "detection": {"analysis-1", "analysis-2"},
    "existing-role": {"team-1"},
    "forensics": {"analyst-1", "analyst-2"},
    "vpc-kms": {"vpc-1"},
}


def _inventory(emulator, outputs) -> Inventory:
    return read_inventory(
        emulator.client("iam"), emulator.client("sagemaker"), [outputs["lifecycle_config_name"]]
    )


def _network(emulator) -> dict[str, set[str]]:
    ec2 = emulator.client("ec2")
    return {
        "vpcs": {vpc["VpcId"] for vpc in ec2.describe_vpcs()["Vpcs"]},
        "subnets": {net["SubnetId"] for net in ec2.describe_subnets()["Subnets"]},
        "security_groups": {
            sg["GroupId"] for sg in ec2.describe_security_groups()["SecurityGroups"]
        },
        # A VPC notebook's interface (nbattr.emulator.sagemaker_eni) must go with the notebook.
        "network_interfaces": {
            eni["NetworkInterfaceId"]
            for eni in ec2.describe_network_interfaces()["NetworkInterfaces"]
        },
    }


def _check_created(example, emulator, outputs) -> None:
    created = _inventory(emulator, outputs)
    role_arn = outputs["role_arn"]
    role_name = role_arn.rsplit("/", 1)[1]

    role = created.roles[role_name]
    assert role["Arn"] == role_arn
    assert_trust_means_self_and_sagemaker(role["AssumeRolePolicyDocument"], role_arn)
    enforced = ["enforce-attribution"] if example == "detection" else []
    assert sorted(created.role_policies[role_name]) == [*enforced, "self-assume-for-attribution"]
    assert_identity_policy_assumes_only_self(
        created.role_policies[role_name]["self-assume-for-attribution"], role_arn
    )

    script = created.lifecycle_configs[outputs["lifecycle_config_name"]]
    assert script == outputs["on_start_script"], "lifecycle config differs from the rendered script"
    assert f"readonly ROLE_ARN='{role_arn}'" in script

    assert set(created.notebooks) == EXPECTED_NOTEBOOKS[example]
    assert set(outputs["notebook_arns"]) == EXPECTED_NOTEBOOKS[example]
    for name, notebook in created.notebooks.items():
        assert notebook.role_arn == role_arn
        assert notebook.lifecycle_config_name == outputs["lifecycle_config_name"]
        assert notebook.root_access == "Disabled"
        assert outputs["expected_session_arns"][name] == (
            f"arn:aws:sts::123456789012:assumed-role/{role_name}/{name}"
        )
    if example == "vpc-kms":
        (notebook,) = created.notebooks.values()
        assert notebook.subnet_id == outputs["subnet_id"]
        assert notebook.kms_key_id == outputs["kms_key_arn"]
        assert notebook.direct_internet_access == "Disabled"
        interface_id = emulator.client("sagemaker").describe_notebook_instance(
            NotebookInstanceName=notebook.name
        )["NetworkInterfaceId"]
        (interface,) = emulator.client("ec2").describe_network_interfaces(
            NetworkInterfaceIds=[interface_id]
        )["NetworkInterfaces"]
        assert interface["SubnetId"] == outputs["subnet_id"]
        _check_vpc_endpoints(emulator, outputs)
    if example == "detection":
        assert created.role_policies[role_name]["enforce-attribution"] == json.loads(
            outputs["enforcement_policy"]
        )
        events = emulator.client("events")
        (rule,) = events.list_rules()["Rules"]
        assert rule["Arn"] == outputs["alert_rule_arn"]
        assert rule["State"] == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"  # the default
        targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        assert [target["Arn"] for target in targets] == [outputs["alert_topic_arn"]]
        sqs = emulator.client("sqs")  # the module set the queue's policy: SNS may deliver
        policy = sqs.get_queue_attributes(
            QueueUrl=outputs["alert_queue_url"], AttributeNames=["Policy"]
        )["Attributes"]["Policy"]
        allow = json.loads(policy)["Statement"][0]
        assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": outputs["alert_topic_arn"]}}
    if example == "forensics":
        _check_trail(emulator, outputs)
    if example == "existing-role":
        statement = json.loads(outputs["self_trust_statement"])
        assert statement in role["AssumeRolePolicyDocument"]["Statement"]


def _check_vpc_endpoints(emulator, outputs) -> None:
    """What a notebook without internet needs (nbattr.emulator.vpc_reachability): interface
    endpoints with private DNS, STS among them, and S3's gateway on the subnet's route table."""
    ec2 = emulator.client("ec2")
    endpoints = {
        e["ServiceName"].removeprefix("com.amazonaws.us-east-1."): e
        for e in ec2.describe_vpc_endpoints(
            Filters=[{"Name": "vpc-id", "Values": [outputs["vpc_id"]]}]
        )["VpcEndpoints"]
    }
    assert set(endpoints) == {"sts", "sagemaker.api", "sagemaker.runtime", "logs", "s3"}
    assert {k: e["VpcEndpointId"] for k, e in endpoints.items() if k != "s3"} == outputs[
        "interface_endpoint_ids"
    ]
    for service, endpoint in endpoints.items():
        if service != "s3":
            assert endpoint["VpcEndpointType"] == "Interface" and endpoint["PrivateDnsEnabled"]
            assert endpoint["SubnetIds"] == [outputs["subnet_id"]]
    (table,) = ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [outputs["subnet_id"]]}]
    )["RouteTables"]
    assert endpoints["s3"]["RouteTableIds"] == [table["RouteTableId"]]
    assert emulator.reachability.reaches("vpc-1", "sts", "us-east-1")


def _check_trail(emulator, outputs) -> None:
    """examples/forensics: a multi-region trail with validation and a KMS key, management
    events and the data bucket's object-level calls, into a locked-down bucket."""
    cloudtrail, s3 = emulator.client("cloudtrail"), emulator.client("s3")
    (trail,) = cloudtrail.describe_trails()["trailList"]
    assert trail["TrailARN"] == outputs["trail_arn"]
    assert trail["IsMultiRegionTrail"] and trail["LogFileValidationEnabled"]
    assert trail["KmsKeyId"] == outputs["trail_kms_key_arn"]
    assert trail["S3BucketName"] == outputs["trail_bucket_name"]
    assert outputs["trail_log_files_url"] == (
        f"s3://{outputs['trail_bucket_name']}/{trail['S3KeyPrefix']}/AWSLogs/123456789012/"
    )
    assert cloudtrail.get_trail_status(Name=trail["TrailARN"])["IsLogging"]
    selectors = cloudtrail.get_event_selectors(TrailName=trail["Name"])["AdvancedEventSelectors"]
    fields = [{f["Field"]: f.get("Equals") or f.get("StartsWith") for f in s["FieldSelectors"]}
              for s in selectors]  # fmt: skip
    assert {"eventCategory": ["Management"]} in fields
    data_arn = f"arn:aws:s3:::{outputs['data_bucket_name']}/"
    assert {"eventCategory": ["Data"], "resources.type": ["AWS::S3::Object"],
            "resources.ARN": [data_arn]} in fields  # fmt: skip
    for bucket in (outputs["trail_bucket_name"], outputs["data_bucket_name"]):
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"][
            "Rules"
        ]
        assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert all(block.values()) and len(block) == 4
    policy = json.loads(s3.get_bucket_policy(Bucket=outputs["trail_bucket_name"])["Policy"])
    write = next(st for st in policy["Statement"] if st["Sid"] == "AWSCloudTrailWrite")
    assert write["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert write["Condition"]["StringEquals"] == {
        "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": outputs["trail_arn"],
    }  # fmt: skip
    bucket, key = outputs["patients_object_url"].removeprefix("s3://").split("/", 1)
    assert s3.head_object(Bucket=bucket, Key=key)["ServerSideEncryption"] == "aws:kms"


def _apply_replan_destroy(ws, example, emulator) -> None:
    for name, value in TF_VARS.get(example, {}).items():
        ws.tf.env[f"TF_VAR_{name}"] = value
    network_before = _network(emulator)
    try:
        ws.apply()
        outputs = ws.outputs()
        _check_created(example, emulator, outputs)
        replan = ws.run("plan", "-detailed-exitcode", "-input=false", "-no-color")
        assert replan.retcode == 0, f"second plan is not empty:\n{replan.out}"
    finally:
        ws.destroy()
    left = read_inventory(
        emulator.client("iam"),
        emulator.client("sagemaker"),
        [
            f"{name}-on-start"
            for name in (
                "attributed-notebooks",
                "team-owned",
                "vpc-notebooks",
                "watched-notebooks",
                "forensics",
            )
        ],
    )
    assert left.empty, f"destroy left {left}"
    assert _network(emulator) == network_before
    assert emulator.client("events").list_rules()["Rules"] == []
    assert emulator.client("sns").list_topics()["Topics"] == []
    assert emulator.client("sqs").list_queues().get("QueueUrls", []) == []
    assert emulator.client("iam").list_policies(Scope="Local")["Policies"] == []
    assert emulator.client("cloudtrail").describe_trails()["trailList"] == []
    assert emulator.client("s3").list_buckets()["Buckets"] == []
    kms = emulator.client("kms")
    described = [kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"] for k in kms.list_keys()["Keys"]]
    # AWS managed keys (`alias/aws/s3`, made on first use; moto makes them as customer keys
    # with the reserved alias) belong to AWS: no configuration deletes them.
    aws_managed = {
        a["TargetKeyId"] for a in kms.list_aliases()["Aliases"]
        if a["AliasName"].startswith("alias/aws/") and "TargetKeyId" in a
    }  # fmt: skip
    left_keys = [(k["Description"], k["KeyState"]) for k in described
                 if k["KeyId"] not in aws_managed]  # fmt: skip
    assert {state for _, state in left_keys} <= {"PendingDeletion"}, left_keys


@pytest.mark.parametrize("example", sorted(EXPECTED_NOTEBOOKS))
def test_example_applies_replans_clean_and_destroys(example, workspace, clean_emulator):
    ws = workspace(f"examples/{example}", clean_emulator)
    _apply_replan_destroy(ws, example, clean_emulator)


@pytest.mark.parametrize("example", sorted(EXPECTED_NOTEBOOKS))
def test_example_applies_replans_clean_and_destroys_under_opentofu(
    example, opentofu, clean_emulator, tmp_path
):
    """The same apply, empty re-plan and destroy, driven by OpenTofu."""
    assert opentofu.terraform.opentofu
    ws = prepare(opentofu, clean_emulator, tmp_path, f"examples/{example}")
    ws.init()
    _apply_replan_destroy(ws, example, clean_emulator)


def test_basic_with_bundled_terraform(clean_emulator, tmp_path, monkeypatch):
    """The bundled Terraform 1.15.5 drives the same apply, whatever is on PATH."""
    monkeypatch.setenv("TERRAFORM", "bundled")
    tools = toolchain()
    assert tools.terraform.origin == "bundled" and tools.terraform.version == (1, 15, 5)
    ws = prepare(tools, clean_emulator, tmp_path, "examples/basic")
    ws.init()
    _apply_replan_destroy(ws, "basic", clean_emulator)
