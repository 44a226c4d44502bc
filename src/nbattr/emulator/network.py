"""The emulated notebook network: each sandboxed notebook calls AWS from its own address.

On AWS a notebook's calls leave from the notebook's own address, and CloudTrail records it as
`sourceIPAddress`: for a notebook in a VPC, the private address of the network interface
SageMaker made for it in its subnet; for the others, an address of SageMaker's
service-managed network that users never see. Here:

- One "AWS side" network namespace, held by a `sleep` process, has the gateway address
  GATEWAY on its loopback, and the emulator serves its app there as well, on the same port as
  on 127.0.0.1 (`Emulator.notebook_endpoint`).
- Each sandbox has a network namespace of its own, linked to the AWS side by a veth pair: the
  notebook's address as a /32 on its `eth0`, a route to the gateway and a default route via
  it; on the AWS side a /32 route back. The AWS side forwards nothing, so a notebook reaches
  the emulator and nothing else: not the host's loopback or networks, not other notebooks.

Nothing on the host's own network changes: every device, address and route lives in a
namespace and disappears with the process that holds it. Addresses come from 198.18.0.0/15
(RFC 2544, reserved for benchmarking), so they never collide with a real network: the
gateway is 198.18.0.1 and notebooks outside a VPC get addresses from 198.19.0.0/16.
"""

from __future__ import annotations

import ctypes
import ipaddress
import itertools
import os
import shutil
import signal
import socket
import subprocess
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

GATEWAY = "198.18.0.1"
SERVICE_MANAGED = ipaddress.ip_network("198.19.0.0/16")  # notebooks without a VPC
NOTEBOOK_INTERFACE = "eth0"
CLONE_NEWNET = 0x40000000  # <sched.h>; os.setns and os.CLONE_NEWNET arrived in Python 3.12
SEARCH_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class NetworkUnavailable(RuntimeError):
    """The notebook network cannot be set up here; the message says why."""


def _ip_command() -> str | None:
    return shutil.which("ip", path=f"{os.environ.get('PATH', '')}:{SEARCH_PATH}")


def unavailable_reason() -> str | None:
    """Why notebooks cannot have their own network here, or None when they can.

    The probe creates a veth pair inside a throwaway network namespace: the host's network
    is not touched, and the pair dies with the namespace.
    """
    ip = _ip_command()
    if ip is None:
        return "the notebook network needs iproute2's `ip`"
    probe = subprocess.run(
        ["unshare", "--net", ip, "link", "add", "name", "nbprobe0", "type", "veth",
         "peer", "name", "nbprobe1"],
        capture_output=True, text=True,
    )  # fmt: skip
    if probe.returncode != 0:
        return (
            "the notebook network needs network namespaces and veth pairs "
            f"(`unshare --net ip link add ... type veth` failed: {probe.stderr.strip()})"
        )
    return None


def _setns(fd: int, nstype: int) -> None:
    """setns(2) for the calling thread only."""
    if hasattr(os, "setns"):
        os.setns(fd, nstype)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, nstype) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"setns: {os.strerror(error)}")


class NotebookNetwork:
    """The AWS side of the notebook network, serving `app` at GATEWAY:`port`."""

    def __init__(self, app: Any, port: int, handler: Any) -> None:
        self._app = app
        self._port = port
        self._handler = handler
        self._ip = _ip_command() or "ip"
        self._holder: subprocess.Popen[str] | None = None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._links = itertools.count()
        self._pool = SERVICE_MANAGED.hosts()
        self._notebook_at: dict[str, str] = {}  # address -> the notebook last given it
        self._addresses: dict[str, str] = {}

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> NotebookNetwork:
        reason = unavailable_reason()
        if reason:
            raise NetworkUnavailable(reason)
        ip = self._ip
        self._holder = subprocess.Popen(
            ["unshare", "--net", "sh", "-c",
             f"{ip} link set lo up && {ip} addr add {GATEWAY}/32 dev lo"
             " && echo ready && exec sleep infinity"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        assert self._holder.stdout is not None and self._holder.stderr is not None
        if self._holder.stdout.readline().strip() != "ready":
            error = self._holder.stderr.read().strip()
            self.stop()
            raise NetworkUnavailable(f"the AWS side of the notebook network did not start: {error}")
        listening = self._listen_inside()
        try:
            self._server = make_server(
                GATEWAY, self._port, self._app, threaded=True,
                request_handler=self._handler, fd=listening.fileno(),
            )  # fmt: skip
        finally:
            listening.close()  # the server holds its own duplicate
        # A short poll, so that stopping the emulator waits for this server only briefly.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name="nbattr-notebook-network",
            daemon=True,
        )  # fmt: skip
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._holder is not None:
            if self._holder.poll() is None:
                os.killpg(self._holder.pid, signal.SIGKILL)
            self._holder.communicate()  # reaps it and closes its pipes
        self._server = self._thread = self._holder = None

    @property
    def endpoint(self) -> str:
        """The emulator as notebooks reach it."""
        return f"http://{GATEWAY}:{self._port}"

    def _listen_inside(self) -> socket.socket:
        """A listening socket on GATEWAY:port, made inside the AWS side's namespace.

        Only the thread that makes it enters the namespace (network namespaces are per
        thread); a socket stays in the namespace it was made in, wherever it is served from.
        """
        assert self._holder is not None
        namespace = f"/proc/{self._holder.pid}/ns/net"
        made: dict[str, Any] = {}

        def inside() -> None:
            try:
                fd = os.open(namespace, os.O_RDONLY)
                try:
                    _setns(fd, CLONE_NEWNET)
                finally:
                    os.close(fd)
                listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listening.bind((GATEWAY, self._port))
                listening.listen(128)
                made["socket"] = listening
            except OSError as error:
                made["error"] = error

        thread = threading.Thread(target=inside, name="nbattr-netns-listen")
        thread.start()
        thread.join()
        if "socket" not in made:
            self.stop()
            raise NetworkUnavailable(f"cannot listen on {GATEWAY}:{self._port}: {made['error']}")
        return made["socket"]  # type: ignore[no-any-return]

    # -- notebooks ---------------------------------------------------------------------------
    def notebook_at(self, address: str) -> str | None:
        """The notebook whose sandbox was last given `address`, if any."""
        with self._lock:
            return self._notebook_at.get(address)

    def service_managed_address(self, notebook: str) -> str:
        """The address of a notebook outside any VPC: its own, the same at every start."""
        with self._lock:
            if notebook not in self._addresses:
                self._addresses[notebook] = str(next(self._pool))
            return self._addresses[notebook]

    def connect(self, pid: int, address: str, notebook: str) -> str:
        """Give the network namespace of process `pid` (notebook `notebook`'s sandbox) the
        address `address`, linked to the AWS side by a veth pair; both ends go away when that
        namespace does, or at `disconnect` of the name returned."""
        if self._holder is None:
            raise RuntimeError("the notebook network is not running")
        with self._lock:
            outside = f"nb{next(self._links)}"
        in_use = f"{address} is in use (is this notebook already running in a sandbox?)"
        # The notebook's end is made directly in its namespace: nothing appears on the host.
        self._batch(self._holder.pid, [
            f"link add name {outside} type veth peer name {NOTEBOOK_INTERFACE} netns {pid}",
            f"link set {outside} up",
            f"route add {address}/32 dev {outside}",
        ], in_use)  # fmt: skip
        self._batch(pid, [
            "link set lo up",
            f"addr add {address}/32 dev {NOTEBOOK_INTERFACE}",
            f"link set {NOTEBOOK_INTERFACE} up",
            f"route add {GATEWAY}/32 dev {NOTEBOOK_INTERFACE}",
            f"route add default via {GATEWAY} dev {NOTEBOOK_INTERFACE}",
        ], "")  # fmt: skip
        with self._lock:  # only now: a failed link must not take over a running notebook's
            self._notebook_at[address] = notebook
        return outside

    def disconnect(self, link: str) -> None:
        """Delete a sandbox's link, and with it the AWS side's route to its address, now.

        The kernel frees a network namespace some time after its last process ended, and
        under load that took seconds: the next sandbox of the same notebook found the old
        route still there ("is in use") and could not start."""
        if self._holder is None:
            return  # stopped: the AWS side's namespace, and every link in it, is gone
        done = self._ip_in(self._holder.pid, "link", "del", link)
        gone = ("Cannot find device", "No such device")  # the kernel took it first
        if done.returncode != 0 and not any(said in done.stderr for said in gone):
            raise NetworkUnavailable(f"cannot remove {link}: {done.stderr.strip()}")

    def routes_to(self, address: str) -> bool:
        """Whether the AWS side still routes `address` to a sandbox."""
        if self._holder is None:
            return False
        done = self._ip_in(self._holder.pid, "route", "show", f"{address}/32")
        if done.returncode != 0:
            raise NetworkUnavailable(f"cannot read the AWS side's routes: {done.stderr.strip()}")
        return bool(done.stdout.strip())

    def _ip_in(
        self, pid: int, *args: str, given: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """`ip ARGS` in the network namespace of process `pid` (`given` on its stdin)."""
        return subprocess.run(
            ["nsenter", f"--target={pid}", "--net", self._ip, *args],
            input=given, capture_output=True, text=True,
        )  # fmt: skip

    def _batch(self, pid: int, commands: list[str], exists_hint: str) -> None:
        """`ip` commands run in the network namespace of process `pid`, stopping at an error."""
        done = self._ip_in(pid, "-batch", "-", given="\n".join(commands) + "\n")
        if done.returncode != 0:
            hint = f": {exists_hint}" if exists_hint and "File exists" in done.stderr else ""
            raise NetworkUnavailable(f"notebook network setup failed{hint}: {done.stderr.strip()}")
