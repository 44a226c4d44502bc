"""A notebook sandbox: run the lifecycle script the way SageMaker does, at a notebook's paths.

It reads the notebook and its lifecycle config from the emulator's SageMaker API, decodes the
`OnStart` content and runs it as root inside a private mount namespace with tmpfs on `/home`
and `/opt/ml` (nothing on the host changes). Workloads then run as an unprivileged
`ec2-user` (its own uid, HOME=/home/ec2-user) with the emulator as AWS endpoint and the
notebook's own metadata service.

Each sandbox also has a network namespace of its own with the notebook's address (see
`nbattr.emulator.network`): a notebook in a VPC has its network interface's private address, the
others an address of the emulated service-managed network. Its calls reach the emulator at
`Emulator.notebook_endpoint`, so CloudTrail records that address as `sourceIPAddress`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import pwd
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..emulator import Emulator, network
from .toolchain import executables_on_path

USER = "ec2-user"
HOME = "/home/ec2-user"
METADATA = "/opt/ml/metadata/resource-metadata.json"
# The file AWS's set-env-variable sample writes (see as_kernel).
JUPYTER_ENV = "/etc/profile.d/jupyter-env.sh"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# A login shell's /etc/profile: the part of Amazon Linux's that matters here, reading every
# /etc/profile.d/*.sh; the host's own (Debian's resets PATH) must not decide what runs.
PROFILE = (
    'for script in /etc/profile.d/*.sh; do [ -r "$script" ] && . "$script"; done\nunset script\n'
)
NEEDED_COMMANDS = ("unshare", "nsenter", "setpriv", "mount", "chattr", "lsattr", "ip")


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run on this machine; the message says why."""


@dataclass(frozen=True)
class Run:
    """One process run in the sandbox."""

    exit_code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


@dataclass(frozen=True)
class NotebookSpec:
    """What SageMaker knows about a notebook and hands to its instance at start."""

    name: str
    arn: str
    role_arn: str
    lifecycle_config_name: str | None
    on_start: str
    subnet_id: str | None = None
    network_interface_id: str | None = None


def unavailable_reason() -> str | None:
    """Why the sandbox cannot run here, or None when it can."""
    if os.geteuid() != 0:
        return "the notebook sandbox needs root (private mount namespaces, chattr, chown)"
    search = f"{os.environ.get('PATH', '')}:{SYSTEM_PATH}"
    missing = [command for command in NEEDED_COMMANDS if shutil.which(command, path=search) is None]
    if missing:
        return f"the notebook sandbox needs {', '.join(missing)} (util-linux, e2fsprogs, iproute2)"
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "true"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        return f"`unshare --mount` is not permitted here: {probe.stderr.strip()}"
    return network.unavailable_reason()


def describe_notebook(emulator: Emulator, name: str) -> NotebookSpec:
    """Read the notebook and its lifecycle config's OnStart script from the SageMaker API."""
    sagemaker = emulator.client("sagemaker", internal=True)  # SageMaker's doing, not the notebook's
    notebook = sagemaker.describe_notebook_instance(NotebookInstanceName=name)
    config_name = notebook.get("NotebookInstanceLifecycleConfigName")
    on_start = ""
    if config_name:
        config = sagemaker.describe_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName=config_name
        )
        if config.get("OnStart"):
            on_start = base64.b64decode(config["OnStart"][0]["Content"]).decode()
    return NotebookSpec(
        name=name,
        arn=notebook["NotebookInstanceArn"],
        role_arn=notebook["RoleArn"],
        lifecycle_config_name=config_name,
        on_start=on_start,
        subnet_id=notebook.get("SubnetId"),
        network_interface_id=notebook.get("NetworkInterfaceId"),
    )


def _free_id() -> int:
    """A uid (and gid) no account on this machine uses, for the sandbox's ec2-user."""
    taken = {entry.pw_uid for entry in pwd.getpwall()} | {entry.pw_gid for entry in pwd.getpwall()}
    return next(candidate for candidate in range(1500, 60000) if candidate not in taken)


def _closed_ancestor(path: Path) -> Path | None:
    """The topmost ancestor of `path` that others cannot traverse (e.g. /root), if any."""
    for ancestor in reversed(path.parents):
        if ancestor != Path("/") and not ancestor.stat().st_mode & stat.S_IXOTH:
            return ancestor
    return None


def _wait_until_ended(pids: list[int], seconds: float = 10.0) -> None:
    """Until each of `pids` has exited (a zombie has: it holds no namespace any more), or
    `seconds` passed. Not our children, so they cannot be waited for."""
    deadline = time.monotonic() + seconds
    for pid in pids:
        while time.monotonic() < deadline:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                break
            if state == "Z":
                break
            time.sleep(0.02)


class Sandbox:
    """One notebook instance: a private mount namespace kept alive between its commands."""

    def __init__(
        self,
        emulator: Emulator,
        notebook: str,
        workdir: Path,
        *,
        hide_jq: bool = False,
        hide_commands: tuple[str, ...] = (),
        metadata_endpoint: str | None = None,
        expose: tuple[Path, ...] = (),
    ) -> None:
        reason = unavailable_reason()
        if reason:
            raise SandboxUnavailable(reason)
        self.emulator = emulator
        self.notebook = notebook
        self.workdir = workdir
        self.spec = describe_notebook(emulator, notebook)
        self.uid = _free_id()
        self._hidden = (("jq",) if hide_jq else ()) + tuple(hide_commands)
        self._metadata_endpoint = metadata_endpoint or emulator.notebook_metadata_endpoint(notebook)
        self._expose = tuple(Path(path).resolve() for path in expose)  # more folders ec2-user reads
        self.address = self._address()
        self._holder: subprocess.Popen[str] | None = None
        # Its end of the link to the AWS side, and that network's, once connected.
        self._link: tuple[network.NotebookNetwork, str] | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def boot(self) -> Sandbox:
        self.workdir.mkdir(parents=True, exist_ok=True)
        setup = self.workdir / "boot.sh"
        setup.write_text(self._boot_script())
        self._holder = subprocess.Popen(
            ["unshare", "--mount", "--net", "--propagation", "private", "bash", str(setup)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        assert self._holder.stdout is not None
        line = self._holder.stdout.readline().strip()
        if line != "ready":
            stderr = self._holder.stderr.read() if self._holder.stderr else ""
            self.close()
            raise SandboxUnavailable(f"sandbox did not boot: {line} {stderr.strip()}")
        try:
            aws_side = self.emulator.notebook_network()
            self._link = (aws_side, aws_side.connect(self._holder.pid, self.address, self.notebook))
        except network.NetworkUnavailable as error:
            self.close()
            raise SandboxUnavailable(str(error)) from error
        return self

    def close(self) -> None:
        if self._holder is not None and self._holder.poll() is None:
            # What the lifecycle script left running (its own sessions, e.g. the credentials
            # endpoint) shares only the namespace: stopped by that, then the holder's group.
            inside = self.processes_inside()
            for pid in inside:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            _wait_until_ended(inside)  # they hold the network namespace, and its address
            os.killpg(self._holder.pid, signal.SIGKILL)
            self._holder.wait()
        if self._link is not None:  # its address is free for the next sandbox at once
            aws_side, link = self._link
            aws_side.disconnect(link)
            self._link = None
        self._holder = None

    @property
    def pid(self) -> int | None:
        """The process that holds the sandbox's namespaces, while it runs."""
        return self._holder.pid if self._holder is not None else None

    def processes_inside(self) -> list[int]:
        """Every process in this sandbox's mount namespace but the holder."""
        assert self._holder is not None
        mine = os.readlink(f"/proc/{self._holder.pid}/ns/mnt")
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == self._holder.pid:
                continue
            try:
                if os.readlink(entry / "ns" / "mnt") == mine:
                    found.append(int(entry.name))
            except OSError:  # ended meanwhile
                continue
        return found

    def __enter__(self) -> Sandbox:
        return self.boot()

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- what SageMaker does at start ------------------------------------------------------
    def start(self) -> Run:
        """Run the notebook's current OnStart script as root, as SageMaker does at each start."""
        self.spec = describe_notebook(self.emulator, self.notebook)
        return self.run_root_script(self.spec.on_start)

    def run_root_script(self, script: str, env: dict[str, str] | None = None) -> Run:
        path = self.workdir / "lifecycle-on-start.sh"
        path.write_text(script)
        return self.as_root(["bash", str(path)], env={**self._aws_env(), **(env or {})})

    # -- commands ----------------------------------------------------------------------------
    def as_root(self, argv: list[str], env: dict[str, str] | None = None) -> Run:
        return self._enter([], argv, {"HOME": "/root", **(env or {})})

    def as_user(self, argv: list[str], env: dict[str, str] | None = None) -> Run:
        """Run `argv` as the unprivileged ec2-user with the notebook's AWS environment."""
        drop = ["setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups", "--"]
        # A region in the environment, so bypasses that skip our config still resolve one and
        # record the identity they fall back to, instead of failing for want of a region.
        region = self.spec.arn.split(":")[3]
        base = {"HOME": HOME, "USER": USER, "LOGNAME": USER, "AWS_DEFAULT_REGION": region}
        base.update(self._aws_env())
        return self._enter(drop, argv, {**base, **(env or {})})

    def python_as_user(self, code: str, env: dict[str, str] | None = None) -> Run:
        """Python code (boto3 available) as ec2-user."""
        return self.as_user([sys.executable, "-c", code], env)

    def shell_as_user(self, command: str, env: dict[str, str] | None = None) -> Run:
        return self.as_user(["bash", "-c", command], env)

    # -- how a notebook starts its user's code ---------------------------------------------------
    # On a notebook instance a kernel is a child of the jupyter-server service and inherits its
    # environment; AWS's set-env-variable lifecycle sample exports variables "for all process
    # including Jupyter" by writing /etc/profile.d/jupyter-env.sh and restarting
    # jupyter-server (aws-samples/amazon-sagemaker-notebook-instance-lifecycle-config-samples,
    # scripts/set-env-variable/on-start.sh). A terminal is a login shell, which reads
    # /etc/profile (and so /etc/profile.d) and ~/.bash_profile.
    def as_kernel(self, argv: list[str], env: dict[str, str] | None = None) -> Run:
        """`argv` as a Jupyter kernel: not a login shell itself, with the service's environment
        (what /etc/profile.d's scripts export, read when the server (re)started)."""
        service = 'set -a; . /etc/profile; set +a; exec "$@"'  # the sandbox's PROFILE
        return self.as_user(["bash", "-c", service, "jupyter-kernel", *argv], env)

    def as_terminal(self, command: str, env: dict[str, str] | None = None) -> Run:
        """`command` typed into a Jupyter terminal: a login shell as ec2-user."""
        return self.as_user(["bash", "-l", "-c", command], env)

    def as_started_from(
        self, started_from: str, argv: list[str], env: dict[str, str] | None = None
    ) -> Run:
        """`argv` started from a "kernel" or a "terminal"."""
        if started_from == "kernel":
            return self.as_kernel(argv, env)
        return self.as_terminal(shlex.join(argv), env)

    def read(self, path: str) -> bytes | None:
        done = self.as_root(["cat", path])
        return done.stdout.encode() if done.ok else None

    def immutable(self, path: str) -> bool:
        done = self.as_root(["lsattr", "-d", path])
        return done.ok and "i" in done.stdout.split()[0]

    def _enter(self, prefix: list[str], argv: list[str], env: dict[str, str]) -> Run:
        if self._holder is None:
            raise RuntimeError("boot() the sandbox first")
        # The project's pinned AWS CLI and Python come first: a machine's own `aws` (if any)
        # must not decide what the tests exercise.
        path = f"{Path(sys.executable).parent}:{SYSTEM_PATH}"
        environment = [f"{key}={value}" for key, value in {"PATH": path, **env}.items()]
        command = ["nsenter", f"--target={self._holder.pid}", "--mount", "--net", "--", *prefix,
                   "env", "-i", *environment, *argv]  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd="/")
        return Run(done.returncode, done.stdout, done.stderr, time.perf_counter() - started)

    def _aws_env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.emulator.notebook_endpoint,
            # The SDK for Go v2 builds the STS client that assumes the role before it reads
            # AWS_ENDPOINT_URL (config.LoadDefaultConfig resolves credentials first), but that
            # client reads the service's own variable: without it, it would call the real STS.
            "AWS_ENDPOINT_URL_STS": self.emulator.notebook_endpoint,
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": self._metadata_endpoint,
            "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv4",
        }

    # -- the namespaces ------------------------------------------------------------------------
    def _address(self) -> str:
        """The notebook's address: its network interface's in a VPC, as on AWS; otherwise
        its own in the emulated service-managed network."""
        if self.spec.subnet_id is None:
            return self.emulator.notebook_network().service_managed_address(self.notebook)
        if self.spec.network_interface_id is None:
            raise SandboxUnavailable(
                f"notebook {self.notebook} is in subnet {self.spec.subnet_id} but has no "
                "NetworkInterfaceId: is the emulator's nbattr.emulator.sagemaker_eni layer missing?"
            )
        region = self.spec.arn.split(":")[3]
        ec2 = self.emulator.client("ec2", region=region, internal=True)
        interface = ec2.describe_network_interfaces(
            NetworkInterfaceIds=[self.spec.network_interface_id]
        )["NetworkInterfaces"][0]
        return str(interface["PrivateIpAddress"])

    def _boot_script(self) -> str:
        passwd = self.workdir / "passwd"
        group = self.workdir / "group"
        passwd.write_text(
            Path("/etc/passwd").read_text() + f"{USER}:x:{self.uid}:{self.uid}::{HOME}:/bin/bash\n"
        )
        group.write_text(Path("/etc/group").read_text() + f"{USER}:x:{self.uid}:\n")
        metadata = json.dumps({"ResourceArn": self.spec.arn, "ResourceName": self.spec.name})
        profile = self.workdir / "profile"
        profile.write_text(PROFILE)
        q = shlex.quote
        lines = [
            "set -euo pipefail",
            *self._expose_for_user(),
            "mount -t tmpfs -o mode=0755 nbattr-home /home",
            # What the script writes outside /home and /opt/ml stays here too (the credentials
            # endpoint's /run/nbattr; what it exports to kernels and login shells in
            # /etc/profile.d); /run also hides the host's systemd.
            "mount -t tmpfs -o mode=0755 nbattr-run /run",
            "mount -t tmpfs -o mode=0755 nbattr-profile /etc/profile.d",
            # /opt/ml rarely exists on a host: a tmpfs on /opt then holds it.
            "if [ -d /opt/ml ]; then mount -t tmpfs -o mode=0755 nbattr-ml /opt/ml;"
            " else mount -t tmpfs -o mode=0755 nbattr-opt /opt; fi",
            f"mount --bind {q(str(passwd))} /etc/passwd",
            f"mount --bind {q(str(group))} /etc/group",
            f"mount --bind {q(str(profile))} /etc/profile",
            f"install -d -o {self.uid} -g {self.uid} -m 0755 {HOME}",
            "install -d -m 0755 /opt/ml/metadata",
            f"printf '%s' {q(metadata)} > {METADATA}",
        ]
        if self._hidden:
            lines += self._hide_commands(self._hidden)
        lines += ["echo ready", "exec sleep infinity"]
        return "\n".join(lines) + "\n"

    def _hide_commands(self, commands: tuple[str, ...]) -> list[str]:
        """Make `commands` absent in the namespace: one overlay per folder holding any of
        them, whose top layer whites them out.

        (Binding /dev/null over one is not enough: bash still reports a non-executable match.)
        """
        search = f"{SYSTEM_PATH}:{os.environ.get('PATH', '')}"
        found = {
            Path(path).parent.resolve() / command
            for command in commands
            for path in executables_on_path(command, search)
        }
        folders = sorted({path.parent for path in found})
        layers = self.workdir / "whiteouts"
        q = shlex.quote
        lines = [f"mkdir -p {q(str(layers))}", f"mount -t tmpfs nbattr-whiteouts {q(str(layers))}"]
        for index, folder in enumerate(folders):
            layer = str(layers / str(index))
            lines.append(f"mkdir {q(layer)}")
            for path in sorted(found):
                if path.parent == folder:
                    lines.append(f"mknod {q(f'{layer}/{path.name}')} c 0 0")  # a whiteout
            lines.append(
                f"mount -t overlay nbattr-hide -o {q(f'lowerdir={layer}:{folder}')} {q(str(folder))}"  # noqa: E501
            )
        return lines

    def _expose_for_user(self) -> list[str]:
        """Let ec2-user reach this Python and the project, even under a closed /root.

        Each needed folder is bind-mounted aside, a tmpfs covers its closed ancestor inside
        the namespace only, and the folder is mounted back at its own path.
        """
        needed = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
        needed |= {Path(entry).resolve() for entry in sys.path if entry and Path(entry).is_dir()}
        needed |= set(self._expose)
        blocked = {path: _closed_ancestor(path) for path in needed}
        blocked = {path: closed for path, closed in blocked.items() if closed is not None}
        if not blocked:
            return []
        stage = self.workdir / "stage"
        q = shlex.quote
        lines = []
        for index, path in enumerate(sorted(blocked)):
            lines.append(f"mkdir -p {q(str(stage / str(index)))}")
            lines.append(f"mount --bind {q(str(path))} {q(str(stage / str(index)))}")
        for closed in sorted(set(blocked.values())):
            lines.append(f"mount -t tmpfs -o mode=0755 nbattr-open {q(str(closed))}")
        for index, path in enumerate(sorted(blocked)):
            lines.append(f"mkdir -p {q(str(path))}")
            lines.append(f"mount --bind {q(str(stage / str(index)))} {q(str(path))}")
        return lines
