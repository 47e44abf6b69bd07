"""The outbox sweep: hands RQ the jobs that could not be enqueued when they were recorded."""

from __future__ import annotations

from portal.queue import sweep_outbox as _sweep


def sweep_outbox() -> int:
    """Push pending outbox rows to RQ; return how many went. Safe to run any number of times."""
    return _sweep()
