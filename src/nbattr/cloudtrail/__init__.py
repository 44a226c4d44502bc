"""CloudTrail in the emulator: every API request recorded, LookupEvents answered from the records.

Laid out like a moto service: `identity` resolves who called, `requests` parses what was
called, `models` keeps the records and answers lookups, `responses` speaks the wire protocol,
`recorder` is the WSGI layer that ties them into the emulator.
"""

from .models import CloudTrailStore

__all__ = ["CloudTrailStore"]
