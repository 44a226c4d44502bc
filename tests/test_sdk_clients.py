"""Which identity each AWS client a notebook runs calls as, after the on-start script ran.

examples/basic is applied on the emulator; one notebook's sandbox runs its real on-start
script, then each client (tests/sdk_clients.py) makes one call as ec2-user, started as a
notebook starts it: from a Jupyter kernel (the jupyter-server service's environment) and from
a Jupyter terminal (a login shell). The identity is the `userIdentity.arn` of the call's
CloudTrail record: `assumed-role/<role>/<notebook>` is attributed, `.../SageMaker` is not.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from nbattr.harness.sandbox import Run, Sandbox, unavailable_reason
from nbattr.harness.workspace import prepare
from sdk_clients import CLIENTS, Client

REASON = unavailable_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

NOTEBOOK = "test-1"
FIX = "fixed by the credentials endpoint (h/sdkfix)"
# Clients that call as the bare SageMaker session today, and why (README, "Which clients are
# attributed"). Their tests assert attribution, so they fail until the fix lands.
UNATTRIBUTED = {
    "js-v2": "the SDK for JavaScript v2 reads ~/.aws/config only with AWS_SDK_LOAD_CONFIG,"
    " so its chain ends at the instance metadata credentials",
    "js-v2-load-config": "the SDK for JavaScript v2 assumes a profile's role only from"
    " source_profile and knows no credential_source (lib/credentials/"
    "shared_ini_file_credentials.js), so its chain ends at the instance metadata credentials",
    "java-v2-s3": "the SDK for Java v2 assumes a profile's role only with its sts module on"
    " the classpath; without it the profile provider fails and the chain ends at the"
    " instance metadata credentials",
    "java-v1-sts": "the SDK for Java v1 knows source_profile but not credential_source"
    " (aws-java-sdk-core 1.12's profile keys), so its chain ends at the instance metadata"
    " credentials",
}


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
    box = Sandbox(emulator, NOTEBOOK, tmp_path_factory.mktemp("sdk-box")).boot()
    try:
        started = box.start()
        assert started.ok, started.stdout + started.stderr
        role = outputs["role_arn"].rsplit("/", 1)[1]
        account = outputs["role_arn"].split(":")[4]
        bare = f"arn:aws:sts::{account}:assumed-role/{role}/SageMaker"
        yield Notebook(box, outputs["expected_session_arns"][NOTEBOOK], bare)
    finally:  # not destroyed: whatever uses the emulator next resets it
        box.close()


def _run(box: Sandbox, client: Client, started_from: str) -> Run:
    if started_from == "kernel":
        return box.as_kernel(list(client.argv), env=dict(client.env))
    return box.as_terminal(shlex.join(client.argv), env=dict(client.env))


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
    cases = []
    for name in CLIENTS:
        for started_from in ("kernel", "terminal"):
            marks = []
            if name in UNATTRIBUTED:
                reason = f"unattributed today: {UNATTRIBUTED[name]}; {FIX}"
                marks.append(pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason))
            cases.append(pytest.param(name, started_from, marks=marks, id=f"{name}-{started_from}"))
    return cases


@pytest.mark.parametrize(("name", "started_from"), _cases())
def test_client_calls_carry_the_notebook_name(name, started_from, sdk_notebook, emulator):
    client = CLIENTS[name]
    missing = client.missing()
    if missing:
        pytest.skip(missing)  # CI requires the sdk-clients suite (tests/required.py)
    called = _called_as(emulator, sdk_notebook.box, client, started_from)
    if not called <= {sdk_notebook.attributed, sdk_notebook.unattributed}:
        pytest.fail(f"{client.name} called as neither the notebook nor SageMaker: {called}")
    assert called == {sdk_notebook.attributed}  # today's unattributed: {...SageMaker}
