"""The `provider "aws"` block that points a working copy's Terraform at the emulator."""

from __future__ import annotations

import re
from pathlib import Path

# What the harness (and `nbattr emulator serve --write-provider-override`) writes into a
# configuration; `.gitignore` leaves both out (`_nbattr_*.tf`). An override file merges into the
# configuration's own `provider "aws"` block (Terraform refuses one that has nothing to
# override); a configuration without a block gets a whole one.
OVERRIDE_FILE = "_nbattr_override.tf"
PROVIDER_FILE = "_nbattr_provider.tf"

# Services the module and the examples touch; each gets an `endpoints {}` entry.
TERRAFORM_SERVICES = (
    "cloudtrail", "ec2", "events", "iam", "kms", "lambda", "logs", "s3", "sagemaker", "sns",
    "sqs", "sts",
)  # fmt: skip


def provider_block(endpoint: str, region: str | None = None) -> str:
    """A `provider "aws"` block that targets the emulator at `endpoint`.

    Without `region` it is an override that merges into a configuration's own provider
    block; with it, a whole block for a configuration that has none (the root module).
    Written by the harness into a working copy; never committed into examples.
    """
    from ..emulator.constants import TEST_CREDENTIALS  # here: the CLI imports this module

    endpoints = "\n".join(f'    {key} = "{endpoint}"' for key in TERRAFORM_SERVICES)
    region_line = f'  region                      = "{region}"\n' if region else ""
    return (
        "# Written by nbattr: points the AWS provider at the nbattr emulator. Delete it to\n"
        "# plan against AWS again.\n"
        'provider "aws" {\n'
        f"{region_line}"
        f'  access_key                  = "{TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"]}"\n'
        f'  secret_key                  = "{TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]}"\n'
        "  skip_credentials_validation = true\n"
        "  skip_metadata_api_check     = true\n"
        "  skip_region_validation      = true\n"
        # One endpoint for every service: bucket names go in the path, not the host.
        "  s3_use_path_style           = true\n"
        "  endpoints {\n"
        f"{endpoints}\n"
        "  }\n"
        "}\n"
    )


def has_aws_provider_block(tfdir: Path) -> bool:
    """Whether a configuration's own .tf files (not ours) hold a `provider "aws"` block."""
    return any(
        re.search(r'^provider\s+"aws"', tf_file.read_text(), re.MULTILINE)
        for tf_file in tfdir.glob("*.tf")
        if tf_file.name not in (OVERRIDE_FILE, PROVIDER_FILE)
    )


def write_provider_block(tfdir: Path, endpoint: str, region: str) -> Path:
    """Point the configuration in `tfdir` at the emulator: an override of its own provider
    block, or a whole block with `region` when it has none. Returns the file written."""
    if has_aws_provider_block(tfdir):
        (tfdir / PROVIDER_FILE).unlink(missing_ok=True)
        path = tfdir / OVERRIDE_FILE
        path.write_text(provider_block(endpoint))
    else:
        (tfdir / OVERRIDE_FILE).unlink(missing_ok=True)
        path = tfdir / PROVIDER_FILE
        path.write_text(provider_block(endpoint, region))
    return path
