"""A trail's log files, delivered to its S3 bucket as CloudTrail delivers them.

Sources (CloudTrail User Guide): "Getting and viewing your CloudTrail log files" (CloudTrail
publishes log files multiple times an hour, about every 5 minutes; a misconfigured trail,
e.g. an unreachable bucket, is retried for 30 days); "CloudTrail log file examples" (a file
holds the records of one account and one region, named by when it was delivered: the key is
`nbattr.trail_files.log_file_key`); "Amazon S3 bucket policy for CloudTrail" (the bucket
policy must allow `cloudtrail.amazonaws.com` `s3:GetBucketAcl` on the bucket and
`s3:PutObject` with `s3:x-amz-acl` = `bucket-owner-full-control`, `aws:SourceArn` being the
trail's ARN). API reference, GetTrailStatus: `LatestDeliveryError` is the S3 error of the
last failed delivery, `LatestDeliveryTime` the time of the last delivered file.

Each trail's records wait in a buffer; a batch is delivered once `interval` seconds have
passed since its first record, named as delivered at that moment (so checking late, at the
next request, is indistinguishable from a timer). `flush` delivers everything now. A refused
or failed delivery keeps the records for the next attempt, as AWS retries (for 30 days; here
without end). Files are SSE-KMS with the trail's key, else SSE-S3 (CloudTrail User Guide,
"Encrypting CloudTrail log files with AWS KMS keys (SSE-KMS)": SSE-S3 by default).

Not modelled (README, "Trail log files"): CloudTrail's PutObject of a file is itself an S3
data event, invokedBy cloudtrail.amazonaws.com, for a trail that logs the bucket's data
events ("Suppressing recursive events with recursive logging"); here the files go straight
into moto's S3 backend and record nothing. AWS refuses an insufficient bucket policy already
at CreateTrail (InsufficientS3BucketPolicyException); here only deliveries are refused.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from moto.cloudtrail.models import cloudtrail_backends
from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends

from ...trail_files import encode_log_file, log_file_key
from ..constants import ACCOUNT_ID
from ..service_policy import ServiceRequest, refusal

CLOUDTRAIL_PRINCIPAL = "cloudtrail.amazonaws.com"
DELIVERY_INTERVAL = 300.0  # "about every 5 minutes"


@dataclass
class _Batch:
    started: float  # the time of its first record
    records: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class DeliveryStatus:
    """What GetTrailStatus reports of a trail's deliveries (epoch seconds)."""

    latest_delivery_time: float | None = None
    latest_delivery_error: str | None = None
    latest_delivery_attempt_time: float | None = None
    refusal: str | None = None  # why the bucket refused the last attempt, for people


def _trail(arn: str) -> Any | None:
    """moto's trail for `arn`, or None once it is deleted."""
    region, account, resource = arn.split(":", 5)[3:]
    name = resource.split("/", 1)[1]
    trail = cloudtrail_backends[account][region].trails.get(name)
    return trail if trail is not None and trail.arn == arn else None


def _requests(trail: Any, key: str) -> list[ServiceRequest]:
    """What CloudTrail asks of the bucket to deliver `key`, with the context AWS sends."""
    context = (
        ("aws:SourceArn", trail.arn),
        ("aws:SourceAccount", trail.account_id),
        ("aws:SecureTransport", "true"),
    )
    bucket_arn = f"arn:{trail.partition}:s3:::{trail.bucket_name}"
    return [
        ServiceRequest(CLOUDTRAIL_PRINCIPAL, "s3:GetBucketAcl", bucket_arn, trail.account_id,
                       context),
        ServiceRequest(CLOUDTRAIL_PRINCIPAL, "s3:PutObject", f"{bucket_arn}/{key}",
                       trail.account_id,
                       (*context, ("s3:x-amz-acl", "bucket-owner-full-control"))),
    ]  # fmt: skip


class LogFileDelivery:
    """Buffers records per trail and writes them as log files to the trail's bucket."""

    def __init__(self, interval: float = DELIVERY_INTERVAL) -> None:
        self.interval = self._made_interval = interval
        self._batches: dict[str, _Batch] = {}
        self._status: dict[str, DeliveryStatus] = defaultdict(DeliveryStatus)
        self._decisions: dict[tuple[str, str, str], str | None] = {}
        self._lock = threading.RLock()

    def add(self, record: dict[str, Any], trails: list[str], now: float) -> None:
        with self._lock:
            for arn in trails:
                self._batches.setdefault(arn, _Batch(now)).records.append(record)

    def pending(self, trail_arn: str) -> int:
        with self._lock:
            batch = self._batches.get(trail_arn)
            return 0 if batch is None else len(batch.records)

    def status(self, trail_arn: str) -> DeliveryStatus:
        with self._lock:
            return self._status[trail_arn]

    def deliver_due(self, now: float) -> list[str]:
        """Deliver every batch whose interval has passed, as of its due time; the keys."""
        with self._lock:
            due = [
                (arn, batch.started + self.interval)
                for arn, batch in self._batches.items()
                if batch.started + self.interval <= now
            ]
            return [key for arn, when in due for key in self._deliver(arn, when)]

    def flush(self, now: float) -> list[str]:
        """Deliver every buffered record now; the keys written."""
        with self._lock:
            return [key for arn in list(self._batches) for key in self._deliver(arn, now)]

    def reset(self) -> None:
        """Forget every batch and status, and put the interval back as it was made."""
        with self._lock:
            self.interval = self._made_interval
            self._batches.clear()
            self._status.clear()
            self._decisions.clear()

    def _deliver(self, arn: str, when: float) -> list[str]:
        batch = self._batches.pop(arn)
        trail = _trail(arn)
        if trail is None:
            return []  # a deleted trail delivers nothing more
        status = self._status[arn]
        status.latest_delivery_attempt_time = when
        delivered = datetime.fromtimestamp(when, timezone.utc)
        files: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for record in batch.records:  # one file per account and region
            files[(record["recipientAccountId"], record["awsRegion"])].append(record)
        keys = []
        for (account, region), records in files.items():
            key = log_file_key(account, region, delivered, prefix=trail.s3_key_prefix or "")
            error = self._write(trail, key, encode_log_file(records), status)
            if error is not None:
                status.latest_delivery_error = error
                # Kept for the next attempt, as AWS retries a misconfigured trail's delivery.
                self._batches.setdefault(arn, _Batch(when)).records.extend(records)
                continue
            status.latest_delivery_error = None
            status.latest_delivery_time = when
            keys.append(key)
        return keys

    def _write(self, trail: Any, key: str, body: bytes, status: DeliveryStatus) -> str | None:
        """Write one file as CloudTrail does; the S3 error code when AWS would refuse it."""
        s3 = s3_backends[trail.account_id][trail.partition]
        try:
            bucket = s3.get_bucket(trail.bucket_name)
        except MissingBucket:
            status.refusal = f"the bucket {trail.bucket_name} does not exist"
            return "NoSuchBucket"
        policy = bucket.policy.decode() if isinstance(bucket.policy, bytes) else bucket.policy
        # The decision depends on the policy, the trail and the folder, not the file's name.
        folder = key.rsplit("/", 1)[0]
        decision_key = (policy or "", trail.arn, folder)
        if decision_key not in self._decisions:
            self._decisions[decision_key] = refusal(policy or "", _requests(trail, key))
        status.refusal = self._decisions[decision_key]
        if status.refusal is not None:
            return "AccessDenied"
        kms = trail.kms_key_id or None
        s3.put_object(
            trail.bucket_name,
            key,
            body,
            encryption="aws:kms" if kms else "AES256",
            kms_key_id=kms,
            disable_notification=False,
        )
        return None


def trail_arn_named(name: str, account: str, region: str) -> str | None:
    """The ARN of the trail GetTrailStatus in `region` names (its name or ARN), as moto
    finds it: the region's own trails and multi-region trails of other regions. AWS finds
    another region's (shadow) trail by its ARN only (API reference, GetTrailStatus `Name`);
    this also takes its name, as moto does."""
    for backend in cloudtrail_backends[account].values():
        for trail in backend.trails.values():
            visible = trail.is_multi_region or trail.region_name == region
            if visible and name in (trail.trail_name, trail.arn):
                return str(trail.arn)
    return None


def trail_status(delivery: LogFileDelivery, request: bytes, answer: bytes, region: str) -> bytes:
    """moto's GetTrailStatus answer with the delivery fields this emulator knows: moto
    reports a delivery at every call while logging, and never an error."""
    status = json.loads(answer)
    name = str(json.loads(request or b"{}").get("Name", ""))
    arn = trail_arn_named(name, ACCOUNT_ID, region)
    if arn is None:
        return answer
    known = delivery.status(arn)
    for stale in ("LatestDeliveryTime", "LatestDeliveryError"):
        status.pop(stale, None)
    if known.latest_delivery_time is not None:
        status["LatestDeliveryTime"] = known.latest_delivery_time
    if known.latest_delivery_error is not None:
        status["LatestDeliveryError"] = known.latest_delivery_error
    # API reference: LatestDeliveryAttempt{Time,Succeeded} are "no longer in use"; moto
    # answers them, so they are kept consistent with the delivery rather than dropped.
    if known.latest_delivery_attempt_time is not None:
        attempt = datetime.fromtimestamp(known.latest_delivery_attempt_time, timezone.utc)
        status["LatestDeliveryAttemptTime"] = attempt.strftime("%Y-%m-%dT%H:%M:%SZ")
        status["LatestDeliveryAttemptSucceeded"] = (
            "" if known.latest_delivery_error else status["LatestDeliveryAttemptTime"]
        )
    else:
        status["LatestDeliveryAttemptTime"] = ""
    return json.dumps(status).encode()
