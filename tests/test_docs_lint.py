"""The Terraform ecosystem's own checks: tflint's rules and terraform-docs tables.

Both tools are built from their pinned Go modules by `make tools` when Go is present; the
tests skip with that reason otherwise.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from layout import CONFIGS

BIN = Path(sys.executable).parent
TFLINT, TERRAFORM_DOCS = BIN / "tflint", BIN / "terraform-docs"


def _need(tool: Path) -> None:
    if not tool.exists():
        pytest.skip(f"{tool.name} is not installed: `make tools` builds it when Go is present")


@pytest.mark.parametrize("folder", CONFIGS)
def test_tflint_is_clean(folder, project):
    """Each configuration on its own (`--chdir`), as `--recursive` would, without its walk:
    that starts the ruleset plugin in every folder of the checkout (node_modules, Maven
    targets), 870 of them, and took 45 CPU seconds against 3 for these 11."""
    _need(TFLINT)
    done = subprocess.run(
        [str(TFLINT), f"--chdir={folder}", f"--config={project / '.tflint.hcl'}",
         "--format=compact"],
        cwd=project,
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("folder", CONFIGS)
def test_readme_tables_are_current(folder, project):
    _need(TERRAFORM_DOCS)
    readme = (project / folder / "README.md").read_text()
    assert "<!-- BEGIN_TF_DOCS -->" in readme and "<!-- END_TF_DOCS -->" in readme
    done = subprocess.run(
        [
            str(TERRAFORM_DOCS),
            f"--config={project / '.terraform-docs.yml'}",
            "--output-check",
            folder,
        ],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, f"{folder}/README.md is stale; run `make docs`\n{done.stderr}"
