"""Terraform commands on lent, long-lived provider processes behave as on their own provider."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nbattr.harness import provider_servers
from nbattr.harness.provider_servers import (
    SWITCH,
    ProviderServerError,
    ProviderServers,
    installed_provider,
)
from nbattr.harness.schema_narrowing import configured_types


@pytest.fixture
def servers(monkeypatch) -> ProviderServers:
    """A pool of this test's own, in place of the worker's (and no answers kept before)."""
    fresh = ProviderServers()
    monkeypatch.setattr(provider_servers, "SERVERS", fresh)
    monkeypatch.setenv(SWITCH, "narrow")
    yield fresh
    fresh.close()


@pytest.fixture
def basic(workspace, emulator):
    return workspace("examples/basic", emulator)


@pytest.fixture
def binary(basic, tools):
    found = installed_provider(basic.path, tools.terraform.registry)
    assert found is not None and found.name.startswith("terraform-provider-aws")
    return found


@pytest.fixture
def address(tools) -> str:
    return f"{tools.terraform.registry}/hashicorp/aws"


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "AWS_CONFIG_FILE": "/dev/null"}


def _pid(attach_value: str) -> int:
    (attach,) = json.loads(attach_value).values()
    return int(attach["Pid"])


def _changes(plan) -> str:
    """What a plan would do, in a form two plans can be compared by."""
    return json.dumps(
        {
            address: [change["change"]["actions"], change["change"]["after"]]
            for address, change in plan.resource_changes.items()
        },
        sort_keys=True,
    )


@pytest.mark.long
def test_commands_reuse_one_process_and_plan_as_with_their_own_provider(
    servers, basic, monkeypatch
):
    lent = basic.plan()
    (server,) = servers.idle_servers()
    first_pid, replayed = server.process.pid, server.replay.replayed
    # `plan` then `show -json` on one process: the schema was asked for twice, built once,
    # and narrowed to the configuration's types each time.
    assert replayed >= 1
    assert server.replay.narrowed > replayed
    again = basic.plan()
    (server,) = servers.idle_servers()
    assert server.process.pid == first_pid
    assert server.replay.replayed > replayed
    monkeypatch.setenv(SWITCH, "off")  # each command starts its own provider, as for users
    own = basic.plan()
    assert servers.idle_servers() == [server]  # not lent to
    assert len(own.resource_changes) > 0
    assert _changes(lent) == _changes(own) == _changes(again)


def test_a_later_process_of_the_binary_gives_the_first_ones_answers(
    servers, basic, binary, address
):
    first = basic.plan()
    (earlier,) = servers.idle_servers()
    assert earlier.replay.forwarded >= 2  # GetSchema and PrepareProviderConfig, once each
    with servers.lend(binary, address, basic.tf.env):  # busy: the next plan starts another
        later_plan = basic.plan()
    (later,) = [server for server in servers.idle_servers() if server is not earlier]
    assert later.process.pid != earlier.process.pid
    assert later.replay.forwarded == 0  # it never built them
    assert later.replay.replayed >= 2
    assert _changes(later_plan) == _changes(first)


def _schema(workspace) -> dict:
    (provider,) = json.loads(workspace.run("providers", "schema", "-json").out)[
        "provider_schemas"
    ].values()
    return provider


def test_a_narrowed_schema_is_the_providers_own_for_the_configurations_types(
    servers, basic, monkeypatch
):
    """What Terraform reads through the narrowing relay, against the whole schema the same
    provider gives through the relay when it does not narrow (the relay passes answers on
    unchanged: the plans above equal those made with Terraform's own provider): the same
    provider block, and the same schema for every type the configuration (the example and
    the modules it calls) declares; no other type."""
    narrowed = _schema(basic)
    monkeypatch.setenv(SWITCH, "replay")
    whole = _schema(basic)
    assert len(whole["resource_schemas"]) > 1000 and len(whole["data_source_schemas"]) > 400
    declared = configured_types(basic.path)
    # Declared by the modules examples/basic calls, not by the example itself.
    assert {"aws_sagemaker_notebook_instance", "aws_iam_role"} <= declared
    assert narrowed["provider"] == whole["provider"]
    for kind in ("resource_schemas", "data_source_schemas"):
        assert set(narrowed[kind]) == declared & set(whole[kind]), kind
        assert {name: whole[kind][name] for name in narrowed[kind]} == narrowed[kind], kind
    assert narrowed["resource_schemas"] and narrowed["data_source_schemas"]


def test_apply_and_destroy_on_a_lent_process_reach_the_emulator(servers, basic, clean_emulator):
    basic.apply()
    roles = clean_emulator.client("iam").list_roles()["Roles"]
    assert basic.outputs()["role_arn"] in [role["Arn"] for role in roles]
    basic.destroy()
    assert clean_emulator.client("sagemaker").list_notebook_instances()["NotebookInstances"] == []


def test_two_commands_at_once_never_share_a_process(servers, binary, address, env):
    with servers.lend(binary, address, env) as one, servers.lend(binary, address, env) as two:
        assert _pid(one) != _pid(two)
        assert json.loads(one) != json.loads(two)
    assert len(servers.idle_servers()) == 2


def test_a_process_is_reused_only_under_the_same_environment(servers, binary, address, env):
    with servers.lend(binary, address, env) as first:
        pass
    with servers.lend(binary, address, {**env, "TF_VAR_team": "a"}) as inputs_only:
        assert _pid(inputs_only) == _pid(first)  # Terraform's inputs never reach a provider
    with servers.lend(binary, address, {**env, "PYTEST_CURRENT_TEST": "x.py::y"}) as marked:
        assert _pid(marked) == _pid(first)  # nor does pytest's marker of the running test
    with servers.lend(binary, address, {**env, "AWS_REGION": "eu-west-1"}) as other:
        assert _pid(other) != _pid(first)


def test_a_dead_process_is_not_lent_again(servers, binary, address, env):
    with servers.lend(binary, address, env) as first:
        pass
    (server,) = servers.idle_servers()
    os.kill(_pid(first), signal.SIGKILL)
    server.process.wait(10)  # a zombie leader's threads may still be exiting: wait for all
    with servers.lend(binary, address, env) as second:
        assert _pid(second) != _pid(first)


def test_idle_processes_beyond_the_limit_are_stopped(binary, address, env):
    servers = ProviderServers(idle_limit=1)
    try:
        with servers.lend(binary, address, {**env, "AWS_REGION": "us-east-1"}):
            pass
        (oldest,) = servers.idle_servers()
        with servers.lend(binary, address, {**env, "AWS_REGION": "eu-west-1"}):
            pass
        assert not oldest.alive()
        assert len(servers.idle_servers()) == 1
    finally:
        servers.close()


def test_the_provider_ends_with_the_process_that_lent_it(binary, address, env):
    """A worker that dies without closing its pool leaves no provider behind."""
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from nbattr.harness.provider_servers import SERVERS\n"
        f"lent = SERVERS.lend(Path({str(binary)!r}), {address!r}, {env!r})\n"
        "print(lent.__enter__(), flush=True)\n"
        "os._exit(0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    _wait_until_ended(_pid(done.stdout))


def _wait_until_ended(pid: int) -> None:
    deadline = time.monotonic() + 10
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(pid)


def _running(pid: int) -> bool:
    """Whether `pid` runs: a zombie nobody has reaped yet has ended."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_an_unknown_switch_value_is_refused_by_name(monkeypatch):
    monkeypatch.setenv(SWITCH, "sometimes")
    with pytest.raises(ProviderServerError, match=f"{SWITCH} must be one of .*'sometimes'"):
        provider_servers.mode()
