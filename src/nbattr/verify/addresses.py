"""The network interface address of each notebook in a VPC, for corroborating source addresses."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError


def interface_addresses(names: list[str], sagemaker: Any, ec2: Any) -> tuple[dict[str, str], str]:
    """({notebook: private address} for the VPC notebooks among `names`, a note on what could
    not be read). Notebooks outside a VPC have no interface of their own to compare with."""
    interfaces: dict[str, str] = {}
    problems: list[str] = []
    for name in names:
        try:
            described = sagemaker.describe_notebook_instance(NotebookInstanceName=name)
        except ClientError:
            continue  # not in this region (or gone): nothing to corroborate with
        except BotoCoreError as error:
            problems.append(f"{name}: {error}")
            continue
        if described.get("NetworkInterfaceId"):
            interfaces[name] = described["NetworkInterfaceId"]
    if not interfaces:
        return {}, "; ".join(problems)
    try:
        found = ec2.describe_network_interfaces(NetworkInterfaceIds=sorted(interfaces.values()))
    except (ClientError, BotoCoreError) as error:
        problems.append(f"cannot read network interfaces: {error}")
        return {}, "; ".join(problems)
    address_of = {
        eni["NetworkInterfaceId"]: eni["PrivateIpAddress"]
        for eni in found["NetworkInterfaces"]
        if eni.get("PrivateIpAddress")
    }
    addresses = {name: address_of[eni] for name, eni in interfaces.items() if eni in address_of}
    return addresses, "; ".join(problems)
