"""A per-notebook EC2 instance metadata service inside the emulator.

botocore appends `latest/...` to AWS_EC2_METADATA_SERVICE_ENDPOINT, so each notebook gets its
own prefix, `<endpoint>/_imds/<notebook>/`. Like a real notebook's, it vends credentials of the
notebook's execution role with session name `SageMaker`, obtained from the emulator's STS.

IMDSv2 (a session token from `PUT latest/api/token`) always works. IMDSv1 (no token) works only
on notebooks whose MinimumInstanceMetadataServiceVersion is "1"; elsewhere it gets
401 Unauthorized, as EC2's metadata service answers when IMDSv2 is required (EC2 User Guide,
"Use the Instance Metadata Service to access instance metadata": with IMDSv2 required you
must send a session token; IMDSv1 credentials are not available). A token that is sent must
be valid either way.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from .wsgi import respond

PREFIX = "/_imds/"
TOKEN_TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"
_TTL_KEY = "HTTP_" + TOKEN_TTL_HEADER.upper().replace("-", "_")  # its WSGI environ key

# notebook name -> (role ARN, credentials dict as STS returns them)
CredentialSource = Callable[[str], tuple[str, dict[str, Any]]]
# (notebook name, caller's address) -> may that caller reach this notebook's service?
Reachability = Callable[[str, str], bool]
# notebook name -> does it answer IMDSv1 (MinimumInstanceMetadataServiceVersion "1")?
AllowsImdsV1 = Callable[[str], bool]


class MetadataService:
    """WSGI middleware: answers `/_imds/<notebook>/latest/...`, passes the rest to `app`."""

    def __init__(
        self,
        app: Any,
        credentials_for: CredentialSource,
        reachable: Reachability = lambda notebook, address: True,
        allows_imds_v1: AllowsImdsV1 = lambda notebook: False,
    ) -> None:
        self._app = app
        self._credentials_for = credentials_for
        self._reachable = reachable
        self._allows_imds_v1 = allows_imds_v1
        self._tokens: set[str] = set()
        self._cache: dict[str, tuple[str, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def forget(self) -> None:
        """Drop cached credentials (the emulator was reset, so they mean nothing now)."""
        with self._lock:
            self._cache.clear()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self._app(environ, start_response)
        notebook, _, rest = path[len(PREFIX) :].partition("/")
        # On AWS the endpoint has no path; SDKs that join endpoint + "/latest/..." as strings
        # (the SDK for JavaScript v2) double the slash after our per-notebook prefix.
        rest = rest.lstrip("/")
        headers = []
        if self._reachable(notebook, environ.get("REMOTE_ADDR", "")):
            status, body, content_type = self._answer(environ, notebook, rest)
            if rest == "latest/api/token" and status.startswith("200"):
                # EC2 answers a token with its lifetime in this header; the SDK for Go v2
                # reads it (feature/ec2/imds, api_op_GetToken.go) and without it sends none.
                headers.append((TOKEN_TTL_HEADER, environ[_TTL_KEY]))
        else:  # on AWS an instance reaches only its own metadata service
            status, body, content_type = "404 Not Found", "", "text/plain"
        return respond(start_response, status, body.encode(), content_type, headers)

    def _answer(self, environ: dict[str, Any], notebook: str, rest: str) -> tuple[str, str, str]:
        method = environ.get("REQUEST_METHOD", "GET")
        if rest == "latest/api/token":
            if method != "PUT" or not environ.get(_TTL_KEY):
                return "400 Bad Request", "", "text/plain"
            token = secrets.token_urlsafe(32)
            with self._lock:
                self._tokens.add(token)
            return "200 OK", token, "text/plain"
        token = environ.get("HTTP_" + TOKEN_HEADER.upper().replace("-", "_"))
        if token is None:  # IMDSv1: only where the notebook's minimum version allows it
            if not self._allows_imds_v1(notebook):
                return "401 Unauthorized", "", "text/plain"
        elif token not in self._tokens:
            return "401 Unauthorized", "", "text/plain"
        if not rest.startswith("latest/meta-data/iam/security-credentials/"):
            return "404 Not Found", "", "text/plain"
        try:
            role_arn, credentials = self._credentials(notebook)
        except LookupError:
            return "404 Not Found", "", "text/plain"
        role_name = role_arn.rsplit("/", 1)[1]
        asked = rest.removeprefix("latest/meta-data/iam/security-credentials/")
        if asked == "":
            return "200 OK", role_name, "text/plain"
        if asked != role_name:
            return "404 Not Found", "", "text/plain"
        document = {
            "Code": "Success",
            "LastUpdated": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Type": "AWS-HMAC",
            "AccessKeyId": credentials["AccessKeyId"],
            "SecretAccessKey": credentials["SecretAccessKey"],
            "Token": credentials["SessionToken"],
            "Expiration": credentials["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        return "200 OK", json.dumps(document), "application/json"

    def _credentials(self, notebook: str) -> tuple[str, dict[str, Any]]:
        with self._lock:
            cached = self._cache.get(notebook)
        soon = datetime.now(timezone.utc) + timedelta(minutes=5)
        if cached and cached[1]["Expiration"] > soon:
            return cached
        fresh = self._credentials_for(notebook)
        with self._lock:
            self._cache[notebook] = fresh
        return fresh


# What an SDK asks the metadata service for at the root of its endpoint.
ROOT_PATHS = ("/latest/api/token", "/latest/meta-data/")


class RootPaths:
    """WSGI middleware: a sandboxed notebook's `/latest/...` request goes to its own service.

    On AWS the metadata service is the root of http://169.254.169.254, and some SDKs keep only
    the host of AWS_EC2_METADATA_SERVICE_ENDPOINT (the SDK for Go v2 sets the request path to
    `/latest/...` itself), so a notebook's request at the root is answered as at its prefix.
    Only from a notebook's own address: the harness on loopback keeps the whole namespace, and
    a notebook cannot use an S3 bucket named `latest` path-style here (a difference from AWS).
    """

    def __init__(self, app: Any, notebook_at: Callable[[str], str | None]) -> None:
        self._app = app
        self._notebook_at = notebook_at

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(ROOT_PATHS):
            notebook = self._notebook_at(environ.get("REMOTE_ADDR", ""))
            if notebook is not None:
                environ = {**environ, "PATH_INFO": f"{PREFIX}{notebook}{path}"}
        return self._app(environ, start_response)
