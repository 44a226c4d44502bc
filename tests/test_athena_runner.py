"""The Athena runner of `nbattr attribute --athena` against the emulator's Athena, which runs
the query on DuckDB (nbattr.emulator.athena) and times its states on the test's clock."""

from __future__ import annotations

import argparse

import boto3
import pytest

from manual_clock import ManualClock
from nbattr.attribute.athena import AthenaQueryFailed, AthenaRunner, AthenaTimeout
from nbattr.attribute.command import add_arguments, run
from nbattr.emulator.constants import DEFAULT_REGION, TEST_CREDENTIALS

WORKGROUP = "forensics"
RESULTS = "athena-results-runner"
ROWS = 2500  # more than two pages of GetQueryResults' 1000
SERIES = (
    f"SELECT n, n % 2 = 0 AS even, 'x' || CAST(n AS varchar) AS label"
    f" FROM UNNEST(sequence(1, {ROWS})) AS t(n)"
)


@pytest.fixture
def athena(clean_emulator):
    clock = ManualClock()
    clean_emulator.athena.use_clock(clock)
    clean_emulator.client("s3").create_bucket(Bucket=RESULTS)
    clean_emulator.client("athena").create_work_group(
        Name=WORKGROUP,
        Configuration={
            "ResultConfiguration": {
                "OutputLocation": f"s3://{RESULTS}/out/",
                "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
            },
            "EnforceWorkGroupConfiguration": True,
        },
    )
    knobs = (clean_emulator.athena.queued_seconds, clean_emulator.athena.running_seconds)
    yield clock
    clean_emulator.athena.queued_seconds, clean_emulator.athena.running_seconds = knobs
    clean_emulator.athena.use_clock(None)


def _client(emulator):
    """A client of this test's own: the events a test registers go with it."""
    return boto3.session.Session(
        aws_access_key_id=TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=DEFAULT_REGION,
    ).client("athena", endpoint_url=emulator.endpoint)


def _runner(emulator, clock, client=None, **knobs) -> AthenaRunner:
    client = client or _client(emulator)
    return AthenaRunner(client, WORKGROUP, "default", clock=clock, **knobs)


def test_rows_span_pages_typed_without_the_header(athena, clean_emulator):
    calls = []
    client = _client(clean_emulator)
    client.meta.events.register(
        "provide-client-params.athena.GetQueryResults", lambda params, **_: calls.append(params)
    )
    rows = _runner(clean_emulator, athena, client).rows(SERIES)
    assert [row["n"] for row in rows] == list(range(1, ROWS + 1))
    assert rows[1] == {"n": 2, "even": True, "label": "x2"}
    assert len(calls) == 3 and all(call["MaxResults"] == 1000 for call in calls)


def test_parameters_fill_the_question_marks_in_the_order_written(athena, clean_emulator):
    """Athena gives ExecutionParameters to the `?`s as they are written, however deep each
    sits in the query's tree (the saved queries end with a BETWEEN that nests least deep)."""
    sql = (
        "SELECT n FROM UNNEST(sequence(1, 9)) AS t(n)"
        " WHERE n > ? AND n <> ? AND n % 2 = ? AND n BETWEEN ? AND ? ORDER BY n"
    )
    rows = _runner(clean_emulator, athena).rows(sql, ["1", "3", "1", "2", "7"])
    assert [row["n"] for row in rows] == [5, 7]


def test_runner_waits_through_queued_and_running(athena, clean_emulator):
    clean_emulator.athena.queued_seconds, clean_emulator.athena.running_seconds = 3, 10
    client = _client(clean_emulator)
    runner = _runner(clean_emulator, athena, client)
    execution_id = runner.start("SELECT 1 AS one")
    seen = []
    client.meta.events.register(
        "after-call.athena.GetQueryExecution",
        lambda parsed, **kw: seen.append(parsed["QueryExecution"]["Status"]["State"]),
    )
    runner.wait(execution_id)
    assert seen[0] == "QUEUED" and "RUNNING" in seen and seen[-1] == "SUCCEEDED"
    assert list(runner.results(execution_id)) == [{"one": 1}]
    located = client.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]
    key = f"out/{execution_id}.csv"
    assert located["ResultConfiguration"]["OutputLocation"] == f"s3://{RESULTS}/{key}"
    stored = clean_emulator.client("s3").get_object(Bucket=RESULTS, Key=key)
    assert stored["Body"].read() == b'"one"\n"1"\n'
    assert stored["ServerSideEncryption"] == "AES256"


def test_failed_query_raises_with_athenas_reason(athena, clean_emulator):
    with pytest.raises(AthenaQueryFailed, match=r"FAILED: TABLE_NOT_FOUND.*nowhere"):
        _runner(clean_emulator, athena).rows("SELECT eventid FROM nowhere")


def test_timeout_cancels_the_query(athena, clean_emulator):
    clean_emulator.athena.running_seconds = 3600
    runner = _runner(clean_emulator, athena, timeout=60)
    with pytest.raises(
        AthenaTimeout, match=r"still RUNNING after \d+ s \(timeout 60 s\); cancelled it"
    ):
        runner.rows("SELECT 1 AS one")
    (execution_id,) = clean_emulator.client("athena").list_query_executions(WorkGroup=WORKGROUP)[
        "QueryExecutionIds"
    ]
    state = clean_emulator.client("athena").get_query_execution(QueryExecutionId=execution_id)
    assert state["QueryExecution"]["Status"]["State"] == "CANCELLED"
    assert athena.monotonic() <= 60


def _cli(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_cli_failed_query_exits_2_with_the_reason(athena, clean_emulator, capsys):
    runner = _runner(clean_emulator, athena)
    args = _cli("--athena", "--workgroup", WORKGROUP, "--database", "nbattr",
                "--table", "missing_table", "--role", "team-role")  # fmt: skip
    assert run(args, athena=runner) == 2
    error = capsys.readouterr().err
    assert "nbattr attribute: Athena query" in error and "FAILED: TABLE_NOT_FOUND" in error
    assert "missing_table" in error


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--athena", "--role", "r"], "--athena needs --workgroup and --database"),
        (
            ["--athena", "--workgroup", "w", "--database", "d;drop", "--role", "r"],
            "not a Glue name",
        ),
        (["--workgroup", "w", "--database", "d", "--role", "r"], "pass the trail's log files"),
        (
            ["--athena", "s3://b", "--workgroup", "w", "--database", "d", "--role", "r"],
            "pass no folder or S3 URL",
        ),
    ],
)
def test_cli_usage_errors_exit_2(argv, message, capsys):
    assert run(_cli(*argv)) == 2
    assert message in capsys.readouterr().err
