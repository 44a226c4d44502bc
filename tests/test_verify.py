"""`nbattr verify` against the emulator's CloudTrail: the real command, run as users run it.

Most tests run it in this process on a `ManualClock` shared with the emulator's CloudTrail,
so polling, timeouts, backoff, the 2/s spacing and delivery delays take no real time.
`test_real_time_*` runs the installed command on the real clock, once per behaviour, and the
usage errors run it as a process too (argparse's exits).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from xml.etree import ElementTree

import pytest

from calls import assume, create_notebooks, create_role
from nbattr.harness.toolchain import clean_environ
from nbattr.verify.command import add_arguments
from verify_cli import FAST, NBATTR, as_json, verify, verify_notebooks


@pytest.fixture
def trail(clean_emulator):
    yield clean_emulator
    clean_emulator.cloudtrail.lookup_rate = 2.0
    clean_emulator.cloudtrail.delivery_delay = 0.0
    clean_emulator.cloudtrail.throttle_probability = 0.0


# The notebooks the tests verify: verify refuses at once to wait for one that does not exist.
NOTEBOOKS = ("nb-1", "nb-2", "nb-3", "nb-4", "nb-5")


@pytest.fixture
def role(trail):
    arn = create_role(trail, "notebooks")
    create_notebooks(trail, arn, *NOTEBOOKS)
    return arn


def _work(emulator, role_arn, *sessions):
    for session in sessions:
        emulator.client_as(role_arn, session).get_caller_identity()


def test_passes_when_each_notebook_has_its_own_session(trail, role, clock):
    _work(trail, role, "nb-1", "nb-2")
    done = verify_notebooks(trail, role, ["nb-1", "nb-2"], "--format", "json", clock=clock)
    assert done.returncode == 0, done.stderr
    report = as_json(done)
    assert [n["result"] for n in report["notebooks"]] == ["PASS", "PASS"]
    assert report["notebooks"][0]["calls"][0]["session_arn"].endswith("assumed-role/notebooks/nb-1")


def test_fails_for_a_notebook_that_made_no_call(trail, role, clock):
    _work(trail, role, "nb-1")
    done = verify_notebooks(trail, role, ["nb-1", "nb-3"], "--format", "json", clock=clock)
    assert done.returncode == 1
    results = {n["name"]: n["result"] for n in as_json(done)["notebooks"]}
    assert results == {"nb-1": "PASS", "nb-3": "FAIL"}
    assert as_json(done)["timed_out"] is True


def test_bypass_is_listed_and_fails_only_when_asked(trail, role, clock):
    _work(trail, role, "nb-1")  # through the harness user
    base = trail.client_as(role, "SageMaker", "sagemaker")  # the notebook's bare session
    base.list_notebook_instances()
    # The self-assume hop attribution itself makes is not a bypass.
    trail.client_as(role, "SageMaker").assume_role(RoleArn=role, RoleSessionName="nb-1")

    lenient = verify_notebooks(trail, role, ["nb-1"], "--format", "json", clock=clock)
    assert lenient.returncode == 0
    unattributed = as_json(lenient)["unattributed"]
    assert [call["event_name"] for call in unattributed] == ["ListNotebookInstances"]
    assert unattributed[0]["source_ip"] == "127.0.0.1"

    strict = verify_notebooks(trail, role, ["nb-1"], "--fail-on-unattributed", clock=clock)
    assert strict.returncode == 1
    assert "UNATTRIBUTED: 1 call(s)" in strict.stdout


def _instance(emulator, role):
    """A notebook instance's base credentials (session SageMaker, one key per instance)."""
    return emulator.client_as(role, "SageMaker")


def test_honest_notebooks_show_no_spoof_even_as_credentials_rotate(trail, role, clock):
    first, second, rotated = _instance(trail, role), _instance(trail, role), _instance(trail, role)
    assume(first, role, "nb-1").get_caller_identity()
    assume(second, role, "nb-2").get_caller_identity()
    assume(rotated, role, "nb-1").get_caller_identity()  # nb-1's next base credentials
    done = verify_notebooks(
        trail, role, ["nb-1", "nb-2"], "--format", "json", "--fail-on-spoof", clock=clock
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert as_json(done)["spoofed"] == []


def test_base_credentials_naming_another_notebook_are_reported(trail, role, clock):
    nb1, nb2 = _instance(trail, role), _instance(trail, role)
    assume(nb1, role, "nb-1").get_caller_identity()
    assume(nb2, role, "nb-2").get_caller_identity()
    assume(nb1, role, "nb-2").get_caller_identity()  # nb-1 poses as nb-2
    lenient = verify_notebooks(trail, role, ["nb-1", "nb-2"], "--format", "json", clock=clock)
    assert lenient.returncode == 0  # reported, not failed, unless asked
    spoofed = as_json(lenient)["spoofed"]
    assert [(s["claimed"], s["used_by"]) for s in spoofed] == [("nb-2", "nb-1")]
    assert spoofed[0]["evidence"].startswith("base-credentials:")
    strict = verify_notebooks(trail, role, ["nb-1", "nb-2"], "--fail-on-spoof", clock=clock)
    assert strict.returncode == 1
    assert "SPOOFED: 1 session name(s)" in strict.stdout
    assert "as nb-2 by nb-1" in strict.stdout


def test_an_attributed_session_assuming_another_name_is_reported(trail, role, clock):
    nb1, nb2 = _instance(trail, role), _instance(trail, role)
    own = assume(nb1, role, "nb-1")
    assume(nb2, role, "nb-2").get_caller_identity()
    assume(own, role, "nb-2").get_caller_identity()  # chained: nb-1's session becomes nb-2
    done = verify_notebooks(
        trail, role, ["nb-1", "nb-2"], "--format", "json", "--fail-on-spoof", clock=clock
    )
    assert done.returncode == 1
    spoofed = as_json(done)["spoofed"]
    assert [(s["claimed"], s["used_by"]) for s in spoofed] == [("nb-2", "nb-1")]
    assert spoofed[0]["evidence"].startswith("chained:")


def test_a_bypass_is_traced_to_the_notebook_whose_credentials_made_it(trail, role, clock):
    nb1, nb2 = _instance(trail, role), _instance(trail, role)
    assume(nb1, role, "nb-1").get_caller_identity()
    assume(nb2, role, "nb-2").get_caller_identity()
    nb2.get_caller_identity()  # nb-2's base credentials used directly: a bypass
    done = verify_notebooks(trail, role, ["nb-1", "nb-2"], "--format", "json", clock=clock)
    unattributed = as_json(done)["unattributed"]
    assert [(c["event_name"], c["likely_from"]) for c in unattributed] == [
        ("GetCallerIdentity", "nb-2")
    ]


def test_same_session_name_under_another_role_does_not_count(trail, role, clock):
    other = create_role(trail, "someone-elses")
    _work(trail, other, "nb-1")
    done = verify_notebooks(trail, role, ["nb-1"], "--format", "json", clock=clock)
    assert done.returncode == 1
    assert as_json(done)["notebooks"][0]["result"] == "FAIL"


def test_correct_under_half_throttling(trail, role, clock):
    _work(trail, role, "nb-1", "nb-2")
    trail.cloudtrail.throttle_probability = 0.5
    done = verify_notebooks(
        trail, role, ["nb-1", "nb-2"], "--timeout", "60s", "--format", "json", clock=clock
    )
    assert done.returncode == 0, done.stderr
    report = as_json(done)
    assert report["lookups"]["throttled"] > 0  # it was throttled, retried, and still right
    assert "Throttling" not in done.stderr


def test_waits_through_delivery_delay(trail, role, clock):
    trail.cloudtrail.delivery_delay = 6.0  # hidden from verify's first polls
    _work(trail, role, "nb-1")
    done = verify_notebooks(
        trail, role, ["nb-1"], "--timeout", "30s", "--format", "json", clock=clock
    )
    assert done.returncode == 0, done.stderr
    assert as_json(done)["lookups"]["requests"] > 2  # more than one poll was needed
    assert "waiting for nb-1" in done.stderr  # the progress display said so


@pytest.mark.long
def test_paginates_beyond_a_thousand_events(trail, role, clock):
    sts = trail.client_as(role, "nb-1")
    for _ in range(1100):
        sts.get_caller_identity()
    trail.cloudtrail.lookup_rate = None
    done = verify_notebooks(
        trail, role, ["nb-1"], "--lookup-rate", "200", "--format", "json", clock=clock
    )
    assert done.returncode == 0, done.stderr
    assert len(as_json(done)["notebooks"][0]["calls"]) == 1100


def test_stays_within_two_requests_per_second(trail, role, clock):
    names = [f"nb-{index}" for index in range(1, 6)]
    _work(trail, role, *names[:4])  # nb-5 stays silent: verify keeps polling for it
    done = verify_notebooks(trail, role, names, "--timeout", "6s", "--format", "json", clock=clock)
    assert done.returncode == 1
    report = as_json(done)
    assert report["lookups"]["throttled"] == 0 and trail.cloudtrail.lookups_throttled == 0
    assert report["lookups"]["requests_per_second"] <= 2.0


def test_real_time_stays_within_two_requests_per_second(trail, role):
    """The one run on the real clock, as the installed command: its limiter's spacing, the
    poll interval and the timeout against the emulator's real 2/s bucket."""
    names = [f"nb-{index}" for index in range(1, 6)]
    _work(trail, role, *names[:4])  # nb-5 stays silent: verify keeps polling for it
    done = verify_notebooks(trail, role, names, "--timeout", "6s", "--format", "json")
    assert done.returncode == 1
    report = as_json(done)
    assert report["lookups"]["throttled"] == 0 and trail.cloudtrail.lookups_throttled == 0
    assert report["lookups"]["requests_per_second"] <= 2.0
    assert report["timed_out"] is True


def test_every_request_passes_the_limiter_even_when_throttled(trail, role, clock):
    """botocore must not retry on its own: a retry it sent would bypass verify's 2/s
    limiter (and its count). Here verify asks for more than the emulator's 2/s allows, is
    throttled, and backs off; the emulator got exactly the requests verify counted."""
    names = ["nb-1", "nb-2", "nb-3"]
    _work(trail, role, *names)
    done = verify_notebooks(
        trail, role, names, "--lookup-rate", "4", "--format", "json", clock=clock
    )
    assert done.returncode == 0, done.stderr
    lookups = as_json(done)["lookups"]
    assert lookups["throttled"] > 0 and lookups["throttled"] == trail.cloudtrail.lookups_throttled
    received = trail.cloudtrail.lookups_served + trail.cloudtrail.lookups_throttled
    assert received == lookups["requests"]


def test_junit_has_a_case_per_notebook_and_per_kind_of_finding(trail, role, tmp_path, clock):
    _work(trail, role, "nb-1")
    trail.client_as(role, "SageMaker", "sagemaker").list_notebook_instances()  # a bypass
    out = tmp_path / "verify.xml"
    done = verify_notebooks(
        trail, role, ["nb-1", "nb-3"], "--format", "junit", "--output", str(out),
        "--fail-on-unattributed", clock=clock,
    )  # fmt: skip
    assert done.returncode == 1
    suite = ElementTree.parse(out).getroot()
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert list(cases) == ["nb-1", "nb-3", "no unattributed calls", "no spoofed sessions"]
    failed = {name for name, case in cases.items() if case.find("failure") is not None}
    assert failed == {"nb-3", "no unattributed calls"}
    assert suite.get("tests") == "4" and suite.get("failures") == "2"
    assert "ListNotebookInstances" in cases["no unattributed calls"].find("failure").text


def test_all_notebooks_discovers_the_roles_notebooks(trail, role, clock):
    create_notebooks(trail, create_role(trail, "someone-elses"), "theirs")
    _work(trail, role, *NOTEBOOKS)
    done = verify(
        trail, "--role", "notebooks", "--all-notebooks", *FAST, "--format", "json", clock=clock
    )
    assert done.returncode == 0, done.stderr
    assert [n["name"] for n in as_json(done)["notebooks"]] == list(NOTEBOOKS)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "5x", "--notebook", "nb-1"], "invalid duration '5x'"),
        ([], "no notebooks to verify"),
        (["--notebook", "nb-1", "--role", "nope"], "cannot resolve role 'nope'"),
        (["--notebook", "nb-1", "--format", "yaml"], "invalid choice: 'yaml'"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(args, message, trail, role):
    done = verify(trail, "--role", role, "--region", "us-east-1", *args)
    assert done.returncode == 2
    assert message in done.stderr


def _elsewhere(role_arn: str) -> str:
    """The same role's ARN without its path: what users write from the role's name."""
    return role_arn.replace("/service-role/", "/")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "ROLE_WITHOUT_PATH", "--notebook", "nb-1"], "role notebooks is ROLE"),
        (
            ["--role", "arn:aws:iam::123456789012:role/nobody", "--notebook", "nb-1"],
            "no role named nobody in account 123456789012",
        ),
        (["--notebook", "nb-1", "--notebook", "nb-9"], "no notebook instance nb-9 in us-east-1"),
        (["--notebook", "nb-1", "--since", "91d"], "LookupEvents returns only the last 90 days"),
    ],
)
def test_what_cannot_succeed_is_a_usage_error_within_seconds(args, message, trail, role):
    args = [role if a == "ROLE" else _elsewhere(role) if a == "ROLE_WITHOUT_PATH" else a
            for a in args]  # fmt: skip
    if "--role" not in args:
        args = ["--role", role, *args]
    message = message.replace("ROLE", role)
    started = time.monotonic()
    done = verify(trail, "--timeout", "5m", "--since", "15m", "--region", "us-east-1", *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert time.monotonic() - started < 20  # not the 5 minutes of --timeout


def test_a_role_arn_without_its_path_is_told_apart_from_an_unknown_one(trail, role):
    done = verify(trail, "--role", _elsewhere(role), "--notebook", "nb-1", *FAST)
    assert "IAM role ARNs include the role's path" in done.stderr
    assert "/service-role/" in done.stderr


def test_missing_credentials_with_an_endpoint_do_not_suggest_passing_one(trail, role):
    environ = {k: v for k, v in clean_environ(trail.aws_environ()).items()
               if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}  # fmt: skip
    done = subprocess.run(
        [NBATTR, "verify", "--endpoint-url", trail.endpoint, "--role", role,
         "--notebook", "nb-1", *FAST],
        env=environ, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "no AWS credentials found" in done.stderr
    assert "pass --endpoint-url" not in done.stderr
    assert "AWS_ACCESS_KEY_ID" in done.stderr


def _synopsis(readme: str) -> str:
    """The README's `nbattr verify` synopsis, one line."""
    block = readme.split("## Proving it: `nbattr verify`", 1)[1].split("```sh\n", 1)[1]
    return " ".join(block.split("```", 1)[0].replace("\\\n", " ").split())


def test_readme_synopsis_is_the_usage_of_verify_help(project):
    done = subprocess.run(
        [NBATTR, "verify", "--help"], capture_output=True, text=True, check=True,
        env={**os.environ, "COLUMNS": "100"},
    )  # fmt: skip
    usage = done.stdout.split("\n\n", 1)[0].removeprefix("usage: ")
    assert _synopsis((project / "README.md").read_text()) == " ".join(usage.split())
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    undocumented = [action.dest for action in parser._actions if not action.help]
    assert not undocumented, f"options without a help line: {undocumented}"
