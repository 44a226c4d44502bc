"""No catalogue of Amazon's public machine images in the emulator's EC2.

moto builds, for every EC2 backend (each account and region, again after every reset), an
image object for each of about 1,300 public AMIs it carries, each with a snapshot behind it:
about 110 ms of CPU per backend, against 17 ms without. Nothing here reads an image: the
module, the notebooks and `nbattr` never call an EC2 image or snapshot API, and a SageMaker
notebook instance names no AMI. So the catalogue is not loaded (moto's own switch,
MOTO_EC2_LOAD_DEFAULT_AMIS, moto/settings.py), unless whoever runs the emulator set it.

On AWS, DescribeImages and DescribeSnapshots also list the public images and snapshots the
account may use (Amazon EC2 API Reference, DescribeImages and DescribeSnapshots); here they
list only what was made in the emulator (README, "Toolchain").
"""

from __future__ import annotations

import os

SWITCH = "MOTO_EC2_LOAD_DEFAULT_AMIS"


def install() -> None:
    """Process-wide, as moto reads it: before the first EC2 backend is built."""
    os.environ.setdefault(SWITCH, "false")
