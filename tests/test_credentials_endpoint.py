"""The on-start script's credentials endpoint, run in the notebook sandbox as it ships.

SDKs that do not understand `credential_source` in ~/.aws/config (the AWS SDK for JavaScript
v2 among them) fall back to the instance's bare `SageMaker` session. The script serves them the
config's own attributed session through the container credentials provider; these tests run
the real script as Terraform renders it, and the real SDK from npm as ec2-user would, from a
terminal (login shell) and from a Jupyter kernel (the server's environment, no profile read).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import bypasses
from nbattr.harness.sandbox import SYSTEM_PATH, Run, Sandbox, unavailable_reason
from nbattr.harness.workspace import prepare
from sdk_clients import JS

REASON = unavailable_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

RUN_DIR = "/run/nbattr"
PROFILE_D = "/etc/profile.d/nbattr-credentials.sh"
CONFIG = "/home/ec2-user/.aws/config"
# sts:GetCallerIdentity through the AWS SDK for JavaScript v2's default credential chain. v2
# ignores AWS_ENDPOINT_URL, so the emulator's endpoint is passed explicitly.
JS_V2_CALLER = """
const AWS = require("aws-sdk");
const env = process.env;
const sts = new AWS.STS({region: env.AWS_DEFAULT_REGION, endpoint: env.AWS_ENDPOINT_URL});
sts.getCallerIdentity({}, (error, data) => {
  if (error) { console.error(error.code, error.message); process.exit(1); }
  console.log(data.Arn);
});
"""
# One GET to the endpoint as ec2-user: [status, body]. argv[1]: the Authorization header.
FETCH = """
import json, sys, urllib.error, urllib.request
port = open("/run/nbattr/port").read().strip()
request = urllib.request.Request(f"http://127.0.0.1:{port}/credentials")
if len(sys.argv) > 1:
    request.add_header("Authorization", sys.argv[1])
try:
    with urllib.request.urlopen(request, timeout=10) as answer:
        print(json.dumps([answer.status, json.loads(answer.read())]))
except urllib.error.HTTPError as error:
    print(json.dumps([error.code, json.loads(error.read() or b"{}")]))
"""
# How botocore resolves credentials where the config is read: the profile's method, and ARN.
BOTO3_METHOD = """
import boto3
session = boto3.Session()
print(session.get_credentials().method, session.client("sts").get_caller_identity()["Arn"])
"""


@pytest.fixture(scope="module")
def deployed(tools, emulator, tmp_path_factory) -> dict:
    """examples/basic applied: the module's defaults, so the endpoint is on."""
    emulator.reset()
    basic = prepare(tools, emulator, tmp_path_factory.mktemp("basic"), "examples/basic")
    basic.init()
    basic.apply()
    return basic.outputs()


# The best-effort deployment's extra_on_start: overruns its budget on demand.
SLOW_EXTRA = "if [ -e /opt/ml/slow-extra ]; then sleep 60; fi\n"
EXTRA_TIMEOUT = 2


@pytest.fixture(scope="module")
def best_effort_script(tools, emulator, deployed, tmp_path_factory) -> str:
    """The script of a best-effort deployment of the root module, as Terraform renders it."""
    ws = prepare(tools, emulator, tmp_path_factory.mktemp("best-effort"), ".")
    ws.init()
    ws.apply(
        tf_vars={
            "role_name": "endpoint-best-effort",
            "lifecycle_config_name": "endpoint-best-effort",
            "notebooks": {},
            "on_start_mode": "best-effort",
            "extra_on_start": SLOW_EXTRA,
            "extra_on_start_timeout_seconds": EXTRA_TIMEOUT,
        }
    )
    return str(ws.outputs()["on_start_script"])


@pytest.fixture
def sandbox(emulator, tmp_path) -> Iterator[Callable[..., Sandbox]]:
    booted: list[Sandbox] = []

    def make(notebook: str) -> Sandbox:
        box = Sandbox(emulator, notebook, tmp_path / f"sandbox-{len(booted)}", expose=(JS,))
        booted.append(box.boot())
        return box

    yield make
    for box in booted:
        box.close()


@pytest.fixture
def js_v2(emulator) -> dict[str, str]:
    """The environment that lets node find the pinned aws-sdk 2.x (`make tools`)."""
    if not (JS / "node_modules" / "aws-sdk").is_dir():
        pytest.skip("aws-sdk 2.x is not installed: run `make tools` (needs npm)")
    metadata = emulator.notebook_metadata_endpoint("test-1")
    return {
        "NODE_PATH": str(JS / "node_modules"),
        "AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE": "1",
        # v2 appends "/latest/..." to the endpoint as given: the real one, http://169.254.169.254,
        # has no trailing slash, the sandbox's has (botocore accepts both).
        "AWS_EC2_METADATA_SERVICE_ENDPOINT": metadata.rstrip("/"),
    }


def _started(box: Sandbox) -> Run:
    started = box.start()
    assert started.ok, started.stdout + started.stderr
    return started


def _ask(box: Sandbox, token: str | None) -> Run:
    return box.as_user([sys.executable, "-c", FETCH, *([token] if token is not None else [])])


def _fetch(box: Sandbox, token: str | None) -> tuple[int, dict]:
    done = _ask(box, token)
    assert done.ok, done.stderr
    status, body = json.loads(done.stdout)
    return int(status), body


def _token(box: Sandbox) -> str:
    token = box.read(f"{RUN_DIR}/token")
    assert token is not None
    return token.decode()


def _endpoint_processes(box: Sandbox) -> list[int]:
    """The credentials endpoint's servers running in this sandbox."""
    found = []
    for pid in box.processes_inside():
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(part.endswith(b"/run/nbattr/server.py") for part in command[:2]):
            found.append(pid)
    return found


# -- attribution of an SDK that ignores credential_source ----------------------------------


@pytest.mark.parametrize("load_config", ["", "1"], ids=["plain", "AWS_SDK_LOAD_CONFIG"])
@pytest.mark.parametrize("shell", ["terminal", "kernel"])
def test_javascript_v2_is_attributed(shell, load_config, js_v2, deployed, sandbox):
    box = sandbox("test-1")
    _started(box)
    env = {**js_v2, **({"AWS_SDK_LOAD_CONFIG": load_config} if load_config else {})}
    called = box.as_started_from(shell, ["node", "-e", JS_V2_CALLER], env)
    assert called.ok, called.stderr
    assert called.stdout.strip() == deployed["expected_session_arns"]["test-1"]


def test_javascript_v2_without_the_endpoint_is_the_bare_session(js_v2, deployed, sandbox):
    """What the endpoint fixes: the same call, configured the same, outside a terminal or kernel
    (no /etc/profile.d read), falls back to the instance's credentials."""
    box = sandbox("test-1")
    _started(box)
    called = box.as_user(["node", "-e", JS_V2_CALLER], {**js_v2, "AWS_SDK_LOAD_CONFIG": "1"})
    assert called.ok, called.stderr
    assert called.stdout.strip().endswith(":assumed-role/attributed-notebooks/SageMaker")


@pytest.mark.parametrize("shell", ["terminal", "kernel"])
def test_config_readers_keep_using_the_config(shell, deployed, sandbox):
    """boto3 and the CLI take the profile before the container provider: nothing changes."""
    box = sandbox("test-2")
    _started(box)
    assert box.as_terminal("printenv AWS_CONTAINER_CREDENTIALS_FULL_URI").stdout.strip()
    boto3 = box.as_started_from(shell, [sys.executable, "-c", BOTO3_METHOD])
    assert boto3.ok, boto3.stderr
    assert boto3.stdout.split() == ["assume-role", deployed["expected_session_arns"]["test-2"]]
    cli = box.as_started_from(shell, ["aws", "sts", "get-caller-identity", "--output", "json"])
    assert cli.ok, cli.stderr
    assert json.loads(cli.stdout)["Arn"] == deployed["expected_session_arns"]["test-2"]


def test_a_config_file_elsewhere_now_lands_on_the_endpoint(deployed, sandbox):
    """The recorded bypass (AWS_CONFIG_FILE pointing elsewhere) is attributed where the
    terminal's variables are set; unsetting them as well still bypasses (README)."""
    box = sandbox("test-1")
    _started(box)
    env = bypasses.config_file_elsewhere(box)
    caller = ["aws", "sts", "get-caller-identity", "--query", "Arn", "--output", "text"]
    inside = box.as_started_from("terminal", caller, env)
    assert inside.ok, inside.stderr
    assert inside.stdout.strip() == deployed["expected_session_arns"]["test-1"]
    unset = ["env", "-u", "AWS_CONTAINER_CREDENTIALS_FULL_URI", *caller]
    outside = box.as_started_from("terminal", unset, env)
    assert outside.ok, outside.stderr
    assert outside.stdout.strip().endswith(":assumed-role/attributed-notebooks/SageMaker")


# -- what the endpoint serves, and to whom --------------------------------------------------


def test_endpoint_serves_the_notebooks_session_never_the_base(deployed, sandbox, emulator):
    box = sandbox("test-2")
    before = emulator.api_calls
    _started(box)
    assert emulator.api_calls == before  # no AWS call at start, the endpoint's included
    status, served = _fetch(box, _token(box))
    assert status == 200, served
    assert set(served) == {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}
    base = bypasses.credentials_in_environment(box)
    assert served["AccessKeyId"] != base["AWS_ACCESS_KEY_ID"]
    # The served key is the notebook's own session in the emulator's STS.
    as_served = {
        "AWS_ACCESS_KEY_ID": served["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": served["SecretAccessKey"],
        "AWS_SESSION_TOKEN": served["Token"],
        "AWS_CONFIG_FILE": "/dev/null",
    }
    caller = box.as_user(["aws", "sts", "get-caller-identity", "--output", "json"], as_served)
    assert caller.ok, caller.stderr
    assert json.loads(caller.stdout)["Arn"] == deployed["expected_session_arns"]["test-2"]


@pytest.mark.parametrize("token", [None, "", "wrong-token"], ids=["missing", "empty", "wrong"])
def test_endpoint_refuses_requests_without_the_token(token, deployed, sandbox, emulator):
    box = sandbox("test-1")
    _started(box)
    before = emulator.api_calls
    status, body = _fetch(box, token)
    assert status == 401, body
    assert "AccessKeyId" not in body
    assert emulator.api_calls == before  # refused before any credentials are fetched


def test_token_and_endpoint_are_ec2_users_only(deployed, sandbox):
    box = sandbox("test-1")
    _started(box)
    mode = box.as_root(["stat", "-c", "%U:%G %a", f"{RUN_DIR}/token"])
    assert mode.stdout.split() == ["root:ec2-user", "640"]
    # Another unprivileged user may not read it.
    other = box.as_root(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                         "cat", f"{RUN_DIR}/token"])  # fmt: skip
    assert not other.ok
    port = (box.read(f"{RUN_DIR}/port") or b"").decode().strip()
    listening = box.as_root(["ss", "-Hltn", f"sport = :{port}"])
    assert listening.ok, listening.stderr
    assert [line.split()[3] for line in listening.stdout.splitlines()] == [f"127.0.0.1:{port}"]
    # ec2-user can neither stop the root supervisor nor rewrite what it serves.
    supervisor = (box.read(f"{RUN_DIR}/supervisor.pid") or b"").decode().strip()
    assert not box.as_user(["kill", supervisor]).ok
    assert not box.shell_as_user(f"echo x > {RUN_DIR}/server.py").ok


# -- supervision and idempotence ------------------------------------------------------------


def _live_group(pgid: str) -> list[int]:
    """The processes of a process group that still run. A killed supervisor may stay a zombie
    here: the sandbox has no init of its own to reap it (a notebook's systemd does)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[2] == pgid and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


def _wait_for(check: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_endpoint_is_restarted_when_killed(deployed, sandbox):
    box = sandbox("test-1")
    _started(box)
    token = _token(box)
    [first] = _endpoint_processes(box)
    assert box.as_user(["kill", "-9", str(first)]).ok  # its own user can; it comes back
    assert _wait_for(lambda: _endpoint_processes(box) not in ([], [first]))
    assert _wait_for(lambda: _ask(box, token).ok)  # listening again
    assert _fetch(box, token)[0] == 200
    assert len(_endpoint_processes(box)) == 1


def test_restarting_keeps_one_endpoint_on_the_same_port(deployed, sandbox):
    box = sandbox("test-1")
    first = _started(box)
    assert "endpoint=started" in first.stdout
    files = [f"{RUN_DIR}/{name}" for name in ("port", "token", "supervisor.pid")]
    state = [box.read(path) for path in files]
    profile = box.read(PROFILE_D)
    servers = _endpoint_processes(box)
    for _ in range(2):
        again = _started(box)
        assert "endpoint=unchanged" in again.stdout
        assert [box.read(path) for path in files] == state
        assert box.read(PROFILE_D) == profile
        assert _endpoint_processes(box) == servers and len(servers) == 1


def test_a_changed_endpoint_is_replaced_not_doubled(deployed, sandbox):
    """A start whose endpoint differs from the running one (e.g. after a module upgrade) stops
    the old server and its supervisor before starting the new one."""
    box = sandbox("test-1")
    _started(box)
    [old] = _endpoint_processes(box)
    old_supervisor = (box.read(f"{RUN_DIR}/supervisor.pid") or b"").decode().strip()
    changed = box.as_root(["bash", "-c", f"echo '# older' >> {RUN_DIR}/server.py"])
    assert changed.ok, changed.stderr
    again = _started(box)
    assert "endpoint=started" in again.stdout
    assert _wait_for(lambda: old not in _endpoint_processes(box))
    assert len(_endpoint_processes(box)) == 1
    assert _wait_for(lambda: _live_group(old_supervisor) == [])  # supervisor, runuser, server
    assert _fetch(box, _token(box))[0] == 200


# -- when it cannot start ------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["strict", "best-effort"])
def test_endpoint_that_cannot_start(mode, deployed, best_effort_script, sandbox):
    """No Python with botocore on PATH (this machine's /usr/bin/python3 has none): strict
    fails the start, best-effort starts with a warning; the config is complete either way."""
    box = sandbox("test-1")
    script = box.spec.on_start if mode == "strict" else best_effort_script
    started = box.run_root_script(script, env={"PATH": SYSTEM_PATH})
    summary = [line for line in started.stdout.splitlines() if line.startswith("nbattr on-start:")]
    assert len(summary) == 1, started.stdout
    if mode == "strict":
        assert started.exit_code == 1, started.stdout + started.stderr
        reason = "FAILED mode=strict reason=credentials endpoint: no Python with botocore"
        assert reason in summary[0]
    else:
        assert started.ok, started.stdout + started.stderr
        assert summary[0].startswith("nbattr on-start: ok") and "endpoint=failed" in summary[0]
        assert "WARNING: credentials endpoint: no Python with botocore" in started.stderr
    assert b"role_session_name = test-1\n" in (box.read(CONFIG) or b"")
    assert box.immutable(CONFIG)
    assert box.read(PROFILE_D) is None  # no variables that point at nothing
    assert _endpoint_processes(box) == []


def test_no_endpoint_without_an_attributed_config(best_effort_script, sandbox):
    """Best-effort with the config not written (no metadata): nothing to serve, so no server
    and no variables pointing at one."""
    box = sandbox("test-1")
    assert box.as_root(["rm", "/opt/ml/metadata/resource-metadata.json"]).ok
    started = box.run_root_script(best_effort_script)
    assert started.ok, started.stdout + started.stderr
    assert "UNATTRIBUTED" in started.stdout and "endpoint=" not in started.stdout
    assert box.read(f"{RUN_DIR}/port") is None and box.read(PROFILE_D) is None
    assert _endpoint_processes(box) == []


def test_endpoint_outlives_an_extra_on_start_that_overruns(best_effort_script, sandbox):
    """extra_on_start's timeout stops its process group; the endpoint has a session of its own."""
    box = sandbox("test-1")
    assert box.as_root(["touch", "/opt/ml/slow-extra"]).ok
    started = box.run_root_script(best_effort_script)
    assert started.ok, started.stdout + started.stderr
    assert f"extra_on_start=stopped-after-{EXTRA_TIMEOUT}s" in started.stdout
    assert "endpoint=started" in started.stdout
    assert len(_endpoint_processes(box)) == 1
    assert _fetch(box, _token(box))[0] == 200
