"""`nbattr attribute` over log files of activity the emulator recorded: the DuckDB result
equals the plain-Python analysis on the same records, names who read an object, finds the
bypasses and spoofs `verify` finds, prunes date folders, and exits as `verify` does."""

from __future__ import annotations

import argparse
import io
import json
from contextlib import redirect_stderr, redirect_stdout
from datetime import datetime, timezone

import duckdb
import pytest
import sqlglot

from nbattr.attribute.baseline import attribute_records
from nbattr.attribute.command import add_arguments, run
from nbattr.attribute.report import render_json
from nbattr.attribute.sql import QUERIES, query
from nbattr.attribute.window import window_of
from nbattr.emulator.constants import ACCOUNT_ID, TEST_CREDENTIALS
from nbattr.trail_files import decode_log_file
from trail_logs import BUCKET, KEY, OBJECT_URL, record_activity, write_log_files

OBJECT_ARN = f"arn:aws:s3:::{BUCKET}/{KEY}"


@pytest.fixture
def trail(clean_emulator, tmp_path):
    """(role ARN, folder of log files, the records in them)."""
    role = record_activity(clean_emulator)
    records = clean_emulator.cloudtrail.records()
    write_log_files(records, tmp_path / "logs")
    return role, tmp_path / "logs", records


def attribute(*args: str, session=None) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="nbattr attribute")
    add_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = run(parser.parse_args(list(args)), session=session)
    return code, out.getvalue(), err.getvalue()


def as_json(*args: str, **kw) -> dict:
    code, out, err = attribute(*args, "--format", "json", **kw)
    assert code == 0, err
    return json.loads(out)


def test_duckdb_equals_the_python_analysis_on_the_same_records(trail):
    role, logs, _ = trail
    files = sorted(p for p in logs.rglob("*") if p.is_file())
    records = [r for path in files for r in decode_log_file(path.read_bytes())]
    window = window_of(None, None, datetime.now(timezone.utc))
    expected = json.loads(render_json(attribute_records(records, role, window, len(files),
                                                        OBJECT_URL)))  # fmt: skip
    got = as_json(str(logs), "--role", role, "--resource", OBJECT_URL)
    for volatile in ("until",):  # "now" differs between the two runs
        expected.pop(volatile), got.pop(volatile)
    assert got == expected
    assert got["notebooks"] and got["unattributed"] and got["spoofed"] and got["touches"]


def test_names_each_notebook_with_its_calls_and_what_it_touched(trail):
    role, logs, _ = trail
    report = as_json(str(logs), "--role", role)
    assert sorted(report["notebooks"]) == ["nb-1", "nb-2", "nb-3"]
    nb1 = report["notebooks"]["nb-1"]
    assert "GetObject" in nb1["event_names"] and OBJECT_ARN in nb1["resources"]
    assert nb1["calls"] >= 2 and nb1["first_seen"] <= nb1["last_seen"]
    assert OBJECT_ARN not in report["notebooks"]["nb-2"]["resources"]


def test_bypasses_and_spoofs_are_verifys_findings(trail):
    role, logs, _ = trail
    report = as_json(str(logs), "--role", role)
    bypasses = sorted((c["event_name"], c["likely_from"]) for c in report["unattributed"])
    assert bypasses == [("GetCallerIdentity", "nb-2"), ("GetObject", "nb-3")]
    assert all(c["eventID"] for c in report["unattributed"])
    spoofs = sorted((s["claimed"], s["used_by"], s["evidence"].split(":")[0])
                    for s in report["spoofed"])  # fmt: skip
    assert spoofs == [("nb-1", "nb-3", "chained"), ("nb-2", "nb-1", "base-credentials")]
    assert all(s["eventID"] for s in report["spoofed"])
    code, table, _ = attribute(str(logs), "--role", role)
    assert code == 0
    assert "UNATTRIBUTED: 2 call(s) under the bare SageMaker session" in table
    assert "SPOOFED: 2 session name(s) used by another notebook" in table
    assert "as nb-2 by nb-1: base-credentials:" in table


def test_who_touched_an_object_newest_first(trail):
    role, logs, _ = trail
    touches = as_json(str(logs), "--role", role, "--resource", OBJECT_URL)["touches"]
    reads = [t for t in touches if t["event_name"] == "GetObject"]
    # nb-1's read, then nb-3's bypass: nb-3's is newer unless both fell in one second
    # (eventTime has whole seconds), when the tie goes by event ID.
    assert len(reads) == 2
    assert {(t["notebook"], t["likely_from"]) for t in reads} == {(None, "nb-3"), ("nb-1", None)}
    if reads[0]["time"] != reads[1]["time"]:
        assert reads[0]["likely_from"] == "nb-3"
    newest_first = sorted(touches, key=lambda t: t["eventID"])
    newest_first.sort(key=lambda t: t["time"], reverse=True)  # stable: ties stay by event ID
    assert touches == newest_first
    by_arn = as_json(str(logs), "--role", role, "--resource", OBJECT_ARN)["touches"]
    assert by_arn == touches


@pytest.mark.parametrize(
    ("flag", "kind"), [("--fail-on-unattributed", "unattributed"), ("--fail-on-spoof", "spoof")]
)
def test_fails_on_findings_only_when_asked(trail, flag, kind):
    role, logs, _ = trail
    assert attribute(str(logs), "--role", role, flag)[0] == 1
    honest = [r for r in trail[2] if "SageMaker" not in str(r["userIdentity"].get("arn"))
              and r["eventName"] != "AssumeRole"]  # fmt: skip
    clean = logs.parent / "clean"
    write_log_files(honest, clean)
    assert attribute(str(clean), "--role", role, flag)[0] == 0


def test_role_by_name_is_found_in_the_trail(trail):
    role, logs, _ = trail
    by_name, by_arn = (as_json(str(logs), "--role", r) for r in ("forensic-notebooks", role))
    by_name.pop("until"), by_arn.pop("until")  # "now" of each run: a second apart at times
    assert by_name == by_arn


def test_date_folders_outside_the_window_are_not_read(trail):
    role, logs, _ = trail
    old = logs / f"trail/AWSLogs/{ACCOUNT_ID}/CloudTrail/us-east-1/2019/01/01"
    old.mkdir(parents=True)
    (old / "broken.json.gz").write_bytes(b"not a log file")  # read, it would fail the run
    report = as_json(str(logs), "--role", role, "--since", "30d")
    assert report["files"] == 4 and sorted(report["notebooks"]) == ["nb-1", "nb-2", "nb-3"]
    for window in (["--since", "2018-12-31", "--until", "2019-01-01T00:00:01Z"], []):
        code, _, err = attribute(str(logs), "--role", role, *window)  # the 2019 folder is read
        assert code == 2 and "cannot read the log files" in err and "broken.json.gz" in err, err


def test_reads_an_s3_prefix_like_the_folder(trail, clean_emulator):
    role, logs, _ = trail
    s3 = clean_emulator.client("s3")
    for path in logs.rglob("*"):
        if path.is_file():
            s3.put_object(Bucket="trail-logs", Key=str(path.relative_to(logs)),
                          Body=path.read_bytes())  # fmt: skip
    s3.put_object(Bucket="trail-logs", Key=f"trail/AWSLogs/{ACCOUNT_ID}/CloudTrail/us-east-1/"
                  "2019/01/01/broken.json.gz", Body=b"not a log file")  # fmt: skip
    import boto3

    session = boto3.Session(
        aws_access_key_id=TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )
    args = ["--role", role, "--since", "2020-01-01", "--endpoint-url", clean_emulator.endpoint]
    from_s3 = as_json("s3://trail-logs/trail", *args, session=session)
    assert from_s3 == as_json(str(logs), "--role", role, "--since", "2020-01-01") | {
        "until": from_s3["until"]
    }


def test_csv_and_parquet_hold_one_row_per_finding(trail, tmp_path):
    role, logs, _ = trail
    code, out, _ = attribute(str(logs), "--role", role, "--format", "csv")
    assert code == 0
    kinds = [line.split(",")[0] for line in out.splitlines()[1:]]
    assert kinds.count("notebook") == 3 and kinds.count("unattributed") == 2
    target = tmp_path / "report.parquet"
    assert (
        attribute(str(logs), "--role", role, "--format", "parquet", "--output", str(target))[0] == 0
    )
    rows = duckdb.sql(f"SELECT kind, count(*) FROM '{target}' GROUP BY kind").fetchall()
    assert dict(rows) == {"notebook": 3, "unattributed": 2, "spoofed": 2}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "r"], "pass the trail's log files"),
        (["LOGS", "--role", "arn:aws:iam::1:user/x"], "is not an IAM role ARN"),
        (["LOGS", "--role", "r", "--since", "yesterday"], "--since 'yesterday'"),
        (["LOGS", "--role", "r", "--since", "1d", "--until", "2d"], "is not before --until"),
        (["LOGS", "--role", "r", "--format", "parquet"], "pass --output FILE"),
        (["LOGS", "--role", "nobody"], "--role nobody: no role of that name"),
        (["MISSING", "--role", "r"], "no such file or folder"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(trail, args, message):
    logs = trail[1]
    args = [str(logs) if a == "LOGS" else str(logs / "missing") if a == "MISSING" else a
            for a in args]  # fmt: skip
    code, _, err = attribute(*args)
    assert code == 2 and message in err, err


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_each_query_renders_for_athena_as_trino_sql(name):
    params = {"since": "2026-01-01T00:00:00Z", "until": "2026-02-01T00:00:00Z",
              "first_day": "2026/01/01", "last_day": "2026/02/02"}  # fmt: skip
    extra = {
        "role_arns": {"role_name": "r"},
        "resource_events": {"resource_arn": OBJECT_ARN, "bucket": BUCKET, "key": KEY},
    }.get(name, {"role_arn": "arn:aws:iam::123456789012:role/r"})
    athena = query(name, "athena", **params, **extra)
    sqlglot.parse_one(athena, read="trino")  # raises on what Trino would not parse
    assert "json_extract_scalar" in athena or name in {"notebooks", "role_arns"}
    assert "\"timestamp\" BETWEEN '2026/01/01' AND '2026/02/02'" in athena


def test_parameters_of_other_shapes_are_read_as_the_python_analysis_reads_them(tmp_path):
    """Real data events put objects where S3's are text (DynamoDB's `key` is the item's key
    map) and some resources[] entries carry no ARN: read alike by both engines, no error."""
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/r"
    table = f"arn:aws:dynamodb:us-east-1:{ACCOUNT_ID}:table/t"
    record = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole", "arn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/r/nb-1",
            "accessKeyId": "ASIAEXAMPLE",
            "sessionContext": {"sessionIssuer": {"type": "Role", "arn": role, "userName": "r"}},
        },
        "eventTime": "2026-11-01T00:00:00Z", "eventSource": "dynamodb.amazonaws.com",
        "eventName": "GetItem", "awsRegion": "us-east-1", "sourceIPAddress": "10.0.0.5",
        "requestParameters": {"tableName": "t", "key": {"id": {"S": "x"}}},
        "eventID": "dynamodb-1",
        "resources": [{"type": "AWS::DynamoDB::Table", "ARN": table}, {"type": "AWS::KMS::Key"}],
    }  # fmt: skip
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "f.json").write_text(json.dumps({"Records": [record]}))
    window = window_of(None, None, datetime.now(timezone.utc))
    expected = json.loads(render_json(attribute_records([record], role, window, 1, table)))
    got = as_json(str(logs), "--role", role, "--resource", table)
    expected.pop("until"), got.pop("until")
    assert got == expected
    assert got["notebooks"]["nb-1"]["resources"] == [table]
    assert [t["eventID"] for t in got["touches"]] == ["dynamodb-1"]
