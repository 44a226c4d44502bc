"""The emulator's EC2 carries no catalogue of Amazon's public images
(nbattr.emulator.ec2_public_images): nothing here reads one, and moto built it for every
EC2 backend after every reset."""

from __future__ import annotations


def test_no_public_image_or_snapshot_is_listed_and_the_default_vpc_remains(clean_emulator):
    ec2 = clean_emulator.client("ec2")
    assert ec2.describe_images(Owners=["amazon"])["Images"] == []
    assert ec2.describe_snapshots()["Snapshots"] == []
    default = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    assert len(default) == 1
