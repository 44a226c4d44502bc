"""The README's "Try it with your own configuration" runs as written: its shell blocks, one
after the other in one shell, in a folder holding the README's Usage example (with `source`
pointing at this checkout), as a new user would run them. They cannot rot unnoticed."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from nbattr.harness.sandbox import unavailable_reason

REASON = unavailable_reason()
SECTION = "## Try it with your own configuration"


def _section(readme: str) -> str:
    assert SECTION in readme, f"README.md has no section {SECTION!r}"
    body = readme.split(SECTION, 1)[1]
    return re.split(r"^## ", body, maxsplit=1, flags=re.MULTILINE)[0]


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


def _usage_example(readme: str, checkout: Path) -> str:
    usage = readme.split("## Usage", 1)[1]
    example = _blocks(usage, "hcl")[0]
    return re.sub(r'source\s*=\s*"[^"]*"', f'source = "{checkout}"', example, count=1)


def test_the_section_holds_the_whole_path(project):
    commands = "\n".join(_blocks(_section((project / "README.md").read_text()), "sh"))
    for step in ("nbattr emulator serve --write-provider-override", "nbattr terraform apply",
                 "nbattr emulator start", "nbattr verify", "nbattr terraform destroy"):  # fmt: skip
        assert step in commands, step


@pytest.mark.long
@pytest.mark.skipif(REASON is not None, reason=REASON or "")
def test_the_readme_try_it_section_runs_as_written(project, tmp_path):
    readme = (project / "README.md").read_text()
    (tmp_path / "main.tf").write_text(_usage_example(readme, project))
    script = "set -euo pipefail\n" + "\n".join(_blocks(_section(readme), "sh"))
    (tmp_path / "try-it.sh").write_text(script)
    # A new user's shell: this checkout's .venv/bin on PATH, nothing of AWS or Terraform set.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    shell = subprocess.Popen(
        ["bash", "try-it.sh"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        out, _ = shell.communicate(timeout=900)
    finally:
        # Whatever the script left running (the emulator, if it failed before `kill`).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(shell.pid, signal.SIGKILL)
    log = (tmp_path / "emulator.log").read_text() if (tmp_path / "emulator.log").exists() else ""
    assert shell.returncode == 0, out[-4000:] + log[-2000:]
    assert "Apply complete!" in out and "Destroy complete!" in out
    for name in ("alice-exploration", "bob-training"):
        assert f"[{name}] start: exit 0: nbattr on-start: ok notebook={name}" in out, out[-4000:]
    assert "PASS: 2/2 notebooks attributed" in out, out[-4000:]
    assert not list(tmp_path.glob("_nbattr_*.tf")), "the clean-up left the provider block"
