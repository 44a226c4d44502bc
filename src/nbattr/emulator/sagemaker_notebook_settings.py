"""Notebook settings moto 5.2.5 drops: the metadata service version, the platform, and updates
of notebooks and of their lifecycle configurations.

moto's CreateNotebookInstance ignores `InstanceMetadataServiceConfiguration` and
`PlatformIdentifier`, its DescribeNotebookInstance returns neither, and it has no
UpdateNotebookInstance at all. The AWS provider reads both back after every apply, and changes
most notebook arguments (the metadata service version among them) with UpdateNotebookInstance,
so this WSGI layer in front of moto does what SageMaker does (Amazon SageMaker API Reference:
CreateNotebookInstance, DescribeNotebookInstance, UpdateNotebookInstance,
InstanceMetadataServiceConfiguration):

- CreateNotebookInstance keeps both settings. Without `InstanceMetadataServiceConfiguration`
  the minimum version is "1" ("if no value is selected, then it defaults to IMDSv1. This means
  that both IMDSv1 and IMDSv2 are supported"); without `PlatformIdentifier` the platform is
  AWS's default, `notebook-al2023-v1` since 2026-05-15 (SageMaker Developer Guide, "Amazon
  Linux 2 notebook instances", AL2 Maintenance Phase Plan).
- Values outside the API's patterns and lengths are refused with a ValidationException, as
  AWS does: the minimum metadata service version, the platform, the notebook's and the
  lifecycle configuration's names (at most 63 letters, digits and hyphens), and each lifecycle
  hook's base64 `Content` (1 to 16384 characters, NotebookInstanceLifecycleHook: "Each
  lifecycle configuration script has a limit of 16384 characters"). moto checks none of
  these. The text follows real SageMaker answers: "2 validation errors detected: Value '...'
  at 'modelName' failed to satisfy constraint: Member must have length less than or equal to
  63; Value '...' at 'modelName' failed to satisfy constraint: Member must satisfy regular
  expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*" (CreateModel, quoted in
  aws-samples/sagemaker-ml-workflow-with-apache-airflow#3); a list element is named as in
  'tags.6.member.value' (an IAM answer quoted in SWO-GS/auto-tag#90), so a hook's content is
  'onStart.1.member.content'.
- DescribeNotebookInstance returns both, and AWS's defaults for `RootAccess` ("Enabled") and
  `DirectInternetAccess` ("Enabled") where the notebook was created without them.
- UpdateNotebookInstance changes what it is given, on moto's notebook for moto's fields and
  here for these two (`PlatformIdentifier` in place: the Developer Guide's migration to AL2023
  is stop, UpdateNotebookInstance with the new platform, start).
- UpdateNotebookInstanceLifecycleConfig (moto has none) replaces the `OnCreate` or `OnStart`
  hook it is given on moto's configuration and sets its `LastModifiedTime`. The AWS provider
  changes `on_start` this way, in place, when the module's script changes (5.45.0's
  resourceNotebookInstanceLifeCycleConfigurationUpdate sends only the hooks that are set).
  "Updates to lifecycle configurations affect all notebook instances using that
  configuration upon their next start" (API Reference, UpdateNotebookInstanceLifecycleConfig):
  the sandbox reads the configuration at each start, so its next start runs the new script.

Not modelled: AWS refuses to create or restart notebooks on retired platforms (AL1, and AL2
since 2026-07-01) and may refuse updates of a notebook that is not stopped; the emulator does
neither (no documented error text to copy). When a request breaks several rules, the order
AWS lists them in is not documented: the emulator lists them in the request syntax's order,
length before pattern for one member (as in the CreateModel answer). Whether AWS keeps or
clears a hook that UpdateNotebookInstanceLifecycleConfig omits is not documented: the emulator
keeps it (the module sets no `OnCreate`, so no test depends on it). An unknown configuration
is refused with moto's DescribeNotebookInstanceLifecycleConfig text, not AWS's. Drop this
module when moto keeps these fields, checks these rules and has both updates.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from moto.core.utils import utcnow
from moto.sagemaker.models import FakeSageMakerNotebookInstanceLifecycleConfig, sagemaker_backends

from .aws_managed_policies import account_id_from
from .cloudtrail.requests import parse
from .wsgi import AWS_JSON, App, buffered_body, json_error, respond, run_app

# Valid values, from the API reference (MinimumInstanceMetadataServiceVersion: pattern 1|2;
# PlatformIdentifier: the CreateNotebookInstance request parameter's pattern).
IMDS_VERSION = re.compile(r"^(1|2)$")
PLATFORM = re.compile(
    r"^(notebook-al1-v1|notebook-al2-v1|notebook-al2-v2|notebook-al2-v3|notebook-al2023-v1)$"
)
# NotebookInstanceName, LifecycleConfigName, NotebookInstanceLifecycleConfigName: at most 63.
NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*")
NAME_MAX_LENGTH = 63
# NotebookInstanceLifecycleHook.Content: "Length Constraints: Minimum length of 1. Maximum
# length of 16384" (the base64 text, not the script it encodes).
CONTENT_MIN_LENGTH, CONTENT_MAX_LENGTH = 1, 16384
DEFAULT_IMDS_VERSION = "1"  # CreateNotebookInstance without the configuration allows IMDSv1
DEFAULT_PLATFORM = "notebook-al2023-v1"  # AWS's default for new notebooks since 2026-05-15
# moto 5.2.5 returns no RootAccess and no DirectInternetAccess for a notebook created without
# them; AWS reports its defaults. CreateNotebookInstance, RootAccess: "Whether root access is
# enabled or disabled for users of the notebook instance. The default value is Enabled."
# DirectInternetAccess: notebook instances are internet-enabled by default (the parameter's
# link, "Notebook Instances Are Internet-Enabled by Default"; Amazon SageMaker API Reference).
DEFAULT_ROOT_ACCESS = "Enabled"
DEFAULT_DIRECT_INTERNET_ACCESS = "Enabled"
_ACTIONS = {
    "CreateNotebookInstance",
    "CreateNotebookInstanceLifecycleConfig",
    "DescribeNotebookInstance",
    "UpdateNotebookInstance",
    "UpdateNotebookInstanceLifecycleConfig",
}
_HOOKS = {"OnCreate": "on_create", "OnStart": "on_start"}  # parameter -> moto's attribute
# UpdateNotebookInstance parameters -> moto's notebook attribute, and the flag that clears it.
_MOTO_FIELDS = {
    "InstanceType": ("instance_type", None),
    "RoleArn": ("role_arn", None),
    "LifecycleConfigName": ("lifecycle_config_name", "DisassociateLifecycleConfig"),
    "VolumeSizeInGB": ("volume_size_in_gb", None),
    "DefaultCodeRepository": ("default_code_repository", "DisassociateDefaultCodeRepository"),
    "AdditionalCodeRepositories": (
        "additional_code_repositories",
        "DisassociateAdditionalCodeRepositories",
    ),
    "AcceleratorTypes": ("accelerator_types", "DisassociateAcceleratorTypes"),
    "RootAccess": ("root_access", None),
}


@dataclass
class Settings:
    imds_minimum_version: str = DEFAULT_IMDS_VERSION
    platform_identifier: str = DEFAULT_PLATFORM


class NotebookSettings:
    """WSGI middleware in front of moto: keeps the notebook settings moto drops."""

    def __init__(self, app: App) -> None:
        self._app = app
        # By notebook ARN. A deleted notebook's entry stays until a new one of the same name
        # replaces it at creation; nothing reads it meanwhile (Describe fails first).
        self._settings: dict[str, Settings] = {}
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith("SageMaker.") or target.rsplit(".", 1)[-1] not in _ACTIONS:
            return self._app(environ, start_response)  # the cheap test first: most calls
        body = buffered_body(environ)
        request = parse(environ, body)
        if request is None or request.service != "sagemaker":
            return self._app(environ, start_response)
        try:
            asked = json.loads(body or b"{}")
        except ValueError:
            return self._app(environ, start_response)  # moto answers malformed bodies
        invalid = _invalid(request.action, asked)
        if invalid:
            return _error(start_response, invalid)
        if request.action.startswith("Update"):  # moto has neither: answered here
            backend = sagemaker_backends[account_id_from(request.access_key_id)][request.region]
            if request.action == "UpdateNotebookInstanceLifecycleConfig":
                return _update_lifecycle_config(start_response, backend, asked)
            return self._update(start_response, backend, asked)
        status, headers, data = run_app(self._app, environ)
        if status.startswith("200"):
            answer = json.loads(data or b"{}")
            if request.action == "CreateNotebookInstance":
                with self._lock:
                    self._settings[answer["NotebookInstanceArn"]] = _settings_from(asked)
            elif request.action == "DescribeNotebookInstance":
                with self._lock:
                    kept = self._settings.get(answer["NotebookInstanceArn"], Settings())
                answer["InstanceMetadataServiceConfiguration"] = {
                    "MinimumInstanceMetadataServiceVersion": kept.imds_minimum_version
                }
                answer["PlatformIdentifier"] = kept.platform_identifier
                answer["RootAccess"] = answer.get("RootAccess") or DEFAULT_ROOT_ACCESS
                answer["DirectInternetAccess"] = (
                    answer.get("DirectInternetAccess") or DEFAULT_DIRECT_INTERNET_ACCESS
                )
                data = json.dumps(answer).encode()
        return respond(start_response, status, data, headers=headers)

    def _update(self, start_response: Any, backend: Any, asked: dict[str, Any]) -> list[bytes]:
        name = str(asked.get("NotebookInstanceName", ""))
        notebook = backend.notebook_instances.get(name)
        if notebook is None:  # moto's own answer for an unknown notebook
            return _error(start_response, "RecordNotFound")
        for parameter, (attribute, clear_flag) in _MOTO_FIELDS.items():
            if clear_flag and asked.get(clear_flag):
                setattr(notebook, attribute, None)
            elif parameter in asked:
                setattr(notebook, attribute, asked[parameter])
        with self._lock:
            kept = self._settings.setdefault(notebook.arn, Settings())
            configuration = asked.get("InstanceMetadataServiceConfiguration") or {}
            if "MinimumInstanceMetadataServiceVersion" in configuration:  # no default on update
                kept.imds_minimum_version = configuration["MinimumInstanceMetadataServiceVersion"]
            if "PlatformIdentifier" in asked:
                kept.platform_identifier = asked["PlatformIdentifier"]
        notebook.last_modified_time = utcnow()
        return respond(start_response, "200 OK", b"{}", AWS_JSON)


def _update_lifecycle_config(
    start_response: Any, backend: Any, asked: dict[str, Any]
) -> list[bytes]:
    name = str(asked.get("NotebookInstanceLifecycleConfigName", ""))
    config = backend.notebook_instance_lifecycle_configurations.get(name)
    if config is None:
        arn = FakeSageMakerNotebookInstanceLifecycleConfig.arn_formatter(
            name, backend.account_id, backend.region_name
        )
        return _error(
            start_response,
            f"Unable to describe Notebook Instance Lifecycle Config '{arn}'. "
            "(Details: Notebook Instance Lifecycle Config does not exist.)",
        )
    for parameter, attribute in _HOOKS.items():
        if parameter in asked:
            setattr(config, attribute, asked[parameter])
    config.last_modified_time = utcnow()
    return respond(start_response, "200 OK", b"{}", AWS_JSON)


def _settings_from(asked: dict[str, Any]) -> Settings:
    configuration = asked.get("InstanceMetadataServiceConfiguration") or {}
    return Settings(
        imds_minimum_version=configuration.get(
            "MinimumInstanceMetadataServiceVersion", DEFAULT_IMDS_VERSION
        ),
        platform_identifier=asked.get("PlatformIdentifier") or DEFAULT_PLATFORM,
    )


def _invalid(action: str, asked: dict[str, Any]) -> str | None:
    """AWS's validation message for the values of `asked` outside the API's lengths and
    patterns, or None. Describe calls are checked by moto (or not at all)."""
    if action.startswith("Describe"):
        return None
    failures = [
        f"Value '{value}' at '{member}' failed to satisfy constraint: {rule}"
        for member, value, rule in _violations(action, asked)
    ]
    if not failures:
        return None
    count = f"{len(failures)} validation error{'s' if len(failures) > 1 else ''}"
    return f"{count} detected: " + "; ".join(failures)


def _violations(action: str, asked: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
    """(member as AWS names it, value, the rule it breaks), in the request syntax's order."""
    if action.endswith("LifecycleConfig"):
        name = asked.get("NotebookInstanceLifecycleConfigName")
        yield from _name_violations("notebookInstanceLifecycleConfigName", name)
        for parameter in _HOOKS:
            for index, hook in enumerate(asked.get(parameter) or [], start=1):
                member = f"{parameter[0].lower()}{parameter[1:]}.{index}.member.content"
                content = hook.get("Content") if isinstance(hook, dict) else None
                yield from _length_violations(
                    member, content, CONTENT_MIN_LENGTH, CONTENT_MAX_LENGTH
                )
        return
    configuration = asked.get("InstanceMetadataServiceConfiguration") or {}
    version = configuration.get("MinimumInstanceMetadataServiceVersion")
    if version is not None and not IMDS_VERSION.match(str(version)):
        member = "instanceMetadataServiceConfiguration.minimumInstanceMetadataServiceVersion"
        yield member, version, _pattern_rule(IMDS_VERSION)
    yield from _name_violations("lifecycleConfigName", asked.get("LifecycleConfigName"))
    yield from _name_violations("notebookInstanceName", asked.get("NotebookInstanceName"))
    platform = asked.get("PlatformIdentifier")
    if platform is not None and not PLATFORM.match(str(platform)):
        yield "platformIdentifier", platform, _pattern_rule(PLATFORM)


def _name_violations(member: str, value: Any) -> Iterator[tuple[str, Any, str]]:
    if value is None:
        return
    yield from _length_violations(member, value, 0, NAME_MAX_LENGTH)
    if not NAME.fullmatch(str(value)):
        yield member, value, _pattern_rule(NAME)


def _length_violations(
    member: str, value: Any, minimum: int, maximum: int
) -> Iterator[tuple[str, Any, str]]:
    if value is None:
        return
    if len(str(value)) < minimum:
        yield member, value, f"Member must have length greater than or equal to {minimum}"
    if len(str(value)) > maximum:
        yield member, value, f"Member must have length less than or equal to {maximum}"


def _pattern_rule(pattern: re.Pattern[str]) -> str:
    return f"Member must satisfy regular expression pattern: {pattern.pattern}"


def _error(start_response: Any, message: str) -> list[bytes]:
    return json_error(start_response, "400 Bad Request", "ValidationException", message)
