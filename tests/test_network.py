"""Each sandboxed notebook has its own network namespace and address, so CloudTrail's
`sourceIPAddress` is real: a VPC notebook's is its network interface's private address.

Notebooks are made with boto3 (no lifecycle config needed: their base `SageMaker` session
makes the calls). The first test needs no root: it checks the emulator's network interfaces.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from calls import create_role
from metadata_probe import FETCH_TOKEN, TOKEN_TTL
from nbattr.emulator import Emulator
from nbattr.emulator.network import GATEWAY, SERVICE_MANAGED
from nbattr.emulator.sagemaker_eni import DESCRIPTION
from nbattr.harness.sandbox import Sandbox, SandboxUnavailable, unavailable_reason

REASON = unavailable_reason()
needs_sandbox = pytest.mark.skipif(REASON is not None, reason=REASON or "")
CALL = ["aws", "sts", "get-caller-identity"]


@pytest.fixture
def aws(clean_emulator) -> dict[str, str]:
    """A role, a VPC with a subnet and a security group, and two notebooks outside the VPC
    plus one inside it."""
    ec2, sagemaker = clean_emulator.client("ec2"), clean_emulator.client("sagemaker")
    role_arn = create_role(clean_emulator, "network-notebooks")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.7.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="nb", Description="notebook", VpcId=vpc)
    made = {"vpc": vpc, "subnet": subnet, "group": group["GroupId"], "role": role_arn}
    for name in ("plain-1", "plain-2"):
        sagemaker.create_notebook_instance(
            NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=role_arn
        )
    sagemaker.create_notebook_instance(
        NotebookInstanceName="in-vpc",
        InstanceType="ml.t3.medium",
        RoleArn=role_arn,
        SubnetId=subnet,
        SecurityGroupIds=[made["group"]],
        DirectInternetAccess="Disabled",
    )
    return made


@pytest.fixture
def sandbox(clean_emulator, tmp_path) -> Iterator[Callable[[str], Sandbox]]:
    booted: list[Sandbox] = []

    def make(notebook: str) -> Sandbox:
        box = Sandbox(clean_emulator, notebook, tmp_path / f"sandbox-{len(booted)}")
        booted.append(box)
        return box.boot()

    yield make
    for box in booted:
        box.close()


def _interface_address(emulator, notebook: str) -> str:
    """What `verify` reads: DescribeNotebookInstance -> NetworkInterfaceId -> EC2."""
    interface_id = emulator.client("sagemaker").describe_notebook_instance(
        NotebookInstanceName=notebook
    )["NetworkInterfaceId"]
    (interface,) = emulator.client("ec2").describe_network_interfaces(
        NetworkInterfaceIds=[interface_id]
    )["NetworkInterfaces"]
    return str(interface["PrivateIpAddress"])


def _sources_of(emulator, box: Sandbox, argv: list[str]) -> list[str]:
    """The CloudTrail source addresses of the calls `argv` makes as ec2-user in `box`."""
    before = emulator.cloudtrail.count
    done = box.as_user(argv)
    assert done.ok, done.stderr
    records = emulator.cloudtrail.records()[before:]
    assert records, "the call left no CloudTrail record"
    return [record["sourceIPAddress"] for record in records]


# -- the emulator: notebooks in a VPC get a network interface ---------------------------


def test_vpc_notebook_has_an_interface_in_its_subnet_until_deleted(aws, clean_emulator):
    ec2, sagemaker = clean_emulator.client("ec2"), clean_emulator.client("sagemaker")
    described = sagemaker.describe_notebook_instance(NotebookInstanceName="in-vpc")
    (interface,) = ec2.describe_network_interfaces(
        NetworkInterfaceIds=[described["NetworkInterfaceId"]]
    )["NetworkInterfaces"]
    assert interface["SubnetId"] == aws["subnet"]
    assert [group["GroupId"] for group in interface["Groups"]] == [aws["group"]]
    assert interface["Description"] == DESCRIPTION.format(name="in-vpc")
    assert ipaddress.ip_address(interface["PrivateIpAddress"]) in ipaddress.ip_network(
        "10.42.7.0/24"
    )
    outside = sagemaker.describe_notebook_instance(NotebookInstanceName="plain-1")
    assert "NetworkInterfaceId" not in outside
    assert len(ec2.describe_network_interfaces()["NetworkInterfaces"]) == 1

    with pytest.raises(sagemaker.exceptions.ClientError, match="subnet-nope does not exist"):
        sagemaker.create_notebook_instance(
            NotebookInstanceName="lost", InstanceType="ml.t3.medium",
            RoleArn=aws["role"], SubnetId="subnet-nope",
        )  # fmt: skip

    sagemaker.stop_notebook_instance(NotebookInstanceName="in-vpc")
    sagemaker.delete_notebook_instance(NotebookInstanceName="in-vpc")
    assert ec2.describe_network_interfaces()["NetworkInterfaces"] == []
    # What `terraform destroy` does next: nothing of the notebook holds the network.
    ec2.delete_security_group(GroupId=aws["group"])
    ec2.delete_subnet(SubnetId=aws["subnet"])
    ec2.delete_vpc(VpcId=aws["vpc"])


def test_vpc_notebooks_get_distinct_addresses_outside_the_reserved_five(aws, clean_emulator):
    """As AWS assigns them: free, never the subnet's first four or last (Amazon VPC User
    Guide, "Subnet CIDR blocks"). moto's own pick is random and repeated an address."""
    ec2, sagemaker = clean_emulator.client("ec2"), clean_emulator.client("sagemaker")
    small = ec2.create_subnet(VpcId=aws["vpc"], CidrBlock="10.42.9.0/28")["Subnet"]["SubnetId"]
    names = [f"tiny-{index}" for index in range(11)]  # a /28 holds 16 - 5 = 11
    for name in names:
        sagemaker.create_notebook_instance(
            NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=aws["role"],
            SubnetId=small, SecurityGroupIds=[aws["group"]],
        )  # fmt: skip
    found = ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [small]}])
    addresses = {eni["PrivateIpAddress"] for eni in found["NetworkInterfaces"]}
    usable = list(ipaddress.ip_network("10.42.9.0/28"))[4:-1]
    assert addresses == {str(address) for address in usable}
    sagemaker.stop_notebook_instance(NotebookInstanceName="tiny-3")
    sagemaker.delete_notebook_instance(NotebookInstanceName="tiny-3")
    sagemaker.create_notebook_instance(
        NotebookInstanceName="tiny-again", InstanceType="ml.t3.medium", RoleArn=aws["role"],
        SubnetId=small, SecurityGroupIds=[aws["group"]],
    )  # fmt: skip
    again = sagemaker.describe_notebook_instance(NotebookInstanceName="tiny-again")
    (interface,) = ec2.describe_network_interfaces(
        NetworkInterfaceIds=[again["NetworkInterfaceId"]]
    )["NetworkInterfaces"]
    assert interface["PrivateIpAddress"] == "10.42.9.7"  # tiny-3's, freed


def test_notebooks_created_at_once_in_one_subnet_get_distinct_addresses(aws, clean_emulator):
    """Terraform creates a module's notebooks in parallel; two picked one address once.
    The emulator serves in this process: switching threads as often as CPython can makes an
    unguarded pick-then-create collide in most runs."""
    ec2 = clean_emulator.client("ec2")
    small = ec2.create_subnet(VpcId=aws["vpc"], CidrBlock="10.42.9.0/28")["Subnet"]["SubnetId"]
    names = [f"at-once-{index}" for index in range(11)]  # the /28's 11 usable addresses
    start = threading.Barrier(len(names))

    def create(name: str) -> None:
        sagemaker = clean_emulator.client("sagemaker")
        start.wait()
        sagemaker.create_notebook_instance(
            NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=aws["role"],
            SubnetId=small, SecurityGroupIds=[aws["group"]],
        )  # fmt: skip

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(len(names)) as pool:
            list(pool.map(create, names))
    finally:
        sys.setswitchinterval(interval)
    found = ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [small]}])
    addresses = sorted(eni["PrivateIpAddress"] for eni in found["NetworkInterfaces"])
    usable = list(ipaddress.ip_network("10.42.9.0/28"))[4:-1]
    assert addresses == sorted(str(address) for address in usable)


# -- the emulator: the settings moto drops, and the metadata service that obeys them -------


def test_notebook_settings_are_kept_defaulted_updated_and_checked(aws, clean_emulator):
    sagemaker = clean_emulator.client("sagemaker")
    sagemaker.create_notebook_instance(
        NotebookInstanceName="chosen", InstanceType="ml.t3.medium", RoleArn=aws["role"],
        InstanceMetadataServiceConfiguration={"MinimumInstanceMetadataServiceVersion": "2"},
        PlatformIdentifier="notebook-al2-v2", RootAccess="Enabled",
    )  # fmt: skip

    def settings(name: str) -> tuple[str, str, str | None]:
        described = sagemaker.describe_notebook_instance(NotebookInstanceName=name)
        imds = described["InstanceMetadataServiceConfiguration"][
            "MinimumInstanceMetadataServiceVersion"
        ]
        return imds, described["PlatformIdentifier"], described.get("RootAccess")

    assert settings("chosen") == ("2", "notebook-al2-v2", "Enabled")
    assert settings("plain-1")[:2] == ("1", "notebook-al2023-v1")  # AWS's defaults

    sagemaker.stop_notebook_instance(NotebookInstanceName="chosen")
    sagemaker.update_notebook_instance(
        NotebookInstanceName="chosen", RootAccess="Disabled",
        InstanceMetadataServiceConfiguration={"MinimumInstanceMetadataServiceVersion": "1"},
    )  # fmt: skip
    assert settings("chosen") == ("1", "notebook-al2-v2", "Disabled")
    assert settings("plain-1")[:2] == ("1", "notebook-al2023-v1")  # only the one changed

    v3 = {"MinimumInstanceMetadataServiceVersion": "3"}
    for bad in (
        {"PlatformIdentifier": "notebook-al3-v1"},
        {"InstanceMetadataServiceConfiguration": v3},
    ):
        with pytest.raises(sagemaker.exceptions.ClientError, match="failed to satisfy constraint"):
            sagemaker.create_notebook_instance(
                NotebookInstanceName="refused", InstanceType="ml.t3.medium", RoleArn=aws["role"],
                **bad,
            )  # fmt: skip
    with pytest.raises(sagemaker.exceptions.ClientError, match="RecordNotFound"):
        sagemaker.update_notebook_instance(NotebookInstanceName="nowhere", RootAccess="Enabled")


def test_lifecycle_config_update_replaces_only_the_hooks_it_is_given(clean_emulator):
    sagemaker = clean_emulator.client("sagemaker")

    def hook(text: str) -> list[dict[str, str]]:
        return [{"Content": base64.b64encode(text.encode()).decode()}]

    sagemaker.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="lc", OnCreate=hook("create"), OnStart=hook("v1")
    )
    sagemaker.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="other", OnStart=hook("v1")
    )
    before = sagemaker.describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="lc"
    )
    sagemaker.update_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="lc", OnStart=hook("v2")
    )
    after = sagemaker.describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="lc"
    )
    assert after["OnStart"] == hook("v2") and after["OnCreate"] == hook("create")
    assert after["LastModifiedTime"] > before["LastModifiedTime"]
    assert after["CreationTime"] == before["CreationTime"]
    other = sagemaker.describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="other"
    )
    assert other["OnStart"] == hook("v1")  # only the one named
    with pytest.raises(sagemaker.exceptions.ClientError, match="does not exist"):
        sagemaker.update_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName="nowhere", OnStart=hook("v2")
        )


def _imds_v1_status(emulator: Emulator, notebook: str) -> int:
    url = f"{emulator.endpoint}/_imds/{notebook}/latest/meta-data/iam/security-credentials/"
    return requests.get(url, timeout=5).status_code


def test_metadata_service_answers_imdsv1_only_where_the_notebook_allows_it(aws, clean_emulator):
    sagemaker = clean_emulator.client("sagemaker")
    for name, version in (("v2-only", "2"), ("v1-allowed", "1")):
        sagemaker.create_notebook_instance(
            NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=aws["role"],
            InstanceMetadataServiceConfiguration={"MinimumInstanceMetadataServiceVersion": version},
        )  # fmt: skip
    assert _imds_v1_status(clean_emulator, "v2-only") == 401
    assert _imds_v1_status(clean_emulator, "v1-allowed") == 200
    assert _imds_v1_status(clean_emulator, "plain-1") == 200  # created without the setting
    # A token that is sent must be valid, whatever the minimum version.
    forged = requests.get(
        f"{clean_emulator.endpoint}/_imds/v1-allowed/latest/meta-data/iam/security-credentials/",
        headers={"X-aws-ec2-metadata-token": "forged"},
        timeout=5,
    )
    assert forged.status_code == 401
    # Turning IMDSv1 off again (stop, update, start) closes it.
    sagemaker.stop_notebook_instance(NotebookInstanceName="v1-allowed")
    sagemaker.update_notebook_instance(
        NotebookInstanceName="v1-allowed",
        InstanceMetadataServiceConfiguration={"MinimumInstanceMetadataServiceVersion": "2"},
    )
    sagemaker.start_notebook_instance(NotebookInstanceName="v1-allowed")
    assert _imds_v1_status(clean_emulator, "v1-allowed") == 401


# -- the sandbox: real source addresses --------------------------------------------------


@needs_sandbox
def test_a_notebooks_calls_carry_its_own_address(aws, clean_emulator, sandbox):
    box = sandbox("plain-1")
    assert ipaddress.ip_address(box.address) in SERVICE_MANAGED
    assert set(_sources_of(clean_emulator, box, CALL)) == {box.address}
    boto3_call = "import boto3; boto3.client('sagemaker').list_notebook_instances()"
    python = [sys.executable, "-c", boto3_call]  # the Python that has boto3
    assert set(_sources_of(clean_emulator, box, python)) == {box.address}
    seen = box.as_root(["ip", "-4", "-o", "addr", "show", "dev", "eth0"])
    assert f"inet {box.address}/32" in seen.stdout


@needs_sandbox
def test_a_notebook_reaches_only_its_own_metadata_service(aws, clean_emulator, sandbox):
    box = sandbox("plain-1")
    own = clean_emulator.notebook_metadata_endpoint("plain-1")
    other = clean_emulator.notebook_metadata_endpoint("plain-2")
    asked = {url: box.as_user([sys.executable, "-c", FETCH_TOKEN, url]) for url in (own, other)}
    assert [asked[url].stdout.strip() for url in (own, other)] == ["200", "404"]


@needs_sandbox
def test_a_notebooks_metadata_service_answers_as_ec2s_does_at_the_root(
    aws, clean_emulator, sandbox
):
    """SDKs that drop the endpoint's path (Go v2) or double its slash (JavaScript v2) still
    reach the notebook's own service, and the token's lifetime comes back as on EC2."""
    box = sandbox("plain-1")
    own = clean_emulator.notebook_metadata_endpoint("plain-1")
    for url in (own, f"{own}/", f"{clean_emulator.notebook_endpoint}/"):
        assert box.as_user([sys.executable, "-c", TOKEN_TTL, url]).stdout.strip() == "60", url
    # Only a notebook's own address is answered at the root: the harness's is not.
    harness = requests.put(
        f"{clean_emulator.endpoint}/latest/api/token",
        headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"},
        timeout=5,
    )
    assert "X-aws-ec2-metadata-token-ttl-seconds" not in harness.headers, harness.text


@needs_sandbox
def test_two_notebooks_have_different_addresses_each_kept_across_restarts(
    aws, clean_emulator, sandbox
):
    first, second = sandbox("plain-1"), sandbox("plain-2")  # running side by side
    assert first.address != second.address
    assert set(_sources_of(clean_emulator, first, CALL)) == {first.address}
    assert set(_sources_of(clean_emulator, second, CALL)) == {second.address}
    # The kernel frees a namespace some time after its last process, which under load took
    # seconds: kept alive here, as it was then, its address must still be free at once.
    lingering = os.open(f"/proc/{first.pid}/ns/net", os.O_RDONLY)
    try:
        first.close()
        assert not clean_emulator.notebook_network().routes_to(first.address)
        assert clean_emulator.notebook_network().routes_to(second.address)
        again = sandbox("plain-1")
    finally:
        os.close(lingering)
    assert again.address == first.address
    assert set(_sources_of(clean_emulator, again, CALL)) == {first.address}


@needs_sandbox
def test_a_vpc_notebooks_address_is_its_interfaces(aws, clean_emulator, sandbox):
    # Without direct internet access it reaches STS only through an endpoint in its VPC
    # (nbattr.emulator.vpc_reachability, tests/test_vpc_endpoints.py).
    clean_emulator.client("ec2").create_vpc_endpoint(
        VpcId=aws["vpc"], ServiceName="com.amazonaws.us-east-1.sts", VpcEndpointType="Interface",
        SubnetIds=[aws["subnet"]], PrivateDnsEnabled=True,
    )  # fmt: skip
    box = sandbox("in-vpc")
    interface_address = _interface_address(clean_emulator, "in-vpc")
    assert box.address == interface_address
    assert set(_sources_of(clean_emulator, box, CALL)) == {interface_address}


@needs_sandbox
def test_a_notebook_cannot_run_in_two_sandboxes_at_once(aws, sandbox):
    sandbox("in-vpc")
    with pytest.raises(SandboxUnavailable, match="already running"):
        sandbox("in-vpc")


REACH = """
import socket, sys
for host, port in [tuple(target.rsplit(":", 1)) for target in sys.argv[1:]]:
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
        print(host, port, "open")
    except OSError as error:
        print(host, port, "closed", type(error).__name__)
"""


def _host_addresses() -> list[str]:
    shown = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", "scope", "global"], capture_output=True, text=True
    )
    return [line.split()[3].split("/")[0] for line in shown.stdout.splitlines()]


@needs_sandbox
def test_only_the_emulator_is_reachable_from_a_notebook(aws, clean_emulator, sandbox):
    box = sandbox("plain-1")
    port = clean_emulator.port
    host_side = [f"127.0.0.1:{port}", *(f"{address}:{port}" for address in _host_addresses())]
    reached = box.as_user(["python3", "-c", REACH, f"{GATEWAY}:{port}", *host_side])
    assert reached.ok, reached.stderr
    lines = reached.stdout.splitlines()
    assert lines[0] == f"{GATEWAY} {port} open", reached.stdout
    assert len(lines) == 1 + len(host_side)
    for line in lines[1:]:
        assert " closed " in line, f"a notebook reached the host: {line}"


def _host_network() -> str:
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    shown = [
        subprocess.run(["ip", *args], capture_output=True, text=True).stdout
        for args in (["-o", "addr"], ["route"], ["-6", "route"])
    ]
    # Link states and counters of real interfaces change on their own; their names do not.
    return "\n".join([*sorted(line.split()[1] for line in links.splitlines()), *shown])


@needs_sandbox
def test_the_hosts_network_is_untouched(tmp_path: Path):
    """A fresh emulator, so the AWS side of the notebook network is made during the test."""
    with Emulator() as emulator:
        role_arn = create_role(emulator, "untouched")
        emulator.client("sagemaker").create_notebook_instance(
            NotebookInstanceName="untouched", InstanceType="ml.t3.medium", RoleArn=role_arn
        )
        before = _host_network()
        with Sandbox(emulator, "untouched", tmp_path) as box:
            assert box.as_user(CALL).ok
            assert _host_network() == before
    assert _host_network() == before
