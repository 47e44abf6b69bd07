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

from jobs.bulletins import publish_due_bulletins
from jobs.challenges import settle_due_challenges
from jobs.gamification import rebuild_leaderboards, snapshot_leaderboards
from jobs.insights import nightly_insights, refresh_rollups
from jobs.leagues import rollover_leagues
from jobs.learning import forward_xapi_statements
from jobs.notifications import send_digests, sweep_reminders
from jobs.outbox import sweep_outbox

# (job, schedule): `interval` in seconds or a `cron` expression, plus RQ job options.
PERIODIC_JOBS: list[tuple[Callable[..., Any], dict[str, Any]]] = [
    (sweep_outbox, {"interval": 60, "job_timeout": 300}),
    # Scheduled bulletins whose own publish job was lost (Redis flushed, worker down).
    (publish_due_bulletins, {"interval": 60, "job_timeout": 300}),
    # Statements left behind while the LRS was down longer than the job's retries.
    (forward_xapi_statements, {"interval": 600, "job_timeout": 600}),
    # Leaderboards rebuilt from the ledger every night (the ledger is the truth).
    (rebuild_leaderboards, {"cron": "15 3 * * *", "job_timeout": 3600}),
    # The week and month that just ended, frozen as they stood (keyed to the period).
    (snapshot_leaderboards, {"cron": "5 0 * * *", "job_timeout": 600}),
    # League weeks are ISO weeks in UTC: the first run after Monday 00:00 UTC closes last
    # week's cohorts; the hourly runs after it find nothing to do, or catch up a missed one.
    (rollover_leagues, {"cron": "10 * * * *", "job_timeout": 3600}),
    # Challenges that ended (or whose team reached its target) and were not settled yet:
    # each challenge also has its own job at its end; settling twice pays once.
    (settle_due_challenges, {"interval": 300, "job_timeout": 600}),
    # Reminders (and emails whose quiet hours ended or whose worker died): keyed to
    # (person, kind, subject, period), so a second scheduler or a rerun delivers nothing twice.
    (sweep_reminders, {"interval": 300, "job_timeout": 600}),
    # Digests at each person's local morning, keyed to (person, day or week).
    (send_digests, {"cron": "2 * * * *", "job_timeout": 1800}),
    # Insights: today's and yesterday's daily figures every hour; every night the last three
    # days (30 for bulletins), then everyone's segment. Delete + insert per day: reruns are no-ops.
    (refresh_rollups, {"cron": "20 * * * *", "job_timeout": 900}),
    (nightly_insights, {"cron": "40 2 * * *", "job_timeout": 3600}),
]

# Also usable as plain `rq cron jobs/cron.py` (the queue then comes from RQ_QUEUE).
for _func, _options in PERIODIC_JOBS:
    cron.register(_func, os.environ.get("RQ_QUEUE", "beacon"), **_options)
