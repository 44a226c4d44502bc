"""Shared fixtures: the toolchain, one emulator per session, private working copies."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nbattr.emulator import Emulator
from nbattr.harness.toolchain import Toolchain, toolchain
from nbattr.harness.workspace import Workspace, find_project_root, prepare
from required import required_suites, skip_must_fail

PROJECT = find_project_root(Path(__file__).parent)
EXAMPLES = ("basic", "detection", "existing-role", "vpc-kms")


def pytest_report_header() -> str:
    required = ", ".join(sorted(required_suites())) or "none (skips allowed)"
    return f"nbattr: {toolchain().describe()}; required suites: {required}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Under NBATTR_REQUIRE a skip of a required suite is reported as a failure."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    why = skip_must_fail(item.module.__name__.rsplit(".", 1)[-1] if item.module else "")
    if why is not None:
        report.outcome = "failed"
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"{why}; it skipped: {reason}"


@pytest.fixture(scope="session")
def project() -> Path:
    return PROJECT


@pytest.fixture(scope="session")
def tools() -> Toolchain:
    return toolchain()


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


@pytest.fixture
def clean_emulator(emulator: Emulator) -> Emulator:
    """The session's emulator with every resource forgotten."""
    emulator.reset()
    return emulator


WorkspaceFactory = Callable[..., Workspace]


@pytest.fixture
def workspace(tools: Toolchain, tmp_path: Path) -> WorkspaceFactory:
    """Make an initialised private copy of a configuration (default: the emulator's)."""

    def make(config: str, emulator: Emulator | None = None) -> Workspace:
        ws = prepare(tools, emulator, tmp_path / "tree", config, project=PROJECT)
        ws.init()
        return ws

    return make


@pytest.fixture(scope="session")
def reports_dir() -> Path:
    folder = Path(os.environ.get("NBATTR_REPORTS_DIR", PROJECT / "reports"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
