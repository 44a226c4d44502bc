"""Bad-input cases applied together: one Terraform run checks many cases.

Each case becomes a module block that calls the root module with the case's inputs, all in
one configuration, so one `terraform apply` checks them all. Terraform reports the failing
validation rules and preconditions of every module instance in a run, with one exception:
errors found while validating (rules on constant arguments, checked before planning) stop the
run before planning. So the cases whose errors a run found are set aside and the others
applied again, until a run finds nothing new.

Terraform's diagnostics do not name the module instance, so an error is attributed by
content: to the case whose expected fragments (the rule and the offending value) it carries.
An error that carries the fragments of two cases is ambiguous and counts for neither.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tftest

from nbattr.harness.toolchain import Toolchain
from nbattr.harness.workspace import prepare
from terraform_diagnostics import error_diagnostics, printed_values

CASES_DIR = "bad-input-cases"
MAX_ROUNDS = 5


@dataclass
class CaseRuns:
    """What the runs found: errors per case, and what each run found and left behind."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    rounds: list[list[str]] = field(default_factory=list)  # every error of each run
    # The values the errors print above their messages (what their conditions refer to).
    values: list[str] = field(default_factory=list)
    # What a run left in the emulator, for each case of that run: a run creates something only
    # when none of its cases failed at plan.
    created: dict[str, str] = field(default_factory=dict)

    def report(self, case: str) -> str:
        found = "\n".join(f"run {n}: {errors}" for n, errors in enumerate(self.rounds, 1))
        return f"{case}: no error carries its fragments\n{found}"


def _matching(error: str, expected: dict[str, list[str]]) -> list[str]:
    return [case for case, fragments in expected.items() if all(f in error for f in fragments)]


def apply_cases(
    tools: Toolchain,
    emulator: Any,
    destination: Path,
    good: dict[str, Any],
    cases: dict[str, tuple[dict[str, Any], list[str]]],
    leftovers: Callable[[], str],
    module: str = "",
) -> CaseRuns:
    """Apply every case (inputs over `good`, and the fragments its error must carry) as an
    instance of `module` (a folder of the module tree, default "" for the root module); `leftovers`
    describes whatever a run created (empty when nothing)."""
    inputs = {case: {**good, **overrides} for case, (overrides, _) in cases.items()}
    expected = {case: fragments for case, (_, fragments) in cases.items()}
    runs = CaseRuns(errors={case: [] for case in inputs})
    pending = dict(inputs)
    for _ in range(MAX_ROUNDS):
        if not pending:
            break
        folder = destination / f"run-{len(runs.rounds) + 1}"
        cases = folder / CASES_DIR
        cases.mkdir(parents=True)
        blocks = {
            f"case_{index}": {
                "source": f"../{module}",
                **{k: v for k, v in values.items() if v is not None},
            }
            for index, values in enumerate(pending.values())
        }
        (cases / "cases.tf.json").write_text(json.dumps({"module": blocks}, indent=1))
        ws = prepare(tools, emulator, folder, CASES_DIR)
        ws.init()
        try:
            ws.run("apply", "-auto-approve", "-input=false", "-no-color", "-json")
            errors: list[str] = []
        except tftest.TerraformTestError as failure:
            errors = error_diagnostics(failure.args[0])
            runs.values += printed_values(failure.args[0])
        runs.rounds.append(errors)
        left = leftovers()
        if left:
            runs.created.update(
                (case, f"run {len(runs.rounds)} created {left}") for case in pending
            )
        found = set()
        for error in errors:
            owners = _matching(error, {case: expected[case] for case in inputs})
            if len(owners) == 1:
                runs.errors[owners[0]].append(error)
                found.add(owners[0])
        if not found & pending.keys():
            break
        pending = {case: values for case, values in pending.items() if case not in found}
    return runs
