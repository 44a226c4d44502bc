"""moto's reset, without building backends only to throw them away.

moto 5.2.5's `BackendDict.reset` calls every existing backend's `reset()`, which re-runs its
`__init__` (`BaseBackend.reset`), and then clears the dict that held it: each backend is
built once more and dropped, and the next request builds it again (lazily, through
`AccountSpecificBackend.__getitem__`). For IAM that is 1,600 managed policies, for EC2 a
region's AMI catalogue. Profiled under the suite, the rebuilds were a ninth of the workers'
CPU.

Here a backend's reset forgets its state instead of rebuilding it. Each service's own clean-up
still runs first (S3 closes its objects' temporary files, Batch stops its jobs: they override
`reset` and call up to this one last), and the dict is cleared as before, so the next request
finds a backend built afresh, exactly as after moto's own reset. Only a reference to a backend
kept across a reset would notice: it holds an emptied object instead of a rebuilt one. Nothing
in the emulator keeps one (each layer looks its backend up per request).
"""

from __future__ import annotations

from moto.core.base_backend import BaseBackend


def _forget(self: BaseBackend) -> None:
    """`BaseBackend.reset` without the rebuild: `BackendDict.reset` drops this object next."""
    self.__dict__ = {}


def install() -> None:
    """Process-wide, as moto's backends are."""
    BaseBackend.reset = _forget  # type: ignore[method-assign]
