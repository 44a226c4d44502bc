"""NBATTR_REQUIRE turns skips into failures, so CI cannot pass with a suite that never ran."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from required import SUITES, required_suites, skip_must_fail

SKIPPING = """
import pytest

def test_needs_something_absent():
    pytest.skip("the tool is not installed")
"""


def test_suite_names_are_checked():
    assert required_suites("") == frozenset()
    assert required_suites("all") == {"all"}
    assert required_suites("sandbox, go-tools") == {"sandbox", "go-tools"}
    with pytest.raises(ValueError, match="unknown suites"):
        required_suites("sandbx")


def test_only_named_suites_must_run():
    assert skip_must_fail("test_sandbox", "sandbox") is not None
    assert skip_must_fail("test_docs_lint", "sandbox") is None
    assert skip_must_fail("test_anything", "all") is not None
    assert skip_must_fail("test_sandbox", "") is None
    assert {
        "sandbox",
        "network",
        "policy-evaluator",
        "go-tools",
        "provider-schema",
        "sdk-clients",
    } == SUITES


def _run_skipping_test(tmp_path: Path, require: str) -> subprocess.CompletedProcess[str]:
    """A throwaway test module that skips, run by pytest with this suite's conftest."""
    tests = Path(__file__).parent
    (tmp_path / "test_docs_lint.py").write_text(SKIPPING)  # named like a Go-tool suite module
    (tmp_path / "conftest.py").write_text((tests / "conftest.py").read_text())
    env = {"PATH": str(Path(sys.executable).parent), "NBATTR_REQUIRE": require,
           "PYTHONPATH": str(tests)}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path),
         "--rootdir", str(tmp_path), "-c", "/dev/null"],
        capture_output=True, text=True, env={**env, "NBATTR_CACHE_DIR": str(tmp_path / "c")},
    )  # fmt: skip


def test_a_skip_fails_when_its_suite_is_required(tmp_path):
    allowed = _run_skipping_test(tmp_path, "")
    assert allowed.returncode == 0 and "1 skipped" in allowed.stdout, allowed.stdout
    required = _run_skipping_test(tmp_path, "go-tools")
    assert required.returncode == 1 and "1 failed" in required.stdout, required.stdout
    assert "NBATTR_REQUIRE names go-tools" in required.stdout
    assert "the tool is not installed" in required.stdout
