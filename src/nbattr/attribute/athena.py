"""Run SQL on Athena and return its rows: the Athena engine of `nbattr attribute`.

The flow is the one the Athena API Reference documents: StartQueryExecution in a workgroup
with the database and catalog as context; GetQueryExecution until the state is final
(QUEUED and RUNNING are not; SUCCEEDED, FAILED and CANCELLED are, a failure's reason in
Status.StateChangeReason); then GetQueryResults page by page (MaxResults at most 1000,
NextToken), the first page of a SELECT beginning with a header row of the column names
(Athena User Guide, "Working with query results"). Values come back as text and are typed
here by each column's Type.

Polling backs off from `first_poll` doubling to `max_poll` seconds, on the given clock, and
gives up after `timeout` seconds, cancelling the query (StopQueryExecution) so that it does
not go on scanning, and billing, in the background.

Needs athena:StartQueryExecution, athena:GetQueryExecution, athena:GetQueryResults and
athena:StopQueryExecution on the workgroup; Athena itself then needs, as the caller,
glue:GetDatabase and glue:GetTable, s3:GetObject and s3:ListBucket on the trail bucket,
s3:PutObject/GetObject on the results location, and kms:GenerateDataKey/kms:Decrypt when
results or trail files are encrypted with a KMS key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ..verify.clock import Clock, SystemClock

DEFAULT_CATALOG = "AwsDataCatalog"
MAX_RESULTS = 1000  # GetQueryResults' maximum page size
FINAL_STATES = ("SUCCEEDED", "FAILED", "CANCELLED")


class AthenaQueryFailed(Exception):
    """The query ended FAILED or CANCELLED; the message carries Athena's reason."""


class AthenaTimeout(Exception):
    """The query was not done within the timeout; it has been cancelled."""


def _timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace(" UTC", "+00:00"))


_TYPED: dict[str, Callable[[str], Any]] = {
    "tinyint": int,
    "smallint": int,
    "integer": int,
    "int": int,
    "bigint": int,
    "double": float,
    "float": float,
    "real": float,
    "decimal": Decimal,
    "boolean": lambda text: text == "true",
    "date": date.fromisoformat,
    "timestamp": _timestamp,
    "timestamp with time zone": _timestamp,
}


def typed(text: str | None, athena_type: str) -> Any:
    """A VarCharValue as Python: numbers, booleans, dates and timestamps converted; text,
    arrays, rows, maps and JSON kept as Athena's text. None for NULL."""
    if text is None:
        return None
    convert = _TYPED.get(athena_type.lower())
    return text if convert is None else convert(text)


@dataclass
class AthenaRunner:
    """Runs SQL in one workgroup and database with a boto3 Athena client."""

    client: Any
    workgroup: str
    database: str
    catalog: str = DEFAULT_CATALOG
    clock: Clock = field(default_factory=SystemClock)
    timeout: float = 600.0
    first_poll: float = 0.5
    max_poll: float = 5.0
    page_size: int = MAX_RESULTS

    def rows(self, sql: str, parameters: list[str] | None = None) -> list[dict[str, Any]]:
        """The query's rows as dicts keyed by column name, typed (see `typed`).
        `parameters`: SQL literals for the query's `?` placeholders, in order."""
        execution_id = self.start(sql, parameters)
        self.wait(execution_id)
        return list(self.results(execution_id))

    def start(self, sql: str, parameters: list[str] | None = None) -> str:
        request: dict[str, Any] = {
            "QueryString": sql,
            "WorkGroup": self.workgroup,
            "QueryExecutionContext": {"Database": self.database, "Catalog": self.catalog},
        }
        if parameters:
            request["ExecutionParameters"] = parameters
        return str(self.client.start_query_execution(**request)["QueryExecutionId"])

    def wait(self, execution_id: str) -> None:
        """Poll until the query is final; raise unless it SUCCEEDED."""
        started = self.clock.monotonic()
        pause = self.first_poll
        while True:
            status = self.client.get_query_execution(QueryExecutionId=execution_id)[
                "QueryExecution"
            ]["Status"]
            state = status["State"]
            if state == "SUCCEEDED":
                return
            if state in FINAL_STATES:
                reason = status.get("StateChangeReason") or "no reason given"
                raise AthenaQueryFailed(f"Athena query {execution_id} {state}: {reason}")
            waited = self.clock.monotonic() - started
            if waited + pause > self.timeout:
                self.client.stop_query_execution(QueryExecutionId=execution_id)
                raise AthenaTimeout(
                    f"Athena query {execution_id} still {state} after {waited:.0f} s"
                    f" (timeout {self.timeout:.0f} s); cancelled it"
                )
            self.clock.sleep(pause)
            pause = min(pause * 2, self.max_poll)

    def results(self, execution_id: str) -> Iterator[dict[str, Any]]:
        """Every row of a SUCCEEDED query, page by page, the header row left out."""
        request: dict[str, Any] = {"QueryExecutionId": execution_id, "MaxResults": self.page_size}
        first = True
        while True:
            answer = self.client.get_query_results(**request)
            columns = answer["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
            rows = answer["ResultSet"]["Rows"]
            for row in rows[1:] if first else rows:
                yield {
                    column["Name"]: typed(datum.get("VarCharValue"), column["Type"])
                    for column, datum in zip(columns, row["Data"], strict=True)
                }
            first = False
            if not answer.get("NextToken"):
                return
            request["NextToken"] = answer["NextToken"]
