"""Errors out of `terraform ... -json` output."""

from __future__ import annotations

import json


def error_diagnostics(output: str) -> list[str]:
    """Error summaries and details from `terraform ... -json` output lines."""
    found = []
    for line in output.splitlines():
        if line.startswith("{"):
            message = json.loads(line)
            diagnostic = message.get("diagnostic") or {}
            if diagnostic.get("severity") == "error":
                found.append(f"{diagnostic.get('summary')}: {diagnostic.get('detail')}")
    return found


def printed_values(output: str) -> list[str]:
    """What error diagnostics print of the values their condition refers to
    (`<expression> is <value>`, the lines above the message in Terraform's human output)."""
    found = []
    for line in output.splitlines():
        if line.startswith("{"):
            diagnostic = json.loads(line).get("diagnostic") or {}
            if diagnostic.get("severity") == "error":
                for value in (diagnostic.get("snippet") or {}).get("values") or []:
                    found.append(f"{value.get('traversal')} {value.get('statement')}")
    return found
