"""SARIF 2.1.0 for GitHub code scanning: one rule per audit rule, one result per finding.

Code scanning shows a result only at a file of the repository, so every result points at
`source_file` (the Terraform configuration that applied the module), with the notebook's ARN
as its logical location, and a fingerprint of rule and notebook so an alert stays one alert
across runs.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .. import __version__
from .report import AuditReport
from .rules import RULES, Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = (
    "https://example.com/your-org/sagemaker-notebook-attribution#auditing-nbattr-audit"
)
LEVEL = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
# GitHub ranks security alerts by `security-severity`: over 7.0 high, 4.0-6.9 medium,
# 0.1-3.9 low.
SECURITY_SEVERITY = {Severity.HIGH: "8.0", Severity.MEDIUM: "5.0", Severity.LOW: "2.0"}


def _rule(rule_id: str) -> dict[str, Any]:
    rule = RULES[rule_id]
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": f"{rule.title} {rule.why}"},
        "help": {
            "text": f"Fix: {rule.fix}",
            "markdown": f"**{rule.title}** {rule.why}\n\n**Fix:** {rule.fix}",
        },
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "tags": ["security", "sagemaker", "cloudtrail-attribution"],
        },
    }


def render_sarif(report: AuditReport, source_file: str = "main.tf") -> str:
    rule_ids = list(RULES)
    results = []
    for finding in report.findings:
        notebook = finding.notebook
        fingerprint = hashlib.sha256(f"{finding.rule.id}|{notebook.arn}".encode()).hexdigest()
        results.append(
            {
                "ruleId": finding.rule.id,
                "ruleIndex": rule_ids.index(finding.rule.id),
                "level": LEVEL[finding.severity],
                "message": {
                    "text": f"Notebook instance {notebook.name} ({notebook.region}): "
                    f"{finding.rule.title} [{finding.detail}] Fix: {finding.rule.fix}"
                },
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": source_file},
                            "region": {"startLine": 1},
                        },
                        "logicalLocations": [
                            {
                                "name": notebook.name,
                                "fullyQualifiedName": notebook.arn,
                                "kind": "resource",
                            }
                        ],
                    }
                ],
                "partialFingerprints": {"nbattrFinding/v1": fingerprint},
                "properties": {"region": notebook.region, "notebookArn": notebook.arn},
            }
        )
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "nbattr audit",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(rule_id) for rule_id in rule_ids],
                    }
                },
                "automationDetails": {"id": f"nbattr-audit/{report.role_arn.rsplit('/', 1)[-1]}/"},
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"
