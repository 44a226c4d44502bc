"""The ways a notebook user can step around the attributed config, as ec2-user in a sandbox.

Each prepares what it needs in the sandbox and returns the environment that makes a command
run bypassed: its calls then fall back to the instance's bare `SageMaker` session.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from nbattr.harness.sandbox import Sandbox

STEAL = (Path(__file__).parent / "steal_instance_credentials.py").read_text()


def config_file_elsewhere(box: Sandbox) -> dict[str, str]:
    box.shell_as_user("touch ~/empty-config")
    return {"AWS_CONFIG_FILE": "/home/ec2-user/empty-config"}


def own_profile(box: Sandbox) -> dict[str, str]:
    """A profile needs a config file of the user's own: ~/.aws is locked."""
    box.shell_as_user("printf '[profile raw]\\nregion = us-east-1\\n' > ~/mine")
    return {"AWS_PROFILE": "raw", "AWS_CONFIG_FILE": "/home/ec2-user/mine"}


def credentials_in_environment(box: Sandbox) -> dict[str, str]:
    """The instance's credentials, read from its metadata service, as AWS_* variables."""
    stolen = box.python_as_user(STEAL)
    assert stolen.ok, stolen.stderr
    return dict(json.loads(stolen.stdout))


BYPASSES: dict[str, Callable[[Sandbox], dict[str, str]]] = {
    "config-file-elsewhere": config_file_elsewhere,
    "aws-profile": own_profile,
    "environment-credentials": credentials_in_environment,
}
