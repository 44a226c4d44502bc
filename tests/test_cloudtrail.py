"""The emulator's CloudTrail: records of real requests, and LookupEvents with AWS semantics."""

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

from calls import ACCOUNT, create_role


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


def test_lookups_beyond_two_per_second_are_throttled(clean_emulator):
    clean_emulator.cloudtrail.lookup_rate = 2.0
    requests = 16
    clients = [
        boto3.client(
            "cloudtrail",
            endpoint_url=clean_emulator.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1}),  # see every refusal
        )
        for _ in range(requests)
    ]
    together = threading.Barrier(requests)

    def lookup(client) -> str:
        together.wait()  # all at once, however loaded the machine is
        try:
            client.lookup_events(MaxResults=1)
            return "ok"
        except ClientError as error:
            return str(error.response["Error"]["Code"])

    started = time.monotonic()
    with ThreadPoolExecutor(requests) as pool:
        codes = list(pool.map(lookup, clients))
    elapsed = time.monotonic() - started
    assert set(codes) == {"ok", "ThrottlingException"}, codes
    assert 2 <= codes.count("ok") <= 2 + math.ceil(2 * elapsed)  # a bucket of 2, refilled at 2/s


def test_delivery_delay_hides_fresh_events(trail):
    trail.cloudtrail.delivery_delay = 1.5
    role_arn = create_role(trail, "notebooks")
    trail.client_as(role_arn, "nb-1").get_caller_identity()
    assert _lookup(trail, LookupAttributes=_by_user("nb-1"))["Events"] == []
    time.sleep(1.6)
    assert len(_lookup(trail, LookupAttributes=_by_user("nb-1"))["Events"]) == 1
