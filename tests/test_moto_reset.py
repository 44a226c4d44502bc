"""The emulator's reset (nbattr.emulator.moto_reset): moto's, without building each backend
once more only to drop it. What a test sees after it must not change."""

from __future__ import annotations

import pytest
from moto.core.base_backend import BaseBackend
from moto.s3.models import s3_backends

from calls import create_role
from nbattr.emulator import ACCOUNT_ID


@pytest.fixture
def backends_built(monkeypatch) -> list[str]:
    """The class of every moto backend built from now on."""
    built: list[str] = []
    original = BaseBackend.__init__

    def counting(self: BaseBackend, *args: object, **kwargs: object) -> None:
        built.append(type(self).__name__)
        original(self, *args, **kwargs)

    monkeypatch.setattr(BaseBackend, "__init__", counting)
    return built


def test_a_reset_forgets_everything_and_builds_no_backend(clean_emulator, backends_built):
    role = create_role(clean_emulator, "forgotten").rsplit("/", 1)[-1]
    clean_emulator.client("s3").create_bucket(Bucket="forgotten-bucket")
    clean_emulator.client("ec2").create_vpc(CidrBlock="10.7.0.0/16")
    used = set(backends_built)
    assert {"IAMBackend", "S3Backend", "EC2Backend"} <= used  # the calls above built them

    backends_built.clear()
    clean_emulator.reset()
    # Only the reset API's own backend, which moto re-initialises in place.
    assert backends_built == ["MotoAPIBackend"], "the reset built backends"

    iam, ec2 = clean_emulator.client("iam"), clean_emulator.client("ec2")
    assert role not in {r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert clean_emulator.client("s3").list_buckets()["Buckets"] == []
    assert "10.7.0.0/16" not in {v["CidrBlock"] for v in ec2.describe_vpcs()["Vpcs"]}
    # What moto builds for a new account is back: the default VPC, AWS's managed policies.
    assert [v["IsDefault"] for v in ec2.describe_vpcs()["Vpcs"]] == [True]
    assert iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")["Policy"]
    assert {"IAMBackend", "EC2Backend", "S3Backend"} <= set(backends_built)


def test_a_reset_still_runs_each_services_own_clean_up(clean_emulator):
    """S3 overrides reset to close each object's temporary file; that part still runs."""
    s3 = clean_emulator.client("s3")
    s3.create_bucket(Bucket="spooled")
    s3.put_object(Bucket="spooled", Key="object", Body=b"x" * 1024)
    key = s3_backends[ACCOUNT_ID]["aws"].buckets["spooled"].keys["object"]
    assert not key.disposed
    clean_emulator.reset()
    assert key.disposed and key._value_buffer.closed
