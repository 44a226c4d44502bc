"""Which identity each AWS client a notebook runs calls as, after the on-start script ran.

examples/basic is applied on the emulator; one notebook's sandbox runs its real on-start
script, then each client (tests/sdk_clients.py) makes one call as ec2-user, started as a
notebook starts it: from a Jupyter kernel (the jupyter-server service's environment) and from
a Jupyter terminal (a login shell). The identity is the `userIdentity.arn` of the call's
CloudTrail record: `assumed-role/<role>/<notebook>` is attributed, `.../SageMaker` is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from nbattr.harness.sandbox import JUPYTER_ENV, Run, Sandbox, unavailable_reason
from nbattr.harness.workspace import prepare
from sdk_clients import BUCKET, CLIENTS, CONFIG_BLIND, PROJECT, SDK_CLIENTS, Client

REASON = unavailable_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

NOTEBOOK = "test-1"


@dataclass
class Notebook:
    box: Sandbox
    attributed: str  # the ARN its calls must carry
    unattributed: str  # the instance's bare session


@pytest.fixture(scope="module")
def sdk_notebook(tools, emulator, tmp_path_factory) -> Iterator[Notebook]:
    """examples/basic applied and test-1 started once, for every client (the JVM clients are
    the slow part: one deployment and one start serve them all)."""
    emulator.reset()
    basic = prepare(tools, emulator, tmp_path_factory.mktemp("basic"), "examples/basic")
    basic.init()
    basic.apply()
    outputs = basic.outputs()
    _log_data_events(emulator, BUCKET)
    box = Sandbox(
        emulator, NOTEBOOK, tmp_path_factory.mktemp("sdk-box"), expose=(SDK_CLIENTS,)
    ).boot()
    try:
        started = box.start()
        assert started.ok, started.stdout + started.stderr
        role = outputs["role_arn"].rsplit("/", 1)[1]
        account = outputs["role_arn"].split(":")[4]
        bare = f"arn:aws:sts::{account}:assumed-role/{role}/SageMaker"
        yield Notebook(box, outputs["expected_session_arns"][NOTEBOOK], bare)
    finally:  # not destroyed: whatever uses the emulator next resets it
        box.close()


def _log_data_events(emulator, bucket: str) -> None:
    """The bucket the Spark client lists, and a trail logging its data events: CloudTrail
    records S3 object-level calls (S3A's listing) only for a trail that selects them."""
    s3, cloudtrail = emulator.client("s3"), emulator.client("cloudtrail")
    s3.create_bucket(Bucket=bucket)
    s3.create_bucket(Bucket=f"{bucket}-trail")
    cloudtrail.create_trail(Name="data-events", S3BucketName=f"{bucket}-trail")
    cloudtrail.put_event_selectors(
        TrailName="data-events",
        EventSelectors=[
            {
                "ReadWriteType": "All",
                "IncludeManagementEvents": True,
                "DataResources": [
                    {"Type": "AWS::S3::Object", "Values": [f"arn:aws:s3:::{bucket}/"]}
                ],
            }
        ],
    )
    cloudtrail.start_logging(Name="data-events")


def _run(box: Sandbox, client: Client, started_from: str) -> Run:
    return box.as_started_from(started_from, list(client.argv), env=dict(client.env))


def _called_as(emulator, box: Sandbox, client: Client, started_from: str) -> set[str]:
    """Run `client` and return the identities its call carried in CloudTrail.

    A client that fails to call at all fails the test outright (pytest.fail, not an
    AssertionError), so an expected failure can only be a wrong identity."""
    before = emulator.cloudtrail.count
    done = _run(box, client, started_from)
    if not done.ok:
        pytest.fail(f"{client.name} from a {started_from}: {done.stdout}{done.stderr}")
    records = emulator.cloudtrail.records()[before:]
    called = {r["userIdentity"]["arn"] for r in records if r["eventName"] == client.event}
    if not called:
        pytest.fail(f"{client.name}: no {client.event} in CloudTrail: {records}")
    return called


def _cases() -> list:
    return [
        pytest.param(name, started_from, id=f"{name}-{started_from}")
        for name, client in CLIENTS.items()
        for started_from in client.started_from
    ]


@pytest.mark.parametrize(("name", "started_from"), _cases())
def test_client_calls_carry_the_notebook_name(name, started_from, sdk_notebook, emulator):
    client = CLIENTS[name]
    missing = client.missing()
    if missing:
        pytest.skip(missing)  # CI requires the sdk-clients suite (tests/required.py)
    called = _called_as(emulator, sdk_notebook.box, client, started_from)
    if not called <= {sdk_notebook.attributed, sdk_notebook.unattributed}:
        pytest.fail(f"{client.name} called as neither the notebook nor SageMaker: {called}")
    # CONFIG_BLIND clients get there through the credentials endpoint, the others through
    # the config file; without either every one of them would show {...SageMaker}.
    assert called == {sdk_notebook.attributed}


def test_kernels_and_terminals_get_what_the_start_exports(sdk_notebook):
    """What a lifecycle script writes to /etc/profile.d/jupyter-env.sh (as AWS's sample
    does) reaches a kernel and a terminal, and stays in the sandbox."""
    box = sdk_notebook.box
    line = "export NBATTR_PROBE=exported"
    written = box.as_root(["bash", "-c", f"echo '{line}' > {JUPYTER_ENV}"])
    assert written.ok, written.stderr
    try:
        assert box.as_kernel(["printenv", "NBATTR_PROBE"]).stdout == "exported\n"
        assert box.as_terminal("printenv NBATTR_PROBE").stdout == "exported\n"
        host = Path(JUPYTER_ENV)
        assert not host.exists() or line not in host.read_text()
    finally:
        box.as_root(["rm", "-f", JUPYTER_ENV])
    assert box.as_kernel(["printenv", "NBATTR_PROBE"]).stdout == ""


def _readme_rows() -> dict[str, str]:
    """The README's table of clients: first cell -> (the "Attributed" cell, the "How" cell)."""
    text = (PROJECT / "README.md").read_text()
    table = text.split("### Which clients are attributed", 1)[1].split("\n\n")[2]
    rows = [line.split(" | ") for line in table.splitlines()[2:]]
    return {cells[0].lstrip("| "): (cells[2], cells[3]) for cells in rows}


def test_readme_table_says_what_the_tests_measure():
    rows = _readme_rows()
    for name, client in CLIENTS.items():
        ((attributed, how),) = [
            cells for first, cells in rows.items() if first.startswith(client.row)
        ]
        assert attributed.startswith("yes"), name
        assert ("credentials endpoint" in how) == (name in CONFIG_BLIND), name
