"""Bad inputs fail at plan time with the module's own message, and nothing is created.

Each case is a real `terraform apply` of the root module against the emulator: the error
must come before any resource exists, and must name the rule and the offending value. The
cases are applied together, each as its own instance of the root module, so that one
Terraform run checks many (tests/batched_cases.py).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from batched_cases import CaseRuns, apply_cases
from nbattr.harness.inventory import read_inventory
from nbattr.harness.workspace import prepare

LONG_NAME = "n" + "-x" * 31 + "y"  # 64 characters
GOOD = {"role_name": "validation-role", "notebooks": {"nb-1": {}}}
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
ALERT_HTTP = {"hook": {"protocol": "http", "endpoint": "http://alerts.example.com/hook"}}
ALERT_NO_ADDRESS = {"security": {"protocol": "email", "endpoint": "security-team"}}
ALERT_QUEUE_URL = {
    "queue": {"protocol": "sqs", "endpoint": "https://sqs.us-east-1.amazonaws.com/1/q"}
}

CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "notebook name with underscore": (
        {"notebooks": {"test_1": {}}},
        ["Notebook name must be 2-63 letters, digits and hyphens", '"test_1"'],
    ),
    "one-character notebook name (not an STS session name)": (
        {"notebooks": {"a": {}}},
        ["STS session names need at least 2 characters", 'got "a"'],
    ),
    "64-character notebook name": (
        {"notebooks": {LONG_NAME: {}}},
        ["Notebook name must be 2-63", LONG_NAME],
    ),
    "role name with a slash": (
        {"role_name": "team/notebooks"},
        ["role_name must be 1-64 characters", '"team/notebooks"'],
    ),
    "role path without slashes": (
        {"role_path": "service-role"},
        ["role_path must be / or start and end with /", '"service-role"'],
    ),
    "instance type without ml. prefix": (
        {"notebooks": {"nb-1": {"instance_type": "t3.medium"}}},
        ["(prefix ml.)", '"t3.medium"'],
    ),
    "volume too small": (
        {"notebooks": {"nb-1": {"volume_size": 3}}},
        ["volume_size must be a whole number of GB from 5 to 16384", "got 3"],
    ),
    "subnet without security groups": (
        {"notebooks": {"nb-1": {"subnet_id": "subnet-0abc1234"}}},
        ["subnet_id and security_group_ids go together", '"subnet-0abc1234"'],
    ),
    "security groups without subnet": (
        {"notebooks": {"nb-1": {"security_group_ids": ["sg-0abc1234"]}}},
        ["subnet_id and security_group_ids go together", "sg-0abc1234"],
    ),
    "direct internet disabled without subnet": (
        {"notebooks": {"nb-1": {"direct_internet_access": False}}},
        ["direct_internet_access = false needs a subnet_id", "subnet_id = null"],
    ),
    "oversize extra_on_start": (
        {"extra_on_start": "echo " + "x" * 12000},
        ["characters base64-encoded; SageMaker allows at most 16384", "Shorten extra_on_start"],
    ),
    "oversize on_create": (
        {"on_create": "#!/bin/bash\n" + "echo padding\n" * 1300},
        ["on_create is", "SageMaker allows at most 16384"],
    ),
    "malformed existing role ARN": (
        {"role_name": None, "existing_role_arn": "arn:aws:iam::123:role/x"},
        ["existing_role_arn must be an IAM role ARN", '"arn:aws:iam::123:role/x"'],
    ),
    "both role_name and existing_role_arn": (
        {"existing_role_arn": "arn:aws:iam::123456789012:role/service-role/other"},
        ["Set exactly one of role_name", 'role_name = "validation-role"'],
    ),
    "neither role_name nor existing_role_arn": (
        {"role_name": None},
        ["Set exactly one of role_name", "role_name = null, existing_role_arn = null"],
    ),
    "lifecycle config name with underscore": (
        {"lifecycle_config_name": "on_start"},
        ["lifecycle_config_name must be 1-63 letters", '"on_start"'],
    ),
    "unknown on_start_mode": (
        {"on_start_mode": "lenient"},
        ['on_start_mode must be "strict" or "best-effort"', '"lenient"'],
    ),
    "malformed KMS key": (
        {"notebooks": {"nb-1": {"kms_key_id": "my-key"}}},
        ["kms_key_id must be a KMS key ID, key ARN or alias", '"my-key"'],
    ),
    "four additional code repositories": (
        {"notebooks": {"nb-1": {"additional_code_repositories": ["a", "b", "c", "d"]}}},
        ["at most 3 repositories", "got 4"],
    ),
    "malformed security group id": (
        {
            "notebooks": {
                "nb-1": {"subnet_id": "subnet-0abc1234", "security_group_ids": ["default"]}
            }
        },
        ["security_group_ids must hold at most 5 IDs like sg-", '"default"'],
    ),
    "IMDS version that SageMaker does not have": (
        {"notebooks": {"nb-1": {}, "nb-2": {"imds_minimum_version": "3"}}},
        ['imds_minimum_version must be "1" or "2"', 'nb-2 = "3"'],
    ),
    "platform that SageMaker does not have": (
        {"notebooks": {"nb-1": {"platform_identifier": "notebook-al2023-v2"}}},
        ["platform_identifier must be null (AWS's default)", 'nb-1 = "notebook-al2023-v2"'],
    ),
    "extra_on_start containing our heredoc delimiter": (
        {"extra_on_start": "echo hi\nNBATTR_EXTRA_ON_START_EOF\nrm -rf /\n" + "# padding\n" * 60},
        ["must not contain a line NBATTR_EXTRA_ON_START_EOF", "found 1"],
    ),
    "extra_on_start budget past SageMaker's 5 minutes": (
        {"extra_on_start_timeout_seconds": 290},
        [
            "extra_on_start_timeout_seconds must be a whole number from 1 to 250",
            "over 300 s",
            "got 290",
        ],
    ),
    "extra_on_start budget of zero": (
        {"extra_on_start_timeout_seconds": 0},
        ["extra_on_start_timeout_seconds must be a whole number from 1 to 250", "got 0"],
    ),
    "credentials_endpoint not a bool": (
        {"credentials_endpoint": "maybe"},
        ["credentials_endpoint", "a bool is required"],
    ),
    "aws_config_settings with a credential": (
        {"aws_config_settings": {"output": "json", "aws_secret_access_key": "x"}},
        ["aws_config_settings must not set credentials", "got aws_secret_access_key"],
    ),
    "aws_config_settings overriding the role": (
        {"aws_config_settings": {"credential_process": "/bin/creds"}},
        ["aws_config_settings must not set credentials", "got credential_process"],
    ),
    "aws_config_settings value adding a profile": (
        {"aws_config_settings": {"output": "json\n[profile raw]"}},
        ["aws_config_settings keys must be lower-case config names", "one line without ["],
    ),
    "alert subscription over plain http": (
        {"unattributed_alert": True, "unattributed_alert_subscriptions": ALERT_HTTP},
        ["subscriptions take protocol email, email-json, https, sqs or lambda", '"hook: http"'],
    ),
    "alert e-mail subscription without an address": (
        {"unattributed_alert": True, "unattributed_alert_subscriptions": ALERT_NO_ADDRESS},
        ["endpoint must fit its protocol", "security: email: security-team"],
    ),
    "alert SQS subscription by queue URL instead of ARN": (
        {"unattributed_alert": True, "unattributed_alert_subscriptions": ALERT_QUEUE_URL},
        ["endpoint must fit its protocol", "queue: sqs: https://sqs.us-east-1"],
    ),
    "alert e-mail subscription asking for a queue policy": (
        {
            "unattributed_alert": True,
            "unattributed_alert_subscriptions": {
                "oncall": {
                    "protocol": "email",
                    "endpoint": "oncall@example.com",
                    "manage_queue_policy": True,
                }
            },
        },
        ["manage_queue_policy applies to sqs subscriptions only", "oncall: email"],
    ),
    "alert rule disabled through its state": (
        {"unattributed_alert": True, "unattributed_alert_state": "DISABLED"},
        [
            "unattributed alert state must be ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
            '"DISABLED"',
        ],
    ),
    "alert topic on the AWS managed SNS key": (
        {"unattributed_alert": True, "unattributed_alert_kms_key_id": "alias/aws/sns"},
        ["cannot be the AWS managed key alias/aws/sns", '"alias/aws/sns"'],
    ),
    "alert ignoring an action instead of an event name": (
        {"unattributed_alert": True, "unattributed_alert_ignored_event_names": ["sts:AssumeRole"]},
        ["ignored_event_names must be CloudTrail event names", "sts:AssumeRole"],
    ),
    "managed policy listed twice": (
        {"role_managed_policy_arns": {"read": READ_ONLY, "again": READ_ONLY}},
        ["managed_policy_arns must not attach a policy twice", READ_ONLY],
    ),
    "managed policy that is not a policy ARN": (
        {"role_managed_policy_arns": {"full": "AmazonSageMakerFullAccess"}},
        ["managed_policy_arns must hold IAM policy ARNs", "AmazonSageMakerFullAccess"],
    ),
}


@pytest.fixture(scope="module")
def root_module(tools, emulator, tmp_path_factory):
    """The root module itself, initialised once."""
    ws = prepare(tools, emulator, tmp_path_factory.mktemp("root"), ".")
    ws.init()
    return ws


def _leftovers(emulator) -> str:
    left = read_inventory(
        emulator.client("iam"), emulator.client("sagemaker"), ["validation-role-on-start"]
    )
    rules = emulator.client("events").list_rules()["Rules"]
    topics = emulator.client("sns").list_topics()["Topics"]
    return "" if left.empty and not rules and not topics else f"{left} {rules} {topics}"


@pytest.fixture(scope="module", params=["terraform", "opentofu"])
def validation_runs(request, emulator, tmp_path_factory) -> CaseRuns:
    """Every case applied, each as its own instance of the root module (tests/batched_cases),
    by Terraform and again by OpenTofu."""
    engine = request.getfixturevalue("tools" if request.param == "terraform" else "opentofu")
    emulator.reset()
    return apply_cases(
        engine,
        emulator,
        tmp_path_factory.mktemp(f"cases-{request.param}"),
        GOOD,
        CASES,
        lambda: _leftovers(emulator),
    )


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_fails_at_plan_and_creates_nothing(case, validation_runs):
    assert validation_runs.errors[case], validation_runs.report(case)
    assert case not in validation_runs.created, validation_runs.created[case]


# Terraform prints, above an error's message, every value its condition refers to: a value
# this long (a whole script, base64-encoded or not) would bury the message.
LONGEST_PRINTED_VALUE = 300


def test_no_error_prints_a_long_value_before_its_message(validation_runs):
    assert validation_runs.values, "the errors printed no values at all: is -json read right?"
    long = [value[:120] + "..." for value in validation_runs.values
            if len(value) > LONGEST_PRINTED_VALUE]  # fmt: skip
    assert not long, long


def test_good_input_passes_the_same_checks(root_module, emulator):
    """The baseline every case departs from really is valid: it applies and destroys."""
    emulator.reset()
    var_file = root_module.path / "case.tfvars.json"
    var_file.write_text(json.dumps(GOOD))
    root_module.run("apply", "-auto-approve", "-input=false", f"-var-file={var_file.name}")
    created = read_inventory(emulator.client("iam"), emulator.client("sagemaker"))
    assert set(created.notebooks) == {"nb-1"} and set(created.roles) == {"validation-role"}
    root_module.run("destroy", "-auto-approve", "-input=false", f"-var-file={var_file.name}")
