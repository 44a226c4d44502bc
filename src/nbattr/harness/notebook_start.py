"""A notebook's start in the sandbox, as SageMaker would do it, and its first call.

Shared by `nbattr demo` and `nbattr emulator start`: boot the notebook's sandbox, run its
lifecycle configuration's OnStart script as root at the real paths, then make one AWS call
as `ec2-user` through whatever the script configured.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..emulator import Emulator
from .sandbox import Sandbox, SandboxUnavailable, unavailable_reason

# The first call each started notebook makes as ec2-user: the AWS CLI, as a user would.
CLI_CALL = ["aws", "sagemaker", "list-notebook-instances", "--query", "length(NotebookInstances)"]
CLI_CALL_TEXT = "aws sagemaker list-notebook-instances"


class NotebookStartFailed(RuntimeError):
    """The notebook's lifecycle script failed; the message holds what it printed."""


@dataclass
class Started:
    """What one start did, as lines for people."""

    name: str
    lines: list[str] = field(default_factory=list)
    call_ok: bool = False


def start_and_call(box: Sandbox) -> Started:
    """Start the booted notebook `box` and make its first call; raise if the start fails."""
    name = box.notebook
    started = Started(name, [f"  [{name}] address {box.address}: the source address of its calls"])
    run = box.start()
    started.lines.append(f"  [{name}] start: exit {run.exit_code}: {run.stdout.strip()}")
    if not run.ok:
        raise NotebookStartFailed(f"{name} failed to start:\n{run.stdout}{run.stderr}")
    cli = box.as_user(CLI_CALL)
    answer = cli.stdout.strip() if cli.ok else f"exit {cli.exit_code}: {cli.stderr.strip()}"
    started.lines.append(f"  [{name}] ec2-user$ {CLI_CALL_TEXT} -> {answer}")
    started.call_ok = cli.ok
    return started


def start_for_control(emulator: Emulator, name: str) -> tuple[int, dict[str, Any]]:
    """`nbattr emulator start NAME`, inside the serving emulator: (HTTP status, answer)."""
    reason = unavailable_reason()
    if reason is not None:
        return 503, {"notebook": name, "error": f"sandbox unavailable: {reason}"}
    sagemaker = emulator.client("sagemaker", internal=True)
    try:
        sagemaker.describe_notebook_instance(NotebookInstanceName=name)
    except sagemaker.exceptions.ClientError:
        return 404, {"notebook": name, "error": f"no notebook instance {name} in the emulator"}
    with tempfile.TemporaryDirectory(prefix=f"nbattr-start-{name}-") as workdir:
        try:
            with Sandbox(emulator, name, Path(workdir)) as box:
                started = start_and_call(box)
        except SandboxUnavailable as error:
            return 503, {"notebook": name, "error": f"sandbox unavailable: {error}"}
        except NotebookStartFailed as error:
            return 409, {"notebook": name, "error": str(error)}
    if not started.call_ok:
        return 409, {
            "notebook": name,
            "lines": started.lines,
            "error": f"{name}: its first call as ec2-user failed (see above)",
        }
    return 200, {"notebook": name, "lines": started.lines}
