"""The on-start script as it ships, run in the notebook sandbox at a notebook's real paths.

Notebooks are created by real `terraform apply` on the emulator; the sandbox runs the OnStart
content the emulator's lifecycle config holds, as root, then workloads as ec2-user.
"""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

import bypasses
from nbattr.sandbox import Sandbox, unavailable_reason
from nbattr.workspace import prepare

REASON = unavailable_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

CONFIG = "/home/ec2-user/.aws/config"
AWS_DIR = "/home/ec2-user/.aws"
METADATA = "/opt/ml/metadata/resource-metadata.json"
# Our extra_on_start for the fault notebooks: fails on demand, so one config serves all cases.
EXTRA = (
    'if [ -e /opt/ml/fail-extra ]; then echo "extra: failing on purpose" >&2; exit 3; fi\n'
    "if [ -e /opt/ml/tamper-extra ]; then\n"
    "  chattr -i /home/ec2-user/.aws/config\n"
    "  echo '[default]' > /home/ec2-user/.aws/config\n"
    "fi\n"
    'echo "extra: ran"\n'
)
CALLER_ARN = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])"


def expected_config(role_arn: str, name: str, region: str = "us-east-1") -> bytes:
    return (
        "[default]\n"
        f"region = {region}\n"
        f"role_arn = {role_arn}\n"
        "credential_source = Ec2InstanceMetadata\n"
        f"role_session_name = {name}\n"
        "sts_regional_endpoints = regional\n"
    ).encode()


@dataclass
class Deployed:
    outputs: dict[str, dict] = field(default_factory=dict)  # config -> terraform outputs


@pytest.fixture(scope="module")
def deployed(tools, emulator, tmp_path_factory) -> Iterator[Deployed]:
    """examples/basic plus one root-module deployment per on_start_mode, for the faults."""
    emulator.reset()
    result = Deployed()
    workspaces = []
    try:
        basic = prepare(tools, emulator, tmp_path_factory.mktemp("basic"), "examples/basic")
        basic.init()
        workspaces.append((basic, None))
        basic.apply()
        result.outputs["basic"] = basic.outputs()
        for mode in ("strict", "best-effort"):
            ws = prepare(tools, emulator, tmp_path_factory.mktemp(mode), ".")
            ws.init()
            tf_vars = {
                "role_name": f"faults-{mode}",
                "lifecycle_config_name": f"faults-{mode}",
                "notebooks": {f"fault-{mode}": {}},
                "on_start_mode": mode,
                "extra_on_start": EXTRA,
            }
            workspaces.append((ws, tf_vars))
            ws.apply(tf_vars=tf_vars)
            result.outputs[mode] = ws.outputs()
        yield result
    finally:
        for ws, tf_vars in reversed(workspaces):
            ws.destroy(tf_vars=tf_vars)


@pytest.fixture
def sandbox(emulator, tmp_path) -> Iterator[Callable[..., Sandbox]]:
    booted: list[Sandbox] = []

    def make(notebook: str, **options) -> Sandbox:
        box = Sandbox(emulator, notebook, tmp_path / f"sandbox-{len(booted)}", **options)
        booted.append(box.boot())
        return box

    yield make
    for box in booted:
        box.close()


def _summary_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("nbattr on-start:")]


# -- attribution ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["test-1", "test-2"])
def test_cli_and_boto3_calls_carry_the_notebook_name(name, deployed, sandbox):
    outputs = deployed.outputs["basic"]
    box = sandbox(name)
    started = box.start()
    assert started.ok, started.stdout + started.stderr
    assert _summary_lines(started.stdout) == [started.stdout.strip()]  # one summary line
    assert f"notebook={name}" in started.stdout

    cli = box.as_user(["aws", "sts", "get-caller-identity", "--output", "json"])
    assert cli.ok, cli.stderr
    assert json.loads(cli.stdout)["Arn"] == outputs["expected_session_arns"][name]
    sdk = box.python_as_user(CALLER_ARN)
    assert sdk.ok, sdk.stderr
    assert sdk.stdout.strip() == outputs["expected_session_arns"][name]


def test_start_makes_no_aws_api_call(deployed, sandbox, emulator):
    box = sandbox("test-1")
    before = emulator.api_calls
    assert box.start().ok
    assert emulator.api_calls == before
    # The counter does see a notebook's calls: one CLI call is at least one API request.
    assert box.as_user(["aws", "sts", "get-caller-identity"]).ok
    assert emulator.api_calls > before


def test_base_credentials_are_the_sagemaker_session(deployed, sandbox):
    """Without our config the notebook is `.../SageMaker`: what the module exists to fix."""
    box = sandbox("test-1")
    bare = box.python_as_user(CALLER_ARN)
    assert bare.ok, bare.stderr
    assert bare.stdout.strip().endswith(":assumed-role/attributed-notebooks/SageMaker")


def test_restarts_are_idempotent(deployed, sandbox):
    box = sandbox("test-1")
    first = box.start()
    assert first.ok
    written = box.read(CONFIG)
    assert written == expected_config(deployed.outputs["basic"]["role_arn"], "test-1")
    for _ in range(3):
        again = box.start()
        assert again.ok, again.stdout + again.stderr
        assert box.read(CONFIG) == written
        assert box.immutable(CONFIG) and box.immutable(AWS_DIR)


@pytest.mark.parametrize(
    "attempt",
    [
        "echo '[default]' > ~/.aws/config",
        "echo 'role_session_name = test-2' >> ~/.aws/config",
        "rm -f ~/.aws/config",
        "mv ~/.aws/config ~/.aws/config.bak",
        "mv ~/.aws ~/.aws.bak",
        "rm -rf ~/.aws",
        "chattr -i ~/.aws/config",
        "chmod 0666 ~/.aws/config",
        "ln -sf /tmp/mine ~/.aws/config",
        "touch ~/.aws/credentials",
    ],
)
def test_ec2_user_cannot_change_the_config(attempt, deployed, sandbox):
    box = sandbox("test-1")
    assert box.start().ok
    before = box.read(CONFIG)
    tried = box.shell_as_user(attempt)
    assert not tried.ok, f"ec2-user could run: {attempt}"
    assert box.read(CONFIG) == before
    assert box.immutable(CONFIG) and box.immutable(AWS_DIR)


def test_cli_credential_cache_stays_writable(deployed, sandbox):
    """~/.aws is locked, but the CLI's assume-role cache beneath it must still work."""
    box = sandbox("test-1")
    assert box.start().ok
    assert box.as_user(["aws", "sts", "get-caller-identity"]).ok
    cached = box.shell_as_user("ls ~/.aws/cli/cache")
    assert cached.ok and cached.stdout.strip(), "the CLI cached no credentials"


def test_hidden_jq_is_really_absent(deployed, sandbox):
    """The "no jq" fault runs without jq; everything else the script uses is still there."""
    box = sandbox("test-1", hide_jq=True)
    assert not box.as_root(["bash", "-c", "command -v jq"]).ok
    assert box.as_root(["bash", "-c", "command -v grep sed chattr mktemp"]).ok


def test_jq_path_is_exercised():
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed here: only the grep/sed fallback ran")
    assert shutil.which("jq")


# -- faults --------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Fault:
    setup: Callable[[Sandbox], None] = lambda box: None
    options: Callable[[], dict] = dict
    exit_codes: tuple[int, int] = (0, 0)  # (strict, best-effort)
    config: str = "complete"  # or "absent" after the start
    reason: str = ""


def _root(command: str) -> Callable[[Sandbox], None]:
    def run(box: Sandbox) -> None:
        done = box.as_root(["bash", "-c", command])
        assert done.ok, done.stderr

    return run


def _metadata(name: str) -> Callable[[Sandbox], None]:
    def write(box: Sandbox) -> None:
        text = json.dumps({"ResourceArn": box.spec.arn, "ResourceName": name})
        _root(f"printf '%s' '{text}' > {METADATA}")(box)

    return write


FAULTS = {
    "missing metadata": Fault(
        _root(f"rm {METADATA}"), exit_codes=(1, 0), config="absent", reason="is missing"
    ),
    "garbled metadata": Fault(
        _root(f"printf '%s' '{{\"ResourceArn\": \"arn:aws:sage' > {METADATA}"),
        exit_codes=(1, 0),
        config="absent",
        reason="no ResourceName",
    ),
    "pre-existing immutable config": Fault(
        _root(f"mkdir -p {AWS_DIR} && echo stale > {CONFIG} && chattr +i {CONFIG} {AWS_DIR}"),
    ),
    "read-only target": Fault(
        _root("mount -o remount,ro /home"), exit_codes=(1, 0), config="absent", reason="cannot"
    ),
    "no jq": Fault(options=lambda: {"hide_jq": True}),
    "metadata service down": Fault(
        options=lambda: {"metadata_endpoint": f"http://127.0.0.1:{_closed_port()}/"}
    ),
    "invalid session name": Fault(
        _metadata("x"), exit_codes=(1, 0), config="absent", reason="not a valid STS role session"
    ),
    "extra_on_start failing": Fault(_root("touch /opt/ml/fail-extra"), exit_codes=(3, 3)),
    # Root can undo anything, but the script checks after the user's part and restores.
    "extra_on_start rewriting the config": Fault(
        _root("touch /opt/ml/tamper-extra"), reason="restored-after-extra_on_start"
    ),
}


@pytest.mark.parametrize("mode", ["strict", "best-effort"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_outcome_and_never_a_half_written_config(fault, mode, deployed, sandbox):
    case = FAULTS[fault]
    outputs = deployed.outputs[mode]
    name = f"fault-{mode}"
    box = sandbox(name, **case.options())
    case.setup(box)

    started = box.start()

    expected_exit = case.exit_codes[0 if mode == "strict" else 1]
    assert started.exit_code == expected_exit, started.stdout + started.stderr
    summary = _summary_lines(started.stdout)
    assert len(summary) == 1, started.stdout
    if case.config == "absent":
        assert case.reason in summary[0]
        if mode == "strict":
            assert "FAILED mode=strict" in summary[0]
            assert "extra: ran" not in started.stdout  # a failed start runs nothing more
        else:
            assert "WARNING mode=best-effort" in summary[0] and "UNATTRIBUTED" in summary[0]
            assert "WARNING" in started.stderr
            assert "extra: ran" in started.stdout  # the user's script still runs
        assert box.read(CONFIG) is None
    else:
        assert summary[0].startswith("nbattr on-start: ok")
        assert case.reason in summary[0]
        assert box.read(CONFIG) == expected_config(outputs["role_arn"], name)
        assert box.immutable(CONFIG) and box.immutable(AWS_DIR)
    leftovers = box.as_root(["bash", "-c", f"ls -A {AWS_DIR} 2>/dev/null || true"])
    assert ".config." not in leftovers.stdout, f"temporary file left: {leftovers.stdout}"


def test_metadata_service_down_leaves_workloads_without_credentials(deployed, sandbox):
    """The script needs no metadata service; the notebook's calls do, and fail cleanly."""
    box = sandbox("fault-strict", metadata_endpoint=f"http://127.0.0.1:{_closed_port()}/")
    assert box.start().ok
    cli = box.as_user(
        ["aws", "sts", "get-caller-identity"], env={"AWS_METADATA_SERVICE_NUM_ATTEMPTS": "1"}
    )
    assert not cli.ok
    assert "credentials" in cli.stderr.lower()


# -- bypasses (recorded: they fall back to the bare SageMaker session) ---------------------


def _arn_of(run) -> str:
    assert run.ok, run.stderr
    return json.loads(run.stdout)["Arn"]


def test_bypass_with_a_config_file_elsewhere(deployed, sandbox):
    box = sandbox("test-1")
    assert box.start().ok
    env = bypasses.config_file_elsewhere(box)
    arn = _arn_of(box.as_user(["aws", "sts", "get-caller-identity"], env=env))
    assert arn.endswith("assumed-role/attributed-notebooks/SageMaker")


def test_bypass_with_aws_profile(deployed, sandbox):
    box = sandbox("test-1")
    assert box.start().ok
    # A profile alone cannot be added: ~/.aws is locked, so the profile does not exist...
    alone = box.as_user(["aws", "sts", "get-caller-identity"], env={"AWS_PROFILE": "raw"})
    assert not alone.ok and "raw" in alone.stderr
    # ...but with the user's own config file it falls back to the metadata service.
    env = bypasses.own_profile(box)
    arn = _arn_of(box.as_user(["aws", "sts", "get-caller-identity"], env=env))
    assert arn.endswith("assumed-role/attributed-notebooks/SageMaker")


def test_bypass_with_credentials_copied_into_the_environment(deployed, sandbox):
    box = sandbox("test-1")
    assert box.start().ok
    env = bypasses.credentials_in_environment(box)
    arn = _arn_of(box.as_user(["aws", "sts", "get-caller-identity"], env=env))
    assert arn.endswith("assumed-role/attributed-notebooks/SageMaker")


# -- the instance metadata service: IMDSv2 only unless a notebook allows IMDSv1 ------------

IMDS_NOTEBOOKS = {"imds-v2-only": "2", "imds-v1-allowed": "1"}
# As ec2-user: the role's credentials over IMDSv1 (no token), or the HTTP status refusing them.
IMDS_V1 = """
import json, os, urllib.error, urllib.request
endpoint = os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT"]
base = endpoint + "latest/meta-data/iam/security-credentials/"
try:
    role = urllib.request.urlopen(base, timeout=5).read().decode()
    found = json.loads(urllib.request.urlopen(base + role, timeout=5).read())
except urllib.error.HTTPError as error:
    print(json.dumps({"status": error.code}))
else:
    print(json.dumps({"status": 200, "AWS_ACCESS_KEY_ID": found["AccessKeyId"],
                      "AWS_SECRET_ACCESS_KEY": found["SecretAccessKey"],
                      "AWS_SESSION_TOKEN": found["Token"]}))
"""


@pytest.fixture(scope="module")
def imds_deployed(tools, emulator, tmp_path_factory, deployed) -> Iterator[dict]:
    """Two notebooks of the root module, both IMDSv2-only at first; the second is then
    switched to allow IMDSv1, the way a user would: an in-place update of the notebook.
    (`deployed` first: it resets the emulator.)"""
    ws = prepare(tools, emulator, tmp_path_factory.mktemp("imds"), ".")
    ws.init()
    tf_vars = {
        "role_name": "imds-notebooks",
        "lifecycle_config_name": "imds-on-start",
        "notebooks": {name: {} for name in IMDS_NOTEBOOKS},
    }
    try:
        ws.apply(tf_vars=tf_vars)
        tf_vars["notebooks"] = {
            name: {"imds_minimum_version": v} for name, v in IMDS_NOTEBOOKS.items()
        }
        switch = ws.plan(tf_vars=tf_vars)
        actions = {
            address: change["change"]["actions"]
            for address, change in switch.resource_changes.items()
            if change["change"]["actions"] != ["no-op"]
        }
        assert actions == {
            'module.notebook["imds-v1-allowed"].aws_sagemaker_notebook_instance.this': ["update"]
        }, "allowing IMDSv1 must update the notebook in place, not replace it"
        ws.apply(tf_vars=tf_vars)
        yield ws.outputs()
    finally:
        ws.destroy(tf_vars=tf_vars)


@pytest.mark.parametrize("name", list(IMDS_NOTEBOOKS))
def test_imdsv1_gets_credentials_only_where_the_notebook_allows_it(name, imds_deployed, sandbox):
    box = sandbox(name)
    assert box.start().ok
    asked = box.python_as_user(IMDS_V1)
    assert asked.ok, asked.stderr
    answer = json.loads(asked.stdout)
    if IMDS_NOTEBOOKS[name] == "2":
        assert answer == {
            "status": 401
        }  # what IMDS answers a token-less request when v2 is required
        return
    assert answer["status"] == 200
    # Why IMDSv2 is the default: a token-less GET hands out the unattributed base session.
    stolen = {key: value for key, value in answer.items() if key.startswith("AWS_")}
    caller = box.as_user(["aws", "sts", "get-caller-identity", "--output", "json"], env=stolen)
    assert _arn_of(caller).endswith("assumed-role/imds-notebooks/SageMaker")


@pytest.mark.parametrize("name", list(IMDS_NOTEBOOKS))
def test_imdsv2_and_attribution_work_whatever_the_minimum_version(name, imds_deployed, sandbox):
    box = sandbox(name)
    assert box.start().ok
    stolen = bypasses.credentials_in_environment(box)  # IMDSv2: token first, then the GETs
    assert stolen["AWS_ACCESS_KEY_ID"]
    expected = imds_deployed["expected_session_arns"][name]
    cli = box.as_user(["aws", "sts", "get-caller-identity", "--output", "json"])
    assert _arn_of(cli) == expected
    sdk = box.python_as_user(CALLER_ARN)
    assert sdk.ok, sdk.stderr
    assert sdk.stdout.strip() == expected
