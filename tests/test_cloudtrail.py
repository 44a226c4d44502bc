"""The emulator's CloudTrail: records of real requests, and LookupEvents with AWS semantics.

Its delivery delay and throttling are tested on a `ManualClock` the test moves, and once
each on the real clock (`test_real_time_*`).
"""

from __future__ import annotations

import json
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from alerting import TRAIL, start_trail
from calls import create_role
from nbattr.emulator import ACCOUNT_ID as ACCOUNT
from nbattr.emulator.cloudtrail.eventbridge import forward
from nbattr.emulator.cloudtrail.s3 import parse_s3


@pytest.fixture
def trail(clean_emulator):
    clean_emulator.cloudtrail.lookup_rate = None  # these tests probe semantics, not the budget
    yield clean_emulator
    clean_emulator.cloudtrail.lookup_rate = 2.0
    clean_emulator.cloudtrail.delivery_delay = 0.0
    clean_emulator.cloudtrail.throttle_probability = 0.0


def _lookup(emulator, **params):
    return emulator.client("cloudtrail").lookup_events(**params)


def _by_user(name):
    return [{"AttributeKey": "Username", "AttributeValue": name}]


def test_assumed_role_calls_carry_session_identity(trail):
    role_arn = create_role(trail, "notebooks")
    trail.client_as(role_arn, "nb-1").get_caller_identity()

    (event,) = _lookup(trail, LookupAttributes=_by_user("nb-1"))["Events"]
    record = json.loads(event["CloudTrailEvent"])
    identity = record["userIdentity"]
    assert event["Username"] == "nb-1" and event["EventName"] == "GetCallerIdentity"
    assert identity["type"] == "AssumedRole"
    assert identity["arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/notebooks/nb-1"  # no path
    assert identity["principalId"].startswith("AROA") and identity["principalId"].endswith(":nb-1")
    issuer = identity["sessionContext"]["sessionIssuer"]
    assert issuer["arn"] == role_arn and role_arn.endswith(":role/service-role/notebooks")
    assert record["eventSource"] == "sts.amazonaws.com" and record["readOnly"] is True
    for key in ("eventVersion", "eventTime", "awsRegion", "sourceIPAddress", "userAgent",
                "eventID", "eventType", "recipientAccountId"):  # fmt: skip
        assert record[key], key


def test_assume_role_records_role_and_session_parameters(trail):
    role_arn = create_role(trail, "notebooks")
    session = trail.client_as(role_arn, "nb-1")
    (event,) = _lookup(
        trail, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}]
    )["Events"]
    record = json.loads(event["CloudTrailEvent"])
    parameters = record["requestParameters"]
    assert parameters["roleArn"] == role_arn and parameters["roleSessionName"] == "nb-1"
    assert event["Resources"] == [{"ResourceType": "AWS::IAM::Role", "ResourceName": role_arn}]
    # As on AWS, the response keeps the issued key (not the secret) and the session.
    session.get_caller_identity()
    (used,) = _lookup(trail, LookupAttributes=_by_user("nb-1"))["Events"]
    key = json.loads(used["CloudTrailEvent"])["userIdentity"]["accessKeyId"]
    assert record["responseElements"]["credentials"]["accessKeyId"] == key
    assert "secretAccessKey" not in json.dumps(record["responseElements"])
    assert record["responseElements"]["assumedRoleUser"]["arn"].endswith("/notebooks/nb-1")


def test_a_roles_assume_role_events_are_found_by_its_arn(trail):
    """LookupEvents' ResourceName matches the record's `resources`, which for AssumeRole name
    the role by ARN (real record sts-AssumeRole.json): `nbattr verify` finds a fleet's
    sessions this way. Another role's AssumeRole, and calls made as the session, are not."""
    role_arn, other = create_role(trail, "notebooks"), create_role(trail, "others")
    trail.client_as(role_arn, "nb-1").get_caller_identity()
    trail.client_as(other, "nb-2")
    found = _lookup(
        trail, LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": role_arn}]
    )["Events"]
    assert [(e["EventName"], e["Username"]) for e in found] == [("AssumeRole", "moto")]
    assert json.loads(found[0]["CloudTrailEvent"])["requestParameters"]["roleSessionName"] == "nb-1"


def test_failed_calls_carry_the_error_code(trail):
    with pytest.raises(ClientError):
        trail.client("iam").get_role(RoleName="missing")
    events = _lookup(
        trail, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "GetRole"}]
    )
    record = json.loads(events["Events"][0]["CloudTrailEvent"])
    assert record["errorCode"] == "NoSuchEntity"


def test_newest_first_time_window_and_pagination(trail):
    role_arn = create_role(trail, "notebooks")
    sts = trail.client_as(role_arn, "nb-1")
    for _ in range(120):
        sts.get_caller_identity()
    seen, token, pages = [], None, 0
    while True:
        params = {"LookupAttributes": _by_user("nb-1"), "MaxResults": 50}
        if token:
            params["NextToken"] = token
        page = _lookup(trail, **params)
        pages += 1
        seen += page["Events"]
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 3 and len(seen) == 120
    assert len({event["EventId"] for event in seen}) == 120
    times = [event["EventTime"] for event in seen]
    assert times == sorted(times, reverse=True)

    future = datetime.now(timezone.utc) + timedelta(hours=1)
    empty = _lookup(trail, LookupAttributes=_by_user("nb-1"), StartTime=future, EndTime=future)
    assert empty["Events"] == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"LookupAttributes": _by_user("a") + _by_user("b")}, "InvalidLookupAttributesException"),
        (
            {"LookupAttributes": [{"AttributeKey": "Color", "AttributeValue": "x"}]},
            "InvalidLookupAttributesException",
        ),
        ({"MaxResults": 51}, "InvalidMaxResultsException"),
        ({"NextToken": "bm90LWEtdG9rZW4="}, "InvalidNextTokenException"),
        (
            {
                "StartTime": datetime(2026, 2, 1, tzinfo=timezone.utc),
                "EndTime": datetime(2026, 1, 1, tzinfo=timezone.utc),
            },
            "InvalidTimeRangeException",
        ),
    ],
)
def test_invalid_lookups_are_refused_as_aws_does(params, code, trail):
    with pytest.raises(ClientError) as refused:
        _lookup(trail, **params)
    assert refused.value.response["Error"]["Code"] == code


def _unretried_client(emulator):
    """A CloudTrail client that sends each request once: botocore's `max_attempts` counts
    retries, so `total_max_attempts` is what makes it show every refusal."""
    return boto3.client(
        "cloudtrail",
        endpoint_url=emulator.endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}),
    )


def _outcome(client) -> str:
    try:
        client.lookup_events(MaxResults=1)
        return "ok"
    except ClientError as error:
        return str(error.response["Error"]["Code"])


def test_lookups_beyond_two_per_second_are_throttled(clean_emulator, clock):
    clean_emulator.cloudtrail.lookup_rate = 2.0
    client = _unretried_client(clean_emulator)

    def burst(requests: int) -> list[str]:
        return [_outcome(client) for _ in range(requests)]

    throttled = "ThrottlingException"
    assert burst(3) == ["ok", "ok", throttled]  # a bucket of 2
    clock.advance(0.5)
    assert burst(2) == ["ok", throttled]  # refilled at 2/s: one more after half a second
    clock.advance(10)
    assert burst(3) == ["ok", "ok", throttled]  # however long the pause, a burst of 2 at most


def test_real_time_lookups_beyond_two_per_second_are_throttled(clean_emulator):
    clean_emulator.cloudtrail.lookup_rate = 2.0
    requests = 16
    clients = [_unretried_client(clean_emulator) for _ in range(requests)]
    together = threading.Barrier(requests)

    def lookup(client) -> str:
        together.wait()  # all at once, however loaded the machine is
        return _outcome(client)

    started = time.monotonic()
    with ThreadPoolExecutor(requests) as pool:
        codes = list(pool.map(lookup, clients))
    elapsed = time.monotonic() - started
    assert set(codes) == {"ok", "ThrottlingException"}, codes
    assert 2 <= codes.count("ok") <= 2 + math.ceil(2 * elapsed)  # a bucket of 2, refilled at 2/s


def test_delivery_delay_hides_fresh_events(trail, clock):
    trail.cloudtrail.delivery_delay = 1.5
    role_arn = create_role(trail, "notebooks")
    trail.client_as(role_arn, "nb-1").get_caller_identity()
    assert _lookup(trail, LookupAttributes=_by_user("nb-1"))["Events"] == []
    clock.advance(1.4)
    assert _lookup(trail, LookupAttributes=_by_user("nb-1"))["Events"] == []
    clock.advance(0.2)
    assert len(_lookup(trail, LookupAttributes=_by_user("nb-1"))["Events"]) == 1


def test_real_time_delivery_delay_hides_fresh_events(trail):
    trail.cloudtrail.delivery_delay = 1.5
    role_arn = create_role(trail, "notebooks")
    trail.client_as(role_arn, "nb-1").get_caller_identity()
    assert _lookup(trail, LookupAttributes=_by_user("nb-1"))["Events"] == []
    time.sleep(1.6)
    assert len(_lookup(trail, LookupAttributes=_by_user("nb-1"))["Events"]) == 1


def _names(emulator, **params):
    return [event["EventName"] for event in _lookup(emulator, **params)["Events"]]


def test_read_only_is_awss_value_not_the_verb(trail):
    """Real records show sts:AssumeRole with readOnly true (fixtures/cloudtrail-real)."""
    role_arn = create_role(trail, "notebooks")
    trail.client_as(role_arn, "nb-1").get_caller_identity()
    read_only = [{"AttributeKey": "ReadOnly", "AttributeValue": "true"}]
    assert {"AssumeRole", "GetCallerIdentity"} <= set(_names(trail, LookupAttributes=read_only))
    written = [{"AttributeKey": "ReadOnly", "AttributeValue": "false"}]
    assert "AssumeRole" not in _names(trail, LookupAttributes=written)
    (record,) = [r for r in trail.cloudtrail.records() if r["eventName"] == "AssumeRole"]
    assert record["readOnly"] is True


def test_s3_bucket_calls_are_recorded_as_management_events(trail):
    s3 = trail.client("s3")
    s3.list_buckets()
    s3.create_bucket(Bucket="notebook-data")
    s3.get_bucket_location(Bucket="notebook-data")
    policy = {"Version": "2012-10-17", "Statement": []}
    s3.put_bucket_policy(Bucket="notebook-data", Policy=json.dumps(policy))
    events = _lookup(trail, LookupAttributes=[
        {"AttributeKey": "EventSource", "AttributeValue": "s3.amazonaws.com"}
    ])["Events"]  # fmt: skip
    records = {e["EventName"]: json.loads(e["CloudTrailEvent"]) for e in events}
    assert set(records) == {"ListBuckets", "CreateBucket", "GetBucketLocation", "PutBucketPolicy"}
    bucket = {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::notebook-data"}
    for name, record in records.items():
        assert record["eventCategory"] == "Management" and record["managementEvent"] is True
        assert record["requestParameters"]["Host"] and record["additionalEventData"]
        assert record["readOnly"] is name.startswith(("List", "Get")), name
        if name != "ListBuckets":
            assert record["requestParameters"]["bucketName"] == "notebook-data"
            assert record["resources"] == [bucket]
    assert records["PutBucketPolicy"]["requestParameters"]["bucketPolicy"] == policy


def _select(emulator, **selectors):
    emulator.client("s3").create_bucket(Bucket="trail-logs")
    cloudtrail = emulator.client("cloudtrail")
    cloudtrail.create_trail(Name="data-trail", S3BucketName="trail-logs")
    cloudtrail.put_event_selectors(TrailName="data-trail", **selectors)
    cloudtrail.start_logging(Name="data-trail")


def _data_records(emulator):
    return [r for r in emulator.cloudtrail.records() if r["eventCategory"] == "Data"]


def test_s3_object_calls_are_data_events_only_where_a_trail_selects_them(trail):
    s3 = trail.client("s3")
    s3.create_bucket(Bucket="notebook-data")
    s3.put_object(Bucket="notebook-data", Key="a.csv", Body=b"1,2")
    assert _data_records(trail) == []  # no trail asks for data events: AWS records none
    _select(trail, EventSelectors=[{
        "ReadWriteType": "WriteOnly",
        "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::notebook-data/"]}],
    }])  # fmt: skip
    s3.put_object(Bucket="notebook-data", Key="b.csv", Body=b"3,4")
    s3.get_object(Bucket="notebook-data", Key="b.csv")["Body"].read()  # a read: not selected
    (put,) = _data_records(trail)
    assert put["eventName"] == "PutObject" and put["managementEvent"] is False
    assert put["readOnly"] is False
    assert put["requestParameters"]["bucketName"] == "notebook-data"
    assert put["requestParameters"]["key"] == "b.csv"
    assert put["resources"][0] == {
        "type": "AWS::S3::Object",
        "ARN": "arn:aws:s3:::notebook-data/b.csv",
    }
    assert put["additionalEventData"]["bytesTransferredIn"] == 3
    # LookupEvents returns management events only.
    assert not {"PutObject", "GetObject"} & set(_names(trail))


def test_advanced_selectors_pick_data_events_by_arn_prefix(trail):
    _select(trail, AdvancedEventSelectors=[{"FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
        {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::notebook-data/shared/"]},
    ]}])  # fmt: skip
    s3 = trail.client("s3")
    s3.create_bucket(Bucket="notebook-data")
    s3.put_object(Bucket="notebook-data", Key="private/x", Body=b"x")
    s3.put_object(Bucket="notebook-data", Key="shared/y", Body=b"y")
    s3.get_object(Bucket="notebook-data", Key="shared/y")["Body"].read()
    s3.list_objects_v2(Bucket="notebook-data", Prefix="shared/")
    assert [(r["eventName"], r["readOnly"]) for r in _data_records(trail)] == [
        ("PutObject", False), ("GetObject", True), ("ListObjects", True),
    ]  # fmt: skip


def test_data_events_reach_eventbridge_only_as_a_trail_selects_them(trail):
    start_trail(trail)  # logging, but for management events only
    events = trail.client("events")
    events.put_rule(Name="s3-calls", EventPattern=json.dumps({"source": ["aws.s3"]}),
                    State="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")  # fmt: skip
    record = {
        "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "readOnly": True,
        "eventCategory": "Data", "eventTime": "2026-01-01T00:00:00Z",
        "recipientAccountId": ACCOUNT, "awsRegion": "us-east-1",
        "resources": [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::notebook-data/a"}],
    }  # fmt: skip
    assert forward(dict(record)) == 0
    trail.client("cloudtrail").put_event_selectors(TrailName=TRAIL, EventSelectors=[{
        "ReadWriteType": "All",
        "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
    }])  # fmt: skip
    assert forward(dict(record)) == 1


def test_sns_publish_is_a_data_event(trail):
    sns = trail.client("sns")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    sns.publish(TopicArn=topic, Message="m")
    assert "Publish" not in _names(trail) and _data_records(trail) == []


def test_virtual_hosted_s3_requests_name_their_bucket():
    environ = {"REQUEST_METHOD": "GET", "HTTP_HOST": "notebook-data.s3.us-east-1.amazonaws.com",
               "PATH_INFO": "/dir/a%20b.csv", "QUERY_STRING": ""}  # fmt: skip
    call = parse_s3(environ, b"", ACCOUNT)
    assert call is not None and call.event_name == "GetObject" and call.data_event
    assert call.parameters["bucketName"] == "notebook-data"
    assert call.parameters["key"] == "dir/a b.csv"


def test_reset_puts_the_knobs_back_as_they_were_made(emulator):
    """A test that turned a knob and failed before turning it back leaks nothing past the
    next clean_emulator."""
    made = (emulator.cloudtrail.delivery_delay, emulator.cloudtrail.lookup_rate,
            emulator.cloudtrail.throttle_probability, emulator.cloudtrail.log_files.interval,
            emulator.athena.queued_seconds, emulator.athena.running_seconds)  # fmt: skip
    emulator.cloudtrail.delivery_delay, emulator.cloudtrail.lookup_rate = 9.0, None
    emulator.cloudtrail.throttle_probability, emulator.cloudtrail.log_files.interval = 1.0, 1.0
    emulator.athena.queued_seconds, emulator.athena.running_seconds = 7.0, 8.0
    emulator.reset()
    assert (emulator.cloudtrail.delivery_delay, emulator.cloudtrail.lookup_rate,
            emulator.cloudtrail.throttle_probability, emulator.cloudtrail.log_files.interval,
            emulator.athena.queued_seconds, emulator.athena.running_seconds) == made  # fmt: skip
