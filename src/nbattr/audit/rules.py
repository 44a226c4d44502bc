"""The audit's rules: one per kind of finding, each with an id, a severity and a one-line fix.

Attribution covers a notebook only while it runs the module's on-start script unchanged, as
a user who cannot rewrite its result; these rules name every way a notebook of the role can
fall outside that, and the settings that weaken it.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from .reader import NotebookFacts


class Severity(enum.IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, label: str) -> Severity:
        return cls[label.upper()]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    title: str  # what is wrong, in one line
    fix: str  # what to do, in one line
    why: str  # why it matters for attribution


RULES = {
    rule.id: rule
    for rule in (
        Rule(
            "NBA001", "no-lifecycle-config", Severity.HIGH,
            "The notebook has no lifecycle configuration.",
            "Create it with the module (its notebooks map), or attach the module's lifecycle "
            "configuration: stop it, then UpdateNotebookInstance --lifecycle-config-name.",
            "No on-start script writes the attributed config, so every call the notebook makes "
            "appears in CloudTrail as assumed-role/<role>/SageMaker.",
        ),
        Rule(
            "NBA002", "foreign-lifecycle-config", Severity.HIGH,
            "The notebook's lifecycle configuration is not the module's.",
            "Attach the module's lifecycle configuration and pass the other script as the "
            "module's extra_on_start (a notebook has only one configuration).",
            "Another script does not write the attributed config, so the notebook's calls are "
            "unattributed.",
        ),
        Rule(
            "NBA003", "lifecycle-content-changed", Severity.HIGH,
            "The module's lifecycle configuration holds an on-start script other than the one "
            "the module rendered.",
            "Run terraform apply on the module's configuration to restore the rendered script; "
            "if the change was yours, make it through extra_on_start.",
            "A changed script may no longer write, or lock, the attributed config.",
        ),
        Rule(
            "NBA004", "root-access-enabled", Severity.MEDIUM,
            "Root access is enabled for the notebook's users.",
            "Set root_access = false for the notebook (RootAccess Disabled), or accept that "
            "attribution there is cooperative.",
            "Root can rewrite the locked ~/.aws/config, so attribution is not enforced.",
        ),
        Rule(
            "NBA005", "imdsv1-allowed", Severity.MEDIUM,
            "The notebook allows IMDSv1.",
            'Set imds_minimum_version = "2" for the notebook '
            "(MinimumInstanceMetadataServiceVersion 2).",
            "A token-less GET, e.g. forged through a web app (SSRF), reads the role's base "
            "credentials, whose calls are unattributed.",
        ),
        Rule(
            "NBA006", "direct-internet-without-vpc", Severity.LOW,
            "The notebook has direct internet access and no VPC.",
            "Give the notebook a subnet_id and security groups, direct_internet_access = false, "
            "and an STS interface endpoint in the VPC (see examples/vpc-kms).",
            "Its calls come from SageMaker's shared network, so neither a network control nor "
            "verify's source-address check can tell notebooks apart.",
        ),
        Rule(
            "NBA007", "end-of-support-platform", Severity.MEDIUM,
            "The notebook runs on Amazon Linux 1 or 2, which are past end of support "
            "(AL2 since 2026-06-30).",
            "Migrate it to notebook-al2023-v1: stop it, UpdateNotebookInstance "
            "--platform-identifier notebook-al2023-v1, start it (README, Platform).",
            "SageMaker no longer creates or restarts such notebooks, and their images get no "
            "security fixes.",
        ),
        Rule(
            "NBA008", "invalid-session-name", Severity.HIGH,
            "The notebook's name is not a valid STS role session name.",
            "Recreate the notebook under a name of 2-64 letters, digits and +=,.@_- characters.",
            "The on-start script refuses the name, so the notebook fails to start (strict) or "
            "runs unattributed (best-effort).",
        ),
    )
}  # fmt: skip

# STS AssumeRole RoleSessionName: 2-64 characters matching [\w+=,.@-]* (STS API Reference);
# the on-start script checks the same rule.
SESSION_NAME = re.compile(r"^[A-Za-z0-9+=,.@_-]{2,64}$")
END_OF_SUPPORT_PLATFORMS = ("notebook-al1-", "notebook-al2-")


@dataclass(frozen=True)
class Finding:
    rule: Rule
    notebook: NotebookFacts
    detail: str  # what was seen, in one line

    @property
    def severity(self) -> Severity:
        return self.rule.severity


def evaluate(
    notebook: NotebookFacts, lifecycle_config_name: str, on_start_sha256: str | None
) -> list[Finding]:
    """Every rule's finding for one notebook; the on-start content is compared only when the
    expected digest is known."""
    found: list[tuple[str, str]] = []
    config = notebook.lifecycle_config_name
    if not config:
        found.append(("NBA001", f"expected {lifecycle_config_name}"))
    elif config != lifecycle_config_name:
        missing = "" if notebook.lifecycle_config_found else " (does not exist)"
        found.append(("NBA002", f"{config}{missing}, expected {lifecycle_config_name}"))
    elif not notebook.lifecycle_config_found:
        found.append(("NBA002", f"{config} does not exist"))
    elif on_start_sha256 is not None and notebook.on_start_sha256 != on_start_sha256:
        found.append(
            ("NBA003", f"on-start sha256 {notebook.on_start_sha256 or 'none'}, "
                       f"expected {on_start_sha256}")
        )  # fmt: skip
    if notebook.root_access != "Disabled":
        found.append(("NBA004", f"RootAccess {notebook.root_access}"))
    if notebook.imds_minimum_version != "2":
        found.append(
            ("NBA005", f"MinimumInstanceMetadataServiceVersion {notebook.imds_minimum_version}")
        )
    if notebook.direct_internet_access != "Disabled" and not notebook.subnet_id:
        found.append(("NBA006", f"DirectInternetAccess {notebook.direct_internet_access}, no VPC"))
    if (notebook.platform_identifier or "").startswith(END_OF_SUPPORT_PLATFORMS):
        found.append(("NBA007", f"PlatformIdentifier {notebook.platform_identifier}"))
    if not SESSION_NAME.match(notebook.name):
        found.append(("NBA008", f"name {notebook.name!r}"))
    return [Finding(RULES[rule_id], notebook, detail) for rule_id, detail in found]
