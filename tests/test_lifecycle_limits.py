"""SageMaker's limits on a lifecycle configuration and a notebook's name: the emulator refuses
what the API refuses (nbattr.emulator.sagemaker_rules cites the rules), and the
module lets through at plan exactly the scripts SageMaker takes.
"""

from __future__ import annotations

import base64
import json

import pytest
import tftest

from nbattr.harness.workspace import prepare
from plan_summary import planned_outputs

LIMIT = 16384  # base64 characters in one hook's Content
TOO_LONG = f"Member must have length less than or equal to {LIMIT}"


def _hook(script_bytes: int) -> list[dict[str, str]]:
    """An OnStart/OnCreate hook whose base64 Content encodes `script_bytes` bytes."""
    return [{"Content": base64.b64encode(b"#" * script_bytes).decode()}]


def _exists(sagemaker, name: str) -> bool:
    """Whether the lifecycle configuration exists (moto has no List call to ask instead)."""
    try:
        sagemaker.describe_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName=name
        )
    except sagemaker.exceptions.ClientError as error:
        assert "does not exist" in str(error), error
        return False
    return True


def test_a_hook_over_16384_base64_characters_is_refused_and_nothing_changes(clean_emulator):
    sagemaker = clean_emulator.client("sagemaker")
    at_limit, over = _hook(LIMIT // 4 * 3), _hook(LIMIT // 4 * 3 + 1)
    assert len(at_limit[0]["Content"]) == LIMIT and len(over[0]["Content"]) == LIMIT + 4

    sagemaker.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="at-limit", OnStart=at_limit
    )
    with pytest.raises(sagemaker.exceptions.ClientError) as refused:
        sagemaker.create_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName="over", OnStart=at_limit, OnCreate=over
        )
    error = refused.value.response["Error"]
    message = error["Message"]
    assert error["Code"] == "ValidationException"
    assert message.startswith("1 validation error detected: ")
    assert f"at 'onCreate.1.member.content' failed to satisfy constraint: {TOO_LONG}" in message
    assert not _exists(sagemaker, "over")

    with pytest.raises(sagemaker.exceptions.ClientError, match=r"onStart\.1\.member\.content"):
        sagemaker.update_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName="at-limit", OnStart=over
        )
    kept = sagemaker.describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="at-limit"
    )
    assert kept["OnStart"] == at_limit  # the refused update lost nothing


def test_a_refused_call_is_in_cloudtrail_with_its_error(clean_emulator):
    """A refused call is still an API call: CloudTrail records it with the error the caller
    got (errorCode, "the AWS service error", and errorMessage, "the description of the
    error": "CloudTrail record contents"), as the recorder does for moto's own errors."""
    sagemaker = clean_emulator.client("sagemaker")
    with pytest.raises(sagemaker.exceptions.ClientError) as refused:
        sagemaker.create_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName="over", OnStart=_hook(LIMIT // 4 * 3 + 1)
        )
    events = clean_emulator.client("cloudtrail").lookup_events(
        LookupAttributes=[
            {
                "AttributeKey": "EventName",
                "AttributeValue": "CreateNotebookInstanceLifecycleConfig",
            }
        ]
    )["Events"]
    assert len(events) == 1
    record = json.loads(events[0]["CloudTrailEvent"])
    assert record["errorCode"] == "ValidationException"
    assert record["errorMessage"] == refused.value.response["Error"]["Message"]


def test_names_outside_sagemakers_rule_are_refused_with_every_broken_rule(clean_emulator):
    sagemaker = clean_emulator.client("sagemaker")
    with pytest.raises(sagemaker.exceptions.ClientError) as refused:
        sagemaker.create_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName="team_a-" + "x" * 60, OnStart=_hook(10)
        )
    message = refused.value.response["Error"]["Message"]
    assert message.startswith("2 validation errors detected: ")
    rules = [part.split("failed to satisfy constraint: ")[1] for part in message.split("; ")]
    assert rules == [
        "Member must have length less than or equal to 63",
        "Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*",
    ]
    assert not _exists(sagemaker, "team_a-" + "x" * 60)

    role = "arn:aws:iam::123456789012:role/limits"
    for field, value in (("NotebookInstanceName", "nb_1"), ("LifecycleConfigName", "-lc")):
        arguments = {"NotebookInstanceName": "nb-1", field: value}
        with pytest.raises(sagemaker.exceptions.ClientError) as refused:
            sagemaker.create_notebook_instance(
                InstanceType="ml.t3.medium", RoleArn=role, **arguments
            )
        member = field[0].lower() + field[1:]
        assert f"Value '{value}' at '{member}' failed to satisfy" in str(refused.value)
    assert sagemaker.list_notebook_instances()["NotebookInstances"] == []


def test_the_module_passes_a_script_at_the_limit_and_stops_one_past_it_at_plan(
    tools, clean_emulator, tmp_path
):
    """The limit is on the base64 text: 12,288 script bytes make 16,384 characters, and
    one byte more makes 16,388. The first must apply (the emulator, like SageMaker, takes
    it); the second must stop at plan, before anything is sent."""
    ws = prepare(tools, clean_emulator, tmp_path / "tree", "modules/lifecycle-config")
    ws.init()
    inputs = {"name": "limit-check", "role_arn": "arn:aws:iam::123456789012:role/limit-check"}

    def padded(extra: int) -> dict[str, str]:
        return {**inputs, "extra_on_start": "# " + "x" * extra}

    rendered = planned_outputs(ws.plan(tf_vars=padded(1)))["on_start_script"]
    to_limit = 1 + LIMIT // 4 * 3 - len(rendered.encode())
    assert to_limit > 0, "the script alone is over SageMaker's limit"

    ws.apply(tf_vars=padded(to_limit))
    assert ws.outputs()["on_start_base64_length"] == LIMIT
    stored = clean_emulator.client("sagemaker").describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="limit-check"
    )
    assert len(stored["OnStart"][0]["Content"]) == LIMIT

    with pytest.raises(tftest.TerraformTestError) as stopped:
        ws.plan(tf_vars=padded(to_limit + 1))
    error = " ".join(stopped.value.args[0].split())  # Terraform wraps long messages
    assert f"is {LIMIT + 4} characters base64-encoded; SageMaker allows at most {LIMIT}" in error
