"""The embedded AWS emulator (test bench only, never needed by `verify`): moto as a real HTTP
server on loopback, wrapped by layers that model what moto lacks (CloudTrail, the notebook's
metadata service and interfaces, VPC reachability, SNS-to-SQS delivery rules)."""

from .constants import ACCOUNT_ID, DEFAULT_REGION, TEST_CREDENTIALS
from .server import Emulator

__all__ = ["ACCOUNT_ID", "DEFAULT_REGION", "TEST_CREDENTIALS", "Emulator"]
