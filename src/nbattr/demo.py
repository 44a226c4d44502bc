"""`nbattr demo`: apply an example on the embedded emulator, show what exists, destroy."""

from __future__ import annotations

import hashlib
import tempfile
import time
from pathlib import Path

from .emulator import Emulator
from .inventory import Inventory, read_inventory
from .toolchain import toolchain
from .workspace import prepare


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


def run_demo(example: str = "examples/basic", keep: bool = False) -> int:
    started = time.monotonic()
    tools = toolchain()
    print(f"toolchain: {tools.describe()}")
    with Emulator() as emulator, tempfile.TemporaryDirectory(prefix="nbattr-demo-") as tmp:
        print(f"emulator:  {emulator.endpoint}")
        ws = prepare(tools, emulator, Path(tmp), example)
        ws.init()
        print(f"\n$ terraform apply ({example})")
        ws.apply()
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
        print("\n$ terraform destroy")
        ws.destroy()
        left = read_inventory(iam, sagemaker, config_names)
        if not left.empty:
            print("destroy left resources behind:")
            _show(left)
            return 1
        print("  nothing left behind")
    print(f"\ndemo finished in {time.monotonic() - started:.1f} s")
    return 0
