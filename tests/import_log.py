"""Reading what a `python -X importtime` run imported."""

from __future__ import annotations


def top_level_imports(stderr: str) -> set[str]:
    """The top-level packages named in an `-X importtime` report (one module per line, the
    name after the last `|`)."""
    return {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in stderr.splitlines()}
