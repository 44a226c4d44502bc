"""The audit report: a table for people, JSON for tools, JUnit XML for CI (SARIF: sarif.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .. import junit
from .expected import Expected
from .reader import NotebookFacts
from .rules import RULES, Finding, Severity


@dataclass
class AuditReport:
    role_arn: str
    regions: list[str]
    expected: Expected
    notebooks: list[NotebookFacts]
    findings: list[Finding] = field(default_factory=list)
    fail_on: Severity = Severity.HIGH
    elapsed: float = 0.0

    @property
    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.severity >= self.fail_on]

    @property
    def passed(self) -> bool:
        return not self.failing

    def of(self, notebook: NotebookFacts) -> list[Finding]:
        return [f for f in self.findings if f.notebook is notebook]

    def verdict(self) -> str:
        below = len(self.findings) - len(self.failing)
        return (
            f"{'PASS' if self.passed else 'FAIL'}: {len(self.notebooks)} notebook(s) audited in "
            f"{', '.join(self.regions)}; {len(self.failing)} finding(s) at or above "
            f"{self.fail_on.label}, {below} below"
        )


def _compared(expected: Expected) -> str:
    digest = expected.on_start_sha256
    content = f"on-start sha256 {digest}" if digest else "on-start content not compared"
    return f"{expected.lifecycle_config_name}, {content} (from {expected.source})"


def render_table(report: AuditReport) -> str:
    lines = [
        f"role      {report.role_arn}",
        f"regions   {', '.join(report.regions)}",
        f"expected  {_compared(report.expected)}",
        "",
        f"{'NOTEBOOK':<32} {'REGION':<14} {'LIFECYCLE CONFIG':<32} FINDINGS",
    ]
    for notebook in report.notebooks:
        ids = ", ".join(f.rule.id for f in report.of(notebook)) or "none"
        config = notebook.lifecycle_config_name or "-"
        lines.append(f"{notebook.name:<32} {notebook.region:<14} {config:<32} {ids}")
    if not report.notebooks:
        lines.append("(no notebook instance uses this role)")
    lines.append("")
    for finding in sorted(report.findings, key=lambda f: (-f.severity, f.rule.id)):
        notebook = finding.notebook
        lines.append(
            f"{finding.rule.id} {finding.severity.label:<6} {notebook.name} ({notebook.region}): "
            f"{finding.rule.title} [{finding.detail}]"
        )
        lines.append(f"       fix: {finding.rule.fix}")
    if report.findings:
        lines.append("")
    lines.append(report.verdict())
    return "\n".join(lines) + "\n"


def finding_json(finding: Finding) -> dict[str, str]:
    return {
        "rule_id": finding.rule.id,
        "rule": finding.rule.name,
        "severity": finding.severity.label,
        "notebook": finding.notebook.name,
        "notebook_arn": finding.notebook.arn,
        "region": finding.notebook.region,
        "message": finding.rule.title,
        "detail": finding.detail,
        "fix": finding.rule.fix,
    }


def render_json(report: AuditReport) -> str:
    document = {
        "role_arn": report.role_arn,
        "regions": report.regions,
        "expected": {
            "lifecycle_config_name": report.expected.lifecycle_config_name,
            "on_start_sha256": report.expected.on_start_sha256,
            "source": report.expected.source,
        },
        "fail_on": report.fail_on.label,
        "passed": report.passed,
        "notebooks": [
            {
                "name": notebook.name,
                "region": notebook.region,
                "arn": notebook.arn,
                "status": notebook.status,
                "lifecycle_config_name": notebook.lifecycle_config_name,
                "on_start_sha256": notebook.on_start_sha256,
                "root_access": notebook.root_access,
                "imds_minimum_version": notebook.imds_minimum_version,
                "direct_internet_access": notebook.direct_internet_access,
                "subnet_id": notebook.subnet_id,
                "platform_identifier": notebook.platform_identifier,
                "findings": [f.rule.id for f in report.of(notebook)],
            }
            for notebook in report.notebooks
        ],
        "findings": [finding_json(f) for f in report.findings],
        "rules": {
            rule.id: {"name": rule.name, "severity": rule.severity.label, "fix": rule.fix}
            for rule in RULES.values()
        },
    }
    return json.dumps(document, indent=2) + "\n"


def render_junit(report: AuditReport) -> str:
    """One test case per notebook, failed by its findings at or above --fail-on."""
    suite = junit.command_suite(
        "audit",
        report.role_arn,
        report.regions,
        {"fail_on": report.fail_on.label, "findings": len(report.findings)},
    )
    failures = 0
    for notebook in report.notebooks:
        found = [
            f"{f.rule.id} {f.severity.label}: {f.rule.title} [{f.detail}] Fix: {f.rule.fix}"
            for f in report.of(notebook)
        ]
        fails = any(f.severity >= report.fail_on for f in report.of(notebook))
        failures += junit.findings_case(
            suite, f"audit.{notebook.region}", notebook.name, found, "--fail-on low", fails
        )
    return junit.render(suite, len(report.notebooks), failures, report.elapsed)
