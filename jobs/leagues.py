"""Jobs of the leagues: the weekly rollover."""

from __future__ import annotations

import logging

from portal.db import db, utcnow
from portal.gamification import leagues

log = logging.getLogger(__name__)


def rollover_leagues() -> dict[str, int]:
    """Close every cohort whose week is over, one transaction per cohort; return counts.

    Safe to run twice, or twice at once: a closed cohort is skipped, and each
    cohort is locked while it closes. Scheduled hourly (jobs/cron.py), so the
    first run after Monday 00:00 UTC rolls the week over and a missed run
    catches up at the next.
    """
    now = utcnow()
    due = leagues.cohorts_due(now)
    db.session.rollback()  # end the read transaction; each cohort gets its own
    closed = members = 0
    for cohort_id in due:
        found = leagues.close_cohort(cohort_id, now)
        db.session.commit()
        if found is not None:
            closed += 1
            members += len(found)
    counts = {"due": len(due), "closed": closed, "members": members}
    if due:
        log.info("league rollover: %s", counts)
    return counts
