"""The unattributed-call alert, applied by Terraform and fed by the emulator's CloudTrail.

The root module is applied with `unattributed_alert` on and an SQS queue subscribed to its
topic. Calls go through the emulator as a notebook's sessions would make them; CloudTrail
records them and hands them to EventBridge the way AWS does, so the rule's real pattern
decides what reaches the queue.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from alerting import TRAIL, AlertQueue, start_trail
from calls import assume, create_role
from nbattr.cloudtrail.eventbridge import ALL_MANAGEMENT_EVENTS
from nbattr.workspace import prepare

ROLE = "alerted"
RULE = f"{ROLE}-unattributed"


class Deployment:
    def __init__(self, emulator: Any, outputs: dict[str, Any], queue: AlertQueue) -> None:
        self.emulator = emulator
        self.outputs = outputs
        self.queue = queue
        self.role = outputs["role_arn"]

    def base(self, service: str = "sts") -> Any:
        """A notebook's base session (what the metadata service hands out)."""
        return self.emulator.client_as(self.role, "SageMaker", service)


@pytest.fixture(scope="module")
def deployed(tools, emulator, tmp_path_factory) -> Iterator[Deployment]:
    emulator.reset()
    start_trail(emulator)
    queue = AlertQueue(emulator)
    tf_vars = {
        "role_name": ROLE,
        "lifecycle_config_name": ROLE,
        "notebooks": {"test-1": {}},
        "unattributed_alert": "true",
        "unattributed_alert_subscriptions": [queue.subscription],
    }
    ws = prepare(tools, emulator, tmp_path_factory.mktemp("alert"), ".")
    ws.init()
    ws.apply(tf_vars=tf_vars)
    try:
        deployment = Deployment(emulator, ws.outputs(), queue)
        queue.events()  # whatever applying it caused
        yield deployment
    finally:
        ws.destroy(tf_vars=tf_vars)
    events = emulator.client("events")
    assert events.list_rules(NamePrefix=RULE)["Rules"] == []
    assert emulator.client("sns").list_topics()["Topics"] == []


def test_the_topic_is_encrypted_with_a_rotated_key_and_the_rule_targets_it(deployed):
    sns, kms = deployed.emulator.client("sns"), deployed.emulator.client("kms")
    topic = deployed.outputs["unattributed_alert_topic_arn"]
    key = sns.get_topic_attributes(TopicArn=topic)["Attributes"]["KmsMasterKeyId"]
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is True
    targets = deployed.emulator.client("events").list_targets_by_rule(Rule=RULE)["Targets"]
    assert [target["Arn"] for target in targets] == [topic]


def test_a_write_call_under_the_base_session_is_alerted(deployed):
    deployed.base("sagemaker").create_experiment(ExperimentName="bypass")
    alerts = deployed.queue.events()
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert["detail-type"] == "AWS API Call via CloudTrail"
    assert alert["source"] == "aws.sagemaker"
    assert alert["detail"]["eventName"] == "CreateExperiment"
    assert alert["detail"]["requestParameters"]["experimentName"] == "bypass"
    assert alert["detail"]["userIdentity"]["arn"].endswith(f"assumed-role/{ROLE}/SageMaker")


def test_attributed_calls_and_what_sagemaker_itself_does_are_not(deployed):
    base = deployed.base()
    assume(base, deployed.role, "test-1", "sagemaker").create_experiment(ExperimentName="ok")
    logs = deployed.base("logs")  # the instance writing lifecycle output
    logs.create_log_group(logGroupName="/aws/sagemaker/NotebookInstances")
    logs.create_log_stream(
        logGroupName="/aws/sagemaker/NotebookInstances",
        logStreamName="test-1/LifecycleConfigOnStart",
    )
    assert deployed.queue.events() == []


def test_assuming_another_role_from_the_base_session_is_alerted(deployed):
    other = create_role(deployed.emulator, "wider-permissions")
    deployed.base().assume_role(RoleArn=other, RoleSessionName="escape")
    alerts = deployed.queue.events()
    assert [
        (a["detail"]["eventName"], a["detail"]["requestParameters"]["roleArn"]) for a in alerts
    ] == [("AssumeRole", other)]


def test_read_only_calls_reach_only_a_rule_that_asks_for_them(deployed):
    events = deployed.emulator.client("events")
    pattern = events.describe_rule(Name=RULE)["EventPattern"]
    deployed.base("sagemaker").list_experiments()
    assert deployed.queue.events() == []  # enabled rules get write events only, as on AWS
    events.put_rule(Name=RULE, EventPattern=pattern, State=ALL_MANAGEMENT_EVENTS)
    try:
        deployed.base("sagemaker").list_experiments()
        assert [a["detail"]["eventName"] for a in deployed.queue.events()] == ["ListExperiments"]
    finally:
        events.put_rule(Name=RULE, EventPattern=pattern, State="ENABLED")


def test_nothing_is_alerted_while_no_trail_is_logging(deployed):
    cloudtrail = deployed.emulator.client("cloudtrail")
    cloudtrail.stop_logging(Name=TRAIL)
    try:
        deployed.base("sagemaker").create_experiment(ExperimentName="unseen")
        assert deployed.queue.events() == []
    finally:
        cloudtrail.start_logging(Name=TRAIL)
    deployed.base("sagemaker").create_experiment(ExperimentName="seen")
    assert len(deployed.queue.events()) == 1
