"""Jobs of the badge domain: giving a new badge to the people who already meet its rule."""

from __future__ import annotations

import logging

from sqlalchemy import select

from portal.accounts.models import User
from portal.db import db
from portal.gamification import badge_admin, badges
from portal.gamification.badge_models import Badge

log = logging.getLogger(__name__)

BATCH = 500  # people per transaction


def backfill_badge(badge_id: int, batch_size: int = BATCH) -> int:
    """Issue `badge_id` to everyone who meets its rule and lacks it; return how many got it.

    Idempotent: issuing is keyed on (badge, person), so a second run (or RQ's
    retry after a crash half-way) issues only what is still missing. Commits
    after each batch of people; stops when the badge is retired or deleted.
    """
    badge = db.session.get(Badge, badge_id)
    if badge is None or badge.retired:
        db.session.rollback()
        return 0
    user_ids = badge_admin.qualifying_user_ids(badge)
    db.session.commit()
    issued = 0
    for start in range(0, len(user_ids), batch_size):
        badge = db.session.get(Badge, badge_id)
        if badge is None or badge.retired:
            break
        chunk = user_ids[start : start + batch_size]
        for user in db.session.scalars(select(User).where(User.id.in_(chunk))):
            issued += badges.issue(user, badge) is not None
        db.session.commit()
        badges.pop_new_badges()  # nobody to show a toast to in a job
    log.info("badge %s backfilled: %d issued", badge_id, issued)
    return issued
