"""The emulator's dispatcher answers as moto's does, and works a host out only once."""

from __future__ import annotations

import pytest
from moto import backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from nbattr.emulator.host_dispatch import HostDispatch

HOSTS = [
    None,
    "moto_api",
    "sts.us-east-1.amazonaws.com",
    "iam.amazonaws.com",
    "api.sagemaker.us-east-1.amazonaws.com",
    "s3.us-east-1.amazonaws.com",
    "bucket.s3.amazonaws.com",
    "ec2.eu-west-1.amazonaws.com",
    "athena.us-east-1.amazonaws.com",
    "sqs",
    "nothing.example.com",
]


def test_each_host_gets_the_backend_moto_would_give_it():
    theirs = DomainDispatcherApplication(create_backend_app)
    mine = HostDispatch(create_backend_app)
    expected = [theirs.get_backend_for_host(host) for host in HOSTS]
    assert "sts" in expected and "s3" in expected  # the lookups found backends at all
    assert [mine.get_backend_for_host(host) for host in HOSTS] == expected
    assert [mine.get_backend_for_host(host) for host in HOSTS] == expected  # and kept


def test_a_host_is_worked_out_once(monkeypatch):
    dispatch = HostDispatch(create_backend_app)
    first = [dispatch.get_backend_for_host(host) for host in HOSTS]

    def listed_again() -> list[str]:
        raise AssertionError("moto's module folder listed again")

    monkeypatch.setattr(backends, "list_of_moto_modules", listed_again)
    assert [dispatch.get_backend_for_host(host) for host in HOSTS] == first
    with pytest.raises(AssertionError, match="listed again"):  # a new host still asks moto
        dispatch.get_backend_for_host("kms.us-east-1.amazonaws.com")
