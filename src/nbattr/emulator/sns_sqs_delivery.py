"""SNS delivers to an SQS queue only where the queue's access policy lets it, as on AWS.

On AWS a queue subscribed to a topic receives nothing unless its policy allows the SNS
service principal `sqs:SendMessage` for that topic ("Fanout Amazon SNS notifications to
Amazon SQS queues", SNS Developer Guide: "Give permission to the Amazon SNS topic to send
messages to the Amazon SQS queue", with `aws:SourceArn` the topic). moto 5.2.5 fans out
without looking at any policy (`moto.sns.models.Subscription.publish`), and the delivery
happens inside moto's SNS backend, with no HTTP request a WSGI layer could see, so that
method is wrapped here: each delivery to a queue is judged by IAM's rules
(nbattr.emulator.service_policy), and a refused one is dropped, as AWS drops it, and reported.

Request judged: principal `sns.amazonaws.com`, action `sqs:SendMessage`, resource the
queue's ARN, context `aws:SourceArn` (topic), `aws:SourceAccount` (topic's account) and
`aws:SecureTransport` true ("Amazon SNS uses HTTPS to forward messages to Amazon SQS",
SQS Developer Guide, "Subscribing an Amazon SQS queue to an Amazon SNS topic").
A queue without a policy is refused without asking: only a resource policy can grant a
service principal anything.

Not modelled: KMS. A queue encrypted with a customer managed key also needs its key policy
to let SNS use the key ("Amazon SQS Key management", SQS Developer Guide); here an
encrypted queue receives whatever its access policy allows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from moto.sns.models import Subscription
from moto.sqs.exceptions import QueueDoesNotExist
from moto.sqs.models import sqs_backends

from .service_policy import ServiceRequest, refusal

SNS_PRINCIPAL = "sns.amazonaws.com"
Refused = Callable[[str], None]


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
    request = ServiceRequest(
        SNS_PRINCIPAL,
        "sqs:SendMessage",
        queue_arn,
        queue_arn.split(":")[4],
        (
            ("aws:SourceArn", topic_arn),
            ("aws:SourceAccount", topic_arn.split(":")[4]),
            ("aws:SecureTransport", "true"),
        ),
    )
    reason = refusal(policy, [request])
    return None if reason is None else reason.replace("its policy", "its access policy")


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
