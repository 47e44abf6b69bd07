"""Jobs of the insights domain: the daily roll-ups and the nightly segments.

Each recompute deletes and inserts the days it covers in one transaction,
so a job that runs twice (two schedulers, an RQ retry) leaves the same rows.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from portal.db import db, utcnow
from portal.insights import rollups, segments
from portal.queue import DEFAULT_RETRY, get_queue

log = logging.getLogger(__name__)

PART_OPTIONS = {"job_timeout": 1800, "retry": DEFAULT_RETRY}


def refresh_rollups() -> dict[str, int]:
    """Recompute today and yesterday (hourly), so dashboards are at most an hour behind."""
    today = utcnow().date()
    result = rollups.recompute(today - timedelta(days=1), today)
    db.session.commit()
    return {"person_rows": result.person_rows, "team_rows": result.team_rows}


def nightly_insights() -> dict[str, int]:
    """The last three days' roll-ups, the last 30 days' bulletins, then everyone's segment."""
    now = utcnow()
    result = rollups.recompute_recent(now)
    db.session.commit()
    counts = segments.compute(now)
    db.session.commit()
    log.info(
        "insights: %s person rows, %s team rows; segments %s",
        result.person_rows,
        result.team_rows,
        {s.value: n for s, n in counts.items()},
    )
    return {"person_rows": result.person_rows, **{s.value: n for s, n in counts.items()}}


def rollup_range(start: str, end: str) -> dict[str, int]:
    """Recompute the roll-ups of any range of days (ISO dates), on demand; then the segments.

    Up to two months are done here; a longer range is fanned out to one job per
    month of days (each its own transaction, well inside a job's time limit),
    with the segments after the last of them.
    """
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    parts = list(rollups.chunks(first, last))
    if len(parts) > 2:
        queue = get_queue()
        jobs = [
            queue.enqueue(rollup_days, a.isoformat(), b.isoformat(), **PART_OPTIONS)
            for a, b in parts
        ]
        queue.enqueue(compute_segments, depends_on=jobs, **PART_OPTIONS)
        return {"parts": len(jobs)}
    result = rollups.recompute(first, last)
    db.session.commit()
    segments.compute()
    db.session.commit()
    return {"person_rows": result.person_rows, "team_rows": result.team_rows}


def rollup_days(start: str, end: str) -> int:
    """Recompute one part of a long on-demand range (at most a month of days)."""
    result = rollups.recompute(date.fromisoformat(start), date.fromisoformat(end))
    db.session.commit()
    return result.person_rows


def compute_segments() -> dict[str, int]:
    """Everyone's segment as of now (after a rebuild of past days)."""
    counts = segments.compute()
    db.session.commit()
    return {s.value: n for s, n in counts.items()}
