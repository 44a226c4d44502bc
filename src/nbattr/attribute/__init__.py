"""`nbattr attribute`: who did what, over CloudTrail log files (DuckDB) or on Athena."""
