"""The AWS clients a notebook user runs, as `make tools` installs them (tools/sdk-clients), and
how to start each in the notebook sandbox.

Each client makes one call with its SDK's default credential chain; which identity it called
as is read from the emulator's CloudTrail, so a client that prints nothing useful (S3 through
the Java SDK without STS) is measured the same way as the rest.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from nbattr.harness.workspace import find_project_root

PROJECT = find_project_root(Path(__file__).parent)
SDK_CLIENTS = PROJECT / "tools" / "sdk-clients"
JS = SDK_CLIENTS / "js"
JAVA = SDK_CLIENTS / "java"
SPARK = SDK_CLIENTS / "spark"
# The bucket the Spark client lists through S3A; the tests create it.
BUCKET = "notebook-data"
BIN = Path(sys.executable).parent
# boto3's caller, as the sandbox tests use it.
BOTO3_CALLER = "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])"


@dataclass(frozen=True)
class Client:
    """One client: how to run it as ec2-user, and the CloudTrail event its call leaves."""

    name: str
    row: str  # how its row in the README's table "Which clients are attributed" begins
    argv: tuple[str, ...]
    event: str = "GetCallerIdentity"
    needs: tuple[Path, ...] = ()  # files `make tools` builds; missing: the client is not here
    program: str = ""  # the runtime it needs on PATH (node, java)
    env: tuple[tuple[str, str], ...] = ()  # set by the user before starting it
    module: str = ""  # the Python package it needs (pyspark)
    data_event: bool = False  # its call is an S3 data event: only a trail selecting it logs it
    started_from: tuple[str, ...] = ("kernel", "terminal")  # how notebook users start it

    def missing(self) -> str | None:
        """Why this client cannot run here, or None."""
        if self.program and shutil.which(self.program) is None:
            return f"{self.program} not found on PATH: {self.name} is not installed here"
        if self.module and importlib.util.find_spec(self.module) is None:
            return f"{self.module} not installed: run `make tools` ({self.name})"
        absent = [str(path) for path in self.needs if not path.exists()]
        if absent:
            return f"{self.name} not built ({', '.join(absent)} missing): run `make tools`"
        return None


def _node(
    name: str, row: str, script: str, package: str, env: tuple[tuple[str, str], ...] = ()
) -> Client:
    needs = (JS / "node_modules" / package,)
    return Client(name, row, ("node", str(JS / script)), needs=needs, program="node", env=env)


# A caller runs for a second: the JIT's first tier only and the serial collector halve the
# JVM's own CPU (its compiler threads), and change nothing the SDK reads or sends.
JVM_SHORT_RUN = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def _java(module: str, row: str, event: str = "GetCallerIdentity") -> Client:
    classes = JAVA / module / "target" / "classes"
    jars = JAVA / module / "target" / "dependency"
    return Client(
        f"java-{module}",
        row,
        ("java", *JVM_SHORT_RUN, "-cp", f"{classes}:{jars}/*", "nbattr.Caller"),
        event=event,
        needs=(classes, jars),
        program="java",
    )


CLIENTS = {
    client.name: client
    for client in (
        Client("aws-cli", "AWS CLI", (str(BIN / "aws"), "sts", "get-caller-identity")),
        Client("boto3", "boto3", (sys.executable, "-c", BOTO3_CALLER)),
        _node("js-v3", "SDK for JavaScript v3", "v3.mjs", "@aws-sdk/client-sts"),
        _node("js-v2", "SDK for JavaScript v2", "v2.cjs", "aws-sdk"),
        # What v2's documentation asks for to read ~/.aws/config at all.
        _node(
            "js-v2-load-config",
            "SDK for JavaScript v2",
            "v2.cjs",
            "aws-sdk",
            env=(("AWS_SDK_LOAD_CONFIG", "1"),),
        ),
        _java("v2-sts", "SDK for Java v2 with its"),
        _java("v2-s3", "SDK for Java v2 without", event="ListBuckets"),
        _java("v1-sts", "SDK for Java v1"),
        Client(
            "go-v2",
            "SDK for Go v2",
            (str(BIN / "nbattr-go-caller"),),
            needs=(BIN / "nbattr-go-caller",),
        ),
        # Hadoop's S3A connector in a local PySpark session: lists s3a://BUCKET/.
        Client(
            "spark-s3a",
            "Hadoop S3A",
            (
                sys.executable,
                str(SPARK / "s3a_list.py"),
                BUCKET,
                str(SPARK / "target" / "dependency"),
            ),
            event="ListObjects",
            needs=(SPARK / "target" / "dependency",),
            program="java",
            module="pyspark",
            data_event=True,
            # Spark runs in notebooks' kernels; its session takes ~30 s of CPU to start here.
            started_from=("kernel",),
            # The sandbox has no DNS: Spark would wait for its host name to resolve.
            env=(("SPARK_LOCAL_IP", "127.0.0.1"), ("SPARK_LOCAL_HOSTNAME", "localhost")),
        ),
    )
}

# Clients that do not follow ~/.aws/config's credential_source, and why (README, "Which clients
# are attributed"): the config alone leaves them on the bare SageMaker session; the credentials
# endpoint attributes them (tests/test_sdk_clients.py). Without its variables (a known bypass)
# they call as SageMaker, and verify and the alert report them (tests/test_detection.py).
CONFIG_BLIND = {
    "js-v2": "the SDK for JavaScript v2 reads ~/.aws/config only with AWS_SDK_LOAD_CONFIG,"
    " so its chain ends at the instance metadata credentials",
    "js-v2-load-config": "the SDK for JavaScript v2 assumes a profile's role only from"
    " source_profile and knows no credential_source (lib/credentials/"
    "shared_ini_file_credentials.js), so its chain ends at the instance metadata credentials",
    "java-v2-s3": "the SDK for Java v2 assumes a profile's role only with its sts module on"
    " the classpath; without it the profile provider fails and the chain ends at the"
    " instance metadata credentials",
    "spark-s3a": "Hadoop's S3A connector (3.4.1) has a credential chain of its own"
    " (fs.s3a.aws.credentials.provider: Temporary, Simple and EnvironmentVariable providers,"
    " then IAMInstanceCredentialsProvider) and reads no AWS config file",
    "java-v1-sts": "the SDK for Java v1 knows source_profile but not credential_source"
    " (aws-java-sdk-core 1.12's profile keys), so its chain ends at the instance metadata"
    " credentials",
}
