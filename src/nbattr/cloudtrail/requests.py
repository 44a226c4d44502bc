"""What an API request asked for: service, action, region, access key and parameters."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_READ_ONLY_PREFIXES = ("Get", "List", "Describe", "Lookup", "Head", "BatchGet")


@dataclass(frozen=True)
class ApiRequest:
    service: str
    action: str
    region: str
    access_key_id: str
    parameters: dict[str, Any]
    source_ip: str
    user_agent: str

    @property
    def read_only(self) -> bool:
        return self.action.startswith(_READ_ONLY_PREFIXES)

    @property
    def event_source(self) -> str:
        return f"{self.service}.amazonaws.com"


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def parse(environ: dict[str, Any], body: bytes) -> ApiRequest | None:
    """The API call in a SigV4-signed request, or None when it is not one."""
    credential = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if credential is None:
        return None
    access_key_id, region, service = credential.groups()
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:  # JSON protocol (SageMaker, CloudTrail, KMS): action in a header
        action = target.rsplit(".", 1)[-1]
        try:
            loaded = json.loads(body or b"{}")
        except ValueError:
            loaded = {}
        parameters = {_camel(k): v for k, v in loaded.items()} if isinstance(loaded, dict) else {}
    else:  # query protocol (STS, IAM, EC2): action in the form body or the query string
        form = dict(parse_qsl(body.decode("utf-8", "replace"))) if body else {}
        form.update(parse_qsl(environ.get("QUERY_STRING", "")))
        action = form.pop("Action", "")
        form.pop("Version", None)
        parameters = {_camel(k): v for k, v in form.items()}
    if not action:
        return None
    return ApiRequest(
        service=service,
        action=action,
        region=region,
        access_key_id=access_key_id,
        parameters=parameters,
        source_ip=environ.get("REMOTE_ADDR", ""),
        user_agent=environ.get("HTTP_USER_AGENT", ""),
    )


def error_of(status: int, body: bytes) -> tuple[str | None, str | None]:
    """(errorCode, errorMessage) of a failed response, from its JSON or XML body."""
    if status < 400:
        return None, None
    text = body.decode("utf-8", "replace")
    try:
        loaded = json.loads(text)
        code = str(loaded.get("__type", "")).rsplit("#", 1)[-1] or None
        return code, loaded.get("message") or loaded.get("Message")
    except (ValueError, AttributeError):
        code_match = re.search(r"<Code>([^<]+)</Code>", text)
        message_match = re.search(r"<Message>([^<]*)</Message>", text)
        return (
            code_match.group(1) if code_match else f"HTTP{status}",
            message_match.group(1) if message_match else None,
        )


def response_elements(request: ApiRequest, status: int, body: bytes) -> dict[str, Any] | None:
    """What CloudTrail keeps of a response. Only AssumeRole's is modelled: the issued key id
    and session, which link a session's calls to the credentials that assumed it."""
    if status >= 400 or request.action != "AssumeRole":
        return None
    text = body.decode("utf-8", "replace")
    found = {
        tag: re.search(rf"<{tag}>([^<]*)</{tag}>", text)
        for tag in ("AccessKeyId", "Expiration", "AssumedRoleId", "Arn")
    }
    if any(match is None for match in found.values()):
        return None
    value = {tag: match.group(1) for tag, match in found.items() if match is not None}
    return {
        "credentials": {"accessKeyId": value["AccessKeyId"], "expiration": value["Expiration"]},
        "assumedRoleUser": {"assumedRoleId": value["AssumedRoleId"], "arn": value["Arn"]},
    }
