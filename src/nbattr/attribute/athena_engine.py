"""The attribution queries of nbattr.attribute.sql run on Athena: the same SQL as on DuckDB,
rendered for Athena (Trino) and pointed at the athena-attribution module's table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .athena import AthenaRunner
from .sql import query

_RELATION = re.compile(r"\bcloudtrail_logs\b")


@dataclass
class AthenaEngine:
    """An `analysis.Engine` over `table` (in the runner's database) on Athena."""

    runner: AthenaRunner
    table: str

    def rows(self, name: str, **params: str) -> list[dict[str, Any]]:
        sql = _RELATION.sub(f'"{self.table}"', query(name, "athena", **params))
        return self.runner.rows(sql)
