"""examples/forensics end to end: a notebook reads patients.csv, a bypass reads it too, and
the trail's delivered log files say who did what, read by hand and by `nbattr attribute`.

Real parts throughout: `terraform apply` of the example on the emulator, the notebook's
on-start script and the AWS CLI as ec2-user in the sandbox, the emulator's CloudTrail
delivering gzip log files into the trail bucket (the flush stands in for CloudTrail's
~5-minute wait), and the files read back from S3 under their keys.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request

import pytest

import bypasses
from nbattr.emulator.control_route import TRAIL_FLUSH
from nbattr.harness.sandbox import Sandbox, unavailable_reason
from nbattr.harness.toolchain import clean_environ
from nbattr.harness.trail_download import download_trail_files
from nbattr.harness.workspace import prepare
from nbattr.trail_files import decode_log_file
from verify_cli import NBATTR

REASON = unavailable_reason()
pytestmark = [pytest.mark.skipif(REASON is not None, reason=REASON or ""), pytest.mark.long]

NOTEBOOK = "analyst-1"
FILE_NAME = re.compile(
    r"^123456789012_CloudTrail_us-east-1_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$"
)
DATE_AND_NAME = r"CloudTrail/us-east-1/(\d{4}/\d{2}/\d{2})/(.+)"


def _flush(endpoint: str) -> list[str]:
    """Deliver every trail's buffered records now, through the emulator's control route."""
    request = urllib.request.Request(endpoint + TRAIL_FLUSH, data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return list(json.loads(response.read())["delivered"])


def test_the_trail_files_name_the_notebook_that_read_the_object_and_the_bypass(
    tools, clean_emulator, tmp_path
):
    ws = prepare(tools, clean_emulator, tmp_path / "tf", "examples/forensics")
    ws.init()
    ws.apply()
    outputs = ws.outputs()
    url = outputs["patients_object_url"]
    bucket, key = url.removeprefix("s3://").split("/", 1)

    with Sandbox(clean_emulator, NOTEBOOK, tmp_path / "sandbox") as box:
        started = box.start()
        assert started.ok, started.stdout + started.stderr
        read = box.as_user(["aws", "s3", "cp", url, "-"])
        assert read.ok and read.stdout.startswith("patient_id,"), read.stderr
        # The bare `SageMaker` session: the instance's credentials taken from its metadata
        # service into the environment, as a user stepping around the attributed config would.
        stolen = bypasses.credentials_in_environment(box)
        bypassed = box.as_user(["aws", "s3", "cp", url, "-"], env=stolen)
        assert bypassed.ok, bypassed.stderr
        address = box.address

    delivered = _flush(clean_emulator.endpoint)
    trail_bucket = outputs["trail_bucket_name"]
    folder = tmp_path / "trail-files"
    # What the lead's `nbattr attribute <folder>` reads: the bucket's tree, keys kept.
    paths = download_trail_files(clean_emulator.client("s3", internal=True), trail_bucket, folder)
    assert {p.relative_to(folder).as_posix() for p in paths} >= set(delivered) > set()

    reads: dict[str, tuple[str, dict]] = {}
    for path in paths:
        for record in decode_log_file(path.read_bytes()):
            parameters = record.get("requestParameters") or {}
            if record["eventName"] == "GetObject" and parameters.get("key") == key:
                assert parameters["bucketName"] == bucket
                reads[record["userIdentity"]["arn"]] = (path.relative_to(folder).as_posix(), record)

    role = outputs["role_arn"].rsplit("/", 1)[1]
    attributed = outputs["expected_session_arns"][NOTEBOOK]
    assert attributed.endswith(f":assumed-role/{role}/{NOTEBOOK}")
    bare = f"arn:aws:sts::123456789012:assumed-role/{role}/SageMaker"
    assert set(reads) == {attributed, bare}, f"GetObject records by {sorted(reads)}"
    logs = outputs["trail_log_files_url"].removeprefix(f"s3://{trail_bucket}/")
    for file_key, record in reads.values():
        # <prefix>/AWSLogs/<account>/CloudTrail/<region>/<YYYY/MM/DD delivered>/<file>
        found = re.fullmatch(re.escape(logs) + DATE_AND_NAME, file_key)
        assert found, file_key
        assert found[1] >= record["eventTime"][:10].replace("-", "/")  # delivered after
        assert FILE_NAME.match(found[2]), found[2]
        assert record["eventCategory"] == "Data" and record["managementEvent"] is False
        # Both came from the notebook's own address: the bypass's most likely notebook.
        assert record["sourceIPAddress"] == address

    # What an incident responder runs: `nbattr attribute` on the trail bucket itself (its
    # S3 reader, date pruning and DuckDB), as the installed command in a clean environment.
    done = subprocess.run(
        [NBATTR, "attribute", outputs["trail_log_files_url"], "--role", outputs["role_arn"],
         "--resource", url, "--since", "1d", "--format", "json",
         "--endpoint-url", clean_emulator.endpoint, "--region", "us-east-1"],
        env=clean_environ(clean_emulator.aws_environ()), capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert NOTEBOOK in report["notebooks"] and "analyst-2" not in report["notebooks"]
    # Who touched patients.csv: the notebook by name, and the bypass traced back to it.
    touches = {touch["eventID"]: touch for touch in report["touches"]}
    assert set(touches) >= {record["eventID"] for _, record in reads.values()}, touches
    assert touches[reads[attributed][1]["eventID"]]["notebook"] == NOTEBOOK
    assert touches[reads[bare][1]["eventID"]]["likely_from"] == NOTEBOOK
    (bypass,) = [u for u in report["unattributed"] if u["eventID"] == reads[bare][1]["eventID"]]
    assert bypass["likely_from"] == NOTEBOOK
