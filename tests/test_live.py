"""Live: examples/basic applied in a real AWS account, attribution proven from CloudTrail.

This costs money (two ml.t3.medium notebooks for up to an hour, see examples/basic/README.md),
so it needs a double opt-in: `pytest -m live` (the marker is deselected by default) and
NBATTR_LIVE=1, plus credentials that boto3 finds. It runs against real AWS only: it skips if
an AWS_ENDPOINT_URL* variable is set.

`nbattr verify` finds the notebooks in CloudTrail only if they make a call. Without anyone
using them, that call comes from the module's `attribution_probe = true` input (each notebook
makes one `sts get-caller-identity` through its attributed config at start): the test sets
examples/basic's `attribution_probe` variable when the example declares it; without it the
test can only pass if someone uses the notebooks during the run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from nbattr.harness.toolchain import cache_dir, toolchain
from nbattr.harness.workspace import prepare

pytestmark = pytest.mark.live

NBATTR = Path(sys.executable).parent / "nbattr"
# examples/basic names its notebooks test-1 and test-2 (fixed names): in a shared account a
# live run can collide with notebooks of those names, so it skips when they exist.
NOTEBOOKS = ("test-1", "test-2")
DEFAULT_REGION = "us-east-1"


@pytest.fixture
def live_session() -> boto3.Session:
    if os.environ.get("NBATTR_LIVE") != "1":
        pytest.skip("live AWS test costs money: set NBATTR_LIVE=1 (and run with -m live)")
    if any(key.startswith("AWS_ENDPOINT_URL") for key in os.environ):
        pytest.skip("an AWS_ENDPOINT_URL* variable is set; the live test runs on real AWS only")
    session = boto3.Session()
    if session.get_credentials() is None:
        pytest.skip("boto3 finds no AWS credentials (environment, profile, SSO or role)")
    return boto3.Session(region_name=session.region_name or DEFAULT_REGION)


def _notebook_exists(sagemaker: Any, name: str) -> bool:
    try:
        sagemaker.describe_notebook_instance(NotebookInstanceName=name)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ValidationException":  # RecordNotFound
            return False
        raise
    return True


def _example_variables(tfdir: Path) -> str:
    return "\n".join(tf_file.read_text() for tf_file in sorted(tfdir.glob("*.tf")))


def test_basic_example_notebooks_are_attributed_in_cloudtrail(live_session, tmp_path, monkeypatch):
    region = live_session.region_name
    sagemaker = live_session.client("sagemaker")
    taken = [name for name in NOTEBOOKS if _notebook_exists(sagemaker, name)]
    if taken:
        pytest.skip(
            f"notebook(s) {', '.join(taken)} already exist in {region}; examples/basic "
            "creates notebooks with these fixed names, so a live run would collide"
        )

    # The public registry's AWS provider instead of the offline 3.39.0 mirror, with a CLI
    # config and plugin cache of its own so offline runs sharing the cache are unaffected.
    monkeypatch.setenv("NBATTR_CACHE_DIR", str(cache_dir() / "live"))
    monkeypatch.setenv("TF_PROVIDER_MIRROR", "registry")
    tools = toolchain()
    ws = prepare(tools, None, tmp_path, "examples/basic")
    # The harness strips AWS_* from Terraform's environment; a live run needs the caller's
    # credentials and region settings (endpoint overrides were ruled out above).
    ws.tf.env.update({key: value for key, value in os.environ.items() if key.startswith("AWS_")})
    ws.init()

    tf_vars: dict[str, Any] = {
        "region": region,
        "role_name": f"nbattr-live-{uuid.uuid4().hex[:8]}",
    }
    if re.search(r'^variable\s+"attribution_probe"', _example_variables(ws.path), re.MULTILINE):
        tf_vars["attribution_probe"] = True
    try:
        ws.apply(tf_vars=tf_vars)
        role_arn = ws.outputs()["role_arn"]
        waiter = sagemaker.get_waiter("notebook_instance_in_service")
        for name in NOTEBOOKS:
            waiter.wait(NotebookInstanceName=name, WaiterConfig={"Delay": 30, "MaxAttempts": 40})

        verify = [str(NBATTR), "verify", "--role", role_arn, "--region", region]
        for name in NOTEBOOKS:
            verify += ["--notebook", name]
        verify += ["--since", "1h", "--timeout", "25m", "--format", "json"]
        done = subprocess.run(verify, capture_output=True, text=True, timeout=30 * 60)
        assert done.returncode == 0, (
            f"nbattr verify exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
        for name in NOTEBOOKS:
            assert name in done.stdout, f"{name} missing from the verify report:\n{done.stdout}"
    finally:
        ws.destroy(tf_vars=tf_vars)
