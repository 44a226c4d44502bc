"""Turn tftest plan output into a flat inventory a test can compare against (subset match)."""

from __future__ import annotations

from collections import Counter
from typing import Any


def _walk(module: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(module.get("resources", []))
    for child in module.get("child_modules", []):
        found += _walk(child)
    return found


def planned_resources(plan: Any) -> dict[str, dict[str, Any]]:
    """Every planned managed resource, by full address, with its known values (Terraform
    leaves `values` out when none is known yet)."""
    root = plan["planned_values"]["root_module"]
    return {
        res["address"]: res.get("values", {}) for res in _walk(root) if res["mode"] == "managed"
    }


def resource_counts(plan: Any) -> Counter[str]:
    """How many managed resources of each type the plan creates."""
    root = plan["planned_values"]["root_module"]
    return Counter(res["type"] for res in _walk(root) if res["mode"] == "managed")


def planned_outputs(plan: Any) -> dict[str, Any]:
    """Root outputs whose values are known at plan time."""
    outputs = plan["planned_values"].get("outputs", {})
    return {name: out["value"] for name, out in outputs.items() if "value" in out}


def changed_actions(plan: Any) -> dict[str, list[str]]:
    """Each resource the plan changes, by address, with its actions (no-ops left out)."""
    return {
        change["address"]: change["change"]["actions"]
        for change in plan["resource_changes"]
        if change["change"]["actions"] != ["no-op"]
    }


def is_subset(expected: Any, actual: Any) -> bool:
    """True when every key/value in `expected` appears in `actual` (recursively)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and is_subset(value, actual[key]) for key, value in expected.items()
        )
    return expected == actual
