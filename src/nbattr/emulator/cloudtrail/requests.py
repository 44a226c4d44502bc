"""What an API request asked for: service, action, region, access key and parameters."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from ..constants import ACCOUNT_ID
from .classification import DATA_EVENTS, NOT_LOGGED, read_only
from .s3 import parse_s3

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


@dataclass(frozen=True)
class ApiRequest:
    service: str
    action: str
    region: str
    access_key_id: str
    parameters: dict[str, Any]
    source_ip: str
    user_agent: str
    data_event: bool = False
    # CloudTrail's `resources` of the record, and the one data-event selectors match on.
    resources: list[dict[str, str]] = field(default_factory=list)
    data_resource: tuple[str, str] | None = None

    @property
    def read_only(self) -> bool:
        """AWS's own `readOnly` for the call (see classification.py), not the verb's guess."""
        return read_only(self.service, self.action)

    @property
    def logged(self) -> bool:
        """Whether CloudTrail records the call at all."""
        return (self.service, self.action) not in NOT_LOGGED

    @property
    def event_source(self) -> str:
        return f"{self.service}.amazonaws.com"


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _signer(environ: dict[str, Any]) -> tuple[str, str, str] | None:
    """(access key id, region, service) of a SigV4 request: signed in the Authorization
    header, or presigned in the query string (`X-Amz-Credential`), which CloudTrail records
    too, with `AuthenticationMethod` `QueryString` (corpus s3-PutObject.json)."""
    credential = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if credential is not None:
        access_key_id, region, service = credential.groups()
        return access_key_id, region, service
    query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
    parts = query.get("X-Amz-Credential", "").split("/")
    if len(parts) == 5 and parts[4] == "aws4_request":
        return parts[0], parts[2], parts[3]
    return None


def parse(environ: dict[str, Any], body: bytes) -> ApiRequest | None:
    """The API call in a SigV4-signed request, or None when it is not one."""
    signer = _signer(environ)
    if signer is None:
        return None
    access_key_id, region, service = signer
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if service == "s3":  # REST protocol: the call is in the method, path and query
        s3 = parse_s3(environ, body, ACCOUNT_ID)
        if s3 is None:
            return None
        return ApiRequest(
            service=service,
            action=s3.event_name,
            region=region,
            access_key_id=access_key_id,
            parameters=s3.parameters,
            source_ip=environ.get("REMOTE_ADDR", ""),
            user_agent=environ.get("HTTP_USER_AGENT", ""),
            data_event=s3.data_event,
            resources=s3.resources,
            data_resource=s3.data_resource,
        )
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
    resources, data_resource = _resources(service, action, parameters)
    return ApiRequest(
        service=service,
        action=action,
        region=region,
        access_key_id=access_key_id,
        parameters=parameters,
        source_ip=environ.get("REMOTE_ADDR", ""),
        user_agent=environ.get("HTTP_USER_AGENT", ""),
        data_event=(service, action) in DATA_EVENTS,
        resources=resources,
        data_resource=data_resource,
    )


def _resources(
    service: str, action: str, parameters: dict[str, Any]
) -> tuple[list[dict[str, str]], tuple[str, str] | None]:
    """`resources` as real records show them: AssumeRole names the role (corpus
    sts-AssumeRole.json), SNS Publish the topic (corpus sns-Publish.json)."""
    if action == "AssumeRole" and "roleArn" in parameters:
        arn = str(parameters["roleArn"])
        return [{"accountId": arn.split(":")[4], "type": "AWS::IAM::Role", "ARN": arn}], None
    kind = DATA_EVENTS.get((service, action))
    if kind is not None and "topicArn" in parameters:
        arn = str(parameters["topicArn"])
        return [{"accountId": arn.split(":")[4], "type": kind, "ARN": arn}], (kind, arn)
    return [], None


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


def _lower_camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: _lower_camel(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_lower_camel(item) for item in value]
    return value


def _sagemaker_response_elements(request: ApiRequest, body: bytes) -> dict[str, Any] | None:
    """SageMaker's writes keep their JSON response with lower-camel keys, e.g. CreateEndpoint's
    `{"endpointArn": ...}` (SageMaker Developer Guide, "Understand SageMaker AI log file
    entries"; corpus sagemaker-CreateEndpoint.json); its reads keep none (a real ListTags
    record: `"responseElements": null`, corpus sagemaker-ListTags-notebook-instance.json)."""
    if request.read_only:
        return None
    try:
        answer = json.loads(body or b"null")
    except ValueError:
        return None
    return _lower_camel(answer) if isinstance(answer, dict) and answer else None


def response_elements(request: ApiRequest, status: int, body: bytes) -> dict[str, Any] | None:
    """What CloudTrail keeps of a response, modelled for AssumeRole and SNS Publish. AssumeRole:
    the issued key id,
    session token and session, which link a session's calls to the credentials that assumed
    it; never the secret key (corpus sts-AssumeRole.json)."""
    if status >= 400:
        return None
    if request.service == "sagemaker":
        return _sagemaker_response_elements(request, body)
    if request.action not in ("AssumeRole", "Publish"):
        return None
    text = body.decode("utf-8", "replace")
    if request.action == "Publish":  # the message id (corpus sns-Publish.json)
        message_id = re.search(r"<MessageId>([^<]*)</MessageId>", text)
        return {"messageId": message_id.group(1)} if message_id else None
    found = {
        tag: re.search(rf"<{tag}>([^<]*)</{tag}>", text)
        for tag in ("AccessKeyId", "SessionToken", "Expiration", "AssumedRoleId", "Arn")
    }
    if any(match is None for match in found.values()):
        return None
    value = {tag: match.group(1) for tag, match in found.items() if match is not None}
    return {
        "credentials": {
            "accessKeyId": value["AccessKeyId"],
            "sessionToken": value["SessionToken"],
            "expiration": value["Expiration"],
        },
        "assumedRoleUser": {"assumedRoleId": value["AssumedRoleId"], "arn": value["Arn"]},
    }
