"""The attribution queries, written once for DuckDB and for Athena (Trino).

Every query reads a relation named `cloudtrail_logs` whose columns are those of the table AWS
documents for CloudTrail logs in Athena (Athena User Guide, "Create the table for CloudTrail
logs in Athena using partition projection": lower-case eventversion, useridentity STRUCT(type,
principalid, arn, accountid, invokedby, accesskeyid, username, sessioncontext STRUCT(
attributes STRUCT(mfaauthenticated, creationdate), sessionissuer STRUCT(type, principalid,
arn, accountid, username))), eventtime (ISO string), eventsource, eventname, awsregion,
sourceipaddress, useragent, errorcode, errormessage, requestparameters (JSON string),
responseelements, additionaleventdata, requestid, eventid, resources ARRAY(STRUCT(arn,
accountid, type)), eventtype, apiversion, readonly (string), recipientaccountid,
sharedeventid, vpcendpointid). On Athena that is the Glue table; on DuckDB a view over the
trail's files (nbattr.attribute.duckdb_engine).

The SQL is the subset both engines run alike; what they spell differently (a JSON string
field, a sorted distinct list as text, one row per resource ARN, whether resources[] names an
ARN, Athena's `timestamp` partition filter) are `Dialect` hooks. Queries read only
`COLUMNS_READ`; of the structs only `FIELDS_READ`, of requestparameters only
`REQUEST_PARAMETERS_READ`.
Per-session rules (spoofing, where a bypass came from) run in Python over the small result of
`session_events` (nbattr.analysis, shared with verify); the SQL filters by role and groups.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ..sessions import BASE_SESSION_NAME

EngineName = Literal["duckdb", "athena"]

# The columns the queries read (an engine that copies rows need copy no other).
COLUMNS_READ = (
    "eventtime", "eventid", "eventname", "eventsource", "awsregion", "sourceipaddress",
    "errorcode", "useridentity", "requestparameters", "resources",
)  # fmt: skip
REQUEST_PARAMETERS_READ = ("roleArn", "roleSessionName", "bucketName", "key")  # '$.<key>'
# The fields of the struct columns the queries read, as CloudTrail spells them (DuckDB reads
# struct fields case-blind, as Athena does: `useridentity.sessioncontext` finds sessionContext).
FIELDS_READ = {
    "useridentity": ("type", "arn", "accessKeyId", "sessionContext.sessionIssuer.arn",
                     "sessionContext.sessionIssuer.userName"),
    "resources": ("ARN",),  # of each element
}  # fmt: skip


@dataclass(frozen=True)
class Dialect:
    # (requestparameters, '$.key') -> the key's value as text, or NULL
    json_text: Callable[[str, str], str]
    sorted_set: Callable[[str], str]  # aggregate: distinct values, sorted, joined by ','
    resource_arns: str  # FROM-clause tail: one row per resources[] entry, ...
    resource_arn: str  # ... whose ARN this names
    partition_filter: Callable[[str, str], str]  # (first day, last day) 'YYYY/MM/DD' -> SQL
    lists_resource: Callable[[str], str]  # (ARN literal) -> whether resources[] names it


DIALECTS: dict[EngineName, Dialect] = {
    "duckdb": Dialect(
        # The engine reads requestparameters as a struct of REQUEST_PARAMETERS_READ: parsing
        # the JSON once, not once per query.
        json_text=lambda column, path: f'{column}."{path.removeprefix("$.")}"',
        sorted_set=lambda value: f"string_agg(DISTINCT {value}, ',' ORDER BY {value})",
        resource_arns="CROSS JOIN UNNEST(resources) AS unnested (resource)",
        resource_arn="unnested.resource.arn",
        # The reader prunes files by their date folders before DuckDB sees them.
        partition_filter=lambda first, last: "TRUE",
        # A list comprehension, not a join with UNNEST: DuckDB filters after such a join.
        lists_resource=lambda arn: f"list_contains([r.arn FOR r IN resources], {arn})",
    ),
    "athena": Dialect(
        json_text=lambda column, path: f"json_extract_scalar({column}, '{path}')",
        sorted_set=lambda value: f"array_join(array_sort(array_agg(DISTINCT {value})), ',')",
        # Trino unnests an array of rows into one column per field.
        resource_arns="CROSS JOIN UNNEST(resources) AS unnested (resource_arn_, "
        "resource_accountid_, resource_type_)",
        resource_arn="resource_arn_",
        # AWS's table is partitioned by `timestamp` ('yyyy/MM/dd', projected).
        partition_filter=lambda first, last: f"\"timestamp\" BETWEEN '{first}' AND '{last}'",
        lists_resource=lambda arn: f"contains(transform(resources, r -> r.arn), {arn})",
    ),
}


def literal(value: str) -> str:
    """A SQL string literal (both engines: single quotes, doubled inside)."""
    return "'" + value.replace("'", "''") + "'"


def _session(column: str = "useridentity.arn") -> str:
    """The role session name: the last part of an assumed-role ARN."""
    return f"regexp_extract({column}, '[^/]+$')"


def _in_window(since: str, until: str, first_day: str, last_day: str, d: Dialect) -> str:
    return (
        f"eventtime >= {literal(since)} AND eventtime < {literal(until)} "
        f"AND {d.partition_filter(first_day, last_day)}"
    )


def _of_role(role_arn: str, d: Dialect, **window: str) -> str:
    """Events made by a session of this role in the window."""
    return (
        f"useridentity.type = 'AssumedRole' "
        f"AND useridentity.sessioncontext.sessionissuer.arn = {literal(role_arn)} "
        f"AND {_in_window(d=d, **window)}"
    )


def _notebooks(d: Dialect, role_arn: str, **window: str) -> str:
    """Per notebook session of the role (every session but the bare base one): calls, first
    and last seen, event names."""
    return f"""
SELECT {_session()} AS notebook,
       count(*) AS calls,
       min(eventtime) AS first_seen,
       max(eventtime) AS last_seen,
       {d.sorted_set("eventname")} AS event_names
FROM cloudtrail_logs
WHERE {_of_role(role_arn, d=d, **window)}
  AND {_session()} <> {literal(BASE_SESSION_NAME)}
GROUP BY {_session()}
ORDER BY notebook"""


def _s3_object_arn(d: Dialect) -> str:
    """arn:aws:s3:::bucket/key from requestParameters (S3 data events name both there)."""
    bucket = d.json_text("requestparameters", "$.bucketName")
    key = d.json_text("requestparameters", "$.key")
    return f"'arn:aws:s3:::' || {bucket} || '/' || {key}"


def _notebook_resources(d: Dialect, role_arn: str, **window: str) -> str:
    """Per notebook session: each resource it touched (resources[].arn, and S3 objects named in
    requestParameters; a resource without ARN comes out NULL). Each side is grouped before
    the union, and the unnested column is not filtered on: either makes DuckDB filter after
    the join, ten times as slow."""
    of_role = (
        f"{_of_role(role_arn, d=d, **window)} AND {_session()} <> {literal(BASE_SESSION_NAME)}"
    )
    return f"""
SELECT {_session()} AS notebook, {d.resource_arn} AS resource
FROM cloudtrail_logs {d.resource_arns}
WHERE {of_role}
GROUP BY 1, 2
UNION
SELECT {_session()} AS notebook, {_s3_object_arn(d)} AS resource
FROM cloudtrail_logs
WHERE {of_role} AND {d.json_text("requestparameters", "$.key")} IS NOT NULL
GROUP BY 1, 2
ORDER BY notebook, resource"""


def _event_columns(d: Dialect) -> str:
    return f"""eventtime, eventid, eventname, eventsource, awsregion, sourceipaddress, errorcode,
       useridentity.type AS identity_type, useridentity.arn AS session_arn,
       useridentity.accesskeyid AS access_key_id,
       useridentity.sessioncontext.sessionissuer.arn AS issuer_arn,
       {d.json_text("requestparameters", "$.roleArn")} AS requested_role_arn,
       {d.json_text("requestparameters", "$.roleSessionName")} AS requested_session_name"""


def _session_events(d: Dialect, role_arn: str, **window: str) -> str:
    """What the per-session rules need: every call of the role's bare base session, and every
    AssumeRole of the role by the role (the hops that name sessions)."""
    return f"""
SELECT {_event_columns(d)}
FROM cloudtrail_logs
WHERE {_of_role(role_arn, d=d, **window)}
  AND ({_session()} = {literal(BASE_SESSION_NAME)}
       OR (eventname = 'AssumeRole'
           AND {d.json_text("requestparameters", "$.roleArn")} = {literal(role_arn)}))
ORDER BY eventtime, eventid"""


def _resource_events(d: Dialect, resource_arn: str, bucket: str, key: str, **window: str) -> str:
    """Every call, by anyone, that touched `resource_arn` (in resources[], or as the S3
    bucket/key of requestParameters), newest first."""
    by_parameters = f"{d.json_text('requestparameters', '$.bucketName')} = {literal(bucket)}"
    if key:
        by_parameters += f" AND {d.json_text('requestparameters', '$.key')} = {literal(key)}"
    elif not bucket:
        by_parameters = "FALSE"
    return f"""
SELECT {_event_columns(d)}
FROM cloudtrail_logs
WHERE {_in_window(d=d, **window)}
  AND ({d.lists_resource(literal(resource_arn))} OR ({by_parameters}))
ORDER BY eventtime DESC, eventid"""


def _role_arns(d: Dialect, role_name: str, **window: str) -> str:
    """The ARNs of roles named `role_name` whose sessions made calls (to resolve --role NAME
    from the trail alone)."""
    return f"""
SELECT DISTINCT useridentity.sessioncontext.sessionissuer.arn AS role_arn
FROM cloudtrail_logs
WHERE useridentity.type = 'AssumedRole'
  AND useridentity.sessioncontext.sessionissuer.username = {literal(role_name)}
  AND {_in_window(d=d, **window)}
ORDER BY role_arn"""


QUERIES: dict[str, Callable[..., str]] = {
    "role_arns": _role_arns,
    "notebooks": _notebooks,
    "notebook_resources": _notebook_resources,
    "session_events": _session_events,
    "resource_events": _resource_events,
}


def query(name: str, dialect: EngineName, **params: str) -> str:
    """The query `name` for `dialect`. Every query takes the window: since, until (ISO 8601
    UTC, as eventtime is written) and first_day, last_day ('YYYY/MM/DD', the partitions to
    read); `notebooks`, `notebook_resources` and `session_events` take role_arn;
    `resource_events` takes resource_arn, bucket and key (empty when not S3); `role_arns`
    takes role_name."""
    if name not in QUERIES:
        raise KeyError(f"no query {name!r}; there are {', '.join(sorted(QUERIES))}")
    return QUERIES[name](DIALECTS[dialect], **params).strip() + "\n"
