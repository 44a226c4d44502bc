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
AWS), DescribeNotebookInstance answers with its id, and a successful DeleteNotebookInstance
deletes it, so the subnet and security groups can be destroyed afterwards. SageMaker's own
EC2 calls are not the account's API calls, so CloudTrail records none here. Drop this module
when moto makes the interface itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from io import BytesIO
from typing import Any

from moto.ec2.models import ec2_backends
from moto.iam.models import get_account_id_from

DESCRIPTION = "[DO NOT DELETE] ENI managed by SageMaker for Notebook Instance {name}"
_TARGET = "SageMaker."
_ACTIONS = {"CreateNotebookInstance", "DescribeNotebookInstance", "DeleteNotebookInstance"}
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/sagemaker/")


class NotebookInterfaces:
    """WSGI middleware in front of moto: gives VPC notebooks their network interface."""

    def __init__(self, app: Any) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        action = target.removeprefix(_TARGET) if target.startswith(_TARGET) else ""
        credential = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        if action not in _ACTIONS or credential is None:
            return self._app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = BytesIO(body)  # moto reads it again
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return self._app(environ, start_response)
        access_key_id, region = credential.groups()
        ec2 = ec2_backends[get_account_id_from(access_key_id)][region]
        name = str(request.get("NotebookInstanceName", ""))

        if action == "CreateNotebookInstance" and request.get("SubnetId"):
            subnet_id = str(request["SubnetId"])
            if subnet_id not in {subnet.id for subnet in ec2.describe_subnets()}:
                return _validation_error(start_response, f"Subnet {subnet_id} does not exist.")
        status, headers, data = _call(self._app, environ)
        if status.startswith("200"):
            if action == "CreateNotebookInstance" and request.get("SubnetId"):
                ec2.create_network_interface(
                    subnet=str(request["SubnetId"]),
                    private_ip_address=[],  # moto picks a free one in the subnet
                    group_ids=list(request.get("SecurityGroupIds") or []) or None,
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
        headers = [(key, value) for key, value in headers if key.lower() != "content-length"]
        start_response(status, [*headers, ("Content-Length", str(len(data)))])
        return [data]


def _interfaces_of(ec2: Any, notebook: str) -> list[Any]:
    description = DESCRIPTION.format(name=notebook)
    return [eni for eni in ec2.enis.values() if eni.description == description]


def _call(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> tuple[str, Any, bytes]:
    """Run the WSGI app to completion: (status, headers, body)."""
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
        started.update(status=status, headers=headers)

    chunks = app(environ, start_response)
    try:
        data = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return started["status"], started["headers"], data


def _validation_error(start_response: Any, message: str) -> Iterable[bytes]:
    data = json.dumps({"__type": "ValidationException", "message": message}).encode()
    start_response(
        "400 Bad Request",
        [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(data)))],
    )
    return [data]
