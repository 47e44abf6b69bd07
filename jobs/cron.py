"""Periodic jobs, declared once for the scheduler (`flask scheduler`, RQ's cron).

Run exactly one scheduler: `rq cron` has no leader election, and interval jobs
also fire each time it starts. Every job here is idempotent or keyed to its
period, so a second scheduler started by mistake changes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from rq import cron

from jobs.gamification import rebuild_leaderboards, snapshot_leaderboards
from jobs.learning import forward_xapi_statements
from jobs.outbox import sweep_outbox

# (job, schedule): `interval` in seconds or a `cron` expression, plus RQ job options.
PERIODIC_JOBS: list[tuple[Callable[..., Any], dict[str, Any]]] = [
    (sweep_outbox, {"interval": 60, "job_timeout": 300}),
    # Statements left behind while the LRS was down longer than the job's retries.
    (forward_xapi_statements, {"interval": 600, "job_timeout": 600}),
    # Leaderboards rebuilt from the ledger every night (the ledger is the truth).
    (rebuild_leaderboards, {"cron": "15 3 * * *", "job_timeout": 3600}),
    # The week and month that just ended, frozen as they stood (keyed to the period).
    (snapshot_leaderboards, {"cron": "5 0 * * *", "job_timeout": 600}),
]

# Also usable as plain `rq cron jobs/cron.py` (the queue then comes from RQ_QUEUE).
for _func, _options in PERIODIC_JOBS:
    cron.register(_func, os.environ.get("RQ_QUEUE", "beacon"), **_options)
