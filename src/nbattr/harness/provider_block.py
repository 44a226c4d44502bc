"""The `provider "aws"` block that points a working copy's Terraform at the emulator."""

from __future__ import annotations

from ..emulator import TEST_CREDENTIALS

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
    endpoints = "\n".join(f'    {key} = "{endpoint}"' for key in TERRAFORM_SERVICES)
    region_line = f'  region                      = "{region}"\n' if region else ""
    return (
        "# Written by nbattr at test time: points the AWS provider at the emulator.\n"
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
