"""Real IAM policy evaluation for tests: @cloud-copilot/iam-simulate, batched in one node run.

`tools/iam-simulate/simulate.mjs` reads a JSON array of simulations and answers each with
IAM's decision (Allowed, ImplicitlyDenied, ExplicitlyDenied) and which statements decided
it. Node starts slowly, so callers collect their requests and evaluate them together.
`make tools` installs the library (`npm ci`); without it `unavailable()` says why.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbattr.harness.toolchain import find_project_root

SIMULATOR = find_project_root(Path(__file__).parent) / "tools" / "iam-simulate"
LIBRARY = SIMULATOR / "node_modules" / "@cloud-copilot" / "iam-simulate"

Policy = dict[str, Any]


def unavailable() -> str | None:
    """Why the simulator cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not on PATH: iam-simulate needs Node.js 20"
    if not LIBRARY.is_dir():
        return "iam-simulate is not installed: `make tools` runs `npm ci` where npm is present"
    return None


@dataclass(frozen=True)
class Request:
    """One API call by one principal, with the policies IAM would evaluate for it."""

    principal: str
    action: str
    resource: str
    account: str
    context: dict[str, str | list[str]]
    identity_policies: dict[str, Policy]
    resource_policy: Policy | None = None

    def simulation(self) -> dict[str, Any]:
        simulation: dict[str, Any] = {
            "request": {
                "principal": self.principal,
                "action": self.action,
                "resource": {"resource": self.resource, "accountId": self.account},
                "contextVariables": self.context,
            },
            "identityPolicies": [
                {"name": name, "policy": policy} for name, policy in self.identity_policies.items()
            ],
        }
        if self.resource_policy is not None:
            simulation["resourcePolicy"] = self.resource_policy
        return simulation


@dataclass(frozen=True)
class Decision:
    """IAM's answer to one request, and the statements behind it."""

    decision: str  # Allowed, ImplicitlyDenied, ExplicitlyDenied; Error if it did not run
    identity: str | None = None  # the identity policies' own result
    resource: str | None = None  # the resource (trust) policy's, e.g. AllowedForAccount
    denials: list[dict[str, Any]] = field(default_factory=list)
    grants: list[dict[str, Any]] = field(default_factory=list)
    ignored_context_keys: list[str] = field(default_factory=list)
    errors: dict[str, Any] | None = None

    @property
    def denying_sids(self) -> set[str]:
        return {d["statementId"] for d in self.denials if d.get("statementId")}


class SimulatorError(RuntimeError):
    pass


def simulate(requests: list[Request], timeout: float = 120) -> list[Decision]:
    """Evaluate every request in one node process; answers come back in order."""
    reason = unavailable()
    if reason:
        raise SimulatorError(reason)
    done = subprocess.run(
        ["node", str(SIMULATOR / "simulate.mjs")],
        input=json.dumps([request.simulation() for request in requests]),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=SIMULATOR,
    )
    if done.returncode != 0:
        raise SimulatorError(f"simulate.mjs exited {done.returncode}: {done.stderr.strip()}")
    answers = json.loads(done.stdout)
    if len(answers) != len(requests):
        raise SimulatorError(f"{len(requests)} requests, {len(answers)} answers")
    return [
        Decision(
            decision=answer["decision"],
            identity=answer.get("identity"),
            resource=answer.get("resource"),
            denials=answer.get("denials") or [],
            grants=answer.get("grants") or [],
            ignored_context_keys=answer.get("ignoredContextKeys") or [],
            errors=answer.get("errors"),
        )
        for answer in answers
    ]
