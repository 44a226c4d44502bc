"""A shared setup is made once per run: the tests that use it go to one pytest-xdist worker
(tests/conftest.py groups them), a parametrised one once per parameter. Tests marked long are
handed out before the other single tests."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

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


# Single tests; the long one is written last.
SINGLES = """
import pytest

def test_first_written():
    pass

def test_second_written():
    pass

@pytest.mark.long
def test_long_written_last():
    pass
"""


def _pytest_on(tests: dict[str, str], where: Path, *args: str) -> subprocess.CompletedProcess:
    """pytest with the suite's conftest.py on `tests` (file name -> text) in `where`."""
    here = Path(__file__).parent
    for name, text in {**tests, "conftest.py": (here / "conftest.py").read_text()}.items():
        (where / name).write_text(text)
    env = {"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(here),
           "SETUPS": str(where / "setups.txt"), "NBATTR_CACHE_DIR": str(where / "c")}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(where),
         "--rootdir", str(where), "-c", "/dev/null", *args],
        capture_output=True, text=True, env=env,
    )  # fmt: skip


@pytest.mark.long
def test_a_parametrised_shared_setup_is_made_once_per_parameter(tmp_path):
    run = _pytest_on({"test_validation.py": SHARED}, tmp_path, "-n", "2", "--dist", "loadgroup")
    setups = tmp_path / "setups.txt"
    assert run.returncode == 0, run.stdout + run.stderr
    assert "36 passed" in run.stdout, run.stdout
    assert Counter(setups.read_text().split()) == {"terraform": 1, "opentofu": 1}


def test_a_long_test_is_handed_out_before_the_other_single_tests(tmp_path):
    run = _pytest_on({"test_singles.py": SINGLES}, tmp_path, "--collect-only")
    assert run.returncode == 0, run.stdout + run.stderr
    collected = [line.rsplit("::", 1)[-1] for line in run.stdout.splitlines() if "::" in line]
    assert collected == ["test_long_written_last", "test_first_written", "test_second_written"]
