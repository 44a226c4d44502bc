"""The WSGI layer in front of moto that answers Athena's query calls with real results.

Query states follow the API Reference's QueryExecutionStatus: "QUEUED indicates that the
query has been submitted to the service, and Athena will execute the query as soon as
resources are available. RUNNING indicates that the query is in execution phase. SUCCEEDED
... FAILED ... CANCELLED indicates that a user input interrupted query execution." A query is
QUEUED for `queued_seconds`, RUNNING for `running_seconds` more, then SUCCEEDED or FAILED
(with StateChangeReason and AthenaError; ErrorCategory 2 is a user error), all on the
emulator's clock, so a poller sees each state; StopQueryExecution cancels one not finished.
The query itself runs at once when submitted (engine.py); only its state is timed.

Results go where the workgroup says, and the workgroup's settings win over the request's
when it enforces them (Athena User Guide, "Override client-side settings"); without any
output location StartQueryExecution fails as Athena does. GetQueryResults of a query that
has not succeeded is refused with InvalidRequestException.

Also what moto 5.2.5 lacks that the AWS provider needs: ListTagsForResource of a workgroup
without tags (moto: "Does Not Exist"; Athena: an empty list), and DeleteNamedQuery.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from moto.athena.models import athena_backends

from ...verify.clock import Clock, SystemClock
from ..aws_managed_policies import account_id_from
from ..cloudtrail.requests import parse
from ..wsgi import AWS_JSON, App, buffered_body, respond, run_app
from .engine import Answer, QueryError, run_query
from .results import MAX_RESULTS, csv_file, page
from .tables import Table, read_table

_ACTIONS = {
    "StartQueryExecution",
    "GetQueryExecution",
    "GetQueryResults",
    "StopQueryExecution",
    "ListTagsForResource",
    "DeleteNamedQuery",
}
FINAL = ("SUCCEEDED", "FAILED", "CANCELLED")
ClientFactory = Callable[[str, str], Any]  # (service, region) -> an internal boto3 client


@dataclass
class _Execution:
    query: str
    workgroup: str
    context: dict[str, Any]
    result_configuration: dict[str, Any]
    submitted: datetime
    answer: Answer | None = None
    error: str | None = None
    cancelled: datetime | None = None


@dataclass
class AthenaQueries:
    """Knobs and kept executions. `queued_seconds` and `running_seconds`: how long a query
    stays in each state, on the real clock unless a test gives its own with `use_clock`."""

    queued_seconds: float = 0.2
    running_seconds: float = 0.5
    _executions: dict[str, _Execution] = field(default_factory=dict)
    _clock: Clock = field(default_factory=SystemClock)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def use_clock(self, clock: Clock | None) -> None:
        with self._lock:
            self._clock = clock or SystemClock()

    def now(self) -> datetime:
        with self._lock:
            return self._clock.now()

    def __post_init__(self) -> None:
        self._knobs = (self.queued_seconds, self.running_seconds)  # what reset() returns to

    def reset(self) -> None:
        """Forget every execution and put the knobs back as they were made."""
        with self._lock:
            self._executions.clear()
            self.queued_seconds, self.running_seconds = self._knobs

    def add(self, execution_id: str, execution: _Execution) -> None:
        with self._lock:
            self._executions[execution_id] = execution

    def get(self, execution_id: str) -> _Execution | None:
        with self._lock:
            return self._executions.get(execution_id)

    def completed(self, execution: _Execution) -> datetime:
        """When a final query ended: cancelled, or queued and run for the knobs' seconds."""
        ran = timedelta(seconds=self.queued_seconds + self.running_seconds)
        return execution.cancelled or execution.submitted + ran

    def state(self, execution: _Execution) -> str:
        now = self.now()
        if execution.cancelled is not None:
            return "CANCELLED"
        waited = (now - execution.submitted).total_seconds()
        if waited < self.queued_seconds:
            return "QUEUED"
        if waited < self.queued_seconds + self.running_seconds:
            return "RUNNING"
        return "FAILED" if execution.error is not None else "SUCCEEDED"


class AthenaApi:
    """WSGI middleware in front of moto: Athena's query calls, answered from DuckDB."""

    def __init__(self, app: App, queries: AthenaQueries, client: ClientFactory) -> None:
        self._app = app
        self._queries = queries
        self._client = client

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        action = target.rsplit(".", 1)[-1]
        if not target.startswith("AmazonAthena.") or action not in _ACTIONS:
            return self._app(environ, start_response)
        body = buffered_body(environ)
        request = parse(environ, body)
        if request is None:
            return self._app(environ, start_response)
        asked = json.loads(body or b"{}")
        account = account_id_from(request.access_key_id)
        backend = athena_backends[account][request.region]
        if action == "ListTagsForResource":
            return self._tags(start_response, backend, asked, environ)
        if action == "DeleteNamedQuery":
            if backend.named_queries.pop(asked.get("NamedQueryId", ""), None) is None:
                return _invalid(start_response, "NamedQuery not found")
            return respond(start_response, "200 OK", b"{}", AWS_JSON)
        if action == "StartQueryExecution":
            return self._start(environ, start_response, request.region, asked)
        execution = self._queries.get(asked.get("QueryExecutionId", ""))
        if execution is None:
            return self._app(environ, start_response)  # not ours: moto's answer
        if action == "StopQueryExecution":
            if self._queries.state(execution) not in FINAL:
                execution.cancelled = self._queries.now()
            return respond(start_response, "200 OK", b"{}", AWS_JSON)
        if action == "GetQueryExecution":
            described = self._describe(asked["QueryExecutionId"], execution)
            return respond(start_response, "200 OK", json.dumps(described).encode(), AWS_JSON)
        return self._results(start_response, execution, asked)

    def _tags(self, start_response: Any, backend: Any, asked: dict[str, Any], environ: Any) -> Any:
        arn = str(asked.get("ResourceARN", ""))
        known = [g.arn for g in backend.work_groups.values()]
        if arn in known and not backend.tagger.has_tags(arn):
            return respond(start_response, "200 OK", json.dumps({"Tags": []}).encode(), AWS_JSON)
        return self._app(environ, start_response)

    def _start(self, environ: Any, start_response: Any, region: str, asked: dict[str, Any]) -> Any:
        workgroup_name = asked.get("WorkGroup") or "primary"
        athena = self._client("athena", region)
        try:
            workgroup = athena.get_work_group(WorkGroup=workgroup_name)["WorkGroup"]
        except Exception:
            workgroup = None
        if not workgroup:
            return _invalid(start_response, f"WorkGroup {workgroup_name} is not found.")
        configuration = workgroup.get("Configuration", {})
        results = configuration.get("ResultConfiguration", {})
        if not configuration.get("EnforceWorkGroupConfiguration"):
            results = {**results, **(asked.get("ResultConfiguration") or {})}
        if not results.get("OutputLocation"):
            return _invalid(
                start_response,
                "No output location provided. An output location is required either through"
                " the Workgroup result configuration setting or as an API input.",
            )
        status, headers, data = run_app(self._app, environ)  # moto keeps the id and listings
        if not status.startswith("200"):
            return respond(start_response, status, data, headers=headers)
        execution_id = json.loads(data)["QueryExecutionId"]
        context = asked.get("QueryExecutionContext") or {}
        execution = _Execution(
            asked.get("QueryString", ""), workgroup_name, context, results, self._queries.now()
        )
        try:
            execution.answer = run_query(
                execution.query,
                [str(p) for p in asked.get("ExecutionParameters") or []],
                context.get("Database"),
                lambda database, name: self._table(region, database, name),
            )
            self._write_results(region, execution_id, execution)
        except QueryError as error:
            execution.error = str(error)
        self._queries.add(execution_id, execution)
        return respond(start_response, "200 OK", data, AWS_JSON)

    def _table(self, region: str, database: str, name: str) -> Table:
        glue = self._client("glue", region)
        try:
            table = glue.get_table(DatabaseName=database, Name=name)["Table"]
        except glue.exceptions.EntityNotFoundException as missing:
            raise KeyError(name) from missing
        return read_table(table, self._client("s3", region), self._queries.now())

    def _write_results(self, region: str, execution_id: str, execution: _Execution) -> None:
        assert execution.answer is not None
        location = execution.result_configuration["OutputLocation"]
        bucket, _, prefix = location.removeprefix("s3://").partition("/")
        key = f"{prefix.rstrip('/')}/{execution_id}.csv".lstrip("/")
        encryption = execution.result_configuration.get("EncryptionConfiguration") or {}
        extra: dict[str, str] = {}
        if encryption.get("EncryptionOption") == "SSE_S3":
            extra = {"ServerSideEncryption": "AES256"}
        elif encryption.get("EncryptionOption") == "SSE_KMS":
            extra = {"ServerSideEncryption": "aws:kms"}
            if encryption.get("KmsKey"):
                extra["SSEKMSKeyId"] = encryption["KmsKey"]
        try:
            self._client("s3", region).put_object(
                Bucket=bucket, Key=key, Body=csv_file(execution.answer), **extra
            )
        except Exception as error:  # Athena fails the query when it cannot write the results
            raise QueryError(f"Unable to write the results to {location}: {error}") from error
        execution.result_configuration = {
            **execution.result_configuration,
            "OutputLocation": f"s3://{bucket}/{key}",
        }

    def _describe(self, execution_id: str, execution: _Execution) -> dict[str, Any]:
        state = self._queries.state(execution)
        status: dict[str, Any] = {
            "State": state,
            "SubmissionDateTime": execution.submitted.timestamp(),
        }
        if state == "FAILED":
            status["StateChangeReason"] = execution.error
            status["AthenaError"] = {
                "ErrorCategory": 2,
                "ErrorType": 1006,
                "Retryable": False,
                "ErrorMessage": execution.error,
            }
        if state == "CANCELLED":
            status["StateChangeReason"] = "Query was cancelled by user"
        if state in FINAL:  # when it ended, not when asked
            status["CompletionDateTime"] = self._queries.completed(execution).timestamp()
        return {
            "QueryExecution": {
                "QueryExecutionId": execution_id,
                "Query": execution.query,
                "StatementType": "DML",
                "ResultConfiguration": execution.result_configuration,
                "QueryExecutionContext": execution.context,
                "Status": status,
                "WorkGroup": execution.workgroup,
                "EngineVersion": {
                    "SelectedEngineVersion": "AUTO",
                    "EffectiveEngineVersion": "Athena engine version 3",
                },
            }
        }

    def _results(self, start_response: Any, execution: _Execution, asked: dict[str, Any]) -> Any:
        state = self._queries.state(execution)
        if state != "SUCCEEDED" or execution.answer is None:
            if state in FINAL:
                return _invalid(
                    start_response, f"Query did not finish successfully. Final query state: {state}"
                )
            return _invalid(start_response, f"Query has not yet finished. Current state: {state}")
        limit = int(asked.get("MaxResults") or MAX_RESULTS)
        if not 1 <= limit <= MAX_RESULTS:
            return _invalid(start_response, f"MaxResults must be 1-{MAX_RESULTS}; got {limit}")
        start = int(asked.get("NextToken") or 0)
        result_set, following = page(execution.answer, start, limit)
        answer: dict[str, Any] = {"ResultSet": result_set, "UpdateCount": 0}
        if following is not None:
            answer["NextToken"] = str(following)
        return respond(start_response, "200 OK", json.dumps(answer).encode(), AWS_JSON)


def _invalid(start_response: Any, message: str) -> list[bytes]:
    error = {"__type": "InvalidRequestException", "Message": message}
    return respond(start_response, "400 Bad Request", json.dumps(error).encode(), AWS_JSON)
