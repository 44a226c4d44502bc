"""`nbattr attribute`: who did what, from a trail's log files (DuckDB) or Athena."""
