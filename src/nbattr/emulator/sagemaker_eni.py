"""Notebook network interfaces, which moto 5.2.5 does not make.

On AWS, a notebook instance created with a `SubnetId` gets a network interface (ENI) in that
subnet with the notebook's security groups, described "[DO NOT DELETE] ENI managed by
SageMaker for Notebook Instance <name>". `DescribeNotebookInstance` returns its
`NetworkInterfaceId`, and the interface goes away with the notebook. Its private address is
where the notebook's calls come from, so a CloudTrail `sourceIPAddress` can be tied to a
notebook (DescribeNotebookInstance -> NetworkInterfaceId -> ec2 DescribeNetworkInterfaces ->
PrivateIpAddress); the notebook sandbox gives the notebook that address.

moto 5.2.5 makes none (its notebook model says "ToDo: NetworkInterfaceId"). This WSGI layer
in front of moto does what SageMaker does: a successful CreateNotebookInstance with a
SubnetId creates the interface in moto's EC2 backend (an unknown subnet is refused, as on
AWS) at a free address of the subnet, DescribeNotebookInstance answers with its id, and a
successful DeleteNotebookInstance deletes it, so the subnet and security groups can be
destroyed afterwards. SageMaker's own EC2 calls are not the account's API calls, so
CloudTrail records none here. Drop this module when moto makes the interface itself.

The address: moto gives an interface made without one a random address of the subnet, which
another interface may already hold (two notebooks in a /24 met once in a few hundred runs,
and the sandbox could not route both). AWS assigns an available address, never one of the
five it reserves in each subnet, the first four and the last (Amazon VPC User Guide, "Subnet
CIDR blocks"); here the lowest such address no interface holds. Picking it and making the
interface is one step under a lock: Terraform creates notebooks in parallel, and two
creations in one subnet picked the same address once (the second sandbox could not route it).
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import threading
from collections.abc import Iterable
from typing import Any

from moto.ec2.models import ec2_backends

from .aws_managed_policies import account_id_from
from .cloudtrail.requests import parse
from .wsgi import App, buffered_body, json_error, respond, run_app

DESCRIPTION = "[DO NOT DELETE] ENI managed by SageMaker for Notebook Instance {name}"
_ACTIONS = {"CreateNotebookInstance", "DescribeNotebookInstance", "DeleteNotebookInstance"}


class NotebookInterfaces:
    """WSGI middleware in front of moto: gives VPC notebooks their network interface."""

    def __init__(self, app: App) -> None:
        self._app = app
        self._addressing = threading.Lock()  # one address pick and interface at a time

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("SageMaker."):
            return self._app(environ, start_response)  # the cheap test first: most calls
        request = parse(environ, buffered_body(environ))
        if request is None or request.service != "sagemaker" or request.action not in _ACTIONS:
            return self._app(environ, start_response)
        action, parameters = request.action, request.parameters
        ec2 = ec2_backends[account_id_from(request.access_key_id)][request.region]
        name = str(parameters.get("notebookInstanceName", ""))
        # Only a creation in a subnet gets an interface; SageMaker refuses unknown subnets.
        subnet_id = parameters.get("subnetId") if action == "CreateNotebookInstance" else None
        if subnet_id and subnet_id not in {subnet.id for subnet in ec2.describe_subnets()}:
            return json_error(
                start_response,
                "400 Bad Request",
                "ValidationException",
                f"Subnet {subnet_id} does not exist.",
            )
        status, headers, data = run_app(self._app, environ)
        if status.startswith("200"):
            if subnet_id:
                with self._addressing:
                    ec2.create_network_interface(
                        subnet=str(subnet_id),
                        private_ip_address=_free_address(ec2, str(subnet_id)),
                        group_ids=list(parameters.get("securityGroupIds") or []) or None,
                        description=DESCRIPTION.format(name=name),
                    )
            elif action == "DeleteNotebookInstance":
                for interface in _interfaces_of(ec2, name):
                    ec2.delete_network_interface(interface.id)
            elif action == "DescribeNotebookInstance":
                found = _interfaces_of(ec2, name)
                if found:
                    answer = json.loads(data)
                    answer["NetworkInterfaceId"] = found[0].id
                    data = json.dumps(answer).encode()
        return respond(start_response, status, data, headers=headers)


def _free_address(ec2: Any, subnet_id: str) -> str:
    """The subnet's lowest address that AWS does not reserve and no interface holds."""
    network = ipaddress.ip_network(ec2.get_subnet(subnet_id).cidr_block)
    taken = {
        address["PrivateIpAddress"]
        for eni in ec2.enis.values()
        if eni.subnet.id == subnet_id
        for address in eni.private_ip_addresses
    }
    # hosts() leaves out the first address and the last; AWS reserves the next three too.
    for address in itertools.islice(network.hosts(), 3, None):
        if str(address) not in taken:
            return str(address)
    return ""  # none left: moto then picks one, as before


def _interfaces_of(ec2: Any, notebook: str) -> list[Any]:
    description = DESCRIPTION.format(name=notebook)
    return [eni for eni in ec2.enis.values() if eni.description == description]
