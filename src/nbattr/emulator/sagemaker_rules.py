"""What SageMaker's API refuses in the notebook and lifecycle configuration calls, and the
ValidationException text it refuses with. moto 5.2.5 checks none of it.

The rules are the API Reference's (CreateNotebookInstance, UpdateNotebookInstance,
CreateNotebookInstanceLifecycleConfig, UpdateNotebookInstanceLifecycleConfig,
NotebookInstanceLifecycleHook, InstanceMetadataServiceConfiguration): a notebook's and a
lifecycle configuration's name has at most 63 characters and matches
`^[a-zA-Z0-9](-*[a-zA-Z0-9])*`; a hook's `Content`, the base64 text, has 1 to 16384 characters
("Each lifecycle configuration script has a limit of 16384 characters"); the minimum metadata
service version and the platform match their patterns.

The text follows real SageMaker answers: "2 validation errors detected: Value '...' at
'modelName' failed to satisfy constraint: Member must have length less than or equal to 63;
Value '...' at 'modelName' failed to satisfy constraint: Member must satisfy regular
expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*" (CreateModel, quoted in
aws-samples/sagemaker-ml-workflow-with-apache-airflow#3). A list element is named as in
'tags.6.member.value' (an IAM answer quoted in SWO-GS/auto-tag#90), so a hook's content is
'onStart.1.member.content'.

Where it may differ from AWS: the order AWS lists several broken rules in is not documented.
They are listed here in the request syntax's order, length before pattern for one member (as
in the CreateModel answer).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

IMDS_VERSION = re.compile(r"^(1|2)$")  # MinimumInstanceMetadataServiceVersion
PLATFORM = re.compile(  # CreateNotebookInstance's PlatformIdentifier
    r"^(notebook-al1-v1|notebook-al2-v1|notebook-al2-v2|notebook-al2-v3|notebook-al2023-v1)$"
)
NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*")  # printed as AWS prints it; matched whole
NAME_MAX_LENGTH = 63
CONTENT_MIN_LENGTH, CONTENT_MAX_LENGTH = 1, 16384
LIFECYCLE_HOOKS = ("OnCreate", "OnStart")

Violation = tuple[str, Any, str]  # (member as AWS names it, value, the rule it breaks)


def invalid_request(action: str, asked: dict[str, Any]) -> str | None:
    """AWS's ValidationException message for the values of `asked` that break the rules, or
    None. Describe calls are left to moto."""
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


def _violations(action: str, asked: dict[str, Any]) -> Iterator[Violation]:
    if action.endswith("LifecycleConfig"):
        name = asked.get("NotebookInstanceLifecycleConfigName")
        yield from _name("notebookInstanceLifecycleConfigName", name)
        for hook in LIFECYCLE_HOOKS:
            for index, entry in enumerate(asked.get(hook) or [], start=1):
                content = entry.get("Content") if isinstance(entry, dict) else None
                member = f"{hook[0].lower()}{hook[1:]}.{index}.member.content"
                yield from _length(member, content, CONTENT_MIN_LENGTH, CONTENT_MAX_LENGTH)
        return
    configuration = asked.get("InstanceMetadataServiceConfiguration") or {}
    yield from _pattern(
        "instanceMetadataServiceConfiguration.minimumInstanceMetadataServiceVersion",
        configuration.get("MinimumInstanceMetadataServiceVersion"),
        IMDS_VERSION,
    )
    yield from _name("lifecycleConfigName", asked.get("LifecycleConfigName"))
    yield from _name("notebookInstanceName", asked.get("NotebookInstanceName"))
    yield from _pattern("platformIdentifier", asked.get("PlatformIdentifier"), PLATFORM)


def _name(member: str, value: Any) -> Iterator[Violation]:
    yield from _length(member, value, 0, NAME_MAX_LENGTH)
    if value is not None and not NAME.fullmatch(str(value)):
        yield member, value, _pattern_rule(NAME)


def _length(member: str, value: Any, minimum: int, maximum: int) -> Iterator[Violation]:
    if value is None:
        return
    if len(str(value)) < minimum:
        yield member, value, f"Member must have length greater than or equal to {minimum}"
    if len(str(value)) > maximum:
        yield member, value, f"Member must have length less than or equal to {maximum}"


def _pattern(member: str, value: Any, pattern: re.Pattern[str]) -> Iterator[Violation]:
    if value is not None and not pattern.match(str(value)):
        yield member, value, _pattern_rule(pattern)


def _pattern_rule(pattern: re.Pattern[str]) -> str:
    return f"Member must satisfy regular expression pattern: {pattern.pattern}"
