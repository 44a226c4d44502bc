"""The AWS clients a notebook user runs, as `make tools` installs them (tools/sdk-clients), and
how to start each in the notebook sandbox.

Each client makes one call with its SDK's default credential chain; which identity it called
as is read from the emulator's CloudTrail, so a client that prints nothing useful (S3 through
the Java SDK without STS) is measured the same way as the rest.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from nbattr.harness.workspace import find_project_root

PROJECT = find_project_root(Path(__file__).parent)
SDK_CLIENTS = PROJECT / "tools" / "sdk-clients"
JS = SDK_CLIENTS / "js"
JAVA = SDK_CLIENTS / "java"
BIN = Path(sys.executable).parent
# boto3's caller, as the sandbox tests use it.
BOTO3_CALLER = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])"


@dataclass(frozen=True)
class Client:
    """One client: how to run it as ec2-user, and the CloudTrail event its call leaves."""

    name: str
    argv: tuple[str, ...]
    event: str = "GetCallerIdentity"
    needs: tuple[Path, ...] = ()  # files `make tools` builds; missing: the client is not here
    program: str = ""  # the runtime it needs on PATH (node, java)
    env: tuple[tuple[str, str], ...] = ()  # set by the user before starting it

    def missing(self) -> str | None:
        """Why this client cannot run here, or None."""
        if self.program and shutil.which(self.program) is None:
            return f"{self.program} not found on PATH: {self.name} is not installed here"
        absent = [str(path) for path in self.needs if not path.exists()]
        if absent:
            return f"{self.name} not built ({', '.join(absent)} missing): run `make tools`"
        return None


def _java(module: str, event: str = "GetCallerIdentity") -> Client:
    classes = JAVA / module / "target" / "classes"
    jars = JAVA / module / "target" / "dependency"
    return Client(
        f"java-{module}",
        ("java", "-cp", f"{classes}:{jars}/*", "nbattr.Caller"),
        event=event,
        needs=(classes, jars),
        program="java",
    )


CLIENTS = {
    client.name: client
    for client in (
        Client("aws-cli", (str(BIN / "aws"), "sts", "get-caller-identity")),
        Client("boto3", (sys.executable, "-c", BOTO3_CALLER)),
        Client(
            "js-v3",
            ("node", str(JS / "v3.mjs")),
            needs=(JS / "node_modules" / "@aws-sdk" / "client-sts",),
            program="node",
        ),
        Client(
            "js-v2",
            ("node", str(JS / "v2.cjs")),
            needs=(JS / "node_modules" / "aws-sdk",),
            program="node",
        ),
        # What v2's documentation asks for to read ~/.aws/config at all.
        Client(
            "js-v2-load-config",
            ("node", str(JS / "v2.cjs")),
            needs=(JS / "node_modules" / "aws-sdk",),
            program="node",
            env=(("AWS_SDK_LOAD_CONFIG", "1"),),
        ),
        _java("v2-sts"),
        _java("v2-s3", event="ListBuckets"),
        _java("v1-sts"),
        Client("go-v2", (str(BIN / "nbattr-go-caller"),), needs=(BIN / "nbattr-go-caller",)),
    )
}
