"""How CloudTrail classifies an API call: read-only or not, management or data event, or not
logged at all. Taken from AWS's own records and documentation, never from the verb alone.

Sources (the fixture README names each corpus record's public origin):
- corpus: `tests/fixtures/cloudtrail-real/<file>` (real records, compared by tests/test_fidelity.py)
- stratus: DataDog/stratus-red-team `detonation-logs/*.json` (real records of detonations)
- CloudTrail User Guide, "Logging data events" (data event types; S3 `GetObject` is a read
  event, `PutObject` a write event; SNS `Publish`/`PublishBatch` are data events)
- CloudWatch Logs User Guide, "Logging Amazon CloudWatch Logs API calls in AWS CloudTrail"
  (the actions it logs; `PutLogEvents`, `GetLogEvents`, `FilterLogEvents` are not among them)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Known:
    read_only: bool
    source: str


_CORPUS = "tests/fixtures/cloudtrail-real/"
_STRATUS = "DataDog/stratus-red-team detonation-logs/" + (
    "aws.credential-access.ec2-steal-instance-credentials.json"
)
_DATA_DOC = 'CloudTrail User Guide, "Logging data events"'

# (eventSource prefix, eventName) -> AWS's readOnly, with where it was seen.
READ_ONLY: dict[tuple[str, str], Known] = {
    ("sts", "AssumeRole"): Known(True, _CORPUS + "sts-AssumeRole.json"),
    ("sts", "GetCallerIdentity"): Known(True, _CORPUS + "sts-GetCallerIdentity.json"),
    ("s3", "ListObjects"): Known(True, _CORPUS + "s3-ListObjects.json"),
    ("s3", "GetObject"): Known(True, _CORPUS + "s3-GetObject.json"),
    ("s3", "PutObject"): Known(False, _CORPUS + "s3-PutObject.json"),
    ("s3", "CopyObject"): Known(False, "elastic/integrations cloudtrail test-copy-object-json.log"),
    ("sns", "Publish"): Known(False, _CORPUS + "sns-Publish.json"),
    ("cloudtrail", "LookupEvents"): Known(True, _CORPUS + "cloudtrail-LookupEvents.json"),
    ("ssm", "SendCommand"): Known(False, _STRATUS),
    ("ssm", "DescribeInstanceInformation"): Known(True, _STRATUS),
}  # fmt: skip

# Fallback for event names no source above covers: AWS's own definition of a read-only event
# ("API operations that read your resources, but don't make changes", CloudTrail User Guide,
# "Logging management events", e.g. EC2 DescribeSecurityGroups) guessed from the verb.
_READ_VERBS = ("Get", "List", "Describe", "Lookup", "Head", "BatchGet")

# Data events outside S3, with the resource type CloudTrail puts in `resources` (_DATA_DOC).
DATA_EVENTS: dict[tuple[str, str], str] = {
    ("sns", "Publish"): "AWS::SNS::Topic",
    ("sns", "PublishBatch"): "AWS::SNS::Topic",
}

# Calls CloudTrail does not record at all (CloudWatch Logs User Guide, see above).
NOT_LOGGED: frozenset[tuple[str, str]] = frozenset(
    ("logs", name) for name in ("PutLogEvents", "GetLogEvents", "FilterLogEvents")
)


def read_only(service: str, event_name: str) -> bool:
    """CloudTrail's `readOnly` for the call: AWS's value where known, else the verb's."""
    known = READ_ONLY.get((service, event_name))
    if known is not None:
        return known.read_only
    return event_name.startswith(_READ_VERBS)


def grounded(service: str, event_name: str) -> bool:
    """Whether `readOnly` for this call rests on AWS data rather than the fallback."""
    return (service, event_name) in READ_ONLY
