"""The emulator delivers each trail's log files to its S3 bucket as CloudTrail does.

Trails, buckets and calls are made through the emulator's real HTTP endpoint with boto3; time
is the `clock` fixture's, so a 5-minute interval passes without waiting. Bucket policies are
judged by iam-simulate (nbattr.emulator.service_policy), so these tests need it.
"""

from __future__ import annotations

import gzip
import json
import re
import urllib.request
from datetime import datetime, timezone

import pytest

from nbattr.emulator.cloudtrail.delivery import DELIVERY_INTERVAL
from nbattr.emulator.control_route import TRAIL_FLUSH
from nbattr.emulator.service_policy import evaluator_unavailable
from nbattr.harness.trail_download import download_trail_files
from nbattr.trail_files import decode_log_file
from trail_policy import ACCOUNT, cloudtrail_bucket_policy, deny_plain_http

REASON = evaluator_unavailable()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

KEY = re.compile(
    r"^(?:(?P<prefix>.+)/)?AWSLogs/123456789012/CloudTrail/(?P<region>[a-z0-9-]+)/"
    r"(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/123456789012_CloudTrail_(?P=region)_"
    r"(?P<stamp>\d{8}T\d{4}Z)_[A-Za-z0-9]{16}\.json\.gz$"
)


def _trail(
    emulator,
    name: str,
    *,
    prefix: str = "",
    multi_region: bool = True,
    region: str = "us-east-1",
    selectors: dict | None = None,
) -> str:
    """A logging trail writing to its own bucket `<name>-logs`; its ARN."""
    bucket = f"{name}-logs"
    s3 = emulator.client("s3", region)
    s3.create_bucket(Bucket=bucket)
    trail_arn = f"arn:aws:cloudtrail:{region}:{ACCOUNT}:trail/{name}"
    s3.put_bucket_policy(Bucket=bucket, Policy=cloudtrail_bucket_policy(bucket, trail_arn, prefix))
    cloudtrail = emulator.client("cloudtrail", region)
    extra = {"S3KeyPrefix": prefix} if prefix else {}
    cloudtrail.create_trail(Name=name, S3BucketName=bucket, IsMultiRegionTrail=multi_region,
                            **extra)  # fmt: skip
    if selectors:
        cloudtrail.put_event_selectors(TrailName=name, **selectors)
    cloudtrail.start_logging(Name=name)
    return trail_arn


def _files(emulator, bucket: str, tmp_path) -> dict[str, list[dict]]:
    """Every log file in the bucket: key -> records (downloaded as `nbattr attribute` would)."""
    paths = download_trail_files(emulator.client("s3", internal=True), bucket, tmp_path / bucket)
    return {
        path.relative_to(tmp_path / bucket).as_posix(): decode_log_file(path.read_bytes())
        for path in paths
    }


def _names(files: dict[str, list[dict]]) -> list[str]:
    return [record["eventName"] for records in files.values() for record in records]


def test_a_batch_is_delivered_once_its_interval_passed_as_one_gzip_file(
    clean_emulator, clock, tmp_path
):
    _trail(clean_emulator, "every-call")
    started = clock.now()
    clean_emulator.client("sagemaker").list_notebook_instances()
    clock.advance(DELIVERY_INTERVAL - 1)
    clean_emulator.client("sts").get_caller_identity()
    assert _files(clean_emulator, "every-call-logs", tmp_path) == {}, "delivered too early"

    clock.advance(1)
    files = _files(clean_emulator, "every-call-logs", tmp_path)
    ((key, records),) = files.items()
    # StartLogging is the trail's first record: its batch is due one interval after it.
    assert [r["eventName"] for r in records] == [
        "StartLogging", "ListNotebookInstances", "GetCallerIdentity",
    ]  # fmt: skip
    match = KEY.match(key)
    assert match and match["region"] == "us-east-1" and match["prefix"] is None
    due = datetime.fromtimestamp(started.timestamp() + DELIVERY_INTERVAL, timezone.utc)
    assert match["stamp"] == due.strftime("%Y%m%dT%H%MZ")
    assert (match["y"], match["m"], match["d"]) == tuple(due.strftime("%Y %m %d").split())
    raw = clean_emulator.client("s3", internal=True).get_object(Bucket="every-call-logs", Key=key)
    body = raw["Body"].read()
    assert body[:2] == b"\x1f\x8b" and set(json.loads(gzip.decompress(body))) == {"Records"}


def test_later_calls_go_into_the_next_file(clean_emulator, clock, tmp_path):
    _trail(clean_emulator, "batches")
    clock.advance(DELIVERY_INTERVAL)
    clean_emulator.client("sts").get_caller_identity()  # closes the first batch, opens a second
    clock.advance(DELIVERY_INTERVAL)
    clean_emulator.client("sagemaker").list_notebook_instances()
    files = _files(clean_emulator, "batches-logs", tmp_path)
    assert sorted(_names({k: v}) for k, v in files.items()) == [
        ["GetCallerIdentity"], ["StartLogging"],
    ]  # fmt: skip
    assert (
        clean_emulator.cloudtrail.log_files.pending(
            f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/batches"
        )
        == 1
    ), "the last call waits for the third file"


def test_data_events_only_as_the_selectors_ask(clean_emulator, clock, tmp_path):
    s3 = clean_emulator.client("s3")
    for bucket in ("patients", "scratch"):
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="a.csv", Body=b"x")
    _trail(clean_emulator, "basic-selectors", selectors={"EventSelectors": [{
        "ReadWriteType": "ReadOnly", "IncludeManagementEvents": False,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::patients/"]}],
    }]})  # fmt: skip
    _trail(clean_emulator, "advanced-selectors", selectors={"AdvancedEventSelectors": [
        {"Name": "management", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Management"]},
            {"Field": "readOnly", "Equals": ["false"]}]},
        {"Name": "scratch", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::scratch/"]}]},
    ]})  # fmt: skip
    for bucket in ("patients", "scratch"):
        s3.get_object(Bucket=bucket, Key="a.csv")
        s3.put_object(Bucket=bucket, Key="b.csv", Body=b"y")
    clean_emulator.client("sts").get_caller_identity()  # a read-only management event
    assert clean_emulator.cloudtrail.flush()

    basic = _files(clean_emulator, "basic-selectors-logs", tmp_path)
    assert [
        (r["eventName"], r["requestParameters"]["bucketName"])
        for records in basic.values()
        for r in records
    ] == [("GetObject", "patients")]
    advanced = _files(clean_emulator, "advanced-selectors-logs", tmp_path)
    # Write management events (its own StartLogging), no read-only one.
    assert "StartLogging" in _names(advanced) and "GetCallerIdentity" not in _names(advanced)
    data = [r for records in advanced.values() for r in records if not r["managementEvent"]]
    assert [(r["eventName"], r["requestParameters"]["bucketName"]) for r in data] == [
        ("GetObject", "scratch"), ("PutObject", "scratch"),
    ]  # fmt: skip


def test_write_only_management_selector_leaves_read_calls_out(clean_emulator, clock, tmp_path):
    _trail(clean_emulator, "writes", selectors={"EventSelectors": [
        {"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}]})  # fmt: skip
    clean_emulator.client("sts").get_caller_identity()
    clean_emulator.client("sqs").create_queue(QueueName="written")
    clean_emulator.cloudtrail.flush()
    names = _names(_files(clean_emulator, "writes-logs", tmp_path))
    assert "CreateQueue" in names and "GetCallerIdentity" not in names


def test_a_stopped_trail_delivers_nothing_of_what_happened_meanwhile(
    clean_emulator, clock, tmp_path
):
    _trail(clean_emulator, "paused")
    cloudtrail = clean_emulator.client("cloudtrail")
    cloudtrail.stop_logging(Name="paused")
    clean_emulator.client("sqs").create_queue(QueueName="unseen")
    clean_emulator.cloudtrail.flush()
    names = _names(_files(clean_emulator, "paused-logs", tmp_path))
    assert "StartLogging" in names and "CreateQueue" not in names
    assert cloudtrail.get_trail_status(Name="paused")["IsLogging"] is False


def test_the_key_prefix_leads_every_key(clean_emulator, clock, tmp_path):
    _trail(clean_emulator, "prefixed", prefix="audit/trails")
    keys = clean_emulator.cloudtrail.flush()
    assert keys and all(KEY.match(key)["prefix"] == "audit/trails" for key in keys)
    assert set(_files(clean_emulator, "prefixed-logs", tmp_path)) == set(keys)


def test_each_file_holds_one_region_and_only_multi_region_trails_see_others(
    clean_emulator, clock, tmp_path
):
    _trail(clean_emulator, "everywhere", multi_region=True)
    _trail(clean_emulator, "home-only", multi_region=False)
    clean_emulator.client("sqs", "eu-west-1").create_queue(QueueName="abroad")
    clean_emulator.client("sqs", "us-east-1").create_queue(QueueName="at-home")
    clean_emulator.cloudtrail.flush()

    everywhere = _files(clean_emulator, "everywhere-logs", tmp_path)
    assert {KEY.match(key)["region"] for key in everywhere} == {"us-east-1", "eu-west-1"}
    for key, records in everywhere.items():
        assert {r["awsRegion"] for r in records} == {KEY.match(key)["region"]}
    home = _files(clean_emulator, "home-only-logs", tmp_path)
    assert {KEY.match(key)["region"] for key in home} == {"us-east-1"}
    queues = [r["requestParameters"]["queueName"] for rs in home.values() for r in rs
              if r["eventName"] == "CreateQueue"]  # fmt: skip
    assert queues == ["at-home"]


def test_a_bucket_policy_that_does_not_allow_cloudtrail_gets_nothing_until_fixed(
    clean_emulator, clock, tmp_path
):
    # Created with a sufficient policy, as AWS requires (CreateTrail refuses otherwise with
    # InsufficientS3BucketPolicyException); removed afterwards, which AWS does not prevent.
    trail_arn = _trail(clean_emulator, "no-policy")
    s3 = clean_emulator.client("s3")
    s3.delete_bucket_policy(Bucket="no-policy-logs")
    cloudtrail = clean_emulator.client("cloudtrail")
    assert clean_emulator.cloudtrail.flush() == []
    status = cloudtrail.get_trail_status(Name="no-policy")
    assert status["LatestDeliveryError"] == "AccessDenied" and "LatestDeliveryTime" not in status
    assert _files(clean_emulator, "no-policy-logs", tmp_path) == {}

    # A policy for another trail's ARN still refuses (aws:SourceArn).
    other = trail_arn.replace("no-policy", "someone-else")
    policy = cloudtrail_bucket_policy("no-policy-logs", other)
    s3.put_bucket_policy(Bucket="no-policy-logs", Policy=policy)
    assert clean_emulator.cloudtrail.flush() == []

    # Fixed: the records kept since are delivered, as AWS retries.
    policy = cloudtrail_bucket_policy("no-policy-logs", trail_arn)
    s3.put_bucket_policy(Bucket="no-policy-logs", Policy=policy)
    clock.advance(60)
    assert clean_emulator.cloudtrail.flush()
    status = cloudtrail.get_trail_status(Name="no-policy")
    assert "LatestDeliveryError" not in status
    assert status["LatestDeliveryTime"].timestamp() == pytest.approx(clock.now().timestamp())
    assert "StartLogging" in _names(_files(clean_emulator, "no-policy-logs", tmp_path))


def test_a_missing_bucket_is_a_delivery_error(clean_emulator, clock):
    _trail(clean_emulator, "gone")
    clean_emulator.client("s3").delete_bucket_policy(Bucket="gone-logs")
    clean_emulator.client("s3").delete_bucket(Bucket="gone-logs")
    assert clean_emulator.cloudtrail.flush() == []
    status = clean_emulator.client("cloudtrail").get_trail_status(Name="gone")
    assert status["LatestDeliveryError"] == "NoSuchBucket"


def test_the_control_route_flushes_and_delivery_is_no_api_call(clean_emulator, clock, tmp_path):
    _trail(clean_emulator, "flushed")
    before = clean_emulator.api_calls
    request = urllib.request.Request(clean_emulator.endpoint + TRAIL_FLUSH, data=b"",
                                     method="POST")  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        delivered = json.loads(response.read())["delivered"]
    assert clean_emulator.api_calls == before, "CloudTrail's own write was recorded as a call"
    assert set(_files(clean_emulator, "flushed-logs", tmp_path)) == set(delivered)
    assert len(delivered) == 1


def test_an_unconditional_deny_still_denies_readers(clean_emulator, clock):
    """The TLS-only statement is left out as AWS would not apply it; a plain deny is not."""
    _trail(clean_emulator, "denied")
    assert clean_emulator.cloudtrail.flush()
    s3 = clean_emulator.client("s3")
    (key,) = [o["Key"] for o in s3.list_objects_v2(Bucket="denied-logs")["Contents"]]
    policy = {"Version": "2012-10-17", "Statement": [deny_plain_http("denied-logs", False)]}
    s3.put_bucket_policy(Bucket="denied-logs", Policy=json.dumps(policy))
    with pytest.raises(s3.exceptions.ClientError, match="403"):
        s3.get_object(Bucket="denied-logs", Key=key)
