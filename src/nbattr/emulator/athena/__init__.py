"""Athena in the emulator: queries really run, on DuckDB, over the files in the emulator's S3.

moto 5.2.5's Athena answers every query SUCCEEDED with canned results. Here `tables` reads
a Glue table's files the way its SerDe and partition projection say, `engine` runs the Trino
SQL on DuckDB (transpiled with sqlglot), `results` shapes the answer as GetQueryResults and
the result file do, and `api` is the WSGI layer that answers Athena's query calls with them.
"""

from .api import AthenaApi, AthenaQueries

__all__ = ["AthenaApi", "AthenaQueries"]
