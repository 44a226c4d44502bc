"""The `nbattr` command line."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from .attribute.command import add_arguments as add_attribute_arguments
from .attribute.command import run as run_attribute
from .audit.command import add_arguments as add_audit_arguments
from .audit.command import run as run_audit
from .harness.provider_block import OVERRIDE_FILE, PROVIDER_FILE
from .harness.toolchain import ToolchainError, toolchain, user_terraform_settings
from .verify.command import add_arguments as add_verify_arguments
from .verify.command import run as run_verify


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nbattr", description="Attributable SageMaker notebook instances."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="apply an example on the embedded emulator")
    demo.add_argument("--example", default="examples/basic", help="folder of the example")
    demo.add_argument("--keep", action="store_true", help="skip the destroy step")

    commands.add_parser("toolchain", help="print the Terraform and provider the harness uses")

    terraform = commands.add_parser(
        "terraform",
        help="run the harness's Terraform (same binary, mirror and CLI config)",
        description="Run the harness's Terraform with its CLI config. Of your shell's Terraform "
        "and AWS variables it keeps only TF_VAR_*, TF_LOG*, AWS_REGION and AWS_DEFAULT_REGION.",
    )
    terraform.add_argument("args", nargs=argparse.REMAINDER, help="terraform arguments")

    verify = commands.add_parser(
        "verify",
        help="prove through CloudTrail that each notebook's calls carry its own name",
        description="Poll CloudTrail LookupEvents until every notebook's calls are seen under "
        "its own session name, or time out. Exit 0 attributed, 1 not, 2 usage error.",
    )
    add_verify_arguments(verify)

    audit = commands.add_parser(
        "audit",
        help="find the notebooks of a role that attribution does not cover",
        description="Check every notebook instance of the role, in every region asked, against "
        "the module's lifecycle configuration and the settings attribution relies on. Exit 0 "
        "clean, 1 findings at or above --fail-on, 2 usage or access error.",
    )
    add_audit_arguments(audit)

    attribute = commands.add_parser(
        "attribute",
        help="which notebook did what: a role's calls per notebook from a trail's log files",
        description="Read a trail's log files (a folder or s3://bucket/prefix, .json.gz and "
        ".json, pruned to the --since/--until date folders) on DuckDB and report, for one "
        "role: each notebook's calls, the calls under the bare SageMaker session with their "
        "likely notebook, spoofed sessions (verify's rules), and with --resource who touched "
        "it. Exit 0 done, 1 a finding --fail-on-* asked for, 2 usage error.",
    )
    add_attribute_arguments(attribute)

    emulator = commands.add_parser("emulator", help="the embedded AWS emulator")
    emulator_commands = emulator.add_subparsers(dest="emulator_command", required=True)
    serve = emulator_commands.add_parser(
        "serve",
        help="run the emulator in the foreground",
        description="Run the emulator until Ctrl-C. It prints the variables that point the AWS "
        'CLI and SDKs at it, and the provider "aws" block that points Terraform at it (the '
        "AWS provider does not read AWS_ENDPOINT_URL).",
    )
    serve.add_argument("--port", type=int, default=0, help="loopback port (default: any free)")
    serve.add_argument(
        "--write-provider-override",
        metavar="DIR",
        type=Path,
        action="append",
        default=[],
        help=f"write the provider block into the Terraform configuration in DIR ({OVERRIDE_FILE} "
        f'over its own provider "aws" block, else {PROVIDER_FILE}); repeatable',
    )
    start = emulator_commands.add_parser(
        "start",
        help="start notebooks the running emulator holds, in the notebook sandbox (root)",
        description="Start each notebook as SageMaker would, in the notebook sandbox of the "
        "running `nbattr emulator serve`: run its lifecycle configuration's on-start script as "
        "root at the notebook's real paths, then make one AWS call as ec2-user. Without it the "
        "emulator's notebooks make no call, so `nbattr verify` finds nothing. Exit 0 all "
        "started, 1 a start failed, 2 usage error.",
    )
    start.add_argument("notebooks", nargs="+", metavar="NOTEBOOK", help="notebook instance name")
    flush = emulator_commands.add_parser(
        "flush-trails",
        help="deliver every trail's log files to its S3 bucket now",
        description="Have the running `nbattr emulator serve` write every trail's buffered "
        "records to the trail's bucket now, as CloudTrail does about every 5 minutes, and "
        "print the keys written. Exit 0 done, 2 no emulator to talk to.",
    )
    for command in (start, flush):
        command.add_argument(
            "--endpoint-url",
            metavar="URL",
            help="the emulator's endpoint (default: $AWS_ENDPOINT_URL, as serve prints it)",
        )
    return parser


def _serve(port: int, provider_dirs: list[Path]) -> int:
    # Imported here: moto takes seconds to import, and `verify` (run in users' CI) needs none.
    from .emulator import DEFAULT_REGION, Emulator
    from .harness.provider_block import provider_block, write_provider_block

    for folder in provider_dirs:
        if not folder.is_dir():
            print(f"nbattr: --write-provider-override {folder}: no such folder", file=sys.stderr)
            return 2
    from .harness.notebook_start import start_for_control

    with Emulator(port=port) as emulator:
        emulator.notebook_starter = lambda name: start_for_control(emulator, name)
        print(f"emulator listening on {emulator.endpoint} (Ctrl-C stops it)")
        print("AWS CLI and SDKs (boto3): use it with")
        for key, value in emulator.aws_environ().items():
            print(f"  export {key}={value}")
        print(
            "Terraform: the AWS provider ignores AWS_ENDPOINT_URL; give your configuration this "
            "block (or run serve with --write-provider-override DIR):\n"
        )
        print(provider_block(emulator.endpoint, DEFAULT_REGION))
        for folder in provider_dirs:
            written = write_provider_block(folder, emulator.endpoint, DEFAULT_REGION)
            print(f"wrote {written} (delete it to plan against AWS again)")
        print("then run `nbattr terraform init|apply|destroy` in it, and start its notebooks")
        print("with `nbattr emulator start NOTEBOOK...` (without that they make no AWS call).")
        sys.stdout.flush()
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            from .harness.demo import run_demo

            sys.exit(run_demo(args.example, keep=args.keep))
        if args.command == "verify":
            sys.exit(run_verify(args))
        if args.command == "attribute":
            sys.exit(run_attribute(args))
        if args.command == "audit":
            sys.exit(run_audit(args))
        if args.command == "terraform":
            tools = toolchain()
            done = subprocess.run(
                [tools.terraform.binary, *args.args], env=tools.env(user_terraform_settings())
            )
            sys.exit(done.returncode)
        if args.command == "toolchain":
            print(toolchain().describe())
            sys.exit(0)
        if args.command == "emulator" and args.emulator_command == "start":
            from .harness.control import start_notebooks

            sys.exit(start_notebooks(args.notebooks, args.endpoint_url))
        if args.command == "emulator" and args.emulator_command == "flush-trails":
            from .harness.control import flush_trails

            sys.exit(flush_trails(args.endpoint_url))
        if args.command == "emulator":
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
            sys.exit(_serve(args.port, args.write_provider_override))
    except ToolchainError as error:
        print(f"nbattr: {error}", file=sys.stderr)
        sys.exit(2)
