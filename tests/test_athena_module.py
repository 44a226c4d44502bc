"""modules/athena-attribution on the emulator: the Glue table with partition projection, the
workgroup with encrypted, enforced results, the named queries; and its bad inputs at plan.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from batched_cases import CaseRuns, apply_cases
from iam_simulate import Request, simulate
from manual_clock import ManualClock
from nbattr.attribute.athena import AthenaRunner
from nbattr.attribute.baseline import attribute_records
from nbattr.attribute.command import add_arguments, run
from nbattr.attribute.report import render_json
from nbattr.attribute.window import window_of
from nbattr.emulator.constants import ACCOUNT_ID, DEFAULT_REGION
from nbattr.harness.toolchain import find_project_root
from nbattr.harness.workspace import prepare
from nbattr.trail_files import encode_log_file, log_file_key
from trail_logs import OBJECT_URL, record_activity

PROJECT = find_project_root(Path(__file__).parent)

MODULE = "modules/athena-attribution"
TRAIL_BUCKET = "org-trail-logs"
ORG = "o-a1b2c3d4e5"
GOOD: dict[str, Any] = {
    "name": "attribution",
    "trail_bucket_name": TRAIL_BUCKET,
    "trail_prefix": "audit",
    "organization_id": ORG,
    "account_ids": ["123456789012", "210987654321"],
    "regions": ["us-east-1", "eu-west-1"],
    "start_date": "2026/01/01",
    "force_destroy": True,
    "trail_kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2",
}


def _athena_leftovers(emulator) -> str:
    groups = [g["Name"] for g in emulator.client("athena").list_work_groups()["WorkGroups"]]
    databases = emulator.client("glue").get_databases()["DatabaseList"]
    left = [g for g in groups if g != "primary"] + [d["Name"] for d in databases]
    return " ".join(left)


@pytest.mark.long
@pytest.mark.parametrize("engine", ["terraform", "opentofu"])
def test_module_applies_replans_clean_and_destroys(engine, request, clean_emulator, tmp_path,
                                                   capsys):  # fmt: skip
    """Applied, queried, re-planned empty and destroyed, under Terraform and OpenTofu."""
    tools = request.getfixturevalue("tools" if engine == "terraform" else "opentofu")
    ws = prepare(tools, clean_emulator, tmp_path / "tree", MODULE, project=PROJECT)
    ws.init()
    (ws.path / "case.auto.tfvars.json").write_text(json.dumps(GOOD))
    try:
        ws.apply()
        outputs = ws.outputs()
        glue = clean_emulator.client("glue")
        table = glue.get_table(DatabaseName=outputs["database_name"], Name="cloudtrail_logs")
        table = table["Table"]
        template = f"s3://{TRAIL_BUCKET}/audit/AWSLogs/{ORG}/${{account}}/CloudTrail/${{region}}/${{timestamp}}"
        assert table["Parameters"]["storage.location.template"] == template
        assert table["Parameters"]["projection.account.values"] == "123456789012,210987654321"
        assert table["Parameters"]["projection.timestamp.range"] == "2026/01/01,NOW"
        assert [k["Name"] for k in table["PartitionKeys"]] == ["account", "region", "timestamp"]
        descriptor = table["StorageDescriptor"]
        assert descriptor["Location"] == f"s3://{TRAIL_BUCKET}/audit/AWSLogs/{ORG}/"
        assert descriptor["InputFormat"] == "com.amazon.emr.cloudtrail.CloudTrailInputFormat"
        group = clean_emulator.client("athena").get_work_group(WorkGroup="attribution")
        configuration = group["WorkGroup"]["Configuration"]
        assert configuration["EnforceWorkGroupConfiguration"] is True
        results = configuration["ResultConfiguration"]
        assert results["EncryptionConfiguration"] == {
            "EncryptionOption": "SSE_KMS",
            "KmsKey": outputs["results_kms_key_arn"],
        }
        assert results["OutputLocation"] == f"s3://{outputs['results_bucket_name']}/attribution/"
        s3 = clean_emulator.client("s3")
        bucket = outputs["results_bucket_name"]
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert all(block.values())
        assert set(outputs["named_query_ids"]) == {
            "calls-per-notebook", "unattributed-calls", "who-touched-resource"
        }  # fmt: skip
        athena = clean_emulator.client("athena")
        for query_id in outputs["named_query_ids"].values():
            saved = athena.get_named_query(NamedQueryId=query_id)["NamedQuery"]
            assert (
                saved["WorkGroup"] == "attribution"
                and "FROM cloudtrail_logs" in saved["QueryString"]
            )
        _check_queries_over_trail_files(clean_emulator, outputs, capsys)
        _check_athena_equals_the_python_analysis(clean_emulator, outputs, capsys)
        _check_query_policy(clean_emulator, json.loads(outputs["query_policy_json"]), outputs)
        replan = ws.run("plan", "-detailed-exitcode", "-input=false", "-no-color")
        assert replan.retcode == 0, f"second plan is not empty:\n{replan.out}"
    finally:
        ws.destroy()
    assert _athena_leftovers(clean_emulator) == ""


ROLE = "team-role"
OBJECT = "arn:aws:s3:::patients/patients.csv"


def _record(account: str, region: str, when: datetime, session: str, n: int) -> dict[str, Any]:
    """A CloudTrail record of the role's session, in the shape of the real ones
    (tests/fixtures/cloudtrail-real): camel-case keys, nested identity, JSON parameters."""
    get_object = session == "nb-1" and n == 0
    return {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "arn": f"arn:aws:sts::{account}:assumed-role/{ROLE}/{session}",
            "accountId": account,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "arn": f"arn:aws:iam::{account}:role/{ROLE}",
                    "accountId": account,
                    "userName": ROLE,
                },
                "attributes": {"mfaAuthenticated": "false"},
            },
        },
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": "s3.amazonaws.com" if get_object else "sts.amazonaws.com",
        "eventName": "GetObject" if get_object else "GetCallerIdentity",
        "awsRegion": region,
        "requestParameters": {"bucketName": "patients", "key": "patients.csv"}
        if get_object
        else None,
        "readOnly": True,
        "eventID": f"{account}-{region}-{session}-{when:%Y%m%d}-{n}",
        "resources": [{"type": "AWS::S3::Object", "ARN": OBJECT}] if get_object else [],
        "eventType": "AwsApiCall",
        "recipientAccountId": account,
    }


# (account, region, day, session, calls); the last three lie outside the table's projection
# (an account and a region not listed, a day before start_date) and must not be read.
TRAIL = [
    ("123456789012", "us-east-1", "2026-03-05", "nb-1", 3),
    ("123456789012", "us-east-1", "2026-03-05", "SageMaker", 1),
    ("123456789012", "us-east-1", "2026-03-05", "nb-2", 1),
    ("210987654321", "eu-west-1", "2026-03-06", "nb-2", 2),
    ("999999999999", "us-east-1", "2026-03-05", "nb-3", 5),
    ("123456789012", "ap-south-1", "2026-03-05", "nb-3", 5),
    ("123456789012", "us-east-1", "2025-12-31", "nb-1", 4),
]


def _trail_files() -> Iterator[tuple[str, str, datetime, list[dict[str, Any]]]]:
    """TRAIL as log files: (account, region, delivery time, records) each."""
    for account, region, day, session, calls in TRAIL:
        when = datetime.fromisoformat(day).replace(hour=10, tzinfo=timezone.utc)
        yield account, region, when, [_record(account, region, when, session, n)
                                      for n in range(calls)]  # fmt: skip


def _deliver_trail(emulator) -> None:
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket=TRAIL_BUCKET)
    for account, region, when, records in _trail_files():
        key = log_file_key(account, region, when, prefix="audit", organization_id=ORG)
        s3.put_object(Bucket=TRAIL_BUCKET, Key=key, Body=encode_log_file(records))


@contextmanager
def _athena_runner(emulator, outputs) -> Iterator[AthenaRunner]:
    """A runner in the module's workgroup; Athena's QUEUED and RUNNING pass as it waits."""
    clock = ManualClock()
    emulator.athena.use_clock(clock)
    try:
        yield AthenaRunner(emulator.client("athena"), outputs["workgroup_name"],
                           outputs["database_name"], clock=clock)  # fmt: skip
    finally:
        emulator.athena.use_clock(None)


def _attribute_on_athena(runner, outputs, capsys, *args: str) -> dict[str, Any]:
    """`nbattr attribute --athena ... ARGS --format json` through `runner`: its report."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    parsed = parser.parse_args(["--athena", "--workgroup", outputs["workgroup_name"],
                                "--database", outputs["database_name"], *args,
                                "--format", "json"])  # fmt: skip
    assert run(parsed, athena=runner) == 0
    return json.loads(capsys.readouterr().out)


def _check_queries_over_trail_files(emulator, outputs, capsys) -> None:
    """`nbattr attribute --athena` and the saved queries, run on the module's table over trail
    files in the organisation layout: only the projected accounts, regions and days count."""
    _deliver_trail(emulator)
    with _athena_runner(emulator, outputs) as runner:

        def attribute(account: str) -> dict[str, Any]:
            role = f"arn:aws:iam::{account}:role/{ROLE}"
            return _attribute_on_athena(runner, outputs, capsys, "--role", role)

        # One account's role: nb-3 (a region not projected) and nb-1's day before start_date
        # are not read; the bare SageMaker call is unattributed.
        home = attribute("123456789012")
        calls = {name: row["calls"] for name, row in home["notebooks"].items()}
        assert calls == {"nb-1": 3, "nb-2": 1}
        assert home["notebooks"]["nb-1"]["event_names"] == ["GetCallerIdentity", "GetObject"]
        assert [u["eventID"] for u in home["unattributed"]] == [
            "123456789012-us-east-1-SageMaker-20260305-0"
        ]
        other = attribute("210987654321")
        assert {name: row["calls"] for name, row in other["notebooks"].items()} == {"nb-2": 2}
        assert other["notebooks"]["nb-2"]["first_seen"] == "2026-03-06T10:00:00Z"
        saved = emulator.client("athena").get_named_query(
            NamedQueryId=outputs["named_query_ids"]["who-touched-resource"]
        )["NamedQuery"]["QueryString"]
        march = ["'2026/03/01'", "'2026/03/31'"]
        touched = runner.rows(saved, [f"'{OBJECT}'", *march])
        assert [(row["session"], row["eventname"]) for row in touched] == [("nb-1", "GetObject")]
        # The days are partitions: a range without 2026/03/05 reads none of its files.
        assert runner.rows(saved, [f"'{OBJECT}'", "'2026/03/06'", "'2026/03/31'"]) == []
        per_notebook = emulator.client("athena").get_named_query(
            NamedQueryId=outputs["named_query_ids"]["calls-per-notebook"]
        )["NamedQuery"]["QueryString"]
        # By the role's name: its sessions in both projected accounts.
        rows = runner.rows(per_notebook, [f"'{ROLE}'", *march])
        assert {row["notebook"]: row["calls"] for row in rows} == {"nb-1": 3, "nb-2": 3}
        bare = emulator.client("athena").get_named_query(
            NamedQueryId=outputs["named_query_ids"]["unattributed-calls"]
        )["NamedQuery"]["QueryString"]
        assert [row["eventid"] for row in runner.rows(bare, [f"'{ROLE}'", *march])] == [
            "123456789012-us-east-1-SageMaker-20260305-0"
        ]


def _check_athena_equals_the_python_analysis(emulator, outputs, capsys) -> None:
    """Activity the emulator recorded (bypasses, spoofs, an S3 read), delivered in the
    organisation layout: `attribute --athena` reports what the plain-Python analysis of the
    same records reports (Athena gives no file count: the one field left out)."""
    role = record_activity(emulator)
    records = emulator.cloudtrail.records()
    assert {r["awsRegion"] for r in records} == {DEFAULT_REGION}  # projected, as is the account
    s3 = emulator.client("s3")
    for chunk in (records[index::3] for index in range(3)):
        last = max(r["eventTime"] for r in chunk)
        delivered = datetime.strptime(last, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        key = log_file_key(ACCOUNT_ID, DEFAULT_REGION, delivered, prefix="audit",
                           organization_id=ORG)  # fmt: skip
        s3.put_object(Bucket=TRAIL_BUCKET, Key=key, Body=encode_log_file(chunk))
    # Every projected record in the bucket: these, and TRAIL's inside the projection.
    projected = [
        record
        for account, region, when, trail_records in _trail_files()
        if account in GOOD["account_ids"] and region in GOOD["regions"]
        and f"{when:%Y/%m/%d}" >= GOOD["start_date"]
        for record in trail_records
    ] + records  # fmt: skip
    window = window_of(None, None, datetime.now(timezone.utc))
    expected = json.loads(render_json(attribute_records(projected, role, window, 0, OBJECT_URL)))
    with _athena_runner(emulator, outputs) as runner:
        got = _attribute_on_athena(runner, outputs, capsys, "--role", role,
                                   "--resource", OBJECT_URL)  # fmt: skip
    for volatile in ("until", "files"):  # "now" of each run; a count only files have
        expected.pop(volatile), got.pop(volatile)
    assert got == expected
    assert got["notebooks"] and got["unattributed"] and got["spoofed"] and got["touches"]


def _check_query_policy(emulator, policy: dict[str, Any], outputs: dict[str, Any]) -> None:
    """query_policy_json, judged by IAM's rules (iam-simulate): what a query needs, on this
    workgroup, table, trail and results location only; the results key's own policy (KMS
    needs it to allow too) is the one the module gave it."""
    athena, glue = (f"arn:aws:{s}:{DEFAULT_REGION}:{ACCOUNT_ID}" for s in ("athena", "glue"))
    workgroup = f"{athena}:workgroup/{outputs['workgroup_name']}"
    database, table = outputs["database_name"], outputs["table_name"]
    results = f"arn:aws:s3:::{outputs['results_bucket_name']}"
    trail_file = (f"arn:aws:s3:::{TRAIL_BUCKET}/audit/AWSLogs/{ORG}/123456789012/CloudTrail/"
                  "us-east-1/2026/03/05/x.json.gz")  # fmt: skip
    cases = {  # (action, resource) -> allowed
        ("athena:StartQueryExecution", workgroup): True,
        ("athena:GetQueryResults", workgroup): True,
        ("athena:StartQueryExecution", workgroup.replace("attribution", "primary")): False,
        ("athena:DeleteWorkGroup", workgroup): False,
        ("glue:GetTable", f"{glue}:table/{database}/{table}"): True,
        ("glue:GetTable", f"{glue}:database/{database}"): True,
        ("glue:GetTable", f"{glue}:catalog"): True,
        ("glue:GetTable", f"{glue}:table/{database}/other"): False,
        ("glue:DeleteTable", f"{glue}:table/{database}/{table}"): False,
        ("s3:GetObject", trail_file): True,
        ("s3:GetObject", f"arn:aws:s3:::{TRAIL_BUCKET}/elsewhere/x.json.gz"): False,
        ("s3:GetObject", trail_file.replace("123456789012", "999999999999")): False,  # unlisted
        ("s3:GetObject", trail_file.replace("/CloudTrail/", "/CloudTrail-Digest/")): False,
        ("s3:PutObject", trail_file): False,
        ("s3:ListBucket", f"arn:aws:s3:::{TRAIL_BUCKET}"): True,
        ("s3:PutObject", f"{results}/attribution/q.csv"): True,
        ("s3:PutObject", f"{results}/elsewhere/q.csv"): False,
        ("s3:DeleteObject", f"{results}/attribution/q.csv"): False,
        ("kms:Decrypt", outputs["results_kms_key_arn"]): True,
        ("kms:Encrypt", outputs["results_kms_key_arn"]): False,
        ("kms:Decrypt", GOOD["trail_kms_key_arn"]): True,
        ("kms:GenerateDataKey", GOOD["trail_kms_key_arn"]): False,
    }
    principal = f"arn:aws:iam::{ACCOUNT_ID}:role/incident-responder"
    key = outputs["results_kms_key_arn"]
    key_policy = json.loads(
        emulator.client("kms").get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    )
    # The trail's key is the caller's; its policy here is KMS's default (the account's IAM
    # policies decide), so the query policy alone grants or refuses.
    default_key_policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
        "Action": "kms:*", "Resource": "*",
    }]}  # fmt: skip
    key_policies = {key: key_policy, GOOD["trail_kms_key_arn"]: default_key_policy}
    decisions = simulate([
        Request(principal, action, resource, ACCOUNT_ID, {}, {"query": policy},
                key_policies.get(resource))
        for action, resource in cases
    ])  # fmt: skip
    got = {case: d.decision == "Allowed" for case, d in zip(cases, decisions, strict=True)}
    assert got == cases, [d.errors for d in decisions if d.errors]


KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "name with an underscore": (
        {"name": "my_group"},
        ["athena attribution name must be 1-62 lower-case letters", '"my_group"'],
    ),
    "trail bucket given as a URL": (
        {"trail_bucket_name": "s3://org-trail-logs"},
        ["trail_bucket_name must be an S3 bucket name", '"s3://org-trail-logs"'],
    ),
    "trail prefix with slashes": (
        {"trail_prefix": "/audit/"},
        ["trail_prefix must not start or end with a slash", '"/audit/"'],
    ),
    "organization id that is an account": (
        {"organization_id": "123456789012"},
        ["organization_id must be an AWS Organizations ID", '"123456789012"'],
    ),
    "short account id": (
        {"account_ids": ["12345"]},
        ["account_ids must list at least one 12-digit AWS account ID", '"12345"'],
    ),
    "no account": (
        {"account_ids": []},
        ["account_ids must list at least one 12-digit AWS account ID", "got []"],
    ),
    "account listed twice": (
        {"account_ids": ["123456789012", "123456789012"]},
        ["account_ids must not list an account twice", "123456789012"],
    ),
    "region without hyphens": (
        {"regions": ["useast1"]},
        ["regions must list at least one AWS region code", '"useast1"'],
    ),
    "start date with hyphens": (
        {"start_date": "2026-01-01"},
        ["start_date must be a date YYYY/MM/DD", '"2026-01-01"'],
    ),
    "start date that is no day": (
        {"start_date": "2026/02/30"},
        ["start_date must be a date YYYY/MM/DD", '"2026/02/30"'],
    ),
    "table name with capitals and hyphens": (
        {"table_name": "CloudTrail-Logs"},
        ["table_name must be lower-case letters, digits and underscores", '"CloudTrail-Logs"'],
    ),
    "client-side encryption of results": (
        {"results_encryption": "CSE_KMS"},
        ["results_encryption must be SSE_KMS or SSE_S3", '"CSE_KMS"'],
    ),
    "results key given as an alias": (
        {"results_kms_key_arn": "alias/athena"},
        ["results_kms_key_arn must be a KMS key ARN", '"alias/athena"'],
    ),
    "results key with SSE_S3": (
        {"results_encryption": "SSE_S3", "results_kms_key_arn": KEY},
        ['results_kms_key_arn goes with results_encryption = "SSE_KMS" only', KEY],
    ),
    "trail key given as an alias": (
        {"trail_kms_key_arn": "alias/cloudtrail"},
        ["trail_kms_key_arn must be a KMS key ARN", '"alias/cloudtrail"'],
    ),
    "retention of half a day": (
        {"results_retention_days": 0.5},
        ["results_retention_days must be a whole number of days", "got 0.5"],
    ),
}


@pytest.fixture(scope="module", params=["terraform", "opentofu"])
def validation_runs(request, emulator, tmp_path_factory) -> CaseRuns:
    """Every bad input's plan, under Terraform and under OpenTofu."""
    tools = request.getfixturevalue("tools" if request.param == "terraform" else "opentofu")
    emulator.reset()
    return apply_cases(
        tools,
        emulator,
        tmp_path_factory.mktemp("athena-cases"),
        GOOD,
        CASES,
        lambda: _athena_leftovers(emulator),
        module=MODULE,
    )


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_fails_at_plan_and_creates_nothing(case, validation_runs):
    assert validation_runs.errors[case], validation_runs.report(case)
    assert case not in validation_runs.created, validation_runs.created[case]
