"""Whether a resource policy lets an AWS service principal act on the resource, by IAM's rules.

moto delivers what AWS services deliver on their own (SNS to SQS, CloudTrail's log files to
S3) without looking at the destination's policy; on AWS only a resource policy can grant a
service principal anything. The emulator's deliveries ask this module first. Requests are
judged by @cloud-copilot/iam-simulate (`tools/iam-simulate`, a separate node process), all of
one delivery in one run. Where the evaluator cannot run (no node, library not installed) the
answer is a refusal with that reason: failing closed shows up in the tests instead of passing
on deliveries AWS might refuse.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..harness.toolchain import ToolchainError, find_project_root


@dataclass(frozen=True)
class ServiceRequest:
    """One call a service principal makes to a resource: `s3:PutObject` on an object ARN."""

    principal: str
    action: str
    resource: str
    account: str
    context: tuple[tuple[str, str], ...]

    def simulation(self, policy: dict[str, Any]) -> dict[str, Any]:
        return {
            "request": {
                "principal": self.principal,
                "action": self.action,
                "resource": {"resource": self.resource, "accountId": self.account},
                "contextVariables": dict(self.context),
            },
            "identityPolicies": [],
            "resourcePolicy": policy,
        }


def _simulator() -> Path | None:
    try:
        return find_project_root(Path(__file__).parent) / "tools" / "iam-simulate"
    except ToolchainError:
        return None


def evaluator_unavailable() -> str | None:
    """Why resource policies cannot be evaluated here, or None when they can."""
    simulator = _simulator()
    if shutil.which("node") is None:
        return "node is not on PATH (iam-simulate needs Node.js 20)"
    if simulator is None or not (simulator / "node_modules" / "@cloud-copilot").is_dir():
        return "iam-simulate is not installed (`make tools` runs npm ci in tools/iam-simulate)"
    return None


def refusal(policy: str, requests: list[ServiceRequest]) -> str | None:
    """Why `policy` (JSON; "" for none) refuses any of `requests`; None when it allows all."""
    if not policy:
        return "there is no resource policy, so nothing grants the service principal access"
    reason = evaluator_unavailable()
    if reason:
        return f"its policy cannot be evaluated: {reason}"
    simulator = _simulator()
    assert simulator is not None
    document = json.loads(policy)
    done = subprocess.run(
        ["node", str(simulator / "simulate.mjs")],
        input=json.dumps([request.simulation(document) for request in requests]),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=simulator,
    )
    if done.returncode != 0:
        return f"its policy could not be evaluated: {done.stderr.strip()}"
    for request, answer in zip(requests, json.loads(done.stdout), strict=True):
        if answer["decision"] != "Allowed":
            why = answer.get("errors") or answer.get("denials")
            return (
                f"its policy does not allow {request.principal} {request.action}"
                f" ({answer['decision']}: {why})"
            )
    return None
