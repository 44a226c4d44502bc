"""DeleteTrail by ARN, as AWS accepts it.

CloudTrail API reference, DeleteTrail: `Name` is "the name or the CloudTrail ARN of the trail
to be deleted". moto 5.2.5 deletes by name only and answers success for an ARN while keeping
the trail, so a trail Terraform destroys (`aws_cloudtrail` deletes by ARN) would go on
logging and delivering. Installed once, process-wide, as moto's backends are.
"""

from __future__ import annotations

from moto.cloudtrail.models import CloudTrailBackend

_original_delete = CloudTrailBackend.delete_trail


def _delete_by_name_or_arn(self: CloudTrailBackend, name: str) -> None:
    for trail_name, trail in list(self.trails.items()):
        if trail.arn == name:
            name = trail_name
    _original_delete(self, name)


def install() -> None:
    CloudTrailBackend.delete_trail = _delete_by_name_or_arn  # type: ignore[method-assign]
