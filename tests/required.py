"""NBATTR_REQUIRE: suites that must run, so that a skip cannot hide a gap in CI.

On a laptop without root, Go, npm or Maven, the sandbox, network, policy-evaluator, Go-tool
and SDK-client suites skip with a reason, and so does the provider-schema suite where
`make tools` could not download the schema. CI sets NBATTR_REQUIRE=all (see .ci/run): there
every skip is a failure. A comma-separated list of suite names requires only those.
"""

from __future__ import annotations

import os

# Test module -> the suite whose tools or privileges its skips stand for.
SUITE_OF_MODULE = {
    "test_sandbox": "sandbox",
    "test_credentials_endpoint": "sandbox",
    "test_demo": "sandbox",
    "test_emulator_start": "sandbox",
    "test_try_it": "sandbox",
    "test_detection": "sandbox",
    "test_network": "network",
    "test_enforcement": "policy-evaluator",
    "test_trail_delivery": "policy-evaluator",
    "test_forensics": "sandbox",
    "test_docs_lint": "go-tools",
    "test_provider_schema": "provider-schema",
    "test_sdk_clients": "sdk-clients",
}
SUITES = frozenset(SUITE_OF_MODULE.values())


def required_suites(value: str | None = None) -> frozenset[str]:
    """The suites NBATTR_REQUIRE names; `all` names every suite and every other test too."""
    raw = os.environ.get("NBATTR_REQUIRE", "") if value is None else value
    names = {part.strip() for part in raw.split(",") if part.strip()}
    unknown = names - SUITES - {"all"}
    if unknown:
        raise ValueError(
            f"NBATTR_REQUIRE names unknown suites {sorted(unknown)}; "
            f"use 'all' or some of {sorted(SUITES)}"
        )
    return frozenset(names)


def skip_must_fail(module: str, value: str | None = None) -> str | None:
    """Why a skip in `module` is a failure under NBATTR_REQUIRE, or None when it may skip."""
    suites = required_suites(value)
    if "all" in suites:
        return "NBATTR_REQUIRE=all: no test may skip"
    suite = SUITE_OF_MODULE.get(module)
    if suite in suites:
        return f"NBATTR_REQUIRE names {suite}: its tests must run"
    return None
