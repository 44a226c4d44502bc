"""Which types a configuration can use, the set the relay narrows the provider's schema to
(nbattr.harness.schema_narrowing; tests/test_provider_servers.py compares what Terraform
then reads with the provider's own schema)."""

from __future__ import annotations

import json

import pytest

from nbattr.harness.schema_narrowing import configured_types, narrow


@pytest.fixture
def config(tmp_path):
    root = tmp_path / "root"
    (root / ".terraform" / "modules").mkdir(parents=True)
    (root / "main.tf").write_text(
        'resource "aws_iam_role" "this" {}\n'
        "  data aws_caller_identity current {}\n"  # labels may be bare identifiers
        'module "called" {\n  source = "../called"\n}\n'
    )
    (root / "cases.tf.json").write_text(
        json.dumps({"resource": {"aws_sns_topic": {"t": {}}}, "data": {"aws_region": {"r": {}}}})
    )
    called = tmp_path / "called"
    called.mkdir()
    (called / "main.tf").write_text('resource "aws_sagemaker_notebook_instance" "this" {}\n')
    unused = tmp_path / "unused"
    unused.mkdir()
    (unused / "main.tf").write_text('resource "aws_kms_key" "this" {}\n')
    (root / ".terraform" / "modules" / "modules.json").write_text(
        json.dumps({"Modules": [{"Key": "", "Dir": "."}, {"Key": "called", "Dir": "../called"}]})
    )
    return root


def test_the_configuration_and_the_modules_init_recorded_are_read(config):
    assert configured_types(config) == {
        "aws_iam_role",
        "aws_caller_identity",
        "aws_sns_topic",
        "aws_region",
        "aws_sagemaker_notebook_instance",
    }


def test_a_type_only_the_state_holds_is_kept(config):
    """A resource removed from the configuration is still in state until destroyed, and
    Terraform needs its schema to plan that."""
    state = {"version": 4, "resources": [{"mode": "managed", "type": "aws_s3_bucket"}]}
    (config / "terraform.tfstate").write_text(json.dumps(state))
    assert "aws_s3_bucket" in configured_types(config)


def test_without_init_only_the_configurations_own_files_count(tmp_path):
    (tmp_path / "main.tf").write_text('ephemeral "aws_secretsmanager_secret_version" "s" {}\n')
    assert configured_types(tmp_path) == {"aws_secretsmanager_secret_version"}


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field (payloads here stay under 128 bytes)."""
    return bytes([number << 3 | 2, len(payload)]) + payload


def test_narrowing_drops_other_types_entries_and_keeps_every_other_byte():
    provider = _field(1, b"provider block")
    entry = {
        name: _field(1, name.encode()) + _field(2, b"schema of " + name.encode())
        for name in ("aws_a", "aws_b", "aws_c")
    }
    diagnostics = _field(4, b"a warning")
    answer = (
        provider
        + _field(2, entry["aws_a"])
        + _field(2, entry["aws_b"])
        + _field(3, entry["aws_c"])
        + diagnostics
    )
    assert (
        narrow(answer, frozenset({"aws_b"})) == provider + _field(2, entry["aws_b"]) + diagnostics
    )
    assert narrow(answer, frozenset({"aws_a", "aws_b", "aws_c"})) == answer


def test_a_message_cut_short_is_refused():
    with pytest.raises(ValueError, match="runs past the message's end"):
        narrow(_field(2, b"entry")[:-2], frozenset())
