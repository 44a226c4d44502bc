"""`nbattr demo`: the whole story on the embedded emulator.

Apply examples/basic, start both notebooks in the sandbox (the real script, as root, at the
real paths), make calls from each as ec2-user plus one bypass call, run `nbattr verify`
against the emulator's CloudTrail, print the attribution table, `nbattr audit` the role's
notebooks against the module's rendered script, destroy.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..emulator import Emulator
from .inventory import Inventory, read_inventory
from .notebook_start import CLI_CALL, NotebookStartFailed, start_and_call
from .sandbox import Sandbox, unavailable_reason
from .toolchain import clean_environ, toolchain
from .workspace import prepare

NOTEBOOKS = ("test-1", "test-2")
# Each notebook's work as ec2-user after its start and first call (the AWS CLI): boto3.
SDK_CALL = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])"


def _show(inventory: Inventory) -> None:
    for name, role in inventory.roles.items():
        print(f"  role        {role['Arn']}")
        for policy in inventory.role_policies[name]:
            print(f"    inline policy {policy}")
    for name, script in inventory.lifecycle_configs.items():
        digest = hashlib.sha256(script.encode()).hexdigest()[:12]
        print(f"  lifecycle   {name}  (on-start {len(script)} bytes, sha256 {digest}…)")
    for nb in inventory.notebooks.values():
        print(
            f"  notebook    {nb.name:<12} {nb.status:<10} role={nb.role_arn.split('/')[-1]} "
            f"lifecycle={nb.lifecycle_config_name} root_access={nb.root_access}"
        )


def _exercise(emulator: Emulator, name: str, workdir: Path) -> list[str]:
    """Start one notebook in the sandbox and work in it; test-2 also bypasses once."""
    with Sandbox(emulator, name, workdir) as box:
        try:
            lines = start_and_call(box).lines
        except NotebookStartFailed as error:
            raise SystemExit(str(error)) from error
        sdk = box.python_as_user(SDK_CALL)
        lines.append(
            f"  [{name}] ec2-user$ python: boto3 get_caller_identity -> {sdk.stdout.strip()}"
        )
        if name == NOTEBOOKS[-1]:
            bypass = box.as_user(CLI_CALL, env={"AWS_CONFIG_FILE": "/dev/null"})
            lines.append(
                f"  [{name}] ec2-user$ AWS_CONFIG_FILE=/dev/null aws sagemaker "
                f"list-notebook-instances -> exit {bypass.exit_code} (a bypass)"
            )
    return lines


def _exercise_notebooks(emulator: Emulator, workdir: Path) -> None:
    # Notebooks are independent machines: start them side by side, as SageMaker would.
    with ThreadPoolExecutor(max_workers=len(NOTEBOOKS)) as pool:
        futures = [pool.submit(_exercise, emulator, name, workdir / name) for name in NOTEBOOKS]
        for future in futures:
            print("\n".join(future.result()))


def _nbattr(emulator: Emulator, *args: str) -> tuple[str, subprocess.CompletedProcess[str]]:
    """The installed `nbattr` as users run it in CI, against the emulator: the command line
    to show, and what it did."""
    command = [
        str(Path(sys.executable).parent / "nbattr"), *args,
        "--endpoint-url", emulator.endpoint, "--region", "us-east-1",
    ]  # fmt: skip
    shown = "$ " + " ".join(command[1:]).replace(emulator.endpoint, "<emulator>")
    done = subprocess.run(
        command, env=clean_environ(emulator.aws_environ()), text=True, capture_output=True
    )
    return shown, done


def _verify(emulator: Emulator, role_arn: str) -> subprocess.CompletedProcess[str]:
    shown, done = _nbattr(
        emulator, "verify", "--role", role_arn, "--notebook", NOTEBOOKS[0],
        "--notebook", NOTEBOOKS[1], "--since", "15m", "--timeout", "30s", "--poll-interval", "1s",
    )  # fmt: skip
    print(shown)
    return done


def _audit(emulator: Emulator, role_arn: str, on_start_sha256: str) -> tuple[str, int]:
    """The notebooks against the module's rendered script: the report, and the exit code."""
    shown, done = _nbattr(
        emulator, "audit", "--role", role_arn, "--expected-sha256", on_start_sha256
    )
    return f"{shown}\n{done.stdout}{done.stderr}", done.returncode


def run_demo(example: str = "examples/basic", keep: bool = False) -> int:
    started = time.monotonic()
    tools = toolchain()
    print(f"toolchain: {tools.describe()}")
    reason = unavailable_reason()
    with Emulator() as emulator, tempfile.TemporaryDirectory(prefix="nbattr-demo-") as tmp:
        print(f"emulator:  {emulator.endpoint}")
        ws = prepare(tools, emulator, Path(tmp, "tf"), example)
        ws.init()
        print(f"\n$ terraform apply ({example}, attribution_probe = true)")
        tf_vars = {"attribution_probe": "true"}
        ws.apply(tf_vars=tf_vars)
        outputs = ws.outputs()
        for key, value in outputs.items():
            if isinstance(value, str) and "\n" in value:  # the rendered script: too long here
                value = f"<{value.count(chr(10))} lines>"
            print(f"  output {key} = {value}")
        iam, sagemaker = emulator.client("iam"), emulator.client("sagemaker")
        config_names = [outputs["lifecycle_config_name"]]
        print("\ncreated (read back with boto3):")
        _show(read_inventory(iam, sagemaker, config_names))

        if keep:
            print(f"\n--keep: state left in {ws.path}; the emulator stops now, so it is gone.")
            return 0
        if reason is None:
            print("\nnotebooks start in the sandbox and work:")
            _exercise_notebooks(emulator, Path(tmp, "sandbox"))
            print()
        else:
            print(f"\nsandbox unavailable ({reason}): no notebook starts, so nothing to verify")

        # The audit reads the notebooks themselves, so it runs before they are destroyed.
        audit_report, audit_code = _audit(emulator, outputs["role_arn"], outputs["on_start_sha256"])
        # verify first checks that the notebooks exist (its preflight), so it runs before
        # destroy: side by side, a quick destroy deleted them first and verify refused.
        verified = _verify(emulator, outputs["role_arn"]) if reason is None else None
        ws.destroy(tf_vars=tf_vars)
        verdict = 0
        if verified is not None:
            sys.stdout.write(verified.stdout)
            sys.stderr.write(verified.stderr)
            verdict = verified.returncode
        print()
        sys.stdout.write(audit_report)
        verdict = verdict or audit_code
        print("\n$ terraform destroy")
        left = read_inventory(iam, sagemaker, config_names)
        if not left.empty:
            print("destroy left resources behind:")
            _show(left)
            return 1
        print("  nothing left behind")
    print(
        f"\ndemo finished in {time.monotonic() - started:.1f} s "
        f"(verify exit code {verified.returncode if verified else 'none'}, "
        f"audit exit code {audit_code})"
    )
    return verdict
