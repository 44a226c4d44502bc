"""What the audit reads from SageMaker: each notebook of the role and its lifecycle config.

Calls: ListNotebookInstances, DescribeNotebookInstance, and
DescribeNotebookInstanceLifecycleConfig once per configuration in use.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from ..aws_command import notebooks_described

# What DescribeNotebookInstance means when it leaves a setting out: AWS's defaults at
# CreateNotebookInstance (RootAccess: "The default value is Enabled"; an absent
# InstanceMetadataServiceConfiguration "defaults to IMDSv1"; notebooks are internet-enabled
# by default; Amazon SageMaker API Reference).
DEFAULT_ROOT_ACCESS = "Enabled"
DEFAULT_IMDS_VERSION = "1"
DEFAULT_DIRECT_INTERNET_ACCESS = "Enabled"
# SageMaker's answer for a lifecycle configuration that does not exist.
_MISSING = ("ValidationException", "ResourceNotFound", "ResourceNotFoundException")


@dataclass(frozen=True)
class NotebookFacts:
    region: str
    name: str
    arn: str
    status: str
    lifecycle_config_name: str | None
    lifecycle_config_found: bool
    on_start_sha256: str | None  # of the decoded OnStart content; None without one
    root_access: str
    imds_minimum_version: str
    direct_internet_access: str
    subnet_id: str | None
    platform_identifier: str | None


def on_start_sha256(config: dict[str, Any]) -> str | None:
    """SHA-256 of a lifecycle configuration's OnStart script as notebooks run it (decoded)."""
    hooks = config.get("OnStart") or []
    if not hooks:
        return None
    try:
        script = b"".join(base64.b64decode(h.get("Content", ""), validate=True) for h in hooks)
    except (binascii.Error, ValueError):
        return "not-base64"
    return hashlib.sha256(script).hexdigest()


class LifecycleConfigs:
    """DescribeNotebookInstanceLifecycleConfig, once per name: (exists, on-start sha256)."""

    def __init__(self, sagemaker: Any) -> None:
        self._sagemaker = sagemaker
        self._seen: dict[str, tuple[bool, str | None]] = {}

    def digest(self, name: str) -> tuple[bool, str | None]:
        if name not in self._seen:
            try:
                config = self._sagemaker.describe_notebook_instance_lifecycle_config(
                    NotebookInstanceLifecycleConfigName=name
                )
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") not in _MISSING:
                    raise  # access denied and the like: the command's exit code 2
                self._seen[name] = (False, None)
            else:
                self._seen[name] = (True, on_start_sha256(config))
        return self._seen[name]


def read_region(region: str, role_arn: str, sagemaker: Any) -> list[NotebookFacts]:
    configs = LifecycleConfigs(sagemaker)
    notebooks = []
    for described in notebooks_described(role_arn, sagemaker):
        config = described.get("NotebookInstanceLifecycleConfigName") or None
        found, digest = configs.digest(config) if config else (False, None)
        imds = described.get("InstanceMetadataServiceConfiguration") or {}
        notebooks.append(
            NotebookFacts(
                region=region,
                name=described["NotebookInstanceName"],
                arn=described["NotebookInstanceArn"],
                status=described.get("NotebookInstanceStatus", ""),
                lifecycle_config_name=config,
                lifecycle_config_found=found,
                on_start_sha256=digest,
                root_access=described.get("RootAccess") or DEFAULT_ROOT_ACCESS,
                imds_minimum_version=imds.get("MinimumInstanceMetadataServiceVersion")
                or DEFAULT_IMDS_VERSION,
                direct_internet_access=described.get("DirectInternetAccess")
                or DEFAULT_DIRECT_INTERNET_ACCESS,
                subnet_id=described.get("SubnetId") or None,
                platform_identifier=described.get("PlatformIdentifier") or None,
            )
        )
    return sorted(notebooks, key=lambda notebook: notebook.name)
