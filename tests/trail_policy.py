"""The S3 bucket policy AWS documents for a trail's bucket, for tests that make trails.

Made of the statements in "Amazon S3 bucket policy for CloudTrail" (CloudTrail User Guide),
plus the usual TLS-only deny, as examples/forensics writes them in Terraform.
"""

from __future__ import annotations

import json

ACCOUNT = "123456789012"  # the emulator's


def deny_plain_http(bucket: str, condition: bool = True) -> dict:
    """The usual TLS-only statement (S3 User Guide, "Bucket policy examples")."""
    statement = {
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
    }  # fmt: skip
    if condition:
        statement["Condition"] = {"Bool": {"aws:SecureTransport": "false"}}
    return statement


def cloudtrail_bucket_policy(bucket: str, trail_arn: str, prefix: str = "") -> str:
    """AWS's bucket policy for a trail ("Amazon S3 bucket policy for CloudTrail"), TLS only:
    each test that reads delivered files shows that it denies the emulator's stand-in for
    HTTPS nothing (nbattr.emulator.s3_secure_transport)."""
    folder = f"{prefix}/AWSLogs" if prefix else "AWSLogs"
    source = {"StringEquals": {"aws:SourceArn": trail_arn}}
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
             "Resource": f"arn:aws:s3:::{bucket}", "Condition": source},
            {"Sid": "AWSCloudTrailWrite", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
             "Resource": f"arn:aws:s3:::{bucket}/{folder}/{ACCOUNT}/*",
             "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                            "aws:SourceArn": trail_arn}}},
            deny_plain_http(bucket),
        ],
    })  # fmt: skip
