"""CloudTrail in the emulator: every API request recorded, LookupEvents answered from the records.

Laid out like a moto service: `identity` resolves who called, `requests` parses what was
called (`s3` for S3's REST calls), `classification` says how CloudTrail classifies it,
`selectors` which trails log a data event, `models` keeps the records and answers lookups,
`recorder` is the WSGI layer that ties them into the emulator.
"""

from .models import CloudTrailStore

__all__ = ["CloudTrailStore"]
