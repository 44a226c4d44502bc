"""What the audit compares with: the module's lifecycle configuration and the SHA-256 of the
on-start script it rendered (module output `on_start_sha256`).

From the options, or from the Terraform outputs of the configuration that applied the module
(`terraform output -json` in `--terraform-dir`, run with `$TERRAFORM` or `terraform`).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..aws_command import UsageError

SHA256 = re.compile(r"^[0-9a-f]{64}$")
SHA256_OUTPUT = "on_start_sha256"
NAME_OUTPUT = "lifecycle_config_name"


@dataclass(frozen=True)
class Expected:
    lifecycle_config_name: str
    on_start_sha256: str | None  # None: the content is not compared
    source: str  # where these came from, for the report


def default_lifecycle_config_name(role_arn: str) -> str:
    """The module's default, `<role name>-on-start` (root main.tf, derived_lifecycle_config_name):
    characters SageMaker refuses become hyphens, at most 54 of them, no hyphen at either end."""
    role_name = role_arn.rsplit("/", 1)[-1]
    return re.sub(r"[^a-zA-Z0-9-]", "-", role_name)[:54].strip("-") + "-on-start"


def terraform_outputs(directory: Path) -> dict[str, Any]:
    """The root module's outputs (`terraform output -json`), by name."""
    binary = os.environ.get("TERRAFORM") or "terraform"
    try:
        done = subprocess.run(
            [binary, "output", "-json"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=300,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UsageError(
            f"cannot run `{binary} output -json` in {directory}: {error} "
            "(set TERRAFORM to the binary, or pass --expected-sha256)"
        ) from error
    if done.returncode != 0:
        raise UsageError(
            f"`{binary} output -json` in {directory} failed: {done.stderr.strip()[-500:]}"
        )
    try:
        outputs = json.loads(done.stdout or "{}")
    except ValueError as error:
        raise UsageError(f"`{binary} output -json` in {directory} printed no JSON") from error
    return {name: entry.get("value") for name, entry in outputs.items()}


def expected_from(
    role_arn: str,
    expected_sha256: str | None,
    terraform_dir: Path | None,
    lifecycle_config: str | None,
) -> Expected:
    sources = []
    digest, name = expected_sha256, lifecycle_config
    if digest is not None:
        sources.append("--expected-sha256")
    if lifecycle_config is not None:
        sources.append("--lifecycle-config")
    if terraform_dir is not None:
        outputs = terraform_outputs(terraform_dir)
        if digest is None:
            if SHA256_OUTPUT not in outputs:
                raise UsageError(
                    f"{terraform_dir} has no output {SHA256_OUTPUT} (it has: "
                    f"{', '.join(sorted(outputs)) or 'none'}); pass the module's "
                    f"{SHA256_OUTPUT} through as a root output, or use --expected-sha256"
                )
            digest = str(outputs[SHA256_OUTPUT])
        if name is None and outputs.get(NAME_OUTPUT):
            name = str(outputs[NAME_OUTPUT])
        sources.append(f"terraform outputs of {terraform_dir}")
    if digest is not None:
        digest = digest.strip().lower()
        if not SHA256.match(digest):
            raise UsageError(f"expected on-start sha256 {digest!r} is not 64 hex digits")
    if name is None:
        name = default_lifecycle_config_name(role_arn)
        sources.append("the module's default name for the role")
    return Expected(name, digest, "; ".join(sources))
