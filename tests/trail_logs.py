"""A trail's log files for `nbattr attribute` tests: activity recorded by the emulator's own
CloudTrail recorder (real boto3 calls), written as CloudTrail delivers it (trail_files)."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import boto3

from calls import assume, assumed_session, create_role
from nbattr.emulator.constants import ACCOUNT_ID, DEFAULT_REGION
from nbattr.trail_files import encode_log_file, log_file_key

BUCKET, KEY = "patients-data", "cohort/patients.csv"
OBJECT_URL = f"s3://{BUCKET}/{KEY}"


def instance(emulator: Any, role_arn: str) -> boto3.Session:
    """A notebook instance's base credentials (session SageMaker, one key per instance)."""
    return assumed_session(emulator.client("sts"), role_arn, "SageMaker")


def record_activity(emulator: Any) -> str:
    """Three notebooks of one role at work, with S3 data events logged: nb-1 reads the
    object; nb-3's base credentials read it too (a bypass); nb-2's base credentials call STS
    (a bypass); nb-1's base key assumes the role as nb-2 and nb-3's session re-assumes it as
    nb-1 (spoofs); another role's `nb-1` session (not ours). Returns the role's ARN."""
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"id,name\n1,a\n")
    s3.create_bucket(Bucket="trail-logs")
    cloudtrail = emulator.client("cloudtrail")
    cloudtrail.create_trail(Name="forensics", S3BucketName="trail-logs")
    cloudtrail.put_event_selectors(TrailName="forensics", EventSelectors=[{
        "ReadWriteType": "All",
        "DataResources": [{"Type": "AWS::S3::Object", "Values": [f"arn:aws:s3:::{BUCKET}/"]}],
    }])  # fmt: skip
    cloudtrail.start_logging(Name="forensics")
    role = create_role(emulator, "forensic-notebooks")
    nb1, nb2, nb3 = (instance(emulator, role) for _ in range(3))
    endpoint = emulator.endpoint

    def base(session: boto3.Session, service: str) -> Any:
        return session.client(service, endpoint_url=endpoint)

    assume(base(nb1, "sts"), role, "nb-1", "s3").get_object(Bucket=BUCKET, Key=KEY)["Body"].read()
    assume(base(nb1, "sts"), role, "nb-1").get_caller_identity()
    assume(base(nb2, "sts"), role, "nb-2").get_caller_identity()
    assume(base(nb2, "sts"), role, "nb-2", "sagemaker").list_notebook_instances()
    own3 = assume(base(nb3, "sts"), role, "nb-3")
    own3.get_caller_identity()
    base(nb2, "sts").get_caller_identity()  # bypass, nb-2's credentials
    base(nb3, "s3").get_object(Bucket=BUCKET, Key=KEY)["Body"].read()  # bypass, nb-3's
    assume(base(nb1, "sts"), role, "nb-2").get_caller_identity()  # nb-1 poses as nb-2
    assume(own3, role, "nb-1").get_caller_identity()  # nb-3's session becomes nb-1
    other = create_role(emulator, "someone-elses")
    emulator.client_as(other, "nb-1").get_caller_identity()
    return role


def write_log_files(records: list[dict[str, Any]], root: Path, files: int = 4) -> list[Path]:
    """`records` as `files` log files under CloudTrail's key layout, delivered at each chunk's
    last event; the last one left uncompressed (.json), as a copied-down trail may hold."""
    written = []
    chunks = [records[index::files] for index in range(files)]
    for number, chunk in enumerate(chunk for chunk in chunks if chunk):
        delivered = datetime.strptime(
            max(r["eventTime"] for r in chunk), "%Y-%m-%dT%H:%M:%SZ"
        ).replace(tzinfo=timezone.utc)
        path = root / log_file_key(ACCOUNT_ID, DEFAULT_REGION, delivered, prefix="trail")
        body = encode_log_file(chunk)
        if number == files - 1:
            path, body = path.with_suffix(""), gzip.decompress(body)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        written.append(path)
    return written
