"""`nbattr verify` on a fleet: one paginated lookup of the role's AssumeRole events instead of
one lookup per notebook, with the same verdicts as the per-notebook lookups it replaces.

Each scenario is verified twice on the same CloudTrail, `--lookup-by notebook` (the lookups
as before) and `--lookup-by role`, and the two verdicts compared; the emulator counts the
LookupEvents requests it served to each.
"""

from __future__ import annotations

import json
import math

import pytest

from calls import assume, create_notebooks, create_role
from verify_cli import as_json, verify_notebooks

FLEET = [f"nb-{index:02}" for index in range(1, 21)]
PAGE = 50  # LookupEvents returns at most 50 events a page


@pytest.fixture
def trail(clean_emulator):
    return clean_emulator


@pytest.fixture
def role(trail):
    """The role of a fleet of notebooks (verify refuses to wait for one that does not exist)."""
    return create_notebooks(trail, create_role(trail, "notebooks"), *FLEET)


def _start(emulator, role_arn, *names):
    """What a started notebook does: assume the role under its name with its own base
    credentials (session SageMaker, one key per instance) and make a call as itself."""
    instances = {}
    for name in names:
        instances[name] = emulator.client_as(role_arn, "SageMaker")
        assume(instances[name], role_arn, name).get_caller_identity()
    return instances


def _verify(emulator, role_arn, mode, clock, *extra):
    served = emulator.cloudtrail.lookups_served
    done = verify_notebooks(
        emulator, role_arn, FLEET, "--format", "json", "--lookup-by", mode, *extra, clock=clock
    )
    return done, emulator.cloudtrail.lookups_served - served


def _verdict(done):
    """What verify decided, without how it found out (calls lists, request counts)."""
    report = as_json(done)
    return {
        "exit": done.returncode,
        "passed": report["passed"],
        "notebooks": {n["name"]: n["result"] for n in report["notebooks"]},
        "unattributed": sorted(
            ((c["event_id"], c["likely_from"]) for c in report["unattributed"]), key=str
        ),
        "spoofed": sorted(
            ((s["claimed"], s["used_by"], s["evidence"]) for s in report["spoofed"]), key=str
        ),
    }


def _both(emulator, role_arn, clock, *extra):
    """(verdict, requests) of the per-notebook lookups, then of the role's lookup."""
    (old, old_requests), (new, new_requests) = (
        _verify(emulator, role_arn, mode, clock, *extra) for mode in ("notebook", "role")
    )
    assert _verdict(new) == _verdict(old), new.stdout + new.stderr
    return _verdict(new), old_requests, new_requests


def _role_events(emulator, role_arn):
    """How many events name the role among their resources (what the role's lookup pages)."""
    return sum(
        1
        for record in emulator.cloudtrail.records()
        if any(resource.get("ARN") == role_arn for resource in record.get("resources", []))
    )


def _base_events(emulator):
    return sum(
        1 for r in emulator.cloudtrail.records() if r["userIdentity"]["arn"].endswith("/SageMaker")
    )


def test_a_whole_fleet_in_a_few_requests_with_the_same_verdict(trail, role, clock):
    _start(trail, role, *FLEET)
    verdict, old_requests, new_requests = _both(trail, role, clock)
    assert verdict["exit"] == 0 and set(verdict["notebooks"].values()) == {"PASS"}
    assert old_requests >= len(FLEET)
    # One poll: the role's events and the base session's events, each in pages of 50.
    pages = math.ceil(_role_events(trail, role) / PAGE) + math.ceil(_base_events(trail) / PAGE)
    assert new_requests == pages < len(FLEET)


def test_the_role_lookup_pages_through_more_than_a_page(trail, role, clock):
    instances = _start(trail, role, *FLEET)
    for name, base in instances.items():  # each notebook renews its session five times
        for _ in range(5):
            base.assume_role(RoleArn=role, RoleSessionName=name)
    assert _role_events(trail, role) > 2 * PAGE
    done, requests = _verify(trail, role, "role", clock)
    assert done.returncode == 0, done.stdout + done.stderr
    pages = math.ceil(_role_events(trail, role) / PAGE) + math.ceil(_base_events(trail) / PAGE)
    assert requests == pages
    opened = {n["name"]: len(n["sessions_opened"]) for n in as_json(done)["notebooks"]}
    assert opened == dict.fromkeys(FLEET, 6)  # every page read


def test_a_notebook_calling_only_as_its_bare_session_fails_alike(trail, role, clock):
    instances = _start(trail, role, *FLEET[:-1])
    bare = trail.client_as(role, "SageMaker")
    bare.get_caller_identity()  # the last notebook bypasses attribution altogether
    instances[FLEET[0]].get_caller_identity()  # and the first once, as well as its own
    verdict, _, _ = _both(trail, role, clock, "--fail-on-unattributed")
    assert verdict["exit"] == 1
    assert [n for n, result in verdict["notebooks"].items() if result == "FAIL"] == [FLEET[-1]]
    assert {origin for _, origin in verdict["unattributed"]} == {FLEET[0], None}


def test_spoofed_sessions_are_reported_alike(trail, role, clock):
    instances = _start(trail, role, *FLEET)
    assume(instances["nb-01"], role, "nb-02").get_caller_identity()  # base key poses as nb-02
    own = assume(instances["nb-03"], role, "nb-03")
    assume(own, role, "nb-04").get_caller_identity()  # nb-03's session chains into nb-04
    verdict, _, _ = _both(trail, role, clock, "--fail-on-spoof")
    assert verdict["exit"] == 1
    spoofs = [
        (claimed, used_by, evidence.split(":")[0])
        for claimed, used_by, evidence in verdict["spoofed"]
    ]
    assert spoofs == [("nb-02", "nb-01", "base-credentials"), ("nb-04", "nb-03", "chained")]


def test_a_notebook_that_never_started_fails_alike_after_its_own_lookups(trail, role, clock):
    _start(trail, role, *FLEET[:-1])
    verdict, old_requests, new_requests = _both(trail, role, clock)
    assert verdict["exit"] == 1 and verdict["notebooks"][FLEET[-1]] == "FAIL"
    assert new_requests < old_requests


def test_a_session_opened_before_since_is_found_by_its_own_lookup(trail, role, clock):
    """The role's lookup cannot show an AssumeRole older than --since; the notebook's own
    lookup still finds the calls its session makes now."""
    early = assume(trail.client_as(role, "SageMaker"), role, FLEET[0])
    clock.advance(20 * 60)  # beyond verify's --since 15m; the session is still valid
    early.get_caller_identity()
    _start(trail, role, *FLEET[1:])
    verdict, _, _ = _both(trail, role, clock)
    assert verdict["exit"] == 0, verdict
    done, _ = _verify(trail, role, "role", clock)
    (first,) = [n for n in as_json(done)["notebooks"] if n["name"] == FLEET[0]]
    assert first["calls"] and not first["sessions_opened"]  # found by name, not by the role


def test_auto_reads_the_role_for_a_fleet_and_lists_what_opened_each_session(trail, role, clock):
    _start(trail, role, *FLEET)
    done, requests = _verify(trail, role, "auto", clock)
    assert done.returncode == 0 and requests < len(FLEET)
    opened = as_json(done)["notebooks"][0]["sessions_opened"]
    assert [call["event_name"] for call in opened] == ["AssumeRole"]
    table = verify_notebooks(trail, role, FLEET, clock=clock).stdout
    assert f"assumed-role/notebooks/{FLEET[0]} opened at" in table
    assert json.loads(done.stdout)["lookups"]["requests"] == requests
