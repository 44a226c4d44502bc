"""A small IAM policy evaluator, enough to check what our policies *mean*.

It answers "does this document allow principal P to do action A on resource R?" with IAM's
rules for the parts our policies use: explicit Deny beats Allow, Action/Resource wildcards,
AWS account and ARN principals, Service principals, and the ArnEquals/ArnLike/StringEquals
condition operators on aws:PrincipalArn. Anything else raises, so a policy that grows beyond
what this understands fails its test instead of passing silently.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

SUPPORTED_OPERATORS = {"ArnEquals", "ArnLike", "StringEquals", "StringLike"}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _principal_matches(statement: dict[str, Any], principal: dict[str, str]) -> bool:
    declared = statement.get("Principal")
    if declared is None:  # identity policy: the principal is whoever holds it
        return True
    if declared == "*":
        return True
    for kind, values in declared.items():
        for value in _as_list(values):
            if kind == "Service" and principal.get("Service") == value:
                return True
            if kind == "AWS":
                arn = principal.get("AWS", "")
                if value == "*" or value == arn:
                    return True
                # arn:<p>:iam::<acct>:root (or a bare account id) means any principal of that
                # account, still subject to the statement's conditions.
                account = value.split(":")[4] if value.startswith("arn:") else value
                whole_account = value.endswith(":root") or value.isdigit()
                if whole_account and arn.split(":")[4:5] == [account]:
                    return True
    return False


def _conditions_hold(statement: dict[str, Any], context: dict[str, str]) -> bool:
    for operator, tests in statement.get("Condition", {}).items():
        if operator not in SUPPORTED_OPERATORS:
            raise ValueError(f"condition operator {operator} is not understood by this evaluator")
        for key, expected in tests.items():
            actual = context.get(key)
            if actual is None:
                return False
            wildcard = operator.endswith("Like")
            if not any(
                fnmatchcase(actual, pattern) if wildcard else actual == pattern
                for pattern in _as_list(expected)
            ):
                return False
    return True


def _matches(patterns: Any, value: str) -> bool:
    return any(fnmatchcase(value, pattern) for pattern in _as_list(patterns))


def allows(
    document: dict[str, Any],
    action: str,
    resource: str = "*",
    principal: dict[str, str] | None = None,
) -> bool:
    """True when `document` allows `action` on `resource` for `principal` (no explicit deny)."""
    principal = principal or {}
    context = {"aws:PrincipalArn": principal.get("AWS", "")}
    allowed = False
    for statement in _as_list(document["Statement"]):
        if "NotAction" in statement or "NotResource" in statement or "NotPrincipal" in statement:
            raise ValueError("Not* elements are not understood by this evaluator")
        if not _matches(statement["Action"], action):
            continue
        if "Resource" in statement and not _matches(statement["Resource"], resource):
            continue
        if not _principal_matches(statement, principal) or not _conditions_hold(statement, context):
            continue
        if statement["Effect"] == "Deny":
            return False
        allowed = True
    return allowed
