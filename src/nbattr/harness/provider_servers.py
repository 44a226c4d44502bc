"""Long-lived AWS provider processes, lent to one Terraform command at a time.

Every Terraform command starts the AWS provider (a 490 MB binary) afresh, three times for a
plan, and each start builds the provider's whole schema: most of the 7 CPU-s of a plan of
examples/basic. Terraform can instead attach to a provider that is already running: the
provider's `-debug` mode serves it and prints a TF_REATTACH_PROVIDERS value, and Terraform then
neither starts nor stops it (developer.hashicorp.com/terraform/plugin/debugging, "Debugger-
based debugging"). The same binary `terraform init` installed serves the same protocol; only
who starts it changes. bench/provider_servers.py measures both ways side by side.

A provider process holds one configuration at a time (SDKv2 keeps a single `meta`), so a
process is lent to one command at a time and never shared by two at once. It runs with the
environment Terraform would have given the provider, and a process is reused only by a
command with that same environment. `terraform init` is never given one: it installs
providers and would skip an attached one. The process runs in a folder of its own, not the
configuration's: a resource that handed the provider a relative file path
(`aws_s3_object.source`) would not find it there; none of this project's does.

Between Terraform and each process sits a relay (provider_replay) that keeps the provider's
answers to its two costly, unchanging calls and, in the default way, narrows the schema answer
to the types of the configuration that holds the process (schema_narrowing).
NBATTR_PROVIDER_SERVERS picks the way: `narrow` (the default), `replay` (the relay, whole
schemas), `attach` (no relay) or `off` (each command starts its own provider, as for users).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .provider_replay import Answers, ProviderReplay

SWITCH = "NBATTR_PROVIDER_SERVERS"
REATTACH = "TF_REATTACH_PROVIDERS"
# Commands that load providers (`providers schema` among the `providers` ones). `init`
# installs them; `output`, `fmt`, `version` load none.
PROVIDER_COMMANDS = frozenset(
    {
        "plan",
        "apply",
        "destroy",
        "show",
        "validate",
        "refresh",
        "import",
        "console",
        "state",
        "providers",
    }
)
# The line the provider's debug mode prints, then the value between the quotes.
ANNOUNCEMENT = f"{REATTACH}='"
START_TIMEOUT = 60.0
# Idle processes kept per worker, each 300-500 MB once configured: one for Terraform, one for
# OpenTofu, one more for a test that runs two commands at once.
IDLE_LIMIT = 3


class ProviderServerError(RuntimeError):
    pass


MODES = ("narrow", "replay", "attach", "off")


def mode() -> str:
    chosen = os.environ.get(SWITCH, "narrow")
    if chosen not in MODES:
        raise ProviderServerError(f"{SWITCH} must be one of {', '.join(MODES)}; got {chosen!r}")
    return chosen


def enabled() -> bool:
    return mode() != "off"


def installed_provider(config: Path, registry: str) -> Path | None:
    """The AWS provider binary `terraform init` installed for `config`, if exactly one."""
    found = sorted(
        (config / ".terraform" / "providers" / registry / "hashicorp" / "aws").glob(
            "*/*/terraform-provider-aws*"
        )
    )
    return found[0].resolve() if len(found) == 1 else None


# Set per test by pytest for its own reporting (docs.pytest.org, "PYTEST_CURRENT_TEST
# environment variable"); copied into every command's environment, it would make each test's
# commands look different and start a process of their own.
PYTEST_MARKER = "PYTEST_CURRENT_TEST"


def provider_environment(terraform_env: Mapping[str, str]) -> dict[str, str]:
    """What a provider started by Terraform would see: Terraform's environment, less the
    variables only Terraform reads (inputs, an attach value) and pytest's test marker."""
    return {
        key: value
        for key, value in terraform_env.items()
        if not key.startswith("TF_VAR_") and key not in (REATTACH, PYTEST_MARKER)
    }


_SPAWNER = ThreadPoolExecutor(1, thread_name_prefix="provider-spawner")


def _with_parent_death_signal(command: list[str]) -> list[str]:
    """`command`, ended by the kernel when the thread that started it ends (util-linux
    `setpriv --pdeathsig`), so a worker that dies leaves no provider behind. Not a Python
    `preexec_fn`: that forks with the relay's gRPC threads running, and gRPC's fork handlers
    can hang the child before it runs the provider (seen here)."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--", *command] if setpriv else command


@dataclass
class _Server:
    binary: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    folder: Path
    attach: dict[str, Any] = field(default_factory=dict)
    replay: ProviderReplay | None = None

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.replay is not None:
            self.replay.stop()
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _start(binary: Path, env: dict[str, str], answers: Answers | None) -> _Server:
    """A provider process; behind a relay giving `answers` (its binary's), if any."""
    folder = Path(tempfile.mkdtemp(prefix="nbattr-provider-"))
    stdout = folder / "stdout"
    with stdout.open("wb") as out, (folder / "stderr").open("wb") as err:
        # From one long-lived thread: the kernel's parent-death signal follows the thread
        # that forked, and a test's short-lived thread would take the provider with it.
        process = _SPAWNER.submit(
            subprocess.Popen,
            _with_parent_death_signal([str(binary), "-debug"]),
            env=env,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        ).result()
    server = _Server(binary, env, process, folder)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        text = stdout.read_text(errors="replace")
        if ANNOUNCEMENT in text:
            value = text.split(ANNOUNCEMENT, 1)[1].split("'", 1)[0]
            (server.attach,) = json.loads(value).values()
            if answers is not None:
                relay_socket = folder / "relay.sock"
                server.replay = ProviderReplay(
                    server.attach["Addr"]["String"], relay_socket, answers
                )
                server.attach["Addr"] = {"Network": "unix", "String": str(relay_socket)}
            return server
        if not server.alive():
            break
        time.sleep(0.05)
    said = (folder / "stderr").read_text(errors="replace")[-2000:]
    server.stop()
    raise ProviderServerError(
        f"{binary} -debug gave no {REATTACH} value within {START_TIMEOUT:.0f} s: {said}"
    )


class ProviderServers:
    """This process's idle provider processes, and the lending of them."""

    def __init__(self, idle_limit: int = IDLE_LIMIT) -> None:
        self._idle: list[_Server] = []  # least recently used first
        self._lock = threading.Lock()
        self._idle_limit = idle_limit
        # What each binary's processes answered, for all of the pool's relays: a process
        # started later (another environment, two commands at once) answers GetSchema and
        # PrepareProviderConfig, about 2 CPU s, from the first one's answers.
        self._answers: dict[tuple[Path, int, int], Answers] = {}

    def _answers_of(self, binary: Path) -> Answers:
        found = binary.stat()
        with self._lock:
            return self._answers.setdefault((binary, found.st_size, found.st_mtime_ns), Answers())

    def _take(self, binary: Path, env: dict[str, str], replay: bool) -> _Server | None:
        with self._lock:
            for server in reversed(self._idle):
                same_way = (server.replay is not None) == replay
                if server.binary == binary and server.env == env and same_way:
                    self._idle.remove(server)
                    if server.alive():
                        return server
                    server.stop()
        return None

    def _give_back(self, server: _Server) -> None:
        with self._lock:
            self._idle.append(server)
            surplus = self._idle[: max(0, len(self._idle) - self._idle_limit)]
            del self._idle[: len(surplus)]
        for old in surplus:
            old.stop()

    @contextmanager
    def lend(
        self,
        binary: Path,
        address: str,
        terraform_env: Mapping[str, str],
        schema_types: frozenset[str] | None = None,
    ) -> Iterator[str]:
        """A TF_REATTACH_PROVIDERS value naming a provider process for `address`, which no
        other command uses until the block ends. With `schema_types`, in the `narrow` way,
        the process's schema answers name only those types meanwhile."""
        env = provider_environment(terraform_env)
        replay = mode() in ("narrow", "replay")
        server = self._take(binary, env, replay) or _start(
            binary, env, self._answers_of(binary) if replay else None
        )
        if server.replay is not None:
            server.replay.narrow_schema_to(schema_types if mode() == "narrow" else None)
        try:
            yield json.dumps({address: server.attach})
        finally:
            if server.replay is not None:
                server.replay.narrow_schema_to(None)
            if server.alive():
                self._give_back(server)
            else:
                server.stop()

    def idle_servers(self) -> list[_Server]:
        """The processes waiting to be lent, least recently used first."""
        with self._lock:
            return list(self._idle)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for server in idle:
            server.stop()


SERVERS = ProviderServers()
atexit.register(SERVERS.close)
