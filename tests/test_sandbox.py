"""The on-start script as it ships, run in the notebook sandbox at a notebook's real paths.

Notebooks are created by real `terraform apply` on the emulator; the sandbox runs the OnStart
content the emulator's lifecycle config holds, as root, then workloads as ec2-user.
"""

from __future__ import annotations

import json
import shlex
import shutil
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

import bypasses
from nbattr.emulator import Emulator
from nbattr.harness.sandbox import Sandbox, unavailable_reason
from nbattr.harness.workspace import copy_module_tree, prepare
from plan_summary import changed_actions, planned_outputs

REASON = unavailable_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

CONFIG = "/home/ec2-user/.aws/config"
AWS_DIR = "/home/ec2-user/.aws"
METADATA = "/opt/ml/metadata/resource-metadata.json"
# Our extra_on_start for the fault notebooks: fails on demand, so one config serves all cases.
EXTRA = (
    'if [ -e /opt/ml/fail-extra ]; then echo "extra: failing on purpose" >&2; exit 3; fi\n'
    "if [ -e /opt/ml/slow-extra ]; then sleep 60; fi\n"
    "if [ -e /opt/ml/stubborn-extra ]; then trap '' TERM; sleep 60; fi\n"
    "if [ -e /opt/ml/tamper-extra ]; then\n"
    "  chattr -i /home/ec2-user/.aws/config\n"
    "  echo '[default]' > /home/ec2-user/.aws/config\n"
    "fi\n"
    'echo "extra: ran"\n'
)
CALLER_ARN = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])"
# The fault deployments' budget for EXTRA and their extra [default] settings.
EXTRA_TIMEOUT = 5
SETTINGS = {"output": "json", "cli_history": "enabled"}


def expected_config(
    role_arn: str, name: str, region: str = "us-east-1", settings: dict[str, str] | None = None
) -> bytes:
    extra = "".join(f"{key} = {value}\n" for key, value in sorted((settings or {}).items()))
    return (
        "[default]\n"
        f"region = {region}\n"
        f"role_arn = {role_arn}\n"
        "credential_source = Ec2InstanceMetadata\n"
        f"role_session_name = {name}\n"
        "duration_seconds = 3600\n"
        "sts_regional_endpoints = regional\n"
        f"{extra}"
    ).encode()


@dataclass
class Deployed:
    outputs: dict[str, dict] = field(default_factory=dict)  # config -> terraform outputs


@pytest.fixture(scope="module")
def module_emulator(emulator: Emulator) -> Emulator:
    """The emulator, reset once for this module's tests. The deployments below use names of
    their own, so they share it: each resetting it deleted the others' notebooks whenever
    their tests ran in turn on one worker (always under `-n 0`)."""
    emulator.reset()
    return emulator


@pytest.fixture(scope="module")
def deployed(tools, module_emulator, tmp_path_factory) -> Deployed:
    """examples/basic applied. Not destroyed afterwards: whatever uses the emulator next
    resets it, and destroy is tested where it is asserted (test_apply.py)."""
    basic = prepare(tools, module_emulator, tmp_path_factory.mktemp("basic"), "examples/basic")
    basic.init()
    basic.apply()
    return Deployed(outputs={"basic": basic.outputs()})


@pytest.fixture(scope="module")
def fault_deployed(tools, module_emulator, tmp_path_factory) -> Deployed:
    """One root-module deployment per on_start_mode, for the faults; not destroyed either."""
    result = Deployed()
    for mode in ("strict", "best-effort"):
        ws = prepare(tools, module_emulator, tmp_path_factory.mktemp(mode), ".")
        ws.init()
        tf_vars = {
            "role_name": f"faults-{mode}",
            "lifecycle_config_name": f"faults-{mode}",
            "notebooks": {f"fault-{mode}": {}},
            "on_start_mode": mode,
            "extra_on_start": EXTRA,
            "extra_on_start_timeout_seconds": EXTRA_TIMEOUT,
            "aws_config_settings": SETTINGS,
        }
        ws.apply(tf_vars=tf_vars)
        result.outputs[mode] = ws.outputs()
    return result


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


# Each folder under ~/.aws that the AWS CLI (v1, v2) and boto3 write to, and what writes it
# here with the real library (README, "What ec2-user can still write", cites the sources).
TOOL_WRITES = """
from botocore.tokens import SSOTokenProvider
from botocore.utils import JSONFileCache
JSONFileCache()["nbattr-probe"] = {"by": "boto/cache default"}
JSONFileCache(SSOTokenProvider._SSO_TOKEN_CACHE_DIR)["nbattr-probe"] = {"by": "sso token cache"}
"""
# This AWS CLI (1.46) vendors its own botocore, which `import awscli` puts first; it alone
# has `aws login`, whose token cache is login/cache.
CLI_WRITES = """
import awscli
from botocore.utils import JSONFileCache, get_login_token_cache_directory
JSONFileCache(get_login_token_cache_directory())["nbattr-probe"] = {"by": "aws login cache"}
"""
TEST_MODEL = {
    "version": "2.0",
    "metadata": {
        "apiVersion": "2024-01-01", "endpointPrefix": "nbattrprobe", "protocol": "json",
        "jsonVersion": "1.1", "serviceId": "nbattrprobe", "signatureVersion": "v4",
        "targetPrefix": "NbattrProbe",
    },
    "operations": {}, "shapes": {},
}  # fmt: skip


def _owner(box: Sandbox, path: str) -> str:
    done = box.as_root(["stat", "-c", "%U", path])
    assert done.ok, done.stderr
    return done.stdout.strip()


def test_folders_the_aws_tools_write_stay_writable_by_ec2_user(deployed, sandbox):
    """Every folder the CLI and boto3 create under the locked ~/.aws exists and is ec2-user's,
    and each tool really writes there as ec2-user."""
    box = sandbox("test-1")
    assert box.start().ok
    for folder in ("cli/cache", "cli/history", "sso/cache", "login/cache", "models", "boto/cache"):
        assert _owner(box, f"{AWS_DIR}/{folder}") == "ec2-user", folder
    assert _owner(box, AWS_DIR) == "root" and _owner(box, CONFIG) == "root"

    assumed = box.as_user(["aws", "sts", "get-caller-identity"])  # assume-role: cli/cache
    assert assumed.ok, assumed.stderr
    model = box.shell_as_user(
        f"printf '%s' {shlex.quote(json.dumps(TEST_MODEL))} > ~/model.json &&"
        " aws configure add-model --service-model file://$HOME/model.json"
    )
    assert model.ok, model.stderr
    for code in (TOOL_WRITES, CLI_WRITES):
        sdk = box.python_as_user(code)
        assert sdk.ok, sdk.stderr
    for written in (
        "cli/cache/*.json",
        "models/nbattrprobe/2024-01-01/service-2.json",
        "boto/cache/nbattr-probe.json",
        "sso/cache/nbattr-probe.json",
        "login/cache/nbattr-probe.json",
    ):
        found = box.shell_as_user(f"ls ~/.aws/{written}")
        assert found.ok and found.stdout.strip(), f"nothing written at ~/.aws/{written}"
    assert box.immutable(CONFIG) and box.immutable(AWS_DIR)


def test_cli_history_is_written_when_the_module_enables_it(fault_deployed, sandbox):
    """cli_history has no environment variable: only aws_config_settings can turn it on."""
    name = "fault-strict"
    box = sandbox(name)
    assert box.start().ok
    assert b"cli_history = enabled\n" in (box.read(CONFIG) or b"")
    assert box.as_user(["aws", "sts", "get-caller-identity"]).ok
    assert _owner(box, f"{AWS_DIR}/cli/history/history.db") == "ec2-user"


def test_a_changed_script_updates_its_config_in_place_and_runs_at_the_next_start(
    tools, module_emulator, tmp_path, sandbox
):
    """A changed input (or a module upgrade) changes the rendered script: Terraform updates the
    lifecycle configuration in place, keeps the notebook, and the notebook's next start runs
    the new script over the old config."""
    ws = prepare(tools, module_emulator, tmp_path / "update", ".")
    ws.init()
    tf_vars: dict = {
        "role_name": "script-update",
        "lifecycle_config_name": "script-update",
        "notebooks": {"script-update": {}},
    }
    ws.apply(tf_vars=tf_vars)
    box = sandbox("script-update")
    assert box.start().ok
    assert b"cli_history" not in (box.read(CONFIG) or b"")

    tf_vars["aws_config_settings"] = {"cli_history": "enabled"}
    assert changed_actions(ws.plan(tf_vars=tf_vars)) == {
        "module.lifecycle_config.aws_sagemaker_notebook_instance_lifecycle_configuration.this": [
            "update"
        ]
    }, "a changed script must update the lifecycle configuration in place, nothing else"
    ws.apply(tf_vars=tf_vars)
    restarted = box.start()
    assert restarted.ok, restarted.stdout + restarted.stderr
    assert "config=written" in restarted.stdout
    assert b"cli_history = enabled\n" in (box.read(CONFIG) or b"")


@pytest.mark.parametrize(
    "attempt", ["aws configure set region eu-west-1", "aws configure set cli_history enabled"]
)
def test_aws_configure_set_cannot_edit_the_locked_config(attempt, deployed, sandbox):
    box = sandbox("test-1")
    assert box.start().ok
    before = box.read(CONFIG)
    tried = box.shell_as_user(attempt)
    assert not tried.ok, f"ec2-user could run: {attempt}"
    assert box.read(CONFIG) == before


def test_self_assume_asks_for_one_hour_at_most(deployed, sandbox, emulator):
    """Role chaining caps the session at one hour: the config asks for exactly that, and the
    AssumeRole request really carries it."""
    box = sandbox("test-2")
    assert box.start().ok
    assert b"\nduration_seconds = 3600\n" in (box.read(CONFIG) or b"")
    cli = box.as_user(["aws", "sts", "get-caller-identity", "--output", "json"])
    assert (
        json.loads(cli.stdout)["Arn"]
        == deployed.outputs["basic"]["expected_session_arns"]["test-2"]
    )
    events = emulator.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}]
    )["Events"]
    asked = [json.loads(event["CloudTrailEvent"])["requestParameters"] for event in events]
    mine = [params for params in asked if params.get("roleSessionName") == "test-2"]
    assert mine, asked
    assert int(mine[0]["durationSeconds"]) == 3600


@pytest.mark.parametrize("hidden", ["chattr", "lsattr"])
def test_missing_lock_tool_is_found_before_anything_is_written(hidden, fault_deployed, sandbox):
    box = sandbox("fault-strict", hide_commands=(hidden,))
    started = box.start()
    assert started.exit_code == 1, started.stdout + started.stderr
    assert f"reason={hidden} not found on PATH" in started.stdout
    assert not box.as_root(["test", "-e", AWS_DIR]).ok, "~/.aws was created"


def test_extra_on_start_within_its_budget_runs_normally(fault_deployed, sandbox):
    box = sandbox("fault-strict")
    started = box.start()
    assert started.ok, started.stdout + started.stderr
    assert "extra: ran" in started.stdout and "stopped" not in started.stderr


def test_extra_on_start_ignoring_term_is_killed_after_the_grace(fault_deployed, sandbox):
    box = sandbox("fault-strict")
    _root("touch /opt/ml/stubborn-extra")(box)
    started = box.start()
    assert started.exit_code == 137, started.stdout + started.stderr  # 128 + SIGKILL
    assert f"extra_on_start stopped after {EXTRA_TIMEOUT} s" in started.stderr
    assert EXTRA_TIMEOUT + 10 <= started.seconds < EXTRA_TIMEOUT + 18
    assert box.read(CONFIG) == expected_config(
        fault_deployed.outputs["strict"]["role_arn"], "fault-strict", settings=SETTINGS
    )


def test_hidden_jq_is_really_absent(deployed, sandbox):
    """The "no jq" fault runs without jq; everything else the script uses is still there."""
    box = sandbox("test-1", hide_jq=True)
    assert not box.as_root(["bash", "-c", "command -v jq"]).ok
    assert box.as_root(["bash", "-c", "command -v grep sed chattr mktemp"]).ok


def test_jq_path_is_exercised():
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed here: only the grep/sed fallback ran")
    assert shutil.which("jq")


# -- partitions ------------------------------------------------------------------------------

# One region of each partition, from botocore's data/partitions.json (as vendored by awscli
# 1.46: it lists aws-eusc, the AWS European Sovereign Cloud).
PARTITIONS = {
    "aws": "me-central-1",
    "aws-cn": "cn-northwest-1",
    "aws-us-gov": "us-gov-west-1",
    "aws-iso": "us-iso-east-1",
    "aws-iso-b": "us-isob-east-1",
    "aws-iso-e": "eu-isoe-west-1",
    "aws-iso-f": "us-isof-south-1",
    "aws-eusc": "eusc-de-east-1",
}
RENDER_PARTITIONS = """
variable "role_arns" {
  type = map(string)
}

module "render" {
  source   = "../../modules/lifecycle-config"
  for_each = var.role_arns
  name     = "render-${each.key}"
  role_arn = each.value
}

output "scripts" {
  value = { for key, rendered in module.render : key => rendered.on_start_script }
}
"""


def _role_arn(partition: str) -> str:
    return f"arn:{partition}:iam::123456789012:role/service-role/partitioned"


def _notebook_arn(partition: str, region: str, account: str = "123456789012") -> str:
    return f"arn:{partition}:sagemaker:{region}:{account}:notebook-instance/test-1"


@pytest.fixture(scope="module")
def partition_scripts(tools, emulator, project, tmp_path_factory) -> dict[str, str]:
    """The on-start script as the lifecycle-config module renders it for a role in each
    partition: one plan of that module, once per role ARN."""
    source = copy_module_tree(project, tmp_path_factory.mktemp("partitions") / "source")
    (source / "examples" / "render-partitions").mkdir()
    (source / "examples" / "render-partitions" / "main.tf").write_text(RENDER_PARTITIONS)
    work = tmp_path_factory.mktemp("partitions-work")
    ws = prepare(tools, emulator, work, "examples/render-partitions", project=source)
    ws.init()
    role_arns = {partition: _role_arn(partition) for partition in PARTITIONS}
    return planned_outputs(ws.plan(tf_vars={"role_arns": role_arns}))["scripts"]


def _start_as(box: Sandbox, script: str, notebook_arn: str):
    _root(
        f"printf '%s' '{json.dumps({'ResourceArn': notebook_arn, 'ResourceName': 'test-1'})}'"
        f" > {METADATA}"
    )(box)
    return box.run_root_script(script)


@pytest.mark.parametrize("partition", list(PARTITIONS))
def test_every_partition_is_accepted_with_its_own_region(
    partition, partition_scripts, deployed, sandbox
):
    region = PARTITIONS[partition]
    box = sandbox("test-1")
    started = _start_as(box, partition_scripts[partition], _notebook_arn(partition, region))
    assert started.ok, started.stdout + started.stderr
    assert f"region={region}" in started.stdout
    assert box.read(CONFIG) == expected_config(_role_arn(partition), "test-1", region)


REFUSED = {
    "notebook and role in different partitions": (
        "aws-cn", _notebook_arn("aws", "us-east-1"), "differs from role"
    ),
    "a commercial region in the China partition": (
        "aws-cn", _notebook_arn("aws-cn", "us-east-1"), "not a region of partition aws-cn"
    ),
    "a GovCloud region in the commercial partition": (
        "aws", _notebook_arn("aws", "us-gov-west-1"), "not a region of partition aws"
    ),
    "a European Sovereign Cloud region without its country": (
        "aws-eusc", _notebook_arn("aws-eusc", "eusc-east-1"), "not a region of partition"
    ),
    "an unknown partition": (
        "aws", _notebook_arn("aws-mars", "mars-east-1"), "partition aws-mars, which"
    ),
    "an 11-digit account": (
        "aws", _notebook_arn("aws", "us-east-1", "12345678901"), "not a SageMaker notebook"
    ),
    "another service's ARN": (
        "aws", "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc", "not a SageMaker notebook"
    ),
    "an ARN without a region": (
        "aws", _notebook_arn("aws", ""), "not a SageMaker notebook"
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(REFUSED))
def test_mismatched_or_malformed_arns_are_refused(case, partition_scripts, deployed, sandbox):
    partition, notebook_arn, reason = REFUSED[case]
    box = sandbox("test-1")
    started = _start_as(box, partition_scripts[partition], notebook_arn)
    assert started.exit_code == 1, started.stdout + started.stderr
    assert "FAILED mode=strict" in started.stdout and reason in started.stdout
    assert box.read(CONFIG) is None


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
    stderr: str = ""  # a line the start must log
    max_seconds: float = 120.0


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
    "no chattr or lsattr": Fault(
        options=lambda: {"hide_commands": ("chattr", "lsattr")},
        exit_codes=(1, 0),
        config="absent",
        reason="chattr not found on PATH",
    ),
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
    # TERM at the budget; strict fails the start with timeout's 124, best-effort starts.
    "extra_on_start overrunning its budget": Fault(
        _root("touch /opt/ml/slow-extra"),
        exit_codes=(124, 0),
        reason=f"extra_on_start=stopped-after-{EXTRA_TIMEOUT}s",
        stderr=f"extra_on_start stopped after {EXTRA_TIMEOUT} s",
        max_seconds=EXTRA_TIMEOUT + 8,
    ),
}


@pytest.mark.parametrize("mode", ["strict", "best-effort"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_outcome_and_never_a_half_written_config(fault, mode, fault_deployed, sandbox):
    case = FAULTS[fault]
    outputs = fault_deployed.outputs[mode]
    name = f"fault-{mode}"
    box = sandbox(name, **case.options())
    case.setup(box)

    started = box.start()

    expected_exit = case.exit_codes[0 if mode == "strict" else 1]
    assert started.exit_code == expected_exit, started.stdout + started.stderr
    assert case.stderr in started.stderr
    assert started.seconds < case.max_seconds
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
        assert box.read(CONFIG) == expected_config(outputs["role_arn"], name, settings=SETTINGS)
        assert box.immutable(CONFIG) and box.immutable(AWS_DIR)
    leftovers = box.as_root(["bash", "-c", f"ls -A {AWS_DIR} 2>/dev/null || true"])
    assert ".config." not in leftovers.stdout, f"temporary file left: {leftovers.stdout}"


def test_metadata_service_down_leaves_workloads_without_credentials(fault_deployed, sandbox):
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
def imds_deployed(tools, module_emulator, tmp_path_factory) -> dict:
    """Two notebooks of the root module, both IMDSv2-only at first; the second is then
    switched to allow IMDSv1, the way a user would: an in-place update of the notebook.
    Not destroyed afterwards, like `deployed`."""
    ws = prepare(tools, module_emulator, tmp_path_factory.mktemp("imds"), ".")
    ws.init()
    tf_vars = {
        "role_name": "imds-notebooks",
        "lifecycle_config_name": "imds-on-start",
        "notebooks": {name: {} for name in IMDS_NOTEBOOKS},
    }
    ws.apply(tf_vars=tf_vars)
    tf_vars["notebooks"] = {name: {"imds_minimum_version": v} for name, v in IMDS_NOTEBOOKS.items()}
    assert changed_actions(ws.plan(tf_vars=tf_vars)) == {
        'module.notebook["imds-v1-allowed"].aws_sagemaker_notebook_instance.this': ["update"]
    }, "allowing IMDSv1 must update the notebook in place, not replace it"
    ws.apply(tf_vars=tf_vars)
    return ws.outputs()


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
