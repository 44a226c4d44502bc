"""A notebook without direct internet access reaches AWS only through its VPC's endpoints
(or a NAT gateway), and attribution needs STS among them.

The first tests judge the emulator's rules (nbattr.emulator.vpc_reachability) on networks made with
boto3; they need no root. The last applies examples/vpc-kms, runs its notebook's real
on-start script in a sandbox and shows that its attributed calls work through the example's
endpoints and all fail once the STS endpoint is gone.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import tftest

from calls import create_role
from metadata_probe import FETCH_TOKEN
from nbattr.emulator.vpc_reachability import endpoint_service
from nbattr.harness.sandbox import Sandbox, unavailable_reason

REASON = unavailable_reason()
needs_sandbox = pytest.mark.skipif(REASON is not None, reason=REASON or "")
REGION = "us-east-1"


def _service(name: str) -> str:
    return f"com.amazonaws.{REGION}.{name}"


class Network:
    """A VPC with one subnet on its own route table, and two notebooks in it: `private`
    without direct internet access, `direct` with it."""

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.ec2 = emulator.client("ec2")
        self.vpc = self.ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
        self.subnet = self.ec2.create_subnet(VpcId=self.vpc, CidrBlock="10.50.1.0/24")["Subnet"][
            "SubnetId"
        ]
        self.table = self.ec2.create_route_table(VpcId=self.vpc)["RouteTable"]["RouteTableId"]
        self.ec2.associate_route_table(RouteTableId=self.table, SubnetId=self.subnet)
        group = self.ec2.create_security_group(GroupName="nb", Description="nb", VpcId=self.vpc)
        role_arn = create_role(emulator, "vpc-endpoint-notebooks")
        for name, access in (("private", "Disabled"), ("direct", "Enabled")):
            emulator.client("sagemaker").create_notebook_instance(
                NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=role_arn,
                SubnetId=self.subnet, SecurityGroupIds=[group["GroupId"]],
                DirectInternetAccess=access,
            )  # fmt: skip

    def interface_endpoint(self, service: str, private_dns: bool = True) -> str:
        made = self.ec2.create_vpc_endpoint(
            VpcId=self.vpc, ServiceName=_service(service), VpcEndpointType="Interface",
            SubnetIds=[self.subnet], PrivateDnsEnabled=private_dns,
        )  # fmt: skip
        return str(made["VpcEndpoint"]["VpcEndpointId"])

    def reaches(self, notebook: str, service: str) -> bool:
        assert self.emulator.reachability is not None
        return bool(self.emulator.reachability.reaches(notebook, service, REGION))


@pytest.fixture
def network(clean_emulator) -> Network:
    return Network(clean_emulator)


def test_without_endpoints_only_direct_internet_access_reaches_aws(network):
    for service in ("sts", "sagemaker.api", "logs", "s3"):
        assert not network.reaches("private", service)
        assert network.reaches("direct", service)


def test_an_interface_endpoint_with_private_dns_opens_its_service_only(network):
    sts = network.interface_endpoint("sts")
    assert network.reaches("private", "sts")
    assert not network.reaches("private", "sagemaker.api")
    network.interface_endpoint("sagemaker.api")
    assert network.reaches("private", "sagemaker.api")
    assert not network.reaches("private", "sagemaker.runtime")
    network.ec2.delete_vpc_endpoints(VpcEndpointIds=[sts])
    assert not network.reaches("private", "sts")


def test_without_private_dns_the_services_own_hostname_does_not_reach_the_endpoint(network):
    network.interface_endpoint("sts", private_dns=False)
    assert not network.reaches("private", "sts")


def test_a_gateway_endpoint_counts_only_on_the_subnets_route_table(network):
    ec2 = network.ec2
    other = ec2.create_route_table(VpcId=network.vpc)["RouteTable"]["RouteTableId"]
    ec2.create_vpc_endpoint(
        VpcId=network.vpc, ServiceName=_service("s3"), RouteTableIds=[other],
        VpcEndpointType="Gateway",
    )  # fmt: skip
    assert not network.reaches("private", "s3")
    ec2.create_vpc_endpoint(
        VpcId=network.vpc, ServiceName=_service("s3"), RouteTableIds=[network.table],
        VpcEndpointType="Gateway",
    )  # fmt: skip
    assert network.reaches("private", "s3")
    assert not network.reaches("private", "sts")


def test_a_subnet_without_its_own_route_table_uses_the_vpcs_main_one(network):
    ec2 = network.ec2
    (association,) = [
        link["RouteTableAssociationId"]
        for link in ec2.describe_route_tables(RouteTableIds=[network.table])["RouteTables"][0][
            "Associations"
        ]
    ]
    ec2.disassociate_route_table(AssociationId=association)
    (main,) = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [network.vpc]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"]
    ec2.create_vpc_endpoint(
        VpcId=network.vpc, ServiceName=_service("s3"), RouteTableIds=[main["RouteTableId"]],
        VpcEndpointType="Gateway",
    )  # fmt: skip
    assert network.reaches("private", "s3")


def test_a_default_route_to_a_nat_gateway_reaches_every_service(network):
    ec2 = network.ec2
    public = ec2.create_subnet(VpcId=network.vpc, CidrBlock="10.50.2.0/24")["Subnet"]["SubnetId"]
    address = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=address)["NatGateway"]
    ec2.create_route(
        RouteTableId=network.table, DestinationCidrBlock="0.0.0.0/0",
        NatGatewayId=nat["NatGatewayId"],
    )  # fmt: skip
    for service in ("sts", "sagemaker.api", "logs", "s3"):
        assert network.reaches("private", service)


def _signed(service: str, path: str = "/", query: str = "") -> dict[str, str]:
    scope = f"Credential=AKIAEXAMPLE/20261128/{REGION}/{service}/aws4_request"
    return {"HTTP_AUTHORIZATION": f"AWS4-HMAC-SHA256 {scope}, SignedHeaders=host, Signature=0",
            "PATH_INFO": path, "QUERY_STRING": query}  # fmt: skip


def _presigned(service: str, region: str) -> dict[str, str]:
    scope = f"AKIAEXAMPLE%2F20261128%2F{region}%2F{service}%2Faws4_request"
    query = f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={scope}&X-Amz-Signature=0"
    return {"PATH_INFO": "/bucket/key", "QUERY_STRING": query}


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        (_signed("sts"), ("sts", REGION)),
        (_signed("logs"), ("logs", REGION)),
        (_signed("sagemaker"), ("sagemaker.api", REGION)),
        (_signed("sagemaker", "/endpoints/model-1/invocations"), ("sagemaker.runtime", REGION)),
        (_presigned("s3", "eu-west-1"), ("s3", "eu-west-1")),
        ({"PATH_INFO": "/", "QUERY_STRING": "Action=AssumeRoleWithWebIdentity"}, None),
    ],
)
def test_the_signing_service_names_the_endpoint_service(environ, expected):
    assert endpoint_service(environ) == expected


# -- the example, with its real on-start script, in the sandbox ---------------------------

IDENTITY = ["aws", "sts", "get-caller-identity", "--query", "Arn", "--output", "text"]
# boto3 keeps no credential cache between processes: each run re-assumes the role first.
SAGEMAKER = (
    "import boto3\n"
    "names = [n['NotebookInstanceName'] for n in "
    "boto3.client('sagemaker').list_notebook_instances()['NotebookInstances']]\n"
    "print(' '.join(names))\n"
)
FAIL_FAST = {"AWS_MAX_ATTEMPTS": "1"}  # no retries of the dropped connection


@needs_sandbox
@pytest.mark.long
def test_the_vpc_kms_notebook_works_through_its_sts_endpoint_and_fails_without_it(
    workspace, clean_emulator, tmp_path: Path
):
    ws = workspace("examples/vpc-kms", clean_emulator)
    ws.apply()  # not destroyed: the next user of the emulator resets it
    outputs = ws.outputs()
    with Sandbox(clean_emulator, "vpc-1", tmp_path / "box") as box:
        started = box.start()
        assert started.ok, started.stderr
        before = clean_emulator.cloudtrail.count
        identity = box.as_user(IDENTITY)
        assert identity.ok, identity.stderr
        assert identity.stdout.strip() == outputs["expected_session_arns"]["vpc-1"]
        listed = box.python_as_user(SAGEMAKER)
        assert listed.ok, listed.stderr
        assert listed.stdout.split() == ["vpc-1"]
        records = clean_emulator.cloudtrail.records()[before:]
        assert {(r["eventSource"], r["eventName"]) for r in records} >= {
            ("sts.amazonaws.com", "AssumeRole"),
            ("sts.amazonaws.com", "GetCallerIdentity"),
            ("sagemaker.amazonaws.com", "ListNotebookInstances"),
        }
        assert {r["sourceIPAddress"] for r in records} == {box.address}

        clean_emulator.client("ec2").delete_vpc_endpoints(
            VpcEndpointIds=[outputs["interface_endpoint_ids"]["sts"]]
        )
        before = clean_emulator.cloudtrail.count
        # Clear the CLI's cached session, so that it has to re-assume the role as a
        # notebook does once its credentials expire.
        identity = box.shell_as_user(
            "rm -rf ~/.aws/cli/cache/* && " + " ".join(IDENTITY), env=FAIL_FAST
        )
        assert not identity.ok
        assert "Connection was closed" in identity.stderr, identity.stderr
        # The SageMaker endpoint is still there; the role's re-assumption is not.
        listed = box.python_as_user(SAGEMAKER, env=FAIL_FAST)
        assert not listed.ok
        assert "Connection was closed" in listed.stderr, listed.stderr
        assert "vpc-1" not in listed.stdout
        assert clean_emulator.cloudtrail.records()[before:] == []  # nothing reached AWS
        # The metadata service is on the instance itself: still there.
        own = clean_emulator.notebook_metadata_endpoint("vpc-1")
        token = box.as_user([sys.executable, "-c", FETCH_TOKEN, own])
        assert token.stdout.strip() == "200", token.stderr


def test_the_example_refuses_endpoints_without_sts_at_plan(workspace, clean_emulator):
    ws = workspace("examples/vpc-kms", clean_emulator)
    (ws.path / "case.tfvars.json").write_text('{"interface_endpoint_services": ["logs"]}')
    with pytest.raises(tftest.TerraformTestError) as failure:
        ws.run("plan", "-input=false", "-no-color", "-var-file=case.tfvars.json")
    error = " ".join(failure.value.args[0].split())  # Terraform wraps long messages
    assert 'interface_endpoint_services must include "sts"' in error, error
    assert "got [logs]" in error, error
