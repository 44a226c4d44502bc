"""S3's REST calls as CloudTrail names them: eventName, requestParameters, resources, and
whether the call is a management event (bucket level) or a data event (object level).

Sources: Amazon S3 User Guide, "Amazon S3 CloudTrail events" (bucket-level calls are
management events, object-level calls data events); CloudTrail User Guide, "CloudTrail record
contents" (`resources`, `additionalEventData`); real records in tests/fixtures/cloudtrail-real/
(`ListObjectsV2` is logged as `ListObjects` with `list-type: 2` among its parameters, and
its object resource carries an `ARNPrefix` rather than an `ARN`).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

_VERBS = {"GET": "Get", "PUT": "Put", "DELETE": "Delete"}


def _verbs(stem: str, methods: str = "GET PUT DELETE") -> dict[str, str]:
    return {method: _VERBS[method] + stem for method in methods.split()}


# Bucket subresource (query key) -> eventName per HTTP method; all management events.
_BUCKET_SUBRESOURCES: dict[str, dict[str, str]] = {
    "location": _verbs("BucketLocation", "GET"),
    "policy": _verbs("BucketPolicy"),
    "acl": _verbs("BucketAcl", "GET PUT"),
    "versioning": _verbs("BucketVersioning", "GET PUT"),
    "tagging": _verbs("BucketTagging"),
    "encryption": _verbs("BucketEncryption"),
    "publicAccessBlock": _verbs("BucketPublicAccessBlock"),
    "notification": _verbs("BucketNotification", "GET PUT"),
    "logging": _verbs("BucketLogging", "GET PUT"),
    "lifecycle": _verbs("BucketLifecycle"),
    "cors": _verbs("BucketCors"),
    "ownershipControls": _verbs("BucketOwnershipControls"),
    "object-lock": _verbs("ObjectLockConfiguration", "GET PUT"),
}
# Object subresource -> eventName per method; all data events.
_OBJECT_SUBRESOURCES: dict[str, dict[str, str]] = {
    "tagging": _verbs("ObjectTagging"),
    "acl": _verbs("ObjectAcl", "GET PUT"),
    "uploads": {"POST": "CreateMultipartUpload"},
}
_OBJECT_CALLS = {
    "GET": "GetObject", "PUT": "PutObject", "HEAD": "HeadObject", "DELETE": "DeleteObject",
}  # fmt: skip
_BUCKET_CALLS = {"PUT": "CreateBucket", "DELETE": "DeleteBucket", "HEAD": "HeadBucket"}
# A presigned URL's query: CloudTrail keeps X-Amz-Date, -Algorithm, -SignedHeaders and -Expires
# among requestParameters but never the credential, signature or token (corpus
# s3-PutObject.json); it also keeps these request headers (same record).
_SECRET_QUERY = frozenset(("X-Amz-Credential", "X-Amz-Signature", "X-Amz-Security-Token"))
_LOGGED_HEADERS = ("x-amz-acl", "x-amz-storage-class")


@dataclass(frozen=True)
class S3Call:
    event_name: str
    data_event: bool
    parameters: dict[str, Any]
    resources: list[dict[str, str]]
    # The data resource selectors match on: (type, ARN or ARN prefix); None for management.
    data_resource: tuple[str, str] | None


def _bucket_and_key(host: str, path: str) -> tuple[str, str]:
    """Virtual-hosted (`bucket.s3[.region].amazonaws.com`) or path-style (`/bucket/key`)."""
    name = host.split(":", 1)[0]
    if ".s3." in name or ".s3-" in name:
        return name.split(".s3", 1)[0], unquote(path.lstrip("/"))
    bucket, _, key = path.lstrip("/").partition("/")
    return unquote(bucket), unquote(key)


def _name(method: str, bucket: str, key: str, query: dict[str, str], copy: bool) -> str | None:
    if not bucket:
        return "ListBuckets" if method == "GET" else None
    if key:
        if "uploadId" in query:
            by_method = {"PUT": "UploadPart", "POST": "CompleteMultipartUpload",
                         "DELETE": "AbortMultipartUpload", "GET": "ListParts"}  # fmt: skip
            return by_method.get(method)
        for sub, names in _OBJECT_SUBRESOURCES.items():
            if sub in query:
                return names.get(method)
        if method == "PUT" and copy:
            return "CopyObject"
        return _OBJECT_CALLS.get(method)
    for sub, names in _BUCKET_SUBRESOURCES.items():
        if sub in query:
            return names.get(method)
    if method == "POST" and "delete" in query:
        return "DeleteObjects"
    if method == "GET":
        return "ListObjectVersions" if "versions" in query else "ListObjects"
    return _BUCKET_CALLS.get(method)


def parse_s3(environ: dict[str, Any], body: bytes, account_id: str) -> S3Call | None:
    """The CloudTrail view of an S3 REST request; None for calls this table does not name."""
    method = environ.get("REQUEST_METHOD", "GET")
    host = environ.get("HTTP_HOST", "")
    bucket, key = _bucket_and_key(host, environ.get("PATH_INFO", "/"))
    query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    copy = bool(environ.get("HTTP_X_AMZ_COPY_SOURCE"))
    name = _name(method, bucket, key, query, copy)
    if name is None:
        return None
    parameters: dict[str, Any] = {k: v for k, v in query.items() if k not in _SECRET_QUERY}
    if bucket:
        parameters["bucketName"] = bucket
    parameters["Host"] = host
    if key:
        parameters["key"] = key
    if copy:
        parameters["x-amz-copy-source"] = environ["HTTP_X_AMZ_COPY_SOURCE"]
    for header in _LOGGED_HEADERS:
        value = environ.get("HTTP_" + header.upper().replace("-", "_"))
        if value is not None:
            parameters[header] = value
    if name == "PutBucketPolicy" and body:
        with contextlib.suppress(ValueError):
            parameters["bucketPolicy"] = json.loads(body)
    bucket_arn = f"arn:aws:s3:::{bucket}"
    bucket_resource = {"accountId": account_id, "type": "AWS::S3::Bucket", "ARN": bucket_arn}
    data = bool(key) or name in ("ListObjects", "ListObjectVersions", "DeleteObjects")
    if not bucket:
        return S3Call(name, False, parameters, [], None)
    if not data:
        return S3Call(name, False, parameters, [bucket_resource], None)
    if key:
        object_arn = f"{bucket_arn}/{key}"
        resource = {"type": "AWS::S3::Object", "ARN": object_arn}
        return S3Call(name, True, parameters, [resource, bucket_resource],
                      ("AWS::S3::Object", object_arn))  # fmt: skip
    prefix = f"{bucket_arn}/{query.get('prefix', '')}"
    resource = {"type": "AWS::S3::Object", "ARNPrefix": prefix}
    return S3Call(name, True, parameters, [resource, bucket_resource], ("AWS::S3::Object", prefix))
