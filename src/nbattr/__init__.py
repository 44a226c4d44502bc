"""Attributable SageMaker notebook instances: harness, emulator and verification."""

__version__ = "0.1.0"
