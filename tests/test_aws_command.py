"""The commands' AWS client factory (nbattr.aws_command.Aws)."""

from __future__ import annotations

import boto3

from nbattr.aws_command import Aws


def test_a_client_is_made_once_per_service_region_and_configuration():
    """A fleet's checks ask for SageMaker once per notebook; each client costs tens of
    milliseconds to build."""
    session = boto3.Session(aws_access_key_id="a", aws_secret_access_key="b")
    aws = Aws(["us-east-1"], "http://127.0.0.1:9", session)
    first = aws.client("sagemaker", "us-east-1")
    assert aws.client("sagemaker", "us-east-1") is first
    assert aws.client("sagemaker", "eu-west-1") is not first
    assert aws.client("sts", "us-east-1") is not first
    throttled = aws.client("sagemaker", "us-east-1", retries={"max_attempts": 1})
    assert throttled is not first
    assert throttled.meta.config.retries["total_max_attempts"] == 2  # botocore counts the first
    assert aws.client("sagemaker", "us-east-1", retries={"max_attempts": 1}) is throttled
