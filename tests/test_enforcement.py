"""Opt-in enforcement (`enforce_attribution`), judged by a real IAM policy evaluator.

The root module is applied on the emulator with two notebooks and a managed policy that
grants S3 and CloudWatch Logs, the way SageMaker's documentation has users grant them. The
role's policies are then read back from the emulator's IAM (trust policy, inline policies,
the managed policy's default version) and every question is put to @cloud-copilot/iam-simulate
(tests/iam_simulate.py): the module's intent is checked against IAM's rules, not against
the JSON we wrote.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from applied_role import WORK_POLICY, AppliedRole, read_role
from attribution_policies import (
    assert_identity_policy_assumes_only_self,
    assert_trust_means_self_and_sagemaker,
)
from batched_cases import CaseRuns, apply_cases
from iam_simulate import Decision, Request, simulate, unavailable
from nbattr.emulator import ACCOUNT_ID as ACCOUNT
from nbattr.harness.inventory import read_inventory
from nbattr.harness.workspace import prepare

ROLE = "enforced-notebooks"
NOTEBOOKS = ("test-1", "test-2")
BUCKET = "arn:aws:s3:::notebook-data"
LOG_STREAM = (
    f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/sagemaker/NotebookInstances"
    ":log-stream:test-1/LifecycleConfigOnStart"
)
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/team-analytics"

needs_simulator = pytest.mark.skipif(bool(unavailable()), reason=str(unavailable()))


@pytest.fixture(scope="module")
def root_module(tools, emulator, tmp_path_factory):
    ws = prepare(tools, emulator, tmp_path_factory.mktemp("enforced"), ".")
    ws.init()
    return ws


def _run(ws, command: str, var_file: str) -> None:
    ws.run(command, "-auto-approve", "-input=false", "-no-color", f"-var-file={var_file}")


def _applied(root_module, emulator, enforce: bool) -> AppliedRole:
    """Apply the root module, read the role back as IAM holds it, re-plan, destroy.

    Everything happens here, not around the tests, so the module's other tests (which reset
    the emulator) never meet a half-torn-down apply.
    """
    emulator.reset()
    iam = emulator.client("iam")
    work = iam.create_policy(PolicyName="notebook-work", PolicyDocument=json.dumps(WORK_POLICY))
    tf_vars = {
        "role_name": ROLE,
        "notebooks": {name: {} for name in NOTEBOOKS},
        "role_managed_policy_arns": {"work": work["Policy"]["Arn"]},
        "enforce_attribution": enforce,
    }
    var_file = root_module.path / "enforcement.tfvars.json"
    var_file.write_text(json.dumps(tf_vars))
    try:
        _run(root_module, "apply", var_file.name)
        applied = read_role(iam, root_module.outputs(), ROLE)
        replan = root_module.run(
            "plan", "-detailed-exitcode", "-input=false", "-no-color", f"-var-file={var_file.name}"
        )
        assert replan.retcode == 0, f"second plan is not empty:\n{replan.out}"
    finally:
        _run(root_module, "destroy", var_file.name)
    left = read_inventory(iam, emulator.client("sagemaker"), [f"{ROLE}-on-start"])
    assert left.empty, f"destroy left {left}"
    return applied


@pytest.fixture(scope="module")
def enforced(root_module, emulator) -> AppliedRole:
    return _applied(root_module, emulator, enforce=True)


@pytest.fixture(scope="module")
def not_enforced(root_module, emulator) -> AppliedRole:
    return _applied(root_module, emulator, enforce=False)


def _one(request: Request) -> Decision:
    (decision,) = simulate([request])
    assert decision.errors is None, decision.errors
    return decision


# --- what enforcement changes --------------------------------------------------------------


def test_enforcement_policy_is_on_the_role_and_in_the_output(enforced):
    assert set(enforced.inline) == {"self-assume-for-attribution", "enforce-attribution"}
    assert enforced.inline["enforce-attribution"] == json.loads(
        enforced.outputs["enforcement_policy"]
    )


@needs_simulator
def test_base_session_is_denied_what_the_managed_policy_allows(enforced):
    decision = _one(enforced.call("SageMaker", "s3:CreateBucket", BUCKET))
    assert decision.decision == "ExplicitlyDenied"
    assert decision.denying_sids == {"DenyUnattributedCalls"}


@needs_simulator
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_base_session_may_hop_to_a_notebooks_session(enforced, notebook):
    decision = _one(enforced.assume_self("SageMaker", notebook))
    assert "sts:RoleSessionName" not in decision.ignored_context_keys
    assert decision.decision == "Allowed", decision
    assert decision.identity == "Allowed"  # the self-assume policy, not denied
    assert decision.resource in {"Allowed", "AllowedForAccount"}  # the trust policy


@needs_simulator
@pytest.mark.parametrize("session_name", ["not-a-notebook", "SageMaker", "test-1x"])
@pytest.mark.parametrize("caller", ["SageMaker", "test-1"])
def test_no_session_name_but_a_notebooks(enforced, caller, session_name):
    decision = _one(enforced.assume_self(caller, session_name))
    assert "sts:RoleSessionName" not in decision.ignored_context_keys
    assert decision.decision == "ExplicitlyDenied"
    assert decision.denying_sids == {"DenySessionNamesOfNoNotebook"}


@needs_simulator
def test_base_session_keeps_its_logging(enforced):
    requests = [
        enforced.call("SageMaker", "logs:CreateLogStream", LOG_STREAM),
        enforced.call("SageMaker", "logs:PutLogEvents", LOG_STREAM),
        enforced.call("SageMaker", "cloudwatch:PutMetricData", "*"),
    ]
    decisions = simulate(requests)
    assert [d.decision for d in decisions] == ["Allowed"] * 3, decisions


@needs_simulator
def test_base_session_may_assume_no_other_role(enforced):
    base, attributed = simulate(
        [
            enforced.call("SageMaker", "sts:AssumeRole", OTHER_ROLE),
            enforced.call("test-1", "sts:AssumeRole", OTHER_ROLE),
        ]
    )
    assert base.decision == "ExplicitlyDenied"
    assert base.denying_sids == {"DenyBaseSessionAssumingOtherRoles"}
    assert attributed.identity == "Allowed"  # the other role's trust policy decides the rest


@needs_simulator
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_attributed_sessions_keep_what_the_managed_policy_allows(enforced, notebook):
    decisions = simulate(
        [
            enforced.call(notebook, "s3:CreateBucket", BUCKET),
            enforced.call(notebook, "logs:PutLogEvents", LOG_STREAM),
        ]
    )
    assert [d.decision for d in decisions] == ["Allowed", "Allowed"], decisions


# --- what it leaves alone ------------------------------------------------------------------


def test_trust_and_self_assume_still_mean_the_same(enforced):
    assert_trust_means_self_and_sagemaker(enforced.trust_policy, enforced.arn)
    assert_identity_policy_assumes_only_self(
        enforced.inline["self-assume-for-attribution"], enforced.arn
    )


@needs_simulator
def test_trust_still_admits_no_other_role(enforced):
    """Another role of the account, allowed sts:AssumeRole on everything, is still refused."""
    stranger = Request(
        principal=f"arn:aws:sts::{ACCOUNT}:assumed-role/someone-else/test-1",
        action="sts:AssumeRole",
        resource=enforced.arn,
        account=ACCOUNT,
        context={
            "aws:userid": "AROAOTHERROLEEXAMPLE:test-1",
            "aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/someone-else",
            "sts:RoleSessionName": "test-1",
        },
        identity_policies={
            "anything": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
            }
        },
        resource_policy=enforced.trust_policy,
    )
    decision = _one(stranger)
    assert decision.identity == "Allowed"
    assert decision.decision == "ImplicitlyDenied"  # the trust policy does not name it


@needs_simulator
def test_without_enforcement_the_base_session_is_not_restricted(not_enforced):
    assert set(not_enforced.inline) == {"self-assume-for-attribution"}
    assert not_enforced.outputs.get("enforcement_policy") is None
    create_bucket, hop, any_name = simulate(
        [
            not_enforced.call("SageMaker", "s3:CreateBucket", BUCKET),
            not_enforced.assume_self("SageMaker", "test-1"),
            not_enforced.assume_self("SageMaker", "not-a-notebook"),
        ]
    )
    assert create_bucket.decision == "Allowed"
    assert hop.decision == "Allowed"
    assert any_name.decision == "Allowed"  # what enforcement's session-name statement stops


# --- plan-time checks ------------------------------------------------------------------------

GOOD = {"role_name": "validation-role", "notebooks": {"nb-1": {}}, "enforce_attribution": True}

CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "allowed action that is not service:Action": (
        {"enforcement_allowed_base_actions": ["sts:AssumeRole", "s3 GetObject"]},
        ["enforcement_allowed_base_actions must hold IAM action patterns", '"s3 GetObject"'],
    ),
    "allow-list without sts:AssumeRole": (
        {"enforcement_allowed_base_actions": ["logs:PutLogEvents"]},
        ["enforcement_allowed_base_actions must allow sts:AssumeRole", "logs:PutLogEvents"],
    ),
    "additional session name with a space": (
        {"additional_session_names": ["old notebook"]},
        ["additional_session_names must hold STS role session names", '"old notebook"'],
    ),
    "one-character additional session name": (
        {"additional_session_names": ["x"]},
        ["additional_session_names must hold STS role session names", '"x"'],
    ),
    "the base session's own name": (
        {"additional_session_names": ["SageMaker"]},
        ['"SageMaker" is the base session\'s own name'],
    ),
    "no session name at all": (
        {"notebooks": {}},
        ["enforce_attribution needs at least one session name"],
    ),
    "policy over IAM's inline size limit": (
        {"additional_session_names": [f"legacy-notebook-{i:03d}-" + "x" * 40 for i in range(180)]},
        ["The enforce-attribution policy is", "IAM allows 10240"],
    ),
}


@pytest.fixture(scope="module")
def enforcement_runs(tools, emulator, tmp_path_factory) -> CaseRuns:
    """Every case applied, each as its own instance of the root module (tests/batched_cases)."""
    emulator.reset()

    def leftovers() -> str:
        left = read_inventory(
            emulator.client("iam"), emulator.client("sagemaker"), [f"{ROLE}-on-start"]
        )
        return "" if left.empty else str(left)

    return apply_cases(
        tools,
        emulator,
        tmp_path_factory.mktemp("cases"),
        GOOD,
        CASES,
        leftovers,
    )


@pytest.mark.parametrize("case", list(CASES))
def test_bad_enforcement_input_fails_at_plan(case, enforcement_runs):
    assert enforcement_runs.errors[case], enforcement_runs.report(case)
    assert case not in enforcement_runs.created, enforcement_runs.created[case]
