"""boto3 sessions that share one botocore data loader.

A new boto3 session reads botocore's service models and endpoint rules from their JSON files
again: profiled under the suite, about three tenths of the test workers' CPU went to that,
since the emulator and the tests make a session for every role they assume (hundreds in a
run, 400 for a fleet of 200 notebooks). botocore's Loader keeps what it has read per
instance (`botocore.loaders.instance_cache`), so every session made here is given the same
one. What it holds is botocore's own read-only data; credentials, region and clients stay
per session.
"""

from __future__ import annotations

import boto3
import botocore.loaders
import botocore.session

_LOADER = botocore.loaders.create_loader()


def session(region: str, **credentials: str) -> boto3.Session:
    """A boto3 session for `region` with `credentials` (aws_access_key_id=...,
    aws_secret_access_key=..., aws_session_token=...), on the shared loader."""
    core = botocore.session.Session()
    core.register_component("data_loader", _LOADER)
    return boto3.session.Session(botocore_session=core, region_name=region, **credentials)
