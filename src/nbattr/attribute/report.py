"""The attribution report: a table for people, JSON for tools, CSV and Parquet for analysts
(one row per finding, `kind` saying which: notebook, unattributed, spoofed, touch)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from ..analysis.calls import BASE_SESSION
from ..analysis.wording import header_lines, spoof_lines, unattributed_lines
from ..aws_command import write_report
from .findings import Attribution
from .sql import literal

FORMATS = ("table", "json", "csv", "parquet")
PARQUET_NEEDS_OUTPUT = "--format parquet writes a binary file: pass --output FILE"


def render_table(result: Attribution) -> str:
    lines = header_lines(
        result.role_arn,
        f"window   {result.since} to {result.until}    {result.files} log file(s) read",
        f"{'NOTEBOOK':<32} {'CALLS':>7}  {'FIRST SEEN':<20} {'LAST SEEN':<20} EVENTS / RESOURCES",
    )
    for notebook in result.notebooks.values():
        lines.append(
            f"{notebook.name:<32} {notebook.calls:>7}  {notebook.first_seen:<20} "
            f"{notebook.last_seen:<20} {', '.join(notebook.event_names)}"
        )
        lines += [f"{'':<83}{resource}" for resource in notebook.resources]
    if not result.notebooks:
        lines.append("(no call under a notebook's name)")
    lines.append("")
    lines += unattributed_lines(result.unattributed, result.origin)
    lines.append("")
    lines += spoof_lines(result.spoofs)
    if result.resource:
        lines += ["", f"TOUCHED {result.resource}: {len(result.touches)} call(s), newest first"]
        for touch in result.touches:
            who = touch.notebook or (
                f"unattributed (likely {touch.likely_from or 'unknown'})"
                if touch.likely_from is not None or touch.principal.endswith(f"/{BASE_SESSION}")
                else touch.principal
            )
            lines.append(
                f"  {touch.call.time:%Y-%m-%d %H:%M:%S}  {touch.call.event_name:<24} {who}"
            )
    return "\n".join(lines) + "\n"


def _document(result: Attribution) -> dict[str, Any]:
    return {
        "role_arn": result.role_arn,
        "since": result.since,
        "until": result.until,
        "files": result.files,
        "notebooks": {name: n.as_json() for name, n in result.notebooks.items()},
        "unattributed": [
            {
                "eventID": call.event_id,
                **call.as_json(),
                "likely_from": result.origins.get(call.event_id),
            }
            for call in result.unattributed
        ],
        "spoofed": [
            {
                "eventID": spoof.calls[0].event_id if spoof.calls else None,
                "eventIDs": [call.event_id for call in spoof.calls],
                **spoof.as_json(),
            }
            for spoof in result.spoofs
        ],
        "resource": result.resource,
        "touches": [{"eventID": t.call.event_id, **t.as_json()} for t in result.touches],
    }


def render_json(result: Attribution) -> str:
    return json.dumps(_document(result), indent=2) + "\n"


COLUMNS = (
    "kind", "notebook", "calls", "first_seen", "last_seen", "event_names", "resources",
    "eventID", "time", "event_name", "event_source", "source_ip", "region", "session_arn",
    "access_key_id", "likely_from", "claimed", "used_by", "evidence",
)  # fmt: skip


def rows(result: Attribution) -> list[dict[str, Any]]:
    """The report as one flat table."""
    document = _document(result)
    found: list[dict[str, Any]] = []
    for name, notebook in document["notebooks"].items():
        found.append({
            "kind": "notebook", "notebook": name, "calls": notebook["calls"],
            "first_seen": notebook["first_seen"], "last_seen": notebook["last_seen"],
            "event_names": " ".join(notebook["event_names"]),
            "resources": " ".join(notebook["resources"]),
        })  # fmt: skip
    found += [{"kind": "unattributed", **call} for call in document["unattributed"]]
    for spoof in document["spoofed"]:
        found.append({
            "kind": "spoofed", "eventID": " ".join(spoof["eventIDs"]), "claimed": spoof["claimed"],
            "used_by": spoof["used_by"], "evidence": spoof["evidence"],
        })  # fmt: skip
    found += [{"kind": "touch", **touch} for touch in document["touches"]]
    return [{column: row.get(column) for column in COLUMNS} for row in found]


def render_csv(result: Attribution) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(result))
    return buffer.getvalue()


def write_parquet(result: Attribution, output: Path) -> None:
    import duckdb

    connection = duckdb.connect()
    types = {column: "VARCHAR" for column in COLUMNS} | {"calls": "BIGINT"}
    connection.execute(
        "CREATE TABLE report (" + ", ".join(f'"{c}" {t}' for c, t in types.items()) + ")"
    )
    table = rows(result)
    if table:
        connection.executemany(
            f"INSERT INTO report VALUES ({', '.join('?' for _ in COLUMNS)})",
            [[row[column] for column in COLUMNS] for row in table],
        )
    connection.execute(f"COPY report TO {literal(str(output))} (FORMAT parquet)")


def write(result: Attribution, form: str, output: Path | None) -> None:
    if form == "parquet":
        assert output is not None, PARQUET_NEEDS_OUTPUT  # refused before any work (command.py)
        write_parquet(result, output)
        return
    renderers = {"table": render_table, "json": render_json, "csv": render_csv}
    write_report(renderers[form](result), output)
