"""Two copies of the module in one account, and managed policies keyed by the caller.

Names the module derives (lifecycle configuration, alert rule and topic) come from the role's
name, so copies with different roles never collide; policy attachments are keyed by the
caller's names, so removing one policy touches no other attachment.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from nbattr.harness.inventory import read_inventory
from nbattr.harness.workspace import prepare
from plan_summary import changed_actions, planned_outputs

POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket",
                                                  "Resource": "*"}]}  # fmt: skip


def _set_vars(ws, tf_vars) -> None:
    """Inputs as Terraform reads them from a file (typed JSON, unlike -var strings)."""
    (ws.path / "terraform.tfvars.json").write_text(json.dumps(tf_vars))


def _apply(ws, tf_vars):
    _set_vars(ws, tf_vars)
    ws.apply()
    return ws.outputs()


@pytest.fixture
def copies(tools, clean_emulator, tmp_path):
    made = []

    def make(name):
        ws = prepare(tools, clean_emulator, tmp_path / name, ".")
        ws.init()
        made.append(ws)
        return ws

    yield make


def test_derived_names_follow_the_role_and_stay_sagemaker_names(copies):
    ws = copies("plan")
    plan = ws.plan(tf_vars={"role_name": "team.a_notebooks", "notebooks": {"nb-1": {}}})
    assert planned_outputs(plan)["lifecycle_config_name"] == "team-a-notebooks-on-start"
    long_role = "r" * 64
    plan = ws.plan(tf_vars={"role_name": long_role, "notebooks": {"nb-1": {}}})
    derived = planned_outputs(plan)["lifecycle_config_name"]
    assert derived == "r" * 54 + "-on-start" and len(derived) <= 63
    chosen = ws.plan(tf_vars={"role_name": "team-a", "lifecycle_config_name": "mine"})
    assert planned_outputs(chosen)["lifecycle_config_name"] == "mine"


@pytest.mark.long
def test_two_copies_apply_side_by_side_and_one_policy_leaves_alone(copies, clean_emulator):
    iam = clean_emulator.client("iam")
    arns = {
        key: iam.create_policy(PolicyName=key, PolicyDocument=json.dumps(POLICY))["Policy"]["Arn"]
        for key in ("first", "second", "third")
    }
    team_a = {"role_name": "team-a", "notebooks": {"a-1": {}}, "unattributed_alert": True,
              "role_managed_policy_arns": arns}  # fmt: skip
    team_b = {"role_name": "team-b", "notebooks": {"b-1": {}}, "unattributed_alert": True}
    a, b = copies("team-a"), copies("team-b")
    try:
        # Side by side in time too: each copy waits on the provider's KMS checks, not on
        # the other.
        with ThreadPoolExecutor(2) as pool:
            outputs_a, outputs_b = pool.map(_apply, (a, b), (team_a, team_b))
        assert outputs_a["lifecycle_config_name"] != outputs_b["lifecycle_config_name"]
        assert outputs_a["unattributed_alert_rule_arn"] != outputs_b["unattributed_alert_rule_arn"]

        fewer = {**team_a, "role_managed_policy_arns": {k: arns[k] for k in ("second", "third")}}
        _set_vars(a, fewer)
        plan = a.plan()
        assert changed_actions(plan) == {
            'module.execution_role.aws_iam_role_policy_attachment.managed["first"]': ["delete"]
        }
    finally:
        _set_vars(a, team_a)
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda ws: ws.destroy(), (a, b)))
    left = read_inventory(iam, clean_emulator.client("sagemaker"),
                          ["team-a-on-start", "team-b-on-start"])  # fmt: skip
    assert left.empty, f"destroy left {left}"
