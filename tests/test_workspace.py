"""The working copy's one retry: only a dropped read of the emulator's response is retried."""

from __future__ import annotations

import pytest
import tftest

from nbattr.harness.workspace import DROPPED_READ, _once_more_on_a_dropped_read


def _failing(messages: list[str]):
    calls = []

    def command() -> str:
        calls.append(1)
        if messages:
            raise tftest.TerraformTestError(messages.pop(0))
        return "applied"

    return command, calls


def test_a_dropped_read_runs_the_command_once_more():
    command, calls = _failing([f"Error: read tcp 127.0.0.1:1->127.0.0.1:2: {DROPPED_READ}"])
    assert _once_more_on_a_dropped_read(command) == "applied" and len(calls) == 2


def test_a_dropped_read_wrapped_across_lines_runs_the_command_once_more():
    # As Terraform prints it (a CI run's diagnostic, wrapped at its width).
    wrapped = DROPPED_READ.replace("network ", "network\n")
    command, calls = _failing(
        [f"decomposing\nresponse: read tcp 127.0.0.1:1->127.0.0.1:2: {wrapped}"]
    )
    assert _once_more_on_a_dropped_read(command) == "applied" and len(calls) == 2


def test_a_second_dropped_read_is_raised():
    command, calls = _failing([DROPPED_READ, DROPPED_READ])
    with pytest.raises(tftest.TerraformTestError, match=DROPPED_READ):
        _once_more_on_a_dropped_read(command)
    assert len(calls) == 2


def test_any_other_failure_is_raised_at_once():
    command, calls = _failing(["Error: Invalid value for variable"])
    with pytest.raises(tftest.TerraformTestError, match="Invalid value"):
        _once_more_on_a_dropped_read(command)
    assert len(calls) == 1
