"""The README's layout block is the tree: every path it names exists, and every module,
example and Python package of the project is named there."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from layout import CONFIGS


def _layout_block(readme: str) -> list[str]:
    """The fenced block that starts with the root module's files."""
    block: list[str] | None = None
    for line in readme.splitlines():
        if line.startswith("```"):
            if block is not None and block[:1] and block[0].startswith("main.tf"):
                return block
            block = [] if block is None else None
        elif block is not None:
            block.append(line)
    raise AssertionError("README.md has no layout block starting with main.tf")


def _named_paths(lines: list[str]) -> list[str]:
    """Paths at the start of each entry: before the two spaces that open its description."""
    return [
        path for line in lines if line and not line[0].isspace()
        for path in re.split(r"\s{2,}", line, maxsplit=1)[0].split()
    ]  # fmt: skip


def _continuations(lines: list[str], start: int) -> int:
    """How many indented lines continue the entry at `start`."""
    count = 0
    for line in lines[start + 1 :]:
        if not line[:1].isspace():
            break
        count += 1
    return count


def test_every_path_in_the_layout_block_exists(project: Path):
    paths = _named_paths(_layout_block((project / "README.md").read_text()))
    assert paths, "the layout block names no path"
    missing = [path for path in paths if not (project / path).exists()]
    assert not missing, f"README layout names paths that do not exist: {missing}"


def test_every_module_example_and_package_is_in_the_layout_block(project: Path):
    lines = _layout_block((project / "README.md").read_text())
    named = {path.rstrip("/") for path in _named_paths(lines)}
    expected = {f"modules/{d.name}" for d in (project / "modules").iterdir() if d.is_dir()}
    package = project / "src" / "nbattr"
    expected |= {
        f"src/nbattr/{entry.name}"
        for entry in package.iterdir()
        if (entry.is_dir() and (entry / "__init__.py").exists())
        or (entry.suffix == ".py" and entry.name != "__init__.py")
    }
    assert not expected - named, f"missing from the README layout block: {expected - named}"
    start = next(i for i, line in enumerate(lines) if line.startswith("examples/"))
    examples = " ".join(lines[start : start + 1 + _continuations(lines, start)])
    unnamed = [d.name for d in (project / "examples").iterdir() if d.name not in examples]
    assert not unnamed, f"examples missing from the README layout block: {unnamed}"


def test_the_configurations_the_checks_run_on_are_every_terraform_folder(project: Path):
    """validate, tflint and terraform-docs run on CONFIGS: a new module must not slip past."""
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.tf"],
        cwd=project, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    folders = {str(Path(path).parent) for path in tracked}
    assert folders == set(CONFIGS), (folders - set(CONFIGS), set(CONFIGS) - folders)
