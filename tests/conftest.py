"""Shared fixtures: the toolchain, one emulator per session, private working copies."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from manual_clock import ManualClock
from nbattr.emulator import Emulator
from nbattr.harness.toolchain import (
    Toolchain,
    ToolchainError,
    find_tofu,
    toolchain,
    toolchain_for,
)
from nbattr.harness.workspace import Workspace, find_project_root, prepare
from required import required_suites, skip_must_fail

PROJECT = find_project_root(Path(__file__).parent)

# A worker holds a large heap (moto's backends and models, botocore's) and every test
# allocates much more, so CPython's default thresholds (700, 10, 10) run a full collection
# over that heap every few seconds: a fifth of a worker's CPU on the verify, attribute and
# Athena modules. Collecting the young generation less often leaves most short-lived objects
# to reference counting; measured there, 2.6 -> 1.6 CPU s of collection per worker.
gc.set_threshold(10_000, 20, 20)
EXAMPLES = ("basic", "detection", "existing-role", "forensics", "vpc-kms")


def pytest_report_header() -> str:
    required = ", ".join(sorted(required_suites())) or "none (skips allowed)"
    return f"nbattr: {toolchain().describe()}; required suites: {required}"


# Module-scoped fixtures that apply Terraform, start an emulator process or build something
# slow. The tests that use one run on the same pytest-xdist worker (`--dist loadgroup`), so
# it is made once; every other test goes to whichever worker is free. Each worker has its own
# emulator.
SHARED_SETUPS = frozenset(
    {"deployed", "fault_deployed", "imds_deployed", "partition_scripts", "scene", "enforced",
     "not_enforced", "rendered_scripts", "light", "validation_runs", "enforcement_runs",
     "audited", "aws_schema", "sdk_notebook", "served"}
)  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "long: takes tens of seconds alone; scheduled first (tests/conftest.py)"
    )


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        shared = sorted(SHARED_SETUPS.intersection(getattr(item, "fixturenames", ())))
        if shared and item.module is not None:
            # A parametrised setup (Terraform or OpenTofu) is one setup per parameter. No "]"
            # in a group: pytest-xdist reads "...]@group" as a parameter, not a group
            # (LoadGroupScheduling._split_scope), and sends each test anywhere.
            params = getattr(getattr(item, "callspec", None), "params", {})
            shared = [f"{name}={params[name]}" if name in params else name for name in shared]
            group = f"{item.module.__name__.rsplit('.', 1)[-1]}:{'+'.join(shared)}"
            item.add_marker(pytest.mark.xdist_group(group))
    # pytest-xdist hands out the groups first (most tests first), then single tests in this
    # order. A long test handed out last kept one worker busy for tens of seconds while the
    # others idled (its queue of next tests waited behind it too), so long tests go first.
    items.sort(key=lambda item: item.get_closest_marker("long") is None)  # stable


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: three workers per core, at most 8. Much of a worker's time is spent waiting
    (the AWS provider's propagation checks, CloudTrail delays, notebook starts), and each
    worker's emulator and Terraform runs take a few hundred MB. With two per core the
    machine still idled a tenth of the run."""
    return max(2, min(8, 3 * len(os.sched_getaffinity(0))))


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
def opentofu() -> Toolchain:
    """OpenTofu (built by `make tools`), with the same provider mirror under its registry."""
    try:
        return toolchain_for(find_tofu())
    except ToolchainError as missing:
        pytest.skip(str(missing))


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running


@pytest.fixture
def clean_emulator(emulator: Emulator) -> Emulator:
    """The session's emulator with every resource forgotten."""
    emulator.reset()
    return emulator


@pytest.fixture
def clock(clean_emulator: Emulator) -> Iterator[ManualClock]:
    """Time for the emulator's CloudTrail (and a verify run in-process with it) until the test
    ends; it passes only as they sleep."""
    manual = ManualClock()
    clean_emulator.cloudtrail.use_clock(manual)
    yield manual
    clean_emulator.cloudtrail.use_clock(None)


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
