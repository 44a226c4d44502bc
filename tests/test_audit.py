"""`nbattr audit` on the emulator: examples/basic applied, and beside its notebooks others
created by plain boto3 the way people do (no lifecycle config, another config, root access,
IMDSv1, a retired platform, a name STS refuses, another region), each finding asserted."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from calls import create_role
from nbattr.audit.rules import RULES
from nbattr.harness.toolchain import clean_environ
from nbattr.harness.workspace import Workspace, prepare

NBATTR = str(Path(sys.executable).parent / "nbattr")
REGIONS = ["--region", "us-east-1", "--region", "us-west-2"]
ROLE = "attributed-notebooks"  # examples/basic's default role_name
CONFIG = f"{ROLE}-on-start"  # and its lifecycle configuration
OTHER_ROLE = "other-team"

# Notebook -> the rules it breaks. Every notebook outside a VPC also breaks NBA006 (low).
EXPECTED = {
    "test-1": {"NBA006"},  # the module's own notebooks: nothing worse than no VPC
    "test-2": {"NBA006"},
    "plain-no-config": {"NBA001", "NBA006"},
    "plain-other-config": {"NBA002", "NBA006"},
    "plain-missing-config": {"NBA002", "NBA006"},
    "plain-defaults": {"NBA004", "NBA005", "NBA006"},  # AWS's defaults: root on, IMDSv1
    "plain-al2": {"NBA006", "NBA007"},
    "x": {"NBA006", "NBA008"},  # one character: SageMaker takes it, STS does not
    "plain-vpc": set(),  # in a subnet without direct internet access: clean
    "west-no-config": {"NBA001", "NBA006"},  # us-west-2: found only when that region is asked
}


@dataclass
class Audited:
    emulator: Any
    ws: Workspace
    outputs: dict[str, Any]
    role_arn: str
    tools: Any


def _create(sagemaker: Any, name: str, role_arn: str, **settings: Any) -> None:
    secure = {
        "RootAccess": "Disabled",
        "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": "2"},
    }
    sagemaker.create_notebook_instance(
        NotebookInstanceName=name,
        InstanceType="ml.t3.medium",
        RoleArn=role_arn,
        **{**secure, **settings},
    )


@pytest.fixture(scope="module")
def audited(tools, emulator, tmp_path_factory) -> Audited:
    """examples/basic applied, plus the plain notebooks of EXPECTED. Not destroyed afterwards:
    whatever uses the emulator next resets it (destroy is asserted in test_apply.py)."""
    emulator.reset()
    ws = prepare(tools, emulator, tmp_path_factory.mktemp("audit"), "examples/basic")
    ws.init()
    ws.apply()
    outputs = ws.outputs()
    role_arn = outputs["role_arn"]
    sagemaker = emulator.client("sagemaker")
    sagemaker.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="someone-elses",
        OnStart=[{"Content": base64.b64encode(b"#!/bin/bash\necho hello\n").decode()}],
    )
    _create(sagemaker, "plain-no-config", role_arn)
    _create(sagemaker, "plain-other-config", role_arn, LifecycleConfigName="someone-elses")
    _create(sagemaker, "plain-missing-config", role_arn, LifecycleConfigName="deleted-since")
    # Neither RootAccess nor the metadata service version given: AWS's defaults apply.
    sagemaker.create_notebook_instance(
        NotebookInstanceName="plain-defaults",
        InstanceType="ml.t3.medium",
        RoleArn=role_arn,
        LifecycleConfigName=CONFIG,
    )
    _create(sagemaker, "plain-al2", role_arn, LifecycleConfigName=CONFIG,
            PlatformIdentifier="notebook-al2-v2")  # fmt: skip
    _create(sagemaker, "x", role_arn, LifecycleConfigName=CONFIG)
    ec2 = emulator.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="nb", Description="nb", VpcId=vpc)["GroupId"]
    _create(sagemaker, "plain-vpc", role_arn, LifecycleConfigName=CONFIG, SubnetId=subnet,
            SecurityGroupIds=[group], DirectInternetAccess="Disabled")  # fmt: skip
    _create(emulator.client("sagemaker", region="us-west-2"), "west-no-config", role_arn)
    # Another role's notebook is none of this audit's business.
    other = create_role(emulator, OTHER_ROLE)
    _create(sagemaker, "other-teams", other)
    return Audited(emulator, ws, outputs, role_arn, tools)


def audit(emulator, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [NBATTR, "audit", "--endpoint-url", emulator.endpoint, *args],
        env=env or clean_environ(emulator.aws_environ()),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _report(done) -> dict:
    assert done.stdout, done.stderr
    return json.loads(done.stdout)


def _found(report: dict) -> dict[str, set[str]]:
    return {n["name"]: set(n["findings"]) for n in report["notebooks"]}


def _sha(audited: Audited) -> list[str]:
    return ["--expected-sha256", audited.outputs["on_start_sha256"]]


def test_the_module_output_is_the_sha256_of_the_script_notebooks_get(audited):
    script = audited.outputs["on_start_script"]
    assert audited.outputs["on_start_sha256"] == hashlib.sha256(script.encode()).hexdigest()
    stored = audited.emulator.client("sagemaker").describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=CONFIG
    )
    content = base64.b64decode(stored["OnStart"][0]["Content"])
    assert hashlib.sha256(content).hexdigest() == audited.outputs["on_start_sha256"]


def test_the_emulator_reports_aws_defaults_for_settings_not_given(audited):
    described = audited.emulator.client("sagemaker").describe_notebook_instance(
        NotebookInstanceName="plain-defaults"
    )
    assert described["RootAccess"] == "Enabled"  # CreateNotebookInstance: default Enabled
    assert described["DirectInternetAccess"] == "Enabled"
    assert described["InstanceMetadataServiceConfiguration"] == {
        "MinimumInstanceMetadataServiceVersion": "1"
    }


def test_each_notebook_has_exactly_its_findings(audited):
    done = audit(audited.emulator, "--role", audited.role_arn, *REGIONS, *_sha(audited),
                 "--format", "json")  # fmt: skip
    assert done.returncode == 1, done.stderr  # high findings: NBA001, NBA002, NBA008
    report = _report(done)
    assert _found(report) == EXPECTED
    assert report["passed"] is False
    for finding in report["findings"]:
        rule = RULES[finding["rule_id"]]
        assert finding["severity"] == rule.severity.label
        assert finding["fix"] == rule.fix and finding["fix"].count("\n") == 0
    by_notebook = {(f["notebook"], f["rule_id"]): f["detail"] for f in report["findings"]}
    assert by_notebook[("plain-other-config", "NBA002")] == f"someone-elses, expected {CONFIG}"
    assert by_notebook[("plain-missing-config", "NBA002")] == (
        f"deleted-since (does not exist), expected {CONFIG}"
    )
    assert by_notebook[("plain-defaults", "NBA004")] == "RootAccess Enabled"
    assert by_notebook[("plain-al2", "NBA007")] == "PlatformIdentifier notebook-al2-v2"
    regions = {n["name"]: n["region"] for n in report["notebooks"]}
    assert regions["west-no-config"] == "us-west-2" and regions["test-1"] == "us-east-1"


def test_only_the_regions_asked_are_audited(audited):
    done = audit(audited.emulator, "--role", audited.role_arn, "--region", "us-east-1",
                 *_sha(audited), "--format", "json")  # fmt: skip
    assert set(_found(_report(done))) == set(EXPECTED) - {"west-no-config"}


def _replace_config(sagemaker: Any, on_start: list[dict[str, str]]) -> None:
    """Edit the module's configuration in place, as someone with the console or CLI would."""
    sagemaker.update_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=CONFIG, OnStart=on_start
    )


def test_changed_content_of_the_module_config_is_found(audited):
    sagemaker = audited.emulator.client("sagemaker")
    original = sagemaker.describe_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=CONFIG
    )["OnStart"]
    tampered = base64.b64decode(original[0]["Content"]) + b"\nexport AWS_CONFIG_FILE=/tmp/x\n"
    _replace_config(sagemaker, [{"Content": base64.b64encode(tampered).decode()}])
    try:
        done = audit(audited.emulator, "--role", audited.role_arn, "--region", "us-east-1",
                     *_sha(audited), "--format", "json")  # fmt: skip
        found = _found(_report(done))
        # Every notebook on the module's configuration; the others are reported as before.
        on_module_config = {"test-1", "test-2", "plain-defaults", "plain-al2", "x", "plain-vpc"}
        for name, rules in found.items():
            expected = EXPECTED[name] | ({"NBA003"} if name in on_module_config else set())
            assert rules == expected, name
        detail = next(f["detail"] for f in _report(done)["findings"] if f["rule_id"] == "NBA003")
        assert hashlib.sha256(tampered).hexdigest() in detail
        # Without the expected digest the content is not compared, and the report says so.
        blind = audit(audited.emulator, "--role", audited.role_arn, "--region", "us-east-1")
        assert "on-start content not compared" in blind.stdout
        assert "NBA003" not in blind.stdout
    finally:
        _replace_config(sagemaker, original)


def test_terraform_dir_gives_the_digest_and_the_config_name(audited):
    env = audited.tools.env(
        {**audited.emulator.aws_environ(), "TERRAFORM": str(audited.tools.terraform.binary)}
    )
    done = audit(audited.emulator, "--role", audited.role_arn, *REGIONS,
                 "--terraform-dir", str(audited.ws.path), "--format", "json", env=env)  # fmt: skip
    report = _report(done)
    assert report["expected"]["on_start_sha256"] == audited.outputs["on_start_sha256"]
    assert report["expected"]["lifecycle_config_name"] == CONFIG
    assert "terraform outputs of" in report["expected"]["source"]
    assert _found(report) == EXPECTED


def test_fail_on_sets_the_exit_code_and_a_role_by_name_gets_the_default_config_name(audited):
    """Another team's notebook set up by hand exactly as the module would: only NBA006 (low)."""
    sagemaker = audited.emulator.client("sagemaker")
    script = audited.outputs["on_start_script"].encode()
    sagemaker.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=f"{OTHER_ROLE}-on-start",
        OnStart=[{"Content": base64.b64encode(script).decode()}],
    )
    sagemaker.update_notebook_instance(
        NotebookInstanceName="other-teams", LifecycleConfigName=f"{OTHER_ROLE}-on-start"
    )
    try:
        clean = audit(audited.emulator, "--role", OTHER_ROLE, "--region", "us-east-1",
                      *_sha(audited))  # fmt: skip
        assert clean.returncode == 0, clean.stdout + clean.stderr
        assert "PASS: 1 notebook(s) audited" in clean.stdout
        assert "NBA006 low    other-teams" in clean.stdout
        assert "fix: Give the notebook a subnet_id" in clean.stdout
        strict = audit(audited.emulator, "--role", OTHER_ROLE, "--region", "us-east-1",
                       *_sha(audited), "--fail-on", "low")  # fmt: skip
        assert strict.returncode == 1 and "FAIL: 1 notebook(s)" in strict.stdout
    finally:
        sagemaker.update_notebook_instance(
            NotebookInstanceName="other-teams", DisassociateLifecycleConfig=True
        )


def test_sarif_has_every_rule_and_one_located_result_per_finding(audited, tmp_path):
    out = tmp_path / "audit.sarif"
    done = audit(audited.emulator, "--role", audited.role_arn, *REGIONS, *_sha(audited),
                 "--format", "sarif", "--output", str(out),
                 "--source-file", "infra/notebooks.tf")  # fmt: skip
    assert done.returncode == 1 and done.stdout == "", done.stderr
    sarif = json.loads(out.read_text())
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [f"NBA00{i}" for i in range(1, 9)]
    for rule in rules:
        assert rule["help"]["text"].startswith("Fix: ")
        assert 0 < float(rule["properties"]["security-severity"]) <= 10
    results = run["results"]
    expected = sorted((n, r) for n, rules in EXPECTED.items() for r in rules)
    found = sorted(
        (res["locations"][0]["logicalLocations"][0]["name"], res["ruleId"]) for res in results
    )
    assert found == expected
    levels = {"high": "error", "medium": "warning", "low": "note"}
    for result in results:
        rule = rules[result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        assert result["level"] == levels[RULES[rule["id"]].severity.label]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "infra/notebooks.tf"
        assert location["region"]["startLine"] == 1
    fingerprints = [r["partialFingerprints"]["nbattrFinding/v1"] for r in results]
    assert len(set(fingerprints)) == len(fingerprints)


def test_junit_fails_the_notebooks_with_findings_at_or_above_fail_on(audited):
    done = audit(audited.emulator, "--role", audited.role_arn, *REGIONS, *_sha(audited),
                 "--format", "junit", "--fail-on", "medium")  # fmt: skip
    suite = ElementTree.fromstring(done.stdout)
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == set(EXPECTED)
    order = {rule.id: rule.severity for rule in RULES.values()}
    failing = {n for n, rules in EXPECTED.items() if any(order[r] >= 2 for r in rules)}
    assert {n for n, case in cases.items() if case.find("failure") is not None} == failing
    assert suite.get("failures") == str(len(failing))
    assert "NBA006" in cases["test-1"].find("system-out").text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--expected-sha256", "abc"], "is not 64 hex digits"),
        (["--role", "no-such-role"], "cannot resolve role 'no-such-role'"),
        (["--terraform-dir", "."], "cannot run `/nonexistent/terraform output -json`"),
    ],
)
def test_usage_errors_exit_2(audited, args, message):
    role = [] if "--role" in args else ["--role", audited.role_arn]
    env = clean_environ({**audited.emulator.aws_environ(), "TERRAFORM": "/nonexistent/terraform"})
    done = audit(audited.emulator, *role, "--region", "us-east-1", *args, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr


def test_a_terraform_dir_without_the_output_is_a_usage_error(audited, tmp_path):
    env = audited.tools.env(
        {**audited.emulator.aws_environ(), "TERRAFORM": str(audited.tools.terraform.binary)}
    )
    done = audit(audited.emulator, "--role", audited.role_arn, "--region", "us-east-1",
                 "--terraform-dir", str(tmp_path), env=env)  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "has no output on_start_sha256" in done.stderr


def test_an_unreachable_endpoint_is_an_access_error(audited):
    done = subprocess.run(
        [NBATTR, "audit", "--endpoint-url", "http://127.0.0.1:9", "--role", audited.role_arn,
         "--region", "us-east-1"],
        env=clean_environ(audited.emulator.aws_environ()), capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and "AWS refused a call" in done.stderr, done.stderr
