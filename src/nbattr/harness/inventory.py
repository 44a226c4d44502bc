"""What the module created, read back through the emulator's (or AWS's) APIs with boto3."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NotebookFacts:
    name: str
    status: str
    role_arn: str
    lifecycle_config_name: str | None
    root_access: str
    direct_internet_access: str
    subnet_id: str | None
    kms_key_id: str | None


@dataclass(frozen=True)
class Inventory:
    roles: dict[str, dict[str, Any]]  # role name -> GetRole "Role"
    role_policies: dict[str, dict[str, Any]]  # role name -> {policy name: document}
    lifecycle_configs: dict[str, str]  # name -> decoded OnStart script
    notebooks: dict[str, NotebookFacts]

    @property
    def empty(self) -> bool:
        return not (self.roles or self.lifecycle_configs or self.notebooks)


def read_inventory(
    iam: Any, sagemaker: Any, lifecycle_config_names: Iterable[str] = ()
) -> Inventory:
    """Every role and notebook instance the account holds, and the named lifecycle configs.

    Lifecycle configs are looked up by name: moto 5.2.5 does not implement
    ListNotebookInstanceLifecycleConfigs. The names notebooks refer to are always included.
    """
    roles: dict[str, dict[str, Any]] = {}
    policies: dict[str, dict[str, Any]] = {}
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            name = role["RoleName"]
            roles[name] = iam.get_role(RoleName=name)["Role"]
            policies[name] = {
                policy: iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
                for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]
            }
    notebooks = {}
    for page in sagemaker.get_paginator("list_notebook_instances").paginate():
        for summary in page["NotebookInstances"]:
            name = summary["NotebookInstanceName"]
            nb = sagemaker.describe_notebook_instance(NotebookInstanceName=name)
            notebooks[name] = NotebookFacts(
                name=name,
                status=nb["NotebookInstanceStatus"],
                role_arn=nb["RoleArn"],
                lifecycle_config_name=nb.get("NotebookInstanceLifecycleConfigName"),
                root_access=nb.get("RootAccess", "Enabled"),
                direct_internet_access=nb.get("DirectInternetAccess", "Enabled"),
                subnet_id=nb.get("SubnetId"),
                kms_key_id=nb.get("KmsKeyId"),
            )
    names = set(lifecycle_config_names)
    names.update(nb.lifecycle_config_name for nb in notebooks.values() if nb.lifecycle_config_name)
    configs = {}
    for name in sorted(names):
        try:
            described = sagemaker.describe_notebook_instance_lifecycle_config(
                NotebookInstanceLifecycleConfigName=name
            )
        except sagemaker.exceptions.ClientError as error:
            if "does not exist" in str(error) or "not found" in str(error).lower():
                continue
            raise
        on_start = described.get("OnStart") or [{"Content": ""}]
        configs[name] = base64.b64decode(on_start[0]["Content"]).decode()
    return Inventory(roles, policies, configs, notebooks)
