"""`nbattr emulator start NOTEBOOK...`: the notebooks a user's configuration created on a
running `nbattr emulator serve` start in the sandbox and make their first call, so that
`nbattr verify` has something to find; `nbattr emulator flush-trails` delivers the trails'
log files without the ~5-minute wait."""

from __future__ import annotations

import base64
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import boto3
import pytest

from import_log import top_level_imports
from nbattr.emulator.service_policy import evaluator_unavailable
from nbattr.harness.sandbox import unavailable_reason
from nbattr.harness.toolchain import clean_environ
from trail_policy import cloudtrail_bucket_policy
from verify_cli import FAST, NBATTR

REASON = unavailable_reason()
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
# What our on-start script does, in short: ec2-user's calls re-assume the role as the notebook.
ON_START = """#!/bin/bash
set -euo pipefail
name=$(sed 's/.*"ResourceName": *"\\([^"]*\\)".*/\\1/' /opt/ml/metadata/resource-metadata.json)
mkdir -p /home/ec2-user/.aws
{
  printf '[default]\\nregion = us-east-1\\nrole_arn = %s\\n' "ROLE_ARN"
  printf 'credential_source = Ec2InstanceMetadata\\nrole_session_name = %s\\n' "$name"
} > /home/ec2-user/.aws/config
chown -R ec2-user: /home/ec2-user/.aws
echo "started $name"
"""


@pytest.fixture(scope="module")
def served():
    server = subprocess.Popen(
        [NBATTR, "emulator", "serve"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    endpoint = server.stdout.readline().split()[3]
    yield endpoint
    server.send_signal(signal.SIGINT)
    assert server.wait(timeout=30) == 0


def _client(endpoint: str, service: str):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", **CREDENTIALS)


def _notebook(endpoint: str, name: str, script: str) -> str:
    """A role, a lifecycle configuration with `script` and a notebook using both."""
    iam, sagemaker = _client(endpoint, "iam"), _client(endpoint, "sagemaker")
    role = iam.create_role(RoleName=f"role-{name}", Path="/service-role/",
                           AssumeRolePolicyDocument="{}")["Role"]["Arn"]  # fmt: skip
    content = base64.b64encode(script.replace("ROLE_ARN", role).encode()).decode()
    sagemaker.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=f"{name}-on-start", OnStart=[{"Content": content}]
    )
    sagemaker.create_notebook_instance(
        NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=role,
        LifecycleConfigName=f"{name}-on-start",
    )  # fmt: skip
    return role


def _start(endpoint: str | None, *names: str) -> subprocess.CompletedProcess[str]:
    env = clean_environ({"AWS_ENDPOINT_URL": endpoint} if endpoint else {})
    return subprocess.run([NBATTR, "emulator", "start", *names], env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


@pytest.mark.skipif(REASON is not None, reason=REASON or "")
def test_started_notebooks_call_under_their_own_names_and_verify_passes(served):
    role = _notebook(served, "nb-a", ON_START)
    _client(served, "sagemaker").create_notebook_instance(
        NotebookInstanceName="nb-b", InstanceType="ml.t3.medium", RoleArn=role,
        LifecycleConfigName="nb-a-on-start",
    )  # fmt: skip
    done = _start(served, "nb-a", "nb-b")
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("nb-a", "nb-b"):
        assert f"[{name}] start: exit 0: started {name}" in done.stdout
        assert f"[{name}] ec2-user$ aws sagemaker list-notebook-instances -> 2" in done.stdout
    verified = subprocess.run(
        [NBATTR, "verify", "--endpoint-url", served, "--role", role, "--notebook", "nb-a",
         "--notebook", "nb-b", *FAST],
        env=clean_environ({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "PASS: 2/2 notebooks attributed" in verified.stdout


@pytest.mark.skipif(REASON is not None, reason=REASON or "")
def test_a_failing_start_exits_1_with_what_the_script_printed(served):
    _notebook(served, "nb-broken", "#!/bin/bash\necho 'cannot configure' >&2\nexit 3\n")
    done = _start(served, "nb-broken")
    assert done.returncode == 1
    assert "nb-broken failed to start" in done.stderr and "cannot configure" in done.stderr


@pytest.mark.skipif(REASON is not None, reason=REASON or "")
def test_a_start_whose_first_call_fails_exits_1(served):
    broken = (  # a config whose credentials cannot be had
        "#!/bin/bash\nmkdir -p /home/ec2-user/.aws\n"
        "printf '[default]\\ncredential_process = /bin/false\\n' > /home/ec2-user/.aws/config\n"
        "echo 'configured badly'\n"
    )
    _notebook(served, "nb-mute", broken)
    done = _start(served, "nb-mute")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[nb-mute] start: exit 0: configured badly" in done.stdout
    assert "nb-mute: its first call as ec2-user failed" in done.stderr


def test_a_notebook_the_emulator_does_not_hold_is_a_usage_error(served):
    done = _start(served, "nb-nowhere")
    assert done.returncode == 2
    assert "no notebook instance nb-nowhere in the emulator" in done.stderr or (
        REASON is not None and "sandbox unavailable" in done.stderr
    )


def test_without_an_emulator_it_says_where_to_find_one():
    done = _start(None, "nb-a")
    assert done.returncode == 2 and "AWS_ENDPOINT_URL" in done.stderr
    unreachable = _start("http://127.0.0.1:9", "nb-a")
    assert unreachable.returncode == 2 and "cannot reach the emulator" in unreachable.stderr


def test_the_control_route_takes_posts_only_and_leaves_no_cloudtrail_record(served):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{served}/_nbattr/notebooks/nb-a/start", timeout=10)
    assert refused.value.code == 405
    with pytest.raises(urllib.error.HTTPError) as unknown:
        urllib.request.urlopen(f"{served}/_nbattr/elsewhere", timeout=10)
    assert unknown.value.code == 404
    events = _client(served, "cloudtrail").lookup_events(MaxResults=50)["Events"]
    assert not [e for e in events if "_nbattr" in str(e.get("CloudTrailEvent", ""))]


def _flush(endpoint: str | None) -> subprocess.CompletedProcess[str]:
    env = clean_environ({"AWS_ENDPOINT_URL": endpoint} if endpoint else {})
    return subprocess.run([NBATTR, "emulator", "flush-trails"], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


@pytest.mark.skipif(evaluator_unavailable() is not None, reason=evaluator_unavailable() or "")
def test_flush_trails_delivers_the_log_files_now_and_prints_their_keys(served):
    s3, cloudtrail = _client(served, "s3"), _client(served, "cloudtrail")
    s3.create_bucket(Bucket="served-trail-logs")
    trail_arn = "arn:aws:cloudtrail:us-east-1:123456789012:trail/served"
    policy = cloudtrail_bucket_policy("served-trail-logs", trail_arn)
    s3.put_bucket_policy(Bucket="served-trail-logs", Policy=policy)
    cloudtrail.create_trail(Name="served", S3BucketName="served-trail-logs")
    cloudtrail.start_logging(Name="served")
    done = _flush(served)
    assert done.returncode == 0, done.stderr
    printed = done.stdout.split()
    listed = s3.list_objects_v2(Bucket="served-trail-logs")["Contents"]
    assert printed and printed == [item["Key"] for item in listed]
    assert _flush(served).stdout == "", "delivered twice"


def test_flush_trails_without_an_emulator_is_a_usage_error():
    assert _flush(None).returncode == 2
    unreachable = _flush("http://127.0.0.1:9")
    assert unreachable.returncode == 2 and "cannot reach the emulator" in unreachable.stderr


@pytest.mark.parametrize("args", [["start", "nb-a"], ["flush-trails"]], ids=["start", "flush"])
def test_the_commands_that_talk_to_a_running_emulator_never_import_moto(args):
    """They only POST to its control route: loading moto would cost them seconds."""
    argv = ["nbattr", "emulator", *args]
    code = f"import sys; from nbattr.cli import main; sys.argv = {argv}; main()"
    env = clean_environ({"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and "cannot reach the emulator" in done.stderr, done.stderr[-2000:]
    imported = top_level_imports(done.stderr)
    assert "nbattr" in imported and "moto" not in imported
