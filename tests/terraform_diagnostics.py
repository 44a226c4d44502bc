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
