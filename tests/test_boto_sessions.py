"""Sessions on the shared botocore loader keep their own credentials and region."""

from __future__ import annotations

from calls import create_role
from nbattr.emulator import boto_sessions


def test_sessions_share_botocore_data_but_not_credentials_or_region():
    one = boto_sessions.session("us-east-1", aws_access_key_id="AKIDONE", aws_secret_access_key="a")
    two = boto_sessions.session("eu-west-1", aws_access_key_id="AKIDTWO", aws_secret_access_key="b")
    loader = one._session.get_component("data_loader")
    assert loader is two._session.get_component("data_loader")
    assert (one.region_name, one.get_credentials().access_key) == ("us-east-1", "AKIDONE")
    assert (two.region_name, two.get_credentials().access_key) == ("eu-west-1", "AKIDTWO")
    assert one.client("sts").meta.region_name == "us-east-1"


def test_each_assumed_client_calls_as_its_own_session(clean_emulator):
    role = create_role(clean_emulator, "shared-loader")
    first = clean_emulator.client_as(role, "nb-first")
    second = clean_emulator.client_as(role, "nb-second")
    assert first.get_caller_identity()["Arn"].endswith(":assumed-role/shared-loader/nb-first")
    assert second.get_caller_identity()["Arn"].endswith(":assumed-role/shared-loader/nb-second")
