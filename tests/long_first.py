"""pytest-xdist's `loadgroup` scheduling, but no long test waits behind another.

pytest-xdist hands a worker its next tests before it needs them (up to two waiting), so a
long test could be queued behind another on a worker that would be busy for minutes while
the others ran out of work: in one run five workers ended at 210-214 s and one ran
`examples/vpc-kms`'s apply until 241 s, queued behind two other long applies. Each long test
(marked `long`) is a group of its own named LONG..., and a worker busy with one is handed
short tests meanwhile; long ones wait for a worker that has none.
"""

from __future__ import annotations

from xdist.scheduler import LoadGroupScheduling
from xdist.workermanage import WorkerController

LONG = "long-"


class LongApart(LoadGroupScheduling):
    def _assign_work_unit(self, node: WorkerController) -> None:
        assigned = self.assigned_work.get(node, {})
        busy = any(scope.startswith(LONG) and not all(done.values())
                   for scope, done in assigned.items())  # fmt: skip
        if busy:
            short = next((scope for scope in self.workqueue if not scope.startswith(LONG)), None)
            if short is not None:
                self.workqueue.move_to_end(short, last=False)  # handed out next
        super()._assign_work_unit(node)
