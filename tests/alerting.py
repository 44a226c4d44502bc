"""Helpers for the alert tests: a logging trail and an SQS queue that plays the security team."""

from __future__ import annotations

import json
from typing import Any

TRAIL = "org-trail"


def start_trail(emulator: Any) -> None:
    """A multi-region trail, logging: EventBridge gets CloudTrail events only while one is."""
    emulator.client("s3").create_bucket(Bucket=TRAIL)
    cloudtrail = emulator.client("cloudtrail")
    cloudtrail.create_trail(Name=TRAIL, S3BucketName=TRAIL, IsMultiRegionTrail=True)
    cloudtrail.start_logging(Name=TRAIL)


class AlertQueue:
    """An SQS queue to subscribe to the alert topic, and what reached it."""

    def __init__(self, emulator: Any, name: str = "security-team") -> None:
        self._emulator = emulator
        self._sqs = emulator.client("sqs")
        self.name = name
        self.url = self._sqs.create_queue(QueueName=name)["QueueUrl"]
        self.arn = self._sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]

    @property
    def subscription(self) -> dict[str, dict[str, object]]:
        """The alert's subscription of this queue, with the module setting its policy (on AWS,
        as in the emulator, SNS delivers nothing to a queue whose policy does not allow it)."""
        return {self.name: {"protocol": "sqs", "endpoint": self.arn, "manage_queue_policy": True}}

    def policy(self) -> dict[str, Any] | None:
        """The queue's access policy, None when it has none."""
        attributes = self._sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["Policy"])
        policy = attributes.get("Attributes", {}).get("Policy")
        return json.loads(policy) if policy else None

    def events(self) -> list[dict[str, Any]]:
        """The EventBridge events that reached the queue since last asked (and are gone now)."""
        found = []
        while batch := self._sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in batch:
                found.append(json.loads(json.loads(message["Body"])["Message"]))
                self._sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        assert self._emulator.delivery_errors == []
        return found
