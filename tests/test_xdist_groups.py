"""A shared setup is made once per run: the tests that use it go to one pytest-xdist worker
(tests/conftest.py groups them), a parametrised one once per parameter."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

# Named like a shared setup of the suite (conftest.SHARED_SETUPS), parametrised by engine
# as the validation runs are; every setup writes a line to SETUPS.
SHARED = """
import os
import pytest

@pytest.fixture(scope="module", params=["terraform", "opentofu"])
def validation_runs(request):
    with open(os.environ["SETUPS"], "a") as setups:
        setups.write(request.param + "\\n")
    return request.param

@pytest.mark.parametrize("case", range(12))
def test_case(case, validation_runs):
    pass

@pytest.mark.parametrize("other", range(12))
def test_unshared(other):
    pass
"""


def test_a_parametrised_shared_setup_is_made_once_per_parameter(tmp_path):
    tests = Path(__file__).parent
    (tmp_path / "test_validation.py").write_text(SHARED)
    (tmp_path / "conftest.py").write_text((tests / "conftest.py").read_text())
    setups = tmp_path / "setups.txt"
    env = {"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(tests),
           "SETUPS": str(setups), "NBATTR_CACHE_DIR": str(tmp_path / "c")}  # fmt: skip
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path),
         "--rootdir", str(tmp_path), "-c", "/dev/null", "-n", "4", "--dist", "loadgroup"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "36 passed" in run.stdout, run.stdout
    assert Counter(setups.read_text().split()) == {"terraform": 1, "opentofu": 1}
