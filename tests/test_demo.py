"""The README's first command: `make demo` runs `nbattr demo`, the whole story on the emulator."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from nbattr.harness.sandbox import unavailable_reason

REASON = unavailable_reason()


@pytest.mark.long
@pytest.mark.skipif(REASON is not None, reason=REASON or "")
def test_demo_applies_starts_verifies_audits_and_destroys(project):
    done = subprocess.run(
        [str(Path(sys.executable).parent / "nbattr"), "demo"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-2000:]
    for name in ("test-1", "test-2"):
        assert f"[{name}] start: exit 0: nbattr on-start: ok notebook={name}" in out
        assert "probe=ok" in out
        assert f"assumed-role/attributed-notebooks/{name}" in out
    assert "PASS: 2/2 notebooks attributed" in out
    assert "UNATTRIBUTED: 1 call(s)" in out and "ListNotebookInstances" in out
    # The bypass is listed with test-2's own address: each sandbox has its own network.
    addresses = dict(re.findall(r"\[(test-\d)\] address (\S+):", out))
    assert len(set(addresses.values())) == 2, out
    assert re.search(rf"ListNotebookInstances\s+{re.escape(addresses['test-2'])}\s", out), out
    assert "nothing left behind" in out
    # It ends with a clean audit: both notebooks on the module's unchanged script, nothing at
    # or above high (their lack of a VPC, NBA006, is low).
    assert "PASS: 2 notebook(s) audited in us-east-1; 0 finding(s) at or above high" in out
    assert "audit exit code 0" in out
