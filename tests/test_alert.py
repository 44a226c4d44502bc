"""The unattributed-call alert, applied by Terraform and fed by the emulator's CloudTrail.

The root module is applied with `unattributed_alert` on and an SQS queue subscribed to its
topic, the module setting the queue's policy. Calls go through the emulator as a notebook's
sessions would make them; CloudTrail records them and hands them to EventBridge the way AWS
does, so the rule's real pattern and state decide what reaches the topic, and the queue's
policy, judged by iam-simulate, whether SNS may deliver it to the queue.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from alerting import TRAIL, AlertQueue, start_trail
from calls import assume, create_role
from nbattr.emulator.cloudtrail.eventbridge import ALL_MANAGEMENT_EVENTS
from nbattr.harness.workspace import Workspace, prepare
from plan_summary import planned_resources

ROLE = "alerted"
RULE = f"{ROLE}-unattributed"


class Deployment:
    def __init__(
        self, emulator: Any, ws: Workspace, tf_vars: dict[str, Any], queue: AlertQueue
    ) -> None:
        self.emulator = emulator
        self.ws, self.tf_vars = ws, tf_vars
        self.outputs = ws.outputs()
        self.queue = queue
        self.role = self.outputs["role_arn"]
        self.topic = self.outputs["unattributed_alert_topic_arn"]

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
        "unattributed_alert_subscriptions": queue.subscription,
    }
    ws = prepare(tools, emulator, tmp_path_factory.mktemp("alert"), ".")
    ws.init()
    ws.apply(tf_vars=tf_vars)
    try:
        deployment = Deployment(emulator, ws, tf_vars, queue)
        queue.events()  # whatever applying it caused
        yield deployment
    finally:
        ws.destroy(tf_vars=tf_vars)
    events = emulator.client("events")
    assert events.list_rules(NamePrefix=RULE)["Rules"] == []
    assert emulator.client("sns").list_topics()["Topics"] == []


def test_the_topic_is_encrypted_with_a_rotated_key_and_the_rule_targets_it(deployed):
    sns, kms = deployed.emulator.client("sns"), deployed.emulator.client("kms")
    topic = deployed.topic
    key = sns.get_topic_attributes(TopicArn=topic)["Attributes"]["KmsMasterKeyId"]
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is True
    targets = deployed.emulator.client("events").list_targets_by_rule(Rule=RULE)["Targets"]
    assert [target["Arn"] for target in targets] == [topic]
    rule = deployed.emulator.client("events").describe_rule(Name=RULE)
    assert rule["State"] == ALL_MANAGEMENT_EVENTS  # the default: read-only bypasses too


def test_the_queue_policy_lets_this_topic_alone_send_and_only_over_tls(deployed):
    policy = deployed.queue.policy()
    assert policy is not None
    allow, deny = policy["Statement"]
    assert allow["Effect"] == "Allow"
    assert allow["Principal"] == {"Service": "sns.amazonaws.com"}
    assert allow["Action"] == "sqs:SendMessage" and allow["Resource"] == deployed.queue.arn
    assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": deployed.topic}}
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    statements = deployed.outputs["unattributed_alert_queue_policy_statements"]
    assert set(statements) == {deployed.queue.name}


def test_a_subscribed_queue_whose_policy_does_not_allow_the_topic_gets_nothing(deployed):
    emulator, sns = deployed.emulator, deployed.emulator.client("sns")
    bare = AlertQueue(emulator, "no-policy")  # subscribed, but nothing lets SNS send
    other = AlertQueue(emulator, "other-topic")  # its policy names another topic
    other_policy = dict(deployed.queue.policy() or {})
    (allow, _) = other_policy["Statement"]
    allow = {**allow, "Resource": other.arn}
    allow["Condition"] = {"ArnEquals": {"aws:SourceArn": deployed.topic + "-elsewhere"}}
    other_policy["Statement"] = [allow]
    emulator.client("sqs").set_queue_attributes(
        QueueUrl=other.url, Attributes={"Policy": json.dumps(other_policy)}
    )
    subscriptions = [
        sns.subscribe(TopicArn=deployed.topic, Protocol="sqs", Endpoint=queue.arn)[
            "SubscriptionArn"
        ]
        for queue in (bare, other)
    ]
    try:
        deployed.base("sagemaker").create_experiment(ExperimentName="bypass-seen-once")
        refused = list(emulator.delivery_errors)
        emulator.delivery_errors.clear()
        assert [a["detail"]["eventName"] for a in deployed.queue.events()] == ["CreateExperiment"]
        assert bare.events() == [] and other.events() == []
        assert len(refused) == 2, refused
        assert f"SQS {bare.arn} refused: the queue has no access policy" in refused[0]
        assert f"SQS {other.arn} refused: its access policy does not allow" in refused[1]
    finally:
        for subscription in subscriptions:
            sns.unsubscribe(SubscriptionArn=subscription)


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


def test_assume_role_of_another_role_by_the_base_session_alerts_in_the_default_state(deployed):
    other = create_role(deployed.emulator, "wider-permissions")
    deployed.base().assume_role(RoleArn=other, RoleSessionName="escape")
    alerts = deployed.queue.events()
    assert [
        (a["detail"]["eventName"], a["detail"]["requestParameters"]["roleArn"]) for a in alerts
    ] == [("AssumeRole", other)]


def test_read_only_bypasses_alert_in_the_default_state(deployed):
    deployed.base().get_caller_identity()
    sagemaker = deployed.base("sagemaker")
    sagemaker.list_notebook_instances()
    sagemaker.describe_notebook_instance(NotebookInstanceName="test-1")
    alerts = deployed.queue.events()
    assert [(a["detail"]["eventName"], a["detail"]["readOnly"]) for a in alerts] == [
        ("GetCallerIdentity", True),
        ("ListNotebookInstances", True),
        ("DescribeNotebookInstance", True),
    ]


def test_in_the_enabled_state_only_write_bypasses_alert(deployed):
    enabled = {**deployed.tf_vars, "unattributed_alert_state": "ENABLED"}
    deployed.ws.apply(tf_vars=enabled)
    try:
        assert deployed.emulator.client("events").describe_rule(Name=RULE)["State"] == "ENABLED"
        deployed.base().get_caller_identity()
        deployed.base("sagemaker").list_notebook_instances()
        assert deployed.queue.events() == []  # read-only: not delivered to an ENABLED rule
        deployed.base("sagemaker").create_experiment(ExperimentName="write-still-alerts")
        assert [a["detail"]["eventName"] for a in deployed.queue.events()] == ["CreateExperiment"]
    finally:
        deployed.ws.apply(tf_vars=deployed.tf_vars)


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


def test_a_queue_created_in_the_same_configuration_plans(workspace, emulator):
    """examples/detection creates the security team's queue next to the alert: the queue's ARN
    is unknown at plan, which subscriptions keyed by endpoint could not take."""
    plan = workspace("examples/detection", emulator).plan()
    resources = planned_resources(plan)
    alert = "module.watched_notebooks.module.unattributed_alert[0]"
    subscription = resources[f'{alert}.aws_sns_topic_subscription.this["security-team"]']
    assert subscription["protocol"] == "sqs"
    assert "endpoint" not in subscription  # unknown until the queue exists
    assert f'{alert}.aws_sqs_queue_policy.this["security-team"]' in resources
    assert resources[f"{alert}.aws_cloudwatch_event_rule.this"]["state"] == ALL_MANAGEMENT_EVENTS


def test_lambda_subscriptions_get_the_invoke_permission_and_queues_their_policy_only_on_request(
    workspace, emulator
):
    function = "arn:aws:lambda:us-east-1:123456789012:function:triage"
    queue = "arn:aws:sqs:us-east-1:123456789012:their-own-queue"
    tf_vars = {
        "role_name": ROLE,
        "notebooks": {"test-1": {}},
        "unattributed_alert": "true",
        "unattributed_alert_subscriptions": {
            "triage": {"protocol": "lambda", "endpoint": function},
            "theirs": {"protocol": "sqs", "endpoint": queue},
        },
    }
    plan = workspace(".", emulator).plan(tf_vars=tf_vars)
    resources = planned_resources(plan)
    alert = "module.unattributed_alert[0]"
    permission = resources[f'{alert}.aws_lambda_permission.this["triage"]']
    assert permission["function_name"] == function
    assert permission["principal"] == "sns.amazonaws.com"
    assert permission["action"] == "lambda:InvokeFunction"
    assert "source_arn" not in permission  # the topic's ARN, known after apply
    assert not [address for address in resources if "aws_sqs_queue_policy" in address]
    assert f'{alert}.aws_sns_topic_subscription.this["theirs"]' in resources
