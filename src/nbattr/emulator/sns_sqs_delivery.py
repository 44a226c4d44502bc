"""SNS delivers to an SQS queue only where the queue's access policy lets it, as on AWS.

On AWS a queue subscribed to a topic receives nothing unless its policy allows the SNS
service principal `sqs:SendMessage` for that topic ("Fanout Amazon SNS notifications to
Amazon SQS queues", SNS Developer Guide: "Give permission to the Amazon SNS topic to send
messages to the Amazon SQS queue", with `aws:SourceArn` the topic). moto 5.2.5 fans out
without looking at any policy (`moto.sns.models.Subscription.publish`), and the delivery
happens inside moto's SNS backend, with no HTTP request a WSGI layer could see, so that
method is wrapped here: each delivery to a queue is judged by IAM's rules, with
@cloud-copilot/iam-simulate (`tools/iam-simulate`, a separate node process), and a refused
one is dropped, as AWS drops it, and reported.

Request judged: principal `sns.amazonaws.com`, action `sqs:SendMessage`, resource the
queue's ARN, context `aws:SourceArn` (topic), `aws:SourceAccount` (topic's account) and
`aws:SecureTransport` true ("Amazon SNS uses HTTPS to forward messages to Amazon SQS",
SQS Developer Guide, "Subscribing an Amazon SQS queue to an Amazon SNS topic").
A queue without a policy is refused without asking: only a resource policy can grant a
service principal anything. Where the evaluator cannot run (no node, library not
installed) deliveries to queues with a policy are refused too, with that reason: failing
closed shows up in the tests instead of passing on deliveries AWS might refuse.

Not modelled: KMS. A queue encrypted with a customer managed key also needs its key policy
to let SNS use the key ("Amazon SQS Key management", SQS Developer Guide); here an
encrypted queue receives whatever its access policy allows.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from moto.sns.models import Subscription
from moto.sqs.exceptions import QueueDoesNotExist
from moto.sqs.models import sqs_backends

from ..harness.toolchain import ToolchainError, find_project_root

SNS_PRINCIPAL = "sns.amazonaws.com"
Refused = Callable[[str], None]


def _simulator() -> Path | None:
    try:
        return find_project_root(Path(__file__).parent) / "tools" / "iam-simulate"
    except ToolchainError:
        return None


def evaluator_unavailable() -> str | None:
    """Why queue policies cannot be evaluated here, or None when they can."""
    simulator = _simulator()
    if shutil.which("node") is None:
        return "node is not on PATH (iam-simulate needs Node.js 20)"
    if simulator is None or not (simulator / "node_modules" / "@cloud-copilot").is_dir():
        return "iam-simulate is not installed (`make tools` runs npm ci in tools/iam-simulate)"
    return None


class QueuePolicyGate:
    """Decides each SNS->SQS delivery; one evaluation per (policy, topic, queue)."""

    def __init__(self, refused: Refused) -> None:
        self._refused = refused
        self._decisions: dict[tuple[str, str, str], str | None] = {}
        self._lock = threading.Lock()

    def delivers(self, topic_arn: str, queue_arn: str) -> bool:
        reason = self.refusal(topic_arn, queue_arn)
        if reason is not None:
            self._refused(f"SNS {topic_arn} -> SQS {queue_arn} refused: {reason}")
        return reason is None

    def refusal(self, topic_arn: str, queue_arn: str) -> str | None:
        """Why AWS would not deliver from the topic to the queue; None when it would."""
        policy = _queue_policy(queue_arn)
        if policy is None:
            return None  # no such queue: moto's own delivery reports that
        if not policy:
            return "the queue has no access policy, so nothing lets SNS send to it"
        key = (policy, topic_arn, queue_arn)
        with self._lock:
            if key not in self._decisions:
                self._decisions[key] = _evaluate(policy, topic_arn, queue_arn)
            return self._decisions[key]


def _queue_policy(queue_arn: str) -> str | None:
    """The queue's policy JSON ("" when it has none); None when the queue does not exist."""
    _, _, _, region, account, name = queue_arn.split(":", 5)
    try:
        queue = sqs_backends[account][region].get_queue(name)
    except QueueDoesNotExist:
        return None
    return str(queue.policy or "")


def _evaluate(policy: str, topic_arn: str, queue_arn: str) -> str | None:
    reason = evaluator_unavailable()
    if reason:
        return f"its access policy cannot be evaluated: {reason}"
    simulator = _simulator()
    assert simulator is not None
    simulation = {
        "request": {
            "principal": SNS_PRINCIPAL,
            "action": "sqs:SendMessage",
            "resource": {"resource": queue_arn, "accountId": queue_arn.split(":")[4]},
            "contextVariables": {
                "aws:SourceArn": topic_arn,
                "aws:SourceAccount": topic_arn.split(":")[4],
                "aws:SecureTransport": "true",
            },
        },
        "identityPolicies": [],
        "resourcePolicy": json.loads(policy),
    }
    done = subprocess.run(
        ["node", str(simulator / "simulate.mjs")],
        input=json.dumps([simulation]),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=simulator,
    )
    if done.returncode != 0:
        return f"its access policy could not be evaluated: {done.stderr.strip()}"
    (answer,) = json.loads(done.stdout)
    if answer["decision"] == "Allowed":
        return None
    why = answer.get("errors") or answer.get("denials")
    return (
        f"its access policy does not allow {SNS_PRINCIPAL} sqs:SendMessage"
        f" ({answer['decision']}: {why})"
    )


_original_publish = Subscription.publish
_gate: QueuePolicyGate | None = None


def _publish_where_allowed(self: Subscription, message: str, message_id: str, **kw: Any) -> None:
    gate = _gate
    judged = gate is not None and self.protocol == "sqs" and _would_deliver(self, message, kw)
    if judged and not gate.delivers(self.topic_arn, self.endpoint):  # type: ignore[union-attr]
        return  # dropped, as AWS drops it; the gate reported it
    _original_publish(self, message, message_id, **kw)


def _would_deliver(subscription: Subscription, message: str, kw: dict[str, Any]) -> bool:
    """moto's own filter policy check comes first: a filtered-out message is no refusal."""
    matcher = subscription._filter_policy_matcher
    return matcher is None or bool(matcher.matches(kw.get("message_attributes"), message))


def install(gate: QueuePolicyGate | None) -> None:
    """Judge every SNS->SQS delivery in this process with `gate` (None: moto's behaviour).
    moto's backends are process-wide, and so is this."""
    global _gate
    _gate = gate
    Subscription.publish = _publish_where_allowed if gate else _original_publish  # type: ignore[method-assign]
