"""The embedded AWS emulator (test bench only, never needed by `verify`): moto as a real HTTP
server on loopback, wrapped by layers that model what moto lacks (CloudTrail, the notebook's
metadata service and interfaces, VPC reachability, SNS-to-SQS delivery rules)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .constants import ACCOUNT_ID, DEFAULT_REGION, TEST_CREDENTIALS

if TYPE_CHECKING:
    from .server import Emulator

__all__ = ["ACCOUNT_ID", "DEFAULT_REGION", "TEST_CREDENTIALS", "Emulator"]


def __getattr__(name: str) -> Any:
    # Emulator on first use: it imports moto (seconds of CPU), which the thin commands that
    # only talk to a running emulator (`nbattr emulator start`, `flush-trails`) never need.
    if name == "Emulator":
        from .server import Emulator

        return Emulator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
