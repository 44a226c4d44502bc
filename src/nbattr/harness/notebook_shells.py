"""How a notebook's user runs code: a terminal's login shell, or a Jupyter kernel.

A terminal is a login shell of ec2-user's, so it reads /etc/profile and /etc/profile.d. A kernel
inherits the Jupyter server's environment, and the server gets /etc/profile.d's variables too:
SageMaker's own lifecycle sample `set-env-variable` (aws-samples/
amazon-sagemaker-notebook-instance-lifecycle-config-samples) writes /etc/profile.d/jupyter-env.sh
and restarts jupyter-server, to set a variable "for all process including Jupyter".
The sandbox has no Jupyter server: the kernel's environment is the one a login shell ends with,
and the kernel itself runs without reading any profile.
"""

from __future__ import annotations

import shlex

from .sandbox import Run, Sandbox


def in_terminal(box: Sandbox, argv: list[str], env: dict[str, str] | None = None) -> Run:
    """`argv` as ec2-user from a login shell, as a terminal runs it (Sandbox.as_terminal)."""
    return box.as_terminal(shlex.join(argv), env)


def server_environment(box: Sandbox) -> dict[str, str]:
    """The environment the Jupyter server starts with: a login shell's, after /etc/profile.d."""
    dumped = box.as_user(["bash", "-l", "-c", "env -0"])
    if not dumped.ok:
        raise RuntimeError(f"login shell failed: {dumped.stderr}")
    pairs = (entry.split("=", 1) for entry in dumped.stdout.split("\0") if "=" in entry)
    return {key: value for key, value in pairs if key not in {"_", "SHLVL", "PWD", "OLDPWD"}}


def in_kernel(box: Sandbox, argv: list[str], env: dict[str, str] | None = None) -> Run:
    """`argv` as ec2-user with the server's environment: a kernel (Sandbox.as_kernel)."""
    return box.as_kernel(argv, env)
