"""What a notebook without direct internet access can reach: only what its VPC routes to.

AWS ("Connect a Notebook Instance in a VPC to External Resources",
https://docs.aws.amazon.com/sagemaker/latest/dg/appendix-notebook-and-internet-access.html):
with direct internet access, traffic outside the VPC's CIDR leaves through SageMaker's own
network interface, to the internet. With it disabled, the notebook's only way out is its
interface in the customer's subnet, so it "can't train or host models unless your VPC has an
interface endpoint (AWS PrivateLink) or a NAT gateway". Concretely, a request to an AWS
service's public endpoint (e.g. sts.<region>.amazonaws.com) gets through only if:

- the VPC has an *interface* endpoint `com.amazonaws.<region>.<service>` in state
  `available` with private DNS on: private DNS is what makes the service's default hostname
  resolve to the endpoint inside the VPC (AWS PrivateLink guide, "Access an AWS service using
  an interface VPC endpoint"; IAM user guide, "Create a VPC endpoint for AWS STS": the
  *regional* STS endpoint then resolves to it, which is why the on-start config sets
  `sts_regional_endpoints = regional`);
- or a *gateway* endpoint for it (S3, DynamoDB) is associated with the subnet's route table
  (PrivateLink guide, "Gateway endpoints": the endpoint is a route in the route tables it is
  associated with);
- or the subnet's route table sends 0.0.0.0/0 to a NAT gateway (VPC user guide, "NAT
  gateways"). Whether that NAT gateway itself reaches an internet gateway is not checked.

The subnet's route table is the one explicitly associated with it, else the VPC's main
route table (VPC user guide, "Configure route tables"). Security groups and endpoint
policies are not evaluated.

The service comes from the request's SigV4 credential scope; SageMaker signs its API,
runtime and feature store runtime all as `sagemaker`, so the request tells them apart
("Connect to SageMaker AI Within your VPC",
https://docs.aws.amazon.com/sagemaker/latest/dg/interface-vpc-endpoint.html, names the
endpoint services `sagemaker.api`, `sagemaker.runtime` and `sagemaker.featurestore-runtime`).

On AWS, an unreachable request's TCP connection to the public address times out. Here the
connection is closed without an answer at once, so tests need not wait out a timeout:
SDKs report a closed connection instead of a connect timeout. The metadata service is always
reachable (link-local on the instance), as is everything from the harness's own loopback.
Unsigned requests (which name no service) pass.
"""

from __future__ import annotations

import contextlib
import re
import socket
from collections.abc import Callable, Iterable
from typing import Any

from botocore.exceptions import ClientError

from .imds import PREFIX as IMDS_PREFIX
from .wsgi import buffered_body

_SCOPE = re.compile(r"Credential=[^/,\s&]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_SCOPE_IN_QUERY = re.compile(  # presigned URLs
    r"X-Amz-Credential=[^%&]+%2F\d{8}%2F([^%&]+)%2F([^%&]+)%2Faws4_request"
)
ANYWHERE = "0.0.0.0/0"

# (service, region) -> a boto3 client of the emulator's own (not an API call of the account)
Clients = Callable[[str, str], Any]
# caller's address -> the notebook whose sandbox has that address, if any
NotebookAt = Callable[[str], "str | None"]


def endpoint_service(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(VPC endpoint service suffix, region) a signed request is for, e.g. ("sts",
    "us-east-1"); None for an unsigned request."""
    found = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", "")) or _SCOPE_IN_QUERY.search(
        environ.get("QUERY_STRING", "")
    )
    if found is None:
        return None
    region, signing_name = found.groups()
    if signing_name != "sagemaker":
        return signing_name, region  # sts, logs, s3, kms, monitoring...: the same name
    path = environ.get("PATH_INFO", "")
    if path.startswith("/endpoints/"):  # InvokeEndpoint and its variants
        return "sagemaker.runtime", region
    if path.startswith("/FeatureGroup/"):
        return "sagemaker.featurestore-runtime", region
    return "sagemaker.api", region


class VpcReachability:
    """WSGI middleware: drops the requests of VPC-only notebooks that their VPC cannot route."""

    def __init__(self, app: Any, notebook_at: NotebookAt, clients: Clients, region: str) -> None:
        self._app = app
        self._notebook_at = notebook_at
        self._clients = clients
        self._region = region  # where the emulator's notebooks live

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(IMDS_PREFIX):
            return self._app(environ, start_response)
        notebook = self._notebook_at(environ.get("REMOTE_ADDR", ""))
        wanted = endpoint_service(environ) if notebook else None
        if notebook is None or wanted is None or self._reaches(notebook, *wanted):
            return self._app(environ, start_response)
        buffered_body(environ)  # read, so the server does not take it for the next request
        _drop_connection(environ)
        raise ConnectionAbortedError(f"{notebook} has no route to {wanted[0]} in {wanted[1]}")

    def _reaches(self, notebook: str, service: str, region: str) -> bool:
        try:
            return self.reaches(notebook, service, region)
        except ClientError:  # the notebook or its subnet is gone: nothing left to judge by
            return True

    def reaches(self, notebook: str, service: str, region: str) -> bool:
        """May `notebook` reach AWS service `service` (endpoint suffix) in `region`?"""
        described = self._clients("sagemaker", self._region).describe_notebook_instance(
            NotebookInstanceName=notebook
        )
        subnet_id = described.get("SubnetId")  # SageMaker requires one without direct access
        if described.get("DirectInternetAccess", "Enabled") == "Enabled" or not subnet_id:
            return True
        ec2 = self._clients("ec2", described["NotebookInstanceArn"].split(":")[3])
        (subnet,) = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"]
        table = _route_table_of(ec2, subnet["VpcId"], subnet_id)
        if table and any(
            route.get("DestinationCidrBlock") == ANYWHERE and route.get("NatGatewayId")
            for route in table["Routes"]
        ):
            return True
        endpoints = ec2.describe_vpc_endpoints(
            Filters=[
                {"Name": "vpc-id", "Values": [subnet["VpcId"]]},
                {"Name": "service-name", "Values": [f"com.amazonaws.{region}.{service}"]},
            ]
        )["VpcEndpoints"]
        return any(_routes_to(endpoint, table) for endpoint in endpoints)


def _route_table_of(ec2: Any, vpc_id: str, subnet_id: str) -> dict[str, Any] | None:
    """The subnet's explicitly associated route table, else its VPC's main one."""
    explicit = ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]
    )["RouteTables"]
    if explicit:
        return explicit[0]  # type: ignore[no-any-return]
    main = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"]
    return main[0] if main else None


def _routes_to(endpoint: dict[str, Any], table: dict[str, Any] | None) -> bool:
    if endpoint.get("State", "").lower() != "available":
        return False
    kind = endpoint.get("VpcEndpointType", "Gateway")
    if kind == "Interface":
        return bool(endpoint.get("PrivateDnsEnabled"))
    if kind == "Gateway":
        return table is not None and table["RouteTableId"] in endpoint.get("RouteTableIds", [])
    return False


def _drop_connection(environ: dict[str, Any]) -> None:
    """Close the client's connection without an answer (werkzeug's server hands the socket
    over; the ConnectionAbortedError raised next makes it treat the connection as dropped)."""
    connection = environ.get("werkzeug.socket")
    if connection is not None:
        with contextlib.suppress(OSError):  # the client may have gone already
            connection.shutdown(socket.SHUT_RDWR)
