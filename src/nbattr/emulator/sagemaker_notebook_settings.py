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
- Requests that break the API's lengths and patterns are refused with AWS's
  ValidationException (nbattr.emulator.sagemaker_rules says which and cites the text).
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
neither (no documented error text to copy). Whether AWS keeps or clears a hook that
UpdateNotebookInstanceLifecycleConfig omits is not documented: the emulator keeps it (the
module sets no `OnCreate`, so no test depends on it). An unknown configuration is refused
with moto's DescribeNotebookInstanceLifecycleConfig text, not AWS's. Drop this module when
moto keeps these fields, checks these rules and has both updates.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from moto.core.utils import utcnow
from moto.sagemaker.models import FakeSageMakerNotebookInstanceLifecycleConfig, sagemaker_backends

from .aws_managed_policies import account_id_from
from .cloudtrail.requests import parse
from .sagemaker_rules import invalid_request
from .wsgi import AWS_JSON, App, buffered_body, json_error, respond, run_app

DEFAULT_IMDS_VERSION = "1"  # CreateNotebookInstance without the configuration allows IMDSv1
DEFAULT_PLATFORM = "notebook-al2023-v1"  # AWS's default for new notebooks since 2026-05-15
# moto 5.2.5 returns no RootAccess and no DirectInternetAccess for a notebook created without
# them; AWS reports its defaults. CreateNotebookInstance, RootAccess: "Whether root access is
# enabled or disabled for users of the notebook instance. The default value is Enabled."
# DirectInternetAccess: notebook instances are internet-enabled by default (the parameter's
# link, "Notebook Instances Are Internet-Enabled by Default"; Amazon SageMaker API Reference).
DEFAULT_ROOT_ACCESS = "Enabled"
DEFAULT_DIRECT_INTERNET_ACCESS = "Enabled"
_ACTIONS = {  # the ones this layer answers or checks
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
        invalid = invalid_request(request.action, asked)
        if invalid:
            return _error(start_response, invalid)
        if request.action.startswith("Update"):  # moto has neither: answered here
            backend = sagemaker_backends[account_id_from(request.access_key_id)][request.region]
            if request.action == "UpdateNotebookInstanceLifecycleConfig":
                return _update_lifecycle_config(start_response, backend, asked)
            return self._update(start_response, backend, asked)
        if request.action == "CreateNotebookInstanceLifecycleConfig":  # checked, kept by moto
            return self._app(environ, start_response)
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


def _error(start_response: Any, message: str) -> list[bytes]:
    return json_error(start_response, "400 Bad Request", "ValidationException", message)
